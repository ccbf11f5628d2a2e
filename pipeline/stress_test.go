package pipeline

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestEndingAtAnyPoint ends pipelines of every stage kind at many points,
// in every way a pipeline can end early, and checks that each returns the
// right error and (through TestMain's goleak) leaves nothing behind. A
// missed wake-up shows up as a hang.
func TestEndingAtAnyPoint(t *testing.T) {
	shapes := []struct {
		name  string
		build func(s *Stream[int]) *Stream[int]
	}{
		{"serial", func(s *Stream[int]) *Stream[int] { return Filter(Map(s, square1), keepAll) }},
		{"unordered", func(s *Stream[int]) *Stream[int] { return Map(s, square1, WithWorkers(3)) }},
		{"ordered", func(s *Stream[int]) *Stream[int] {
			return Map(s, square1, WithWorkers(3), WithOrdered(), WithBuffer(1))
		}},
		{"flatmap batch", func(s *Stream[int]) *Stream[int] {
			b := Batch(FlatMap(s, func(_ context.Context, v int) ([]int, error) { return []int{v, v}, nil }), 5, time.Millisecond)
			return FlatMap(b, func(_ context.Context, v []int) ([]int, error) { return v, nil }, WithWorkers(2))
		}},
	}
	ends := []struct {
		name string
		want func(parent error) error // Wait's error, given the parent's
		// end is called by the sink at item k; stage fails at item k when fail.
		fail bool
		end  func(p *Pipeline, cancel context.CancelFunc)
	}{
		{"Stop", func(error) error { return nil }, false, func(p *Pipeline, _ context.CancelFunc) { p.Stop() }},
		{"parent cancel", func(parent error) error { return parent }, false, func(_ *Pipeline, cancel context.CancelFunc) { cancel() }},
		{"stage error", func(error) error { return errBoom }, true, nil},
		{"break", func(error) error { return nil }, false, nil},
	}
	for _, sh := range shapes {
		for _, end := range ends {
			t.Run(sh.name+"/"+end.name, func(t *testing.T) {
				for k := range 40 {
					ctx, cancel := context.WithCancel(context.Background())
					p := New(ctx)
					src := From(p, endless)
					if end.fail {
						src = Map(src, func(_ context.Context, v int) (int, error) {
							if v == k*7 {
								return 0, errBoom
							}
							return v, nil
						})
					}
					n := 0
					for range sh.build(src).All() {
						if n == k*7 {
							if end.end == nil && !end.fail {
								break // All stops the pipeline
							}
							if end.end != nil {
								end.end(p, cancel)
							}
						}
						n++
					}
					err := p.Wait()
					if want := end.want(ctx.Err()); want == nil {
						require.NoError(t, err, fmt.Sprint("k=", k))
					} else {
						require.True(t, errors.Is(err, want), "k=%d: got %v, want %v", k, err, want)
					}
					cancel()
				}
			})
		}
	}
}

package errgroup

import (
	"context"
	"testing"
)

func BenchmarkGoWait(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []Option
	}{
		{name: "nolimit"},
		{name: "limit8", opts: []Option{WithLimit(8)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			task := func(context.Context) error { return nil }
			for b.Loop() {
				g, _ := New(context.Background(), bc.opts...)
				for range 100 {
					g.Go(task)
				}
				_ = g.Wait()
			}
		})
	}
}

func BenchmarkResults(b *testing.B) {
	b.ReportAllocs()
	task := func(context.Context) (int, error) { return 1, nil }
	for b.Loop() {
		r, _ := NewResults[int](context.Background())
		for range 100 {
			r.Go(task)
		}
		_, _ = r.Wait()
	}
}

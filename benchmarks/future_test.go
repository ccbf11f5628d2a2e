package benchmarks

import (
	"context"
	"testing"

	"github.com/weavego/weave/future"
)

// BenchmarkFuture runs a trivial function on a goroutine and waits for its
// result: future.Go + Get (with panic capture and a ctx-bounded wait)
// against the bare idiom of a goroutine sending to a buffered channel.
func BenchmarkFuture(b *testing.B) {
	ctx := context.Background()
	b.Run("weave", func(b *testing.B) {
		b.ReportAllocs()
		fn := func(context.Context) (int, error) { return 1, nil }
		for b.Loop() {
			v, err := future.Go(ctx, fn).Get(ctx)
			if err != nil || v != 1 {
				b.Fatal(v, err)
			}
		}
	})
	b.Run("chan", func(b *testing.B) {
		b.ReportAllocs()
		type result struct {
			v   int
			err error
		}
		fn := func(context.Context) (int, error) { return 1, nil }
		for b.Loop() {
			ch := make(chan result, 1)
			go func() {
				v, err := fn(ctx)
				ch <- result{v, err}
			}()
			r := <-ch
			if r.err != nil || r.v != 1 {
				b.Fatal(r.v, r.err)
			}
		}
	})
}

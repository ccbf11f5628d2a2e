package benchmarks

import (
	"context"
	"testing"

	"github.com/weavego/weave/errgroup"
	xerrgroup "golang.org/x/sync/errgroup"
)

// BenchmarkErrgroup starts 100 trivial tasks and waits for them. weave's
// Group also recovers panics and hands each task the group's context, so
// this measures what those cost on top of x/sync.
func BenchmarkErrgroup(b *testing.B) {
	const tasks = 100
	b.Run("weave", func(b *testing.B) {
		b.ReportAllocs()
		task := func(context.Context) error { return nil }
		for b.Loop() {
			g, _ := errgroup.New(context.Background())
			for range tasks {
				g.Go(task)
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("xsync", func(b *testing.B) {
		b.ReportAllocs()
		task := func() error { return nil }
		for b.Loop() {
			g, _ := xerrgroup.WithContext(context.Background())
			for range tasks {
				g.Go(task)
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package workerpool

import (
	"context"
	"sync"
	"testing"
)

// BenchmarkSubmit measures one task through the pool: Submit, run, and the
// worker's bookkeeping, with a steady stream from one producer.
func BenchmarkSubmit(b *testing.B) {
	for _, tt := range []struct {
		name string
		ctx  context.Context
	}{
		{"background", context.Background()},
		{"cancelable", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			b.Cleanup(cancel)
			return ctx
		}()},
	} {
		b.Run(tt.name, func(b *testing.B) {
			p := New(8)
			defer p.Close()
			var wg sync.WaitGroup
			task := func(context.Context) error { wg.Done(); return nil }
			b.ReportAllocs()
			for b.Loop() {
				wg.Add(1)
				if err := p.Submit(tt.ctx, task); err != nil {
					b.Fatal(err)
				}
			}
			wg.Wait()
		})
	}
}

// BenchmarkSubmitParallel has every P submit at once.
func BenchmarkSubmitParallel(b *testing.B) {
	p := New(8)
	defer p.Close()
	task := func(context.Context) error { return nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if err := p.Submit(ctx, task); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGroup measures a batch of 100 tasks gathered by a Group.
func BenchmarkGroup(b *testing.B) {
	p := New(8)
	defer p.Close()
	b.ReportAllocs()
	for b.Loop() {
		g, _ := NewGroup[int](context.Background(), p)
		for i := range 100 {
			_ = g.Submit(func(context.Context) (int, error) { return i, nil })
		}
		if _, err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

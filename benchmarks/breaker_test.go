package benchmarks

import (
	"context"
	"testing"

	"github.com/sony/gobreaker/v2"
	"github.com/weavego/weave/breaker"
)

// BenchmarkBreaker measures the overhead a breaker adds to a healthy call:
// the closed state with a function that succeeds at once.
func BenchmarkBreaker(b *testing.B) {
	ctx := context.Background()
	b.Run("weave", func(b *testing.B) {
		br := breaker.New()
		fn := func(context.Context) error { return nil }
		b.ReportAllocs()
		for b.Loop() {
			if err := br.Do(ctx, fn); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gobreaker", func(b *testing.B) {
		cb := gobreaker.NewCircuitBreaker[any](gobreaker.Settings{Name: "bench"})
		fn := func() (any, error) { return nil, nil }
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cb.Execute(fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBreakerParallel is BenchmarkBreaker with every P calling the
// same breaker: it shows whether admission serialises callers.
func BenchmarkBreakerParallel(b *testing.B) {
	ctx := context.Background()
	b.Run("weave", func(b *testing.B) {
		br := breaker.New()
		fn := func(context.Context) error { return nil }
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := br.Do(ctx, fn); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("gobreaker", func(b *testing.B) {
		cb := gobreaker.NewCircuitBreaker[any](gobreaker.Settings{Name: "bench"})
		fn := func() (any, error) { return nil, nil }
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := cb.Execute(fn); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

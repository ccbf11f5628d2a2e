package future

import (
	"context"
	"testing"
)

func BenchmarkGoGet(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	for b.Loop() {
		if _, err := Go(ctx, fn).Get(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPromise(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		p := NewPromise[int]()
		p.Resolve(1)
		if _, err := p.Future().Get(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkThen(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	fn := func(_ context.Context, v int) (int, error) { return v + 1, nil }
	for b.Loop() {
		p := NewPromise[int]()
		f := Then(ctx, p.Future(), fn)
		p.Resolve(1)
		if _, err := f.Get(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAll(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	fs := make([]*Future[int], 16)
	for b.Loop() {
		for i := range fs {
			fs[i] = Go(ctx, fn)
		}
		if _, err := All(ctx, fs...); err != nil {
			b.Fatal(err)
		}
	}
}

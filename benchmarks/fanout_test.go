package benchmarks

import (
	"context"
	"testing"

	"github.com/sourcegraph/conc/iter"
	"github.com/weavego/weave/fanout"
)

// BenchmarkFanoutMap maps a trivial function over 10k items with 4 workers:
// weave's fanout.Map (context, fail fast, panics as errors) against conc's
// iter.Mapper.
func BenchmarkFanoutMap(b *testing.B) {
	const n, workers = 10_000, 4
	items := make([]int, n)
	for i := range items {
		items[i] = i
	}
	check := func(b *testing.B, out []int) {
		if len(out) != n || out[n-1] != 2*(n-1) {
			b.Fatalf("bad result: len %d", len(out))
		}
	}

	b.Run("weave", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			out, err := fanout.Map(ctx, items, workers, func(_ context.Context, v int) (int, error) { return 2 * v, nil })
			if err != nil {
				b.Fatal(err)
			}
			check(b, out)
		}
	})

	b.Run("conc", func(b *testing.B) {
		b.ReportAllocs()
		m := iter.Mapper[int, int]{MaxGoroutines: workers}
		for b.Loop() {
			out, err := m.MapErr(items, func(v *int) (int, error) { return 2 * *v, nil })
			if err != nil {
				b.Fatal(err)
			}
			check(b, out)
		}
	})
}

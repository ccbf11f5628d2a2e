package benchmarks

import (
	"context"
	"testing"

	"github.com/weavego/weave/pipeline"
)

const pipelineItems = 100_000

// BenchmarkPipeline runs source → square → keep even → sum over 100k ints:
// weave's pipeline against the textbook version, one goroutine and one
// unbuffered channel per stage.
func BenchmarkPipeline(b *testing.B) {
	items := make([]int, pipelineItems)
	for i := range items {
		items[i] = i
	}
	want := 0
	for _, v := range items {
		if v*v%2 == 0 {
			want += v * v
		}
	}

	b.Run("weave", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p := pipeline.New(context.Background())
			src := pipeline.FromSlice(p, items)
			sq := pipeline.Map(src, func(_ context.Context, v int) (int, error) { return v * v, nil })
			even := pipeline.Filter(sq, func(_ context.Context, v int) (bool, error) { return v%2 == 0, nil })
			sum, err := pipeline.Reduce(even, 0, func(acc, v int) int { return acc + v })
			if err != nil || sum != want {
				b.Fatalf("sum %d err %v, want %d", sum, err, want)
			}
		}
	})

	b.Run("channels", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ctx, cancel := context.WithCancel(context.Background())
			gen := func(ctx context.Context, items []int) <-chan int {
				out := make(chan int)
				go func() {
					defer close(out)
					for _, v := range items {
						select {
						case out <- v:
						case <-ctx.Done():
							return
						}
					}
				}()
				return out
			}
			square := func(ctx context.Context, in <-chan int) <-chan int {
				out := make(chan int)
				go func() {
					defer close(out)
					for v := range in {
						select {
						case out <- v * v:
						case <-ctx.Done():
							return
						}
					}
				}()
				return out
			}
			even := func(ctx context.Context, in <-chan int) <-chan int {
				out := make(chan int)
				go func() {
					defer close(out)
					for v := range in {
						if v%2 != 0 {
							continue
						}
						select {
						case out <- v:
						case <-ctx.Done():
							return
						}
					}
				}()
				return out
			}
			sum := 0
			for v := range even(ctx, square(ctx, gen(ctx, items))) {
				sum += v
			}
			cancel()
			if sum != want {
				b.Fatalf("sum %d, want %d", sum, want)
			}
		}
	})
}

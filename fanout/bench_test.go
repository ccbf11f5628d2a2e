package fanout

import (
	"context"
	"testing"
)

func BenchmarkMap(b *testing.B) {
	items := ints(10_000)
	for _, workers := range []int{1, 4} {
		b.Run("workers="+string(rune('0'+workers)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Map(context.Background(), items, workers, func(_ context.Context, v int) (int, error) { return v, nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchChannels(b *testing.B, start func(ctx context.Context, in <-chan int) []<-chan int) {
	b.ReportAllocs()
	for b.Loop() {
		in := make(chan int)
		outs := start(context.Background(), in)
		go func() {
			defer close(in)
			for i := range 1000 {
				in <- i
			}
		}()
		done := make(chan struct{})
		for _, out := range outs {
			go func() {
				for range out {
				}
				done <- struct{}{}
			}()
		}
		for range outs {
			<-done
		}
	}
}

func BenchmarkMerge(b *testing.B) {
	benchChannels(b, func(ctx context.Context, in <-chan int) []<-chan int {
		return []<-chan int{Merge(ctx, in)}
	})
}

func BenchmarkDistribute(b *testing.B) {
	benchChannels(b, func(ctx context.Context, in <-chan int) []<-chan int { return Distribute(ctx, in, 4) })
}

func BenchmarkBroadcast(b *testing.B) {
	benchChannels(b, func(ctx context.Context, in <-chan int) []<-chan int { return Broadcast(ctx, in, 4) })
}

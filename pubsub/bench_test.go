package pubsub

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkPublishReady measures Publish to subscribers that always have
// room: the hot path that must not allocate.
func BenchmarkPublishReady(b *testing.B) {
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprint("subs=", n), func(b *testing.B) {
			bus := New[int](WithBuffer(1))
			defer bus.Close()
			subs := make([]*Subscription[int], n)
			for i := range subs {
				subs[i], _ = bus.Subscribe("a.*")
			}
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				_, _ = bus.Publish(ctx, "a.b", i)
				for _, s := range subs {
					<-s.ch
				}
			}
		})
	}
}

// BenchmarkPublishParallel measures concurrent publishers to DropNewest
// subscribers that are always full: the contention path.
func BenchmarkPublishParallel(b *testing.B) {
	bus := New[int](WithBuffer(1), WithPolicy(DropNewest))
	defer bus.Close()
	for range 4 {
		_, _ = bus.Subscribe("a.>")
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = bus.Publish(ctx, "a.b.c", 1)
		}
	})
}

func BenchmarkSubscribeUnsubscribe(b *testing.B) {
	bus := New[int]()
	defer bus.Close()
	for range 100 {
		_, _ = bus.Subscribe("x.*")
	}
	b.ReportAllocs()
	for b.Loop() {
		s, _ := bus.Subscribe("a.>")
		s.Unsubscribe()
	}
}

package benchmarks

import (
	"context"
	"sync"
	"testing"

	cskr "github.com/cskr/pubsub/v2"
	"github.com/weavego/weave/pubsub"
)

// fanout publishes msgs messages per op from one goroutine to subs
// subscribers, each draining its channel in its own goroutine, under a
// blocking policy with a buffer of 64 in both libraries. Each op ends when
// every subscriber has received every message of the op.
func benchPubsubFanout(b *testing.B, subs, msgs int) {
	b.Run("weave", func(b *testing.B) {
		bus := pubsub.New[int](pubsub.WithBuffer(64), pubsub.WithPolicy(pubsub.Block))
		var wg sync.WaitGroup
		got := make(chan int, subs)
		for range subs {
			s, err := bus.Subscribe("bench.topic")
			if err != nil {
				b.Fatal(err)
			}
			wg.Go(func() { drainUntil(s.C(), msgs, got, func(m pubsub.Message[int]) int { return m.Value }) })
		}
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			for i := range msgs {
				if n, err := bus.Publish(ctx, "bench.topic", i); err != nil || n != subs {
					b.Fatal(n, err)
				}
			}
			waitOp(got, subs)
		}
		b.StopTimer()
		_ = bus.Close()
		wg.Wait()
	})
	b.Run("cskr", func(b *testing.B) {
		ps := cskr.New[string, int](64)
		var wg sync.WaitGroup
		got := make(chan int, subs)
		for range subs {
			ch := ps.Sub("bench.topic")
			wg.Go(func() { drainUntil(ch, msgs, got, func(v int) int { return v }) })
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			for i := range msgs {
				ps.Pub(i, "bench.topic")
			}
			waitOp(got, subs)
		}
		b.StopTimer()
		ps.Shutdown()
		wg.Wait()
	})
}

// drainUntil reads ch until it is closed, checking that values arrive in
// order and reporting on got each time a full op of msgs has arrived.
func drainUntil[M any](ch <-chan M, msgs int, got chan<- int, value func(M) int) {
	next := 0
	for m := range ch {
		if v := value(m); v != next {
			panic("out of order")
		}
		next++
		if next == msgs {
			next = 0
			got <- 1
		}
	}
}

func waitOp(got <-chan int, subs int) {
	for range subs {
		<-got
	}
}

func BenchmarkPubsubFanout16(b *testing.B)   { benchPubsubFanout(b, 16, 10_000) }
func BenchmarkPubsubFanout1000(b *testing.B) { benchPubsubFanout(b, 1000, 200) }

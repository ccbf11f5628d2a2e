package benchmarks

import (
	"context"
	"testing"

	"github.com/weavego/weave/semaphore"
	xsem "golang.org/x/sync/semaphore"
)

// BenchmarkSemaphoreUncontended is one goroutine taking and giving back a
// permit: the cost every caller pays even when the limit is never reached.
func BenchmarkSemaphoreUncontended(b *testing.B) {
	ctx := context.Background()
	b.Run("weave", func(b *testing.B) {
		s := semaphore.New(1)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Acquire(ctx); err != nil {
				b.Fatal(err)
			}
			s.Release()
		}
	})
	b.Run("xsync", func(b *testing.B) {
		s := xsem.NewWeighted(1)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Acquire(ctx, 1); err != nil {
				b.Fatal(err)
			}
			s.Release(1)
		}
	})
}

// BenchmarkSemaphoreContended has GOMAXPROCS goroutines sharing two permits.
func BenchmarkSemaphoreContended(b *testing.B) {
	ctx := context.Background()
	b.Run("weave", func(b *testing.B) {
		s := semaphore.New(2)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.Acquire(ctx); err != nil {
					b.Error(err)
					return
				}
				s.Release()
			}
		})
	})
	b.Run("xsync", func(b *testing.B) {
		s := xsem.NewWeighted(2)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.Acquire(ctx, 1); err != nil {
					b.Error(err)
					return
				}
				s.Release(1)
			}
		})
	})
}

// BenchmarkSemaphoreWaiting runs 8 goroutines per CPU on two permits, so
// most acquires queue and most releases hand a permit to a waiter.
func BenchmarkSemaphoreWaiting(b *testing.B) {
	ctx := context.Background()
	b.Run("weave", func(b *testing.B) {
		s := semaphore.New(2)
		b.ReportAllocs()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.Acquire(ctx); err != nil {
					b.Error(err)
					return
				}
				s.Release()
			}
		})
	})
	b.Run("xsync", func(b *testing.B) {
		s := xsem.NewWeighted(2)
		b.ReportAllocs()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.Acquire(ctx, 1); err != nil {
					b.Error(err)
					return
				}
				s.Release(1)
			}
		})
	})
}

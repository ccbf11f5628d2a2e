package benchmarks

import (
	"context"
	"runtime"
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

// BenchmarkSemaphoreWaiting runs 8 goroutines per CPU on two permits, and
// each yields while it holds one, so most acquires queue and most releases
// hand a permit to a waiter. (Without the yield the run is bimodal: either
// nobody ever waits, or a FIFO convoy forms and persists, and the benchmark
// framework's iteration estimate goes far wrong.)
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
				runtime.Gosched()
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
				runtime.Gosched()
				s.Release(1)
			}
		})
	})
}

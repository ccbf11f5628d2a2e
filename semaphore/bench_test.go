package semaphore

import (
	"context"
	"runtime"
	"testing"
)

func BenchmarkAcquireRelease(b *testing.B) {
	ctx := context.Background()
	s := New(1)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Acquire(ctx)
		s.Release()
	}
}

func BenchmarkTryAcquireRelease(b *testing.B) {
	s := New(1)
	b.ReportAllocs()
	for b.Loop() {
		s.TryAcquire()
		s.Release()
	}
}

func BenchmarkAcquireReleaseParallel(b *testing.B) {
	ctx := context.Background()
	s := New(2)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = s.Acquire(ctx)
			s.Release()
		}
	})
}

// BenchmarkAcquireReleaseWaiting keeps many more goroutines than permits,
// each yielding while it holds one, so most acquires queue and most releases
// hand a permit to a waiter.
func BenchmarkAcquireReleaseWaiting(b *testing.B) {
	ctx := context.Background()
	s := New(2)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = s.Acquire(ctx)
			runtime.Gosched()
			s.Release()
		}
	})
}

package breaker

import (
	"context"
	"testing"
	"time"
)

func BenchmarkDoClosed(b *testing.B) {
	br := New()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Do(ctx, succeed)
	}
}

func BenchmarkDoClosedParallel(b *testing.B) {
	br := New()
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = br.Do(ctx, succeed)
		}
	})
}

func BenchmarkDoClosedFailureRate(b *testing.B) {
	br := New(WithFailureRate(0.5, 100, time.Minute))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Do(ctx, succeed)
	}
}

func BenchmarkDoOpen(b *testing.B) {
	br := New()
	br.Trip()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Do(ctx, succeed)
	}
}

func BenchmarkAllow(b *testing.B) {
	br := New()
	b.ReportAllocs()
	for b.Loop() {
		done, _ := br.Allow()
		done(nil)
	}
}

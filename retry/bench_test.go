package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func BenchmarkDoSuccess(b *testing.B) {
	ctx := context.Background()
	ok := func(context.Context) error { return nil }
	b.Run("no options", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Do(ctx, ok)
		}
	})
	b.Run("options", func(b *testing.B) {
		opts := []Option{WithMaxAttempts(3), WithBackoff(Constant(time.Millisecond)), WithMaxElapsed(time.Second)}
		b.ReportAllocs()
		for b.Loop() {
			_ = Do(ctx, ok, opts...)
		}
	})
	b.Run("budget", func(b *testing.B) {
		opts := []Option{WithBudget(NewBudget(0.1, 10))}
		b.ReportAllocs()
		for b.Loop() {
			_ = Do(ctx, ok, opts...)
		}
	})
}

func BenchmarkDoRetries(b *testing.B) {
	ctx := context.Background()
	errBench := errors.New("bench")
	opts := []Option{WithMaxAttempts(3), WithBackoff(Constant(0))}
	b.ReportAllocs()
	for b.Loop() {
		_ = Do(ctx, func(context.Context) error { return errBench }, opts...)
	}
}

func BenchmarkExponential(b *testing.B) {
	bo := Exponential(100*time.Millisecond, 10*time.Second)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = bo(i % 16)
	}
}

func BenchmarkBudgetRetry(b *testing.B) {
	bu := NewBudget(1, 0)
	b.ReportAllocs()
	for b.Loop() {
		bu.call()
		bu.retry()
	}
}

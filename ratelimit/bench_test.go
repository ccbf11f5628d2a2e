package ratelimit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/weavego/weave/ratelimit"
)

// highLimit admits nearly every call, so the benchmarks measure the admit
// path. Its token costs 0.001ns, so Allow takes the lock; wholeLimit's costs
// 1ns, so Allow books it with a CAS.
const (
	highLimit  = ratelimit.Limit(1e12)
	wholeLimit = ratelimit.Limit(1e9)
)

func BenchmarkAllowWhole(b *testing.B) {
	l := ratelimit.New(wholeLimit, 1000)
	b.ReportAllocs()
	for b.Loop() {
		l.Allow()
	}
}

func BenchmarkAllowParallelWhole(b *testing.B) {
	l := ratelimit.New(wholeLimit, 1000)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Allow()
		}
	})
}

func BenchmarkAllow(b *testing.B) {
	l := ratelimit.New(highLimit, 1000)
	b.ReportAllocs()
	for b.Loop() {
		l.Allow()
	}
}

func BenchmarkAllowDenied(b *testing.B) {
	l := ratelimit.New(0, 0)
	b.ReportAllocs()
	for b.Loop() {
		l.Allow()
	}
}

func BenchmarkAllowParallel(b *testing.B) {
	l := ratelimit.New(highLimit, 1000)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Allow()
		}
	})
}

func BenchmarkKeyedAllow(b *testing.B) {
	k := ratelimit.NewKeyed[string](highLimit, 1000, ratelimit.WithIdleTTL(time.Hour))
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "10.0.0." + strconv.Itoa(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k.Allow(keys[i&1023])
		i++
	}
}

func BenchmarkKeyedAllowParallel(b *testing.B) {
	k := ratelimit.NewKeyed[string](highLimit, 1000, ratelimit.WithIdleTTL(time.Hour))
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "10.0.0." + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			k.Allow(keys[i&1023])
			i++
		}
	})
}

// Wait when a token is there: no timer, no allocation.
func BenchmarkWaitReady(b *testing.B) {
	l := ratelimit.New(highLimit, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = l.Wait(ctx)
	}
}

package benchmarks

import (
	"testing"

	"golang.org/x/time/rate"

	"github.com/weavego/weave/ratelimit"
)

// Limits high enough that nearly every call is admitted, for both limiters:
// the benchmarks measure the admit path, which is the common one.
//
// weave books a token with one compare-and-swap when it costs a whole number
// of nanoseconds, as with Every(d) and most real limits (1e9/s: 1ns), and
// under a mutex otherwise (1e12/s: 0.001ns); x/time/rate always locks. The
// Fractional benchmarks measure the locked path.
const (
	rlLimit     = 1e9
	rlFracLimit = 1e12
	rlBurst     = 1000
)

func BenchmarkAllow(b *testing.B) {
	benchAllow(b, rlLimit)
}

func BenchmarkAllowParallel(b *testing.B) {
	benchAllowParallel(b, rlLimit)
}

func BenchmarkAllowFractional(b *testing.B) {
	benchAllow(b, rlFracLimit)
}

func BenchmarkAllowParallelFractional(b *testing.B) {
	benchAllowParallel(b, rlFracLimit)
}

func benchAllow(b *testing.B, limit float64) {
	b.Run("weave", func(b *testing.B) {
		l := ratelimit.New(ratelimit.Limit(limit), rlBurst)
		b.ReportAllocs()
		for b.Loop() {
			l.Allow()
		}
	})
	b.Run("xtime", func(b *testing.B) {
		l := rate.NewLimiter(rate.Limit(limit), rlBurst)
		b.ReportAllocs()
		for b.Loop() {
			l.Allow()
		}
	})
}

func benchAllowParallel(b *testing.B, limit float64) {
	b.Run("weave", func(b *testing.B) {
		l := ratelimit.New(ratelimit.Limit(limit), rlBurst)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow()
			}
		})
	})
	b.Run("xtime", func(b *testing.B) {
		l := rate.NewLimiter(rate.Limit(limit), rlBurst)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow()
			}
		})
	})
}

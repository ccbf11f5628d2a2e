package benchmarks

import (
	"testing"

	"golang.org/x/time/rate"

	"github.com/weavego/weave/ratelimit"
)

// A limit high enough that nearly every call is admitted, for both limiters:
// the benchmarks measure the admit path, which is the common one.
const (
	rlLimit = 1e12
	rlBurst = 1000
)

func BenchmarkAllow(b *testing.B) {
	b.Run("weave", func(b *testing.B) {
		l := ratelimit.New(rlLimit, rlBurst)
		b.ReportAllocs()
		for b.Loop() {
			l.Allow()
		}
	})
	b.Run("xtime", func(b *testing.B) {
		l := rate.NewLimiter(rlLimit, rlBurst)
		b.ReportAllocs()
		for b.Loop() {
			l.Allow()
		}
	})
}

func BenchmarkAllowParallel(b *testing.B) {
	b.Run("weave", func(b *testing.B) {
		l := ratelimit.New(rlLimit, rlBurst)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow()
			}
		})
	})
	b.Run("xtime", func(b *testing.B) {
		l := rate.NewLimiter(rlLimit, rlBurst)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow()
			}
		})
	})
}

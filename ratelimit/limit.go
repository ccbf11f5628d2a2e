package ratelimit

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"time"
)

// Limit is a rate of events per second. It must not be negative or NaN.
// A limit so low that refilling the burst would take over 70 years behaves
// as 0; one so high that a token costs under 2^-64 ns behaves as Inf.
type Limit float64

// Inf is the limit that admits every request at once, whatever n and burst.
const Inf = Limit(math.MaxFloat64)

// InfDuration is the Delay of a reservation that can never be honoured.
const InfDuration = time.Duration(math.MaxInt64)

// Every returns the limit of one event every d. Every(0) is Inf.
// It panics if d is negative.
func Every(d time.Duration) Limit {
	if d < 0 {
		panic(fmt.Sprintf("ratelimit: Every called with negative interval %v", d))
	}
	if d == 0 {
		return Inf
	}
	return Limit(1e9 / float64(d))
}

// Per returns the limit of n events per d, Per(100, time.Minute) for example.
// It panics if n is negative or d is not positive.
func Per(n int, d time.Duration) Limit {
	if n < 0 {
		panic(fmt.Sprintf("ratelimit: Per called with negative n %d", n))
	}
	if d <= 0 {
		panic(fmt.Sprintf("ratelimit: Per called with non-positive duration %v", d))
	}
	return Limit(float64(n) * 1e9 / float64(d))
}

// checkLimit panics on a limit that is not a rate.
func checkLimit(fn string, limit Limit) {
	if math.IsNaN(float64(limit)) || limit < 0 {
		panic(fmt.Sprintf("ratelimit: %s called with invalid limit %v", fn, float64(limit)))
	}
}

// checkBurst panics on a negative burst.
func checkBurst(fn string, burst int) {
	if burst < 0 {
		panic(fmt.Sprintf("ratelimit: %s called with negative burst %d", fn, burst))
	}
}

// checkN panics on a negative number of tokens.
func checkN(fn string, n int) {
	if n < 0 {
		panic(fmt.Sprintf("ratelimit: %s called with negative n %d", fn, n))
	}
}

// fixed is a time, or a span of time, on a limiter's clock: ns nanoseconds
// plus frac/2^64 of one. Keeping the fraction is what makes the limiter exact:
// at 3 million events per second one token costs 333.33… ns, and rounding that
// to whole nanoseconds would admit 0.1% too many events, forever.
type fixed struct {
	ns   int64
	frac uint64
}

func (a fixed) add(b fixed) fixed {
	f, c := bits.Add64(a.frac, b.frac, 0)
	return fixed{a.ns + b.ns + int64(c), f}
}

func (a fixed) sub(b fixed) fixed {
	f, c := bits.Sub64(a.frac, b.frac, 0)
	return fixed{a.ns - b.ns - int64(c), f}
}

// mul returns a·n. Callers keep the product below maxSpan.
func (a fixed) mul(n int) fixed {
	hi, lo := bits.Mul64(a.frac, uint64(n))
	return fixed{a.ns*int64(n) + int64(hi), lo}
}

func (a fixed) less(b fixed) bool {
	return a.ns < b.ns || (a.ns == b.ns && a.frac < b.frac)
}

// ceil returns a rounded up to whole nanoseconds.
func (a fixed) ceil() int64 {
	if a.frac != 0 {
		return a.ns + 1
	}
	return a.ns
}

func (a fixed) float() float64 {
	return float64(a.ns) + float64(a.frac)/0x1p64
}

// fixedOf converts a non-negative float number of nanoseconds.
func fixedOf(ns float64) fixed {
	whole := math.Floor(ns)
	return fixed{int64(whole), uint64((ns - whole) * 0x1p64)}
}

// maxSpan bounds every span the limiter stores (about 73 years), so that sums
// of a time and a span never overflow int64.
const maxSpan = 1 << 61

// kind says how a rule refills its bucket.
type kind uint8

const (
	frozen    kind = iota // no refill: Limit 0, or so slow that burst would take over maxSpan
	finite                // one token every rule.every
	unlimited             // Inf: every request passes
)

// rule is a limit and burst, with what the hot path needs precomputed.
type rule struct {
	limit Limit
	burst int
	kind  kind
	every fixed // time per token (finite)
	tau   fixed // every·burst: how far ahead of now the bucket may be booked (finite)
}

func newRule(limit Limit, burst int) rule {
	r := rule{limit: limit, burst: burst}
	switch {
	case limit == Inf || math.IsInf(float64(limit), 1):
		r.kind = unlimited
	case limit == 0:
		r.kind = frozen
	default:
		every, ok := interval(limit)
		switch {
		case !ok:
			r.kind = frozen
		case every == fixed{}:
			r.kind = unlimited
		case every.float()*float64(burst) >= maxSpan:
			r.kind = frozen
		default:
			r.kind = finite
			r.every = every
			r.tau = every.mul(burst)
		}
	}
	return r
}

// interval returns 1e9/limit nanoseconds, truncated to 2^-64 ns, or false if
// it is longer than maxSpan. The division is done in 128 bits: float64 would
// leave an error of about 1e-16 per token, which adds up at 10^7 events per
// second.
func interval(limit Limit) (fixed, bool) {
	const prec = 192
	q := new(big.Float).SetPrec(prec).SetInt64(1e9)
	q.Quo(q, new(big.Float).SetPrec(prec).SetFloat64(float64(limit)))
	if q.Cmp(big.NewFloat(maxSpan)) >= 0 {
		return fixed{}, false
	}
	// Every(d) and Per(n, d) reach us through a float64, which puts
	// 1e9/limit a hair off a whole number of nanoseconds. Snap it back, so
	// that Every(3*time.Second) admits at exactly 3s and not 1ns later.
	if r := math.Round(mustFloat(q)); r >= 1 {
		diff := new(big.Float).SetPrec(prec).Sub(q, big.NewFloat(r))
		if math.Abs(mustFloat(diff)) <= r*0x1p-48 {
			return fixed{ns: int64(r)}, true
		}
	}
	whole, _ := q.Int64() // truncates
	q.Sub(q, new(big.Float).SetInt64(whole))
	q.SetMantExp(q, 64)
	frac, _ := q.Uint64() // truncates: a hair fast rather than a whole token slow
	return fixed{whole, frac}, true
}

func mustFloat(f *big.Float) float64 {
	v, _ := f.Float64()
	return v
}

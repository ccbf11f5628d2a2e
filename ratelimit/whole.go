package ratelimit

import (
	"math"
	"sync/atomic"
)

// whole is the bucket of a limiter whose token costs a whole number of
// nanoseconds: Every(d), Per(n, d) with d a multiple of n, and any limit
// that divides 10^9. Its theoretical arrival time then fits one int64, so
// Allow books with one compare-and-swap instead of taking the lock: under
// contention that halves the writes to shared memory. The arithmetic is
// bucket.take's with no fraction, so it is just as exact. Limits with a
// fractional cost (3/s: 333333333.33ns) keep the locked bucket, whose
// 128-bit time cannot be swapped in one step.
//
// A whole is immutable but for tat. A change of limit or burst retires it
// (tat = retired) under the limiter's lock and publishes a new one, so a
// caller holding the old one can never book under the old rule after the
// change: its CAS fails on the retired value.
type whole struct {
	tat   atomic.Int64 // GCRA's theoretical arrival time, on the limiter clock; or retired
	every int64        // ns per token, >= 1
	tau   int64        // every·burst
	burst int
}

const retired = math.MaxInt64

// lockedOnly keeps limiters made or changed while it is set on the locked
// bucket, so that the tests can run every case through both.
var lockedOnly atomic.Bool

// allow books n tokens if they are there now. live is false if w has been
// retired: the caller must then go through the lock.
func (w *whole) allow(now int64, n int) (ok, live bool) {
	if n > w.burst {
		return false, true
	}
	cost := w.every * int64(n) // <= tau < maxSpan: no overflow
	for {
		t := w.tat.Load()
		if t == retired {
			return false, false
		}
		tat := max(t, now) + cost
		if tat-w.tau > now {
			return false, true
		}
		if w.tat.CompareAndSwap(t, tat) {
			return true, true
		}
	}
}

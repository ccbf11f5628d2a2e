package ratelimit

import "math"

// bucket is the state of one token bucket, kept as GCRA's theoretical
// arrival time: tokens = burst - (tat-now)/every. Refilling is then implicit
// in the clock moving on, and taking n tokens is one addition, so nothing
// needs a goroutine and nothing drifts. The caller holds the lock that guards
// it and passes the rule it is governed by.
type bucket struct {
	tat    fixed   // finite: when the bucket will be full again; at or before now: full
	tokens float64 // frozen: tokens left
}

// booking is the outcome of take.
type booking struct {
	ok    bool
	act   int64 // when the tokens may be used, on the limiter clock
	after fixed // finite: tat right after this booking, to tell later bookings apart
}

// maxAhead bounds how far tat may run ahead of now, so tat never overflows.
const maxAhead = 2 * maxSpan

// fill makes the bucket full at now.
func (b *bucket) fill(r *rule, now int64) {
	b.tat = fixed{ns: now}
	b.tokens = float64(r.burst)
}

// take books n tokens (n <= burst is the caller's check for finite rules)
// if they can be used within maxWait ns from now; otherwise it leaves the
// bucket as it was.
func (b *bucket) take(r *rule, now int64, n int, maxWait int64) booking {
	switch r.kind {
	case unlimited:
		return booking{ok: true, act: now}
	case frozen:
		if b.tokens >= float64(n) {
			b.tokens -= float64(n)
			return booking{ok: true, act: now}
		}
		return booking{}
	}
	base := b.tat
	if base.ns < now {
		base = fixed{ns: now}
	}
	cost := r.every
	if n != 1 {
		cost = cost.mul(n)
	}
	tat := base.add(cost)
	act := tat.sub(r.tau).ceil()
	if act < now {
		act = now
	}
	if act-now > maxWait || tat.ns-now >= maxAhead {
		return booking{}
	}
	b.tat = tat
	return booking{ok: true, act: act, after: tat}
}

// cancel gives back the n tokens of booking bk, less those that bookings made
// after it have already planned around (as x/time/rate does). Nothing comes
// back once bk's time has passed: those tokens have been used.
func (b *bucket) cancel(r *rule, now int64, bk booking, n int) {
	if !bk.ok || bk.act < now || n == 0 {
		return
	}
	switch r.kind {
	case unlimited:
		return
	case frozen:
		b.tokens = math.Min(b.tokens+float64(n), float64(r.burst))
		return
	}
	give := r.every.mul(n)
	if later := b.tat.sub(bk.after); !later.less(fixed{}) {
		if !later.less(give) {
			return
		}
		give = give.sub(later)
	}
	b.tat = b.tat.sub(give)
}

// delay returns how long from now until take(n) would pass, without taking:
// 0 if now, maxAhead if never.
func (b *bucket) delay(r *rule, now int64, n int) int64 {
	switch r.kind {
	case unlimited:
		return 0
	case frozen:
		if b.tokens >= float64(n) {
			return 0
		}
		return maxAhead
	}
	if n > r.burst {
		return maxAhead
	}
	base := b.tat
	if base.ns < now {
		base = fixed{ns: now}
	}
	return max(base.add(r.every.mul(n)).sub(r.tau).ceil()-now, 0)
}

// tokensAt returns the tokens available at now; negative when bookings wait.
func (b *bucket) tokensAt(r *rule, now int64) float64 {
	switch r.kind {
	case unlimited:
		return math.Inf(1)
	case frozen:
		return b.tokens
	}
	if b.tat.ns < now {
		return float64(r.burst)
	}
	return float64(r.burst) - b.tat.sub(fixed{ns: now}).float()/r.every.float()
}

// setTokens makes the bucket hold t tokens at now under rule r (at most burst).
func (b *bucket) setTokens(r *rule, now int64, t float64) {
	t = math.Min(t, float64(r.burst))
	switch r.kind {
	case frozen:
		b.tokens = t
	case finite:
		span := (float64(r.burst) - t) * r.every.float()
		b.tat = fixed{ns: now}.add(fixedOf(math.Min(span, maxSpan)))
	}
}

// full reports whether the bucket is as a new one would be, so forgetting it
// would change nothing.
func (b *bucket) full(r *rule, now int64) bool {
	switch r.kind {
	case unlimited:
		return true
	case frozen:
		return b.tokens >= float64(r.burst)
	}
	return !(fixed{ns: now}).less(b.tat)
}

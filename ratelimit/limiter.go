package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ErrExceedsBurst is returned by Wait and WaitN when n is larger than the
// burst: those tokens can never be there at once, so waiting would not help.
var ErrExceedsBurst = errors.New("ratelimit: n exceeds burst")

// ErrWouldExceedDeadline is returned at once by Wait and WaitN, with no
// tokens taken, when the wait would not end before ctx's deadline, or would
// never end (Limit 0 and too few tokens left).
var ErrWouldExceedDeadline = errors.New("ratelimit: wait would exceed context deadline")

// A Limiter admits events at a limit rate with bursts of up to burst events.
// It starts full and refills continuously; nothing runs in the background:
// the tokens are computed from the clock when asked. A Limiter is safe for
// concurrent use. Make one with New: the zero Limiter admits nothing.
type Limiter struct {
	epoch time.Time // the limiter clock counts nanoseconds since epoch, monotonic
	// fast holds the bucket while a token costs a whole number of
	// nanoseconds (see whole); nil otherwise, and then b does.
	fast atomic.Pointer[whole]
	// epoch and fast are read before locking; keep them off the cache line
	// that Lock writes, so that under contention they cost no miss.
	_ [64 - (unsafe.Sizeof(time.Time{})+8)%64]byte

	mu   sync.Mutex
	rule rule
	b    bucket // while fast is nil
	gen  uint64 // bumped by SetLimit and SetBurst; older reservations then cannot cancel
}

// New returns a full Limiter that allows limit events per second on average
// and bursts of up to burst events. Limit 0 admits only the first burst
// events; Inf admits everything. New panics if limit is NaN or negative, or
// burst is negative.
func New(limit Limit, burst int) *Limiter {
	checkLimit("New", limit)
	checkBurst("New", burst)
	l := &Limiter{epoch: time.Now(), rule: newRule(limit, burst)}
	l.b.fill(&l.rule, 0)
	l.publish()
	return l
}

// now reads the limiter clock. time.Since uses only the monotonic clock, so
// wall clock jumps do not move it.
func (l *Limiter) now() int64 {
	return int64(time.Since(l.epoch))
}

// Limit returns the current limit.
func (l *Limiter) Limit() Limit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rule.limit
}

// Burst returns the current burst.
func (l *Limiter) Burst() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rule.burst
}

// Allow reports whether one event may happen now, and if so takes its token.
// It never blocks. It is AllowN(1).
func (l *Limiter) Allow() bool {
	now := l.now()
	if w := l.fast.Load(); w != nil {
		if ok, live := w.allow(now, 1); live {
			return ok
		}
	}
	l.mu.Lock()
	ok := l.rule.kind == unlimited || (l.rule.burst >= 1 && l.takeLocked(now, 1, 0).ok)
	l.mu.Unlock()
	return ok
}

// AllowN reports whether n events may happen now, and if so takes their
// tokens; if not it takes none. It never blocks. AllowN(0) is true. It panics
// if n is negative.
func (l *Limiter) AllowN(n int) bool {
	checkN("AllowN", n)
	if n == 0 {
		return true
	}
	now := l.now()
	if w := l.fast.Load(); w != nil {
		if ok, live := w.allow(now, n); live {
			return ok
		}
	}
	l.mu.Lock()
	ok := l.rule.kind == unlimited || (n <= l.rule.burst && l.takeLocked(now, n, 0).ok)
	l.mu.Unlock()
	return ok
}

// Wait blocks until one event may happen, or ctx is done. It is WaitN(ctx, 1).
func (l *Limiter) Wait(ctx context.Context) error {
	return l.WaitN(ctx, 1)
}

// WaitN blocks until n events may happen and takes their tokens, or returns
// an error and takes none:
//   - ctx's error at once if ctx is already done;
//   - ErrExceedsBurst at once if n exceeds the burst (and the limit is not Inf);
//   - ErrWouldExceedDeadline at once if the wait would not end before ctx's
//     deadline;
//   - ctx's error when ctx is done while waiting: the tokens are given back,
//     as far as waiters that came later have not planned on them.
//
// Waiters are served in the order they called, since each books its tokens
// on arrival. WaitN(ctx, 0) returns nil unless ctx is done. It panics if n
// is negative.
func (l *Limiter) WaitN(ctx context.Context, n int) error {
	checkN("WaitN", n)
	if err := ctx.Err(); err != nil || n == 0 {
		return err
	}
	maxWait := maxWaitOf(ctx)
	now := l.now()
	l.mu.Lock()
	r := l.rule
	if n > r.burst && r.kind != unlimited {
		l.mu.Unlock()
		return fmt.Errorf("%w: n=%d, burst=%d", ErrExceedsBurst, n, r.burst)
	}
	bk := l.takeLocked(now, n, maxWait)
	gen := l.gen
	l.mu.Unlock()
	if !bk.ok {
		return ErrWouldExceedDeadline
	}
	return sleep(ctx, time.Duration(bk.act-now), func() {
		l.cancel(gen, bk, n)
	})
}

// maxWaitOf returns how long ctx allows waiting, in nanoseconds. A wait must
// end before the deadline, not at it: at the deadline ctx is done, and which
// of the two a select would see first is a coin toss.
func maxWaitOf(ctx context.Context) int64 {
	deadline, ok := ctx.Deadline()
	if !ok {
		return maxAhead
	}
	return int64(time.Until(deadline)) - 1
}

// sleep waits d for a reservation, or calls cancel and returns ctx's error
// if ctx is done first.
func sleep(ctx context.Context, d time.Duration, cancel func()) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		cancel()
		return ctx.Err()
	}
}

func (l *Limiter) cancel(gen uint64, bk booking, n int) {
	now := l.now()
	l.mu.Lock()
	if gen == l.gen {
		l.cancelLocked(now, bk, n)
	}
	l.mu.Unlock()
}

// A Reservation holds tokens booked by Reserve: act after Delay, or Cancel.
// Its methods are safe for concurrent use.
type Reservation struct {
	lim  *Limiter
	n    int
	gen  uint64
	bk   booking
	done bool // cancelled; guarded by lim.mu
}

// Reserve books n tokens now and returns when they may be used, without
// waiting. If r.OK(), the caller must wait r.Delay() before acting, or call
// r.Cancel() to give the tokens back. It is not OK (and takes nothing) when
// n exceeds the burst, or at Limit 0 when too few tokens are left. Reserve(0)
// is OK with no delay. It panics if n is negative.
func (l *Limiter) Reserve(n int) *Reservation {
	checkN("Reserve", n)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	r := &Reservation{lim: l, n: n, gen: l.gen}
	switch {
	case n == 0:
		r.bk = booking{ok: true, act: now}
	case n > l.rule.burst && l.rule.kind != unlimited:
	default:
		r.bk = l.takeLocked(now, n, maxAhead)
	}
	return r
}

// OK reports whether the tokens were booked. A reservation that is not OK
// holds nothing; its Delay is InfDuration and Cancel does nothing.
func (r *Reservation) OK() bool {
	return r.bk.ok
}

// Delay returns how long to wait from now before acting on the reservation;
// zero once that time has come, InfDuration if not OK.
func (r *Reservation) Delay() time.Duration {
	if !r.bk.ok {
		return InfDuration
	}
	return time.Duration(max(r.bk.act-r.lim.now(), 0))
}

// Cancel gives the tokens back, as far as reservations made after this one
// have not planned on them, and only if the time to act has not passed yet.
// Cancel is idempotent and leaves OK and Delay as they were. After SetLimit or SetBurst, a cancel of an earlier
// reservation gives nothing back: the change already counted those tokens
// as used.
func (r *Reservation) Cancel() {
	if !r.bk.ok {
		return
	}
	l := r.lim
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !r.done && r.gen == l.gen {
		l.cancelLocked(now, r.bk, r.n)
	}
	r.done = true
}

// SetLimit changes the limit from now on. The tokens earned at the old limit
// so far are kept (an Inf limiter counts as full), less at most a nanosecond
// of refill when the new limit is one that Allow books without the lock;
// reservations already made keep their delays. Calls on other goroutines are
// booked wholly under the old rule or wholly under the new one.
func (l *Limiter) SetLimit(limit Limit) {
	checkLimit("SetLimit", limit)
	l.set(limit, -1)
}

// SetBurst changes the burst from now on. The tokens held so far are kept, up
// to the new burst; reservations already made keep their delays. It panics
// if burst is negative.
func (l *Limiter) SetBurst(burst int) {
	checkBurst("SetBurst", burst)
	l.set(-1, burst)
}

// set changes the limit and/or burst (-1: keep) keeping the tokens.
func (l *Limiter) set(limit Limit, burst int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if limit < 0 {
		limit = l.rule.limit
	}
	if burst < 0 {
		burst = l.rule.burst
	}
	if w := l.fast.Load(); w != nil {
		// Retire w: lock-free callers that still hold it fail their CAS
		// and come to the lock, which they get once the new rule is in.
		l.b.tat = fixed{ns: w.tat.Swap(retired)}
		l.fast.Store(nil)
	}
	t := l.b.tokensAt(&l.rule, now)
	l.rule = newRule(limit, burst)
	l.b.setTokens(&l.rule, now, t)
	l.gen++
	l.publish()
}

// publish moves the bucket to fast if the rule allows, rounding a fraction
// of a nanosecond left by setTokens up: that gives away less than 1ns of
// refill, where rounding down would admit more than the limit. l.mu must be
// held, or l not yet shared.
func (l *Limiter) publish() {
	r := &l.rule
	if r.kind != finite || r.every.frac != 0 || lockedOnly.Load() {
		return
	}
	w := &whole{every: r.every.ns, tau: r.tau.ns, burst: r.burst}
	w.tat.Store(l.b.tat.ceil())
	l.fast.Store(w)
}

// takeLocked is bucket.take on whichever bucket is in use. l.mu must be
// held; it keeps fast from being retired meanwhile, but lock-free Allow
// calls may still move it, hence the CAS loop.
func (l *Limiter) takeLocked(now int64, n int, maxWait int64) booking {
	w := l.fast.Load()
	if w == nil {
		return l.b.take(&l.rule, now, n, maxWait)
	}
	for {
		t := w.tat.Load()
		b := bucket{tat: fixed{ns: t}}
		bk := b.take(&l.rule, now, n, maxWait)
		if !bk.ok || w.tat.CompareAndSwap(t, b.tat.ns) {
			return bk
		}
	}
}

// cancelLocked is bucket.cancel on whichever bucket is in use; see
// takeLocked.
func (l *Limiter) cancelLocked(now int64, bk booking, n int) {
	w := l.fast.Load()
	if w == nil {
		l.b.cancel(&l.rule, now, bk, n)
		return
	}
	for {
		t := w.tat.Load()
		b := bucket{tat: fixed{ns: t}}
		b.cancel(&l.rule, now, bk, n)
		if w.tat.CompareAndSwap(t, b.tat.ns) {
			return
		}
	}
}

// tokensLocked is bucket.tokensAt on whichever bucket is in use.
func (l *Limiter) tokensLocked(now int64) float64 {
	if w := l.fast.Load(); w != nil {
		b := bucket{tat: fixed{ns: w.tat.Load()}}
		return b.tokensAt(&l.rule, now)
	}
	return l.b.tokensAt(&l.rule, now)
}

// Tokens returns how many tokens are available now: at most burst, negative
// while reservations wait, +Inf for Inf.
func (l *Limiter) Tokens() float64 {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tokensLocked(now)
}

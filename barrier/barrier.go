package barrier

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ErrBroken is returned by Wait when its round did not complete: another
// party's ctx ended, the action returned an error or panicked, or Reset was
// called. A broken
// barrier returns it at once from every Wait until Reset.
var ErrBroken = errors.New("barrier: broken")

// Option configures a Barrier.
type Option func(*config)

type config struct {
	action func() error
}

// WithAction sets fn to run once per round, by the last party to arrive, on
// its goroutine, before any party of the round is released. The parties
// still waiting see everything fn did.
//
// If fn returns an error, the round breaks: the party that ran it gets an
// error that wraps both ErrBroken and fn's error, the other parties get
// ErrBroken, and the barrier stays broken until Reset. If fn panics (or calls
// runtime.Goexit), the round breaks in the same way first, so no party is
// stranded and the barrier is consistent; then the panic goes on up the
// goroutine of the party that ran fn, with its original value, and that
// party's Wait does not return. fn runs on the caller's goroutine, so the
// library does not turn the panic into an error.
//
// fn should be quick: the round's parties cannot return, whatever their ctx,
// until it finishes. It may call Parties, Waiting, Broken and Reset, but must
// not Wait on the same barrier. A Reset while fn runs does not affect fn's
// round (its parties still get fn's outcome), and a failure of fn then does
// not break the fresh round Reset opened. WithAction panics if fn is nil.
func WithAction(fn func() error) Option {
	if fn == nil {
		panic("barrier: WithAction called with nil fn")
	}
	return func(c *config) { c.action = fn }
}

// round is one generation of the barrier. Each party keeps the round it
// joined, so a fast party that returns and joins the next round cannot
// disturb slow ones still waking from this one.
//
// A party whose ctx can never be cancelled sleeps on b.cond, the cheapest
// wake-up there is; one with a cancellable ctx must select, so it waits for
// a token on wake instead. Ending a round puts one token per such party into
// wake rather than closing it, so the channel stays usable and, once every
// party has taken the outcome, the round is recycled: steady-state rounds do
// not allocate.
type round struct {
	wake    chan struct{} // capacity parties-1, so ending a round never blocks
	waiting int           // parties blocked in this round; under b.mu
	chans   int           // how many of them wait on wake; under b.mu
	ended   bool          // under b.mu
	err     error         // the outcome; set under b.mu before ended and the tokens
	pending atomic.Int32  // parties yet to take the outcome; the last recycles the round
}

// Barrier is a cyclic barrier: a fixed number of parties wait for one
// another, round after round. Create it with New; it is safe for concurrent
// use.
type Barrier struct {
	parties int
	action  func() error

	mu     sync.Mutex
	cond   sync.Cond // signalled when a round ends; L is &mu
	cur    *round    // the round new arrivals join; nil while broken
	broken bool
	// resets counts Reset calls, so an action that fails after a Reset does
	// not break the fresh round the caller asked for.
	resets uint64

	spare atomic.Pointer[round] // a finished round, ready for reuse
}

// New returns a barrier for parties goroutines. It panics if parties is not
// positive.
func New(parties int, opts ...Option) *Barrier {
	if parties <= 0 {
		panic(fmt.Sprintf("barrier: New called with parties %d; want at least 1", parties))
	}
	var c config
	for _, o := range opts {
		o(&c)
	}
	b := &Barrier{parties: parties, action: c.action}
	b.cond.L = &b.mu
	b.cur = b.newRound()
	return b
}

// newRound returns a recycled round if there is one; b.mu is held.
func (b *Barrier) newRound() *round {
	if r := b.spare.Swap(nil); r != nil {
		r.waiting, r.chans, r.ended, r.err = 0, 0, false, nil
		return r
	}
	return &round{wake: make(chan struct{}, b.parties-1)}
}

// endLocked gives r's outcome to the parties waiting in it; b.mu is held.
func (b *Barrier) endLocked(r *round, err error) {
	r.err = err
	r.ended = true
	if r.waiting == 0 {
		b.spare.Store(r)
		return
	}
	r.pending.Store(int32(r.waiting))
	for range r.chans {
		r.wake <- struct{}{}
	}
	if r.waiting > r.chans {
		b.cond.Broadcast()
	}
}

// leave is how a party that was released from r takes the outcome. The last
// one recycles r, so nobody may touch r after leaving it.
func (b *Barrier) leave(r *round) error {
	err := r.err
	if r.pending.Add(-1) == 0 {
		b.spare.Store(r)
	}
	return err
}

// Wait blocks until Parties() parties, this one included, have called Wait in
// the current round, then runs the action (if any) and releases them all
// with nil. Arrivals beyond the number of parties wait for the next round.
// The action runs on the goroutine of the last party to arrive, inside its
// Wait; if it returns an error or panics, the round breaks as WithAction
// describes, and a panic then continues up that party's goroutine.
//
// If ctx ends while the caller waits, or is already done when Wait is
// called, the caller returns ctx.Err() and the round breaks: the other
// parties waiting in it get ErrBroken. Once the last party has arrived the
// round has tripped and a later cancel changes nothing: the caller waits for
// the action and returns the round's result.
//
// A broken barrier returns ErrBroken at once until Reset.
func (b *Barrier) Wait(ctx context.Context) error {
	b.mu.Lock()
	if b.broken {
		b.mu.Unlock()
		return ErrBroken
	}
	if err := ctx.Err(); err != nil {
		b.breakLocked()
		b.mu.Unlock()
		return err
	}
	r := b.cur
	if r.waiting+1 < b.parties {
		r.waiting++
		done := ctx.Done()
		if done == nil {
			for !r.ended {
				b.cond.Wait()
			}
			b.mu.Unlock()
			return b.leave(r)
		}
		r.chans++
		b.mu.Unlock()
		return b.await(ctx, done, r)
	}

	// Last to arrive: the round trips. Later arrivals start the next one
	// while the action runs.
	b.cur = b.newRound()
	if b.action == nil {
		b.endLocked(r, nil)
		b.mu.Unlock()
		return nil
	}
	resets := b.resets
	b.mu.Unlock()
	return b.runAction(r, resets)
}

// runAction runs the action for r, which has tripped, on the last arriver's
// goroutine with b.mu not held, then ends r with its outcome. resets is
// b.resets as it was when r tripped.
func (b *Barrier) runAction(r *round, resets uint64) error {
	returned := false
	defer func() {
		if !returned {
			// The action panicked or called runtime.Goexit. Break the round
			// as for an error, so nobody waits for an outcome that would
			// never come, and let the panic go on up unrecovered: its value
			// and stack stay exactly as the action left them.
			b.mu.Lock()
			b.failLocked(r, resets)
			b.mu.Unlock()
		}
	}()
	err := b.action()
	returned = true

	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		b.endLocked(r, nil)
		return nil
	}
	b.failLocked(r, resets)
	return fmt.Errorf("%w: action failed: %w", ErrBroken, err)
}

// failLocked ends the tripped round r with ErrBroken because its action
// failed, and breaks the barrier unless Reset was called since r tripped (the
// caller asked for a fresh round, which an old failure must not spoil); b.mu
// is held.
func (b *Barrier) failLocked(r *round, resets uint64) {
	if b.resets == resets && !b.broken {
		b.breakLocked()
	}
	b.endLocked(r, ErrBroken)
}

// await waits on r's channel for the round to end, or for ctx.
func (b *Barrier) await(ctx context.Context, done <-chan struct{}, r *round) error {
	select {
	case <-r.wake:
		return b.leave(r)
	case <-done:
	}
	b.mu.Lock()
	if b.cur == r {
		// Still gathering: leaving now strands the others, so break it.
		// We leave before it ends, so we take no part in its outcome.
		r.waiting--
		r.chans--
		b.breakLocked()
		b.mu.Unlock()
		return ctx.Err()
	}
	b.mu.Unlock()
	// The round has already tripped (its action may still be running) or
	// was broken by someone else: either way its outcome is ours.
	<-r.wake
	return b.leave(r)
}

// breakLocked ends the gathering round with ErrBroken and marks the barrier
// broken; b.mu is held.
func (b *Barrier) breakLocked() {
	if b.cur != nil {
		b.endLocked(b.cur, ErrBroken)
		b.cur = nil
	}
	b.broken = true
}

// Reset breaks the round being gathered, so every party waiting in it
// returns ErrBroken, then clears a broken state and opens a fresh round for
// the next arrivals. A round that has already tripped is not affected: its
// parties get its result, and its action failing after Reset no longer breaks
// the barrier.
func (b *Barrier) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.breakLocked()
	b.broken = false
	b.cur = b.newRound()
	b.resets++
}

// Broken reports whether the barrier is broken: Wait fails at once with
// ErrBroken until Reset.
func (b *Barrier) Broken() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.broken
}

// Parties returns the number of parties that trip the barrier, as given to
// New.
func (b *Barrier) Parties() int { return b.parties }

// Waiting returns how many parties are blocked in the round being gathered.
// It is 0 while the barrier is broken.
func (b *Barrier) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur == nil {
		return 0
	}
	return b.cur.waiting
}

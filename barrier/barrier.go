package barrier

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/weavego/weave/internal/panics"
)

// ErrBroken is returned by Wait when its round did not complete: another
// party's ctx ended, the action failed, or Reset was called. A broken
// barrier returns it at once from every Wait until Reset.
var ErrBroken = errors.New("barrier: broken")

// PanicError is a panic recovered from the action, with the value and the
// stack where it happened. The party that ran the action gets an error that
// wraps it (find it with errors.As).
type PanicError = panics.Error

// Option configures a Barrier.
type Option func(*config)

type config struct {
	action func() error
}

// WithAction sets fn to run once per round, by the last party to arrive, on
// its goroutine, before any party of the round is released. The parties
// still waiting see everything fn did.
//
// If fn returns an error or panics, the round breaks: the party that ran it
// gets an error that wraps both ErrBroken and fn's error (or a *PanicError),
// the other parties get ErrBroken, and the barrier stays broken until Reset.
// fn should be quick: the round's parties cannot return, whatever their ctx,
// until it finishes. It may call Parties, Waiting, Broken and Reset, but must
// not Wait on the same barrier. WithAction panics if fn is nil.
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
// A round ends by putting one token per waiting party into wake rather than
// by closing a channel: the channel stays usable, so once every party has
// taken its token the round is recycled and steady-state rounds do not
// allocate.
type round struct {
	wake    chan struct{} // capacity parties-1, so ending a round never blocks
	err     error         // the outcome for waiting parties; written before the tokens
	pending atomic.Int32  // tokens not yet taken; the last taker recycles the round
}

// Barrier is a cyclic barrier: a fixed number of parties wait for one
// another, round after round. Create it with New; it is safe for concurrent
// use.
type Barrier struct {
	parties int
	action  func() error

	mu      sync.Mutex
	cur     *round // the round new arrivals join; nil while broken
	arrived int    // parties waiting in cur
	broken  bool
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
	b.cur = b.newRound()
	return b
}

// newRound returns a recycled round if there is one; b.mu is held.
func (b *Barrier) newRound() *round {
	if r := b.spare.Swap(nil); r != nil {
		r.err = nil
		return r
	}
	return &round{wake: make(chan struct{}, b.parties-1)}
}

// end gives r's outcome to its n waiting parties. The caller must not touch
// r afterwards: the last party to wake may recycle it at once.
func (b *Barrier) end(r *round, n int, err error) {
	r.err = err
	if n == 0 {
		b.spare.Store(r)
		return
	}
	r.pending.Store(int32(n))
	for range n {
		r.wake <- struct{}{}
	}
}

// leave is how a party that took its token from r learns the outcome.
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
		b.breakLocked(b.arrived)
		b.mu.Unlock()
		return err
	}
	r := b.cur
	b.arrived++
	if b.arrived < b.parties {
		b.mu.Unlock()
		return b.await(ctx, r)
	}

	// Last to arrive: the round trips. Later arrivals start the next one
	// while the action runs.
	b.cur = b.newRound()
	b.arrived = 0
	resets := b.resets
	b.mu.Unlock()

	waiting := b.parties - 1
	if b.action == nil {
		b.end(r, waiting, nil)
		return nil
	}
	err := runAction(b.action)
	if err == nil {
		b.end(r, waiting, nil)
		return nil
	}
	b.mu.Lock()
	if b.resets == resets && !b.broken {
		b.breakLocked(b.arrived)
	}
	b.mu.Unlock()
	b.end(r, waiting, ErrBroken)
	return fmt.Errorf("%w: action failed: %w", ErrBroken, err)
}

// await waits for round r to end, or for ctx, as one of its first
// parties-1 arrivals.
func (b *Barrier) await(ctx context.Context, r *round) error {
	if done := ctx.Done(); done != nil {
		select {
		case <-r.wake:
			return b.leave(r)
		case <-done:
		}
		b.mu.Lock()
		if b.cur == r {
			// Still gathering: leaving now strands the others, so break it.
			// We are not among those woken, as we are already leaving.
			b.breakLocked(b.arrived - 1)
			b.mu.Unlock()
			return ctx.Err()
		}
		b.mu.Unlock()
		// The round has already tripped (its action may still be running)
		// or was broken by someone else: either way its outcome is ours.
	}
	<-r.wake
	return b.leave(r)
}

func runAction(fn func() error) (err error) {
	if p := panics.Try(func() { err = fn() }); p != nil {
		return p
	}
	return err
}

// breakLocked ends the gathering round with ErrBroken for its n waiting
// parties and marks the barrier broken; b.mu is held.
func (b *Barrier) breakLocked(n int) {
	if b.cur != nil {
		b.end(b.cur, n, ErrBroken)
		b.cur = nil
	}
	b.arrived = 0
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
	b.breakLocked(b.arrived)
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
	return b.arrived
}

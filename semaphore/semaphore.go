package semaphore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/weavego/weave/internal/list"
)

var (
	// ErrClosed is returned by an acquire that was waiting when Close was
	// called, and by every acquire after it.
	ErrClosed = errors.New("semaphore: closed")

	// ErrTooLarge is returned, at once, by an acquire that asks for more
	// permits than the semaphore's current size, and to a waiter whose request
	// no longer fits after Resize shrank the semaphore. Waiting could never
	// succeed, so the caller learns it now instead of blocking until ctx ends.
	ErrTooLarge = errors.New("semaphore: request larger than size")
)

// slowBit is the top bit of Semaphore.state. While it is set, somebody is
// queued or the semaphore is closed, so every acquire must take the mutex:
// that is how the lock-free fast path stays FIFO and never jumps a waiter.
const slowBit = uint64(1) << 63

// Stats is a snapshot of a Semaphore.
type Stats struct {
	Size    int // current size (total permits)
	InUse   int // permits held; above Size while holders drain after a shrink
	Waiters int // acquires blocked in the queue
}

// Semaphore is a weighted counting semaphore that hands out permits in FIFO
// order. Create it with New (the zero value has size 0); it is safe for
// concurrent use.
//
// A waiting request blocks every request behind it, even small ones that
// would fit, so a large AcquireN is never starved.
type Semaphore struct {
	// state holds the permits in use in its low 63 bits and slowBit. When
	// slowBit is clear, acquires and releases are a single CAS; while it is
	// set, only the holder of mu raises the count (releases may still lower
	// it, then take mu to hand the room on).
	state atomic.Uint64
	// size is written under mu and read without it by the fast path. An
	// acquire that read the old size is ordered before the Resize.
	size atomic.Int64

	mu      sync.Mutex
	waiters list.List[request] // FIFO queue; non-empty implies slowBit
	closed  bool
}

// waiter is one blocked acquire, linked into the queue through itself so
// that one allocation covers both. It is not pooled: a channel made inside a
// testing/synctest bubble must not be reused outside it, and users test
// their own code that way.
type waiter = list.Node[request]

type request struct {
	n        uint64
	ready    chan struct{} // capacity 1: receives one value once resolved
	err      error         // nil when granted; written under mu before ready
	resolved bool          // under mu
}

// New returns a semaphore with size permits, all free. A size of 0 is
// allowed (every acquire of 1 or more fails with ErrTooLarge until Resize
// grows it). New panics if size is negative.
func New(size int) *Semaphore {
	if size < 0 {
		panic(fmt.Sprintf("semaphore: New called with negative size %d", size))
	}
	s := &Semaphore{}
	s.size.Store(int64(size))
	return s
}

// Acquire is AcquireN(ctx, 1).
func (s *Semaphore) Acquire(ctx context.Context) error {
	return s.acquire(ctx, 1)
}

// AcquireN blocks until n permits are held by the caller, ctx is done, or
// the semaphore is closed.
//
// Requests are served in arrival order: while anyone is queued, a new request
// queues behind them even when enough permits are free. If ctx is already
// done, AcquireN returns ctx.Err() even when permits are free. A request for
// more than the current size returns ErrTooLarge at once. When ctx ends while
// waiting, AcquireN returns ctx.Err() and holds nothing: if the permits were
// granted in the same instant, they are given back and passed on to the next
// waiter; if Close or Resize turned the request away in that instant, their
// error (ErrClosed, ErrTooLarge) is returned instead. After Close, it returns
// ErrClosed.
//
// AcquireN(ctx, 0) takes nothing but still waits its turn. It panics if n is
// negative.
func (s *Semaphore) AcquireN(ctx context.Context, n int) error {
	if n < 0 {
		panic(fmt.Sprintf("semaphore: AcquireN called with negative n %d", n))
	}
	return s.acquire(ctx, uint64(n))
}

func (s *Semaphore) acquire(ctx context.Context, n uint64) error {
	if done := ctx.Done(); done != nil {
		select {
		case <-done:
			return ctx.Err()
		default:
		}
	}
	for {
		st := s.state.Load()
		// Both terms are below 2^63, so the sum cannot wrap.
		if st&slowBit != 0 || st+n > uint64(s.size.Load()) {
			return s.acquireSlow(ctx, n)
		}
		if s.state.CompareAndSwap(st, st+n) {
			return nil
		}
	}
}

func (s *Semaphore) acquireSlow(ctx context.Context, n uint64) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	size := uint64(s.size.Load())
	if n > size {
		s.mu.Unlock()
		return ErrTooLarge
	}
	for {
		st := s.state.Load()
		if st&slowBit != 0 {
			break // others are queued: wait behind them
		}
		if st+n <= size {
			if s.state.CompareAndSwap(st, st+n) {
				s.mu.Unlock()
				return nil
			}
			continue
		}
		// Setting the bit by CAS on the value we judged ensures no release
		// slipped in between the "does not fit" and the enqueue unseen:
		// every later release sees the bit and takes mu to serve us.
		if s.state.CompareAndSwap(st, st|slowBit) {
			break
		}
	}
	w := &waiter{Value: request{n: n, ready: make(chan struct{}, 1)}}
	s.waiters.PushBack(w)
	s.mu.Unlock()

	select {
	case <-w.Value.ready:
		return w.Value.err
	case <-ctx.Done():
	}

	s.mu.Lock()
	err := ctx.Err()
	if w.Value.resolved {
		// Resolution raced the cancel and lost the select.
		if w.Value.err == nil {
			// Granted in the same instant ctx ended: the caller will not use
			// the permits, so hand them straight on.
			s.subLocked(n)
			s.grantLocked()
		} else {
			err = w.Value.err // Close or Resize happened first
		}
	} else {
		s.waiters.Remove(w)
		// Leaving may unblock the ones behind us when we were the head.
		s.grantLocked()
	}
	s.mu.Unlock()
	return err
}

// TryAcquire is TryAcquireN(1).
func (s *Semaphore) TryAcquire() bool {
	return s.TryAcquireN(1)
}

// TryAcquireN takes n permits if it can do so without waiting and reports
// whether it did. It never jumps ahead of queued acquires: while any are
// waiting it returns false, as it does once the semaphore is closed. It
// panics if n is negative.
func (s *Semaphore) TryAcquireN(n int) bool {
	if n < 0 {
		panic(fmt.Sprintf("semaphore: TryAcquireN called with negative n %d", n))
	}
	un := uint64(n)
	for {
		st := s.state.Load()
		if st&slowBit != 0 || st+un > uint64(s.size.Load()) {
			return false
		}
		if s.state.CompareAndSwap(st, st+un) {
			return true
		}
	}
}

// Release is ReleaseN(1).
func (s *Semaphore) Release() {
	s.release(1)
}

// ReleaseN returns n permits and, before it returns, grants them to queued
// acquires in FIFO order as far as they fit. It works after Close too, so
// holders can always give back what they took. It panics if n is negative or
// more than the permits currently held.
func (s *Semaphore) ReleaseN(n int) {
	if n < 0 {
		panic(fmt.Sprintf("semaphore: ReleaseN called with negative n %d", n))
	}
	s.release(uint64(n))
}

func (s *Semaphore) release(n uint64) {
	for {
		st := s.state.Load()
		if st&slowBit != 0 {
			s.releaseSlow(n)
			return
		}
		if st < n {
			panicOverRelease(n, st)
		}
		if s.state.CompareAndSwap(st, st-n) {
			return
		}
	}
}

func (s *Semaphore) releaseSlow(n uint64) {
	s.mu.Lock()
	s.subLocked(n)
	s.grantLocked()
	s.mu.Unlock()
}

// subLocked lowers the count; s.mu is held. It unlocks before panicking so
// the semaphore stays usable by other goroutines.
func (s *Semaphore) subLocked(n uint64) {
	for {
		st := s.state.Load()
		if inUse := st &^ slowBit; inUse < n {
			s.mu.Unlock()
			panicOverRelease(n, inUse)
		}
		if s.state.CompareAndSwap(st, st-n) {
			return
		}
	}
}

func panicOverRelease(n, inUse uint64) {
	panic(fmt.Sprintf("semaphore: ReleaseN called with n %d but only %d permits are held", n, inUse))
}

// grantLocked hands free permits to the queue head while it fits, then
// clears slowBit if nobody is left; s.mu is held.
func (s *Semaphore) grantLocked() {
	size := uint64(s.size.Load())
	for w := s.waiters.Front(); w != nil; w = s.waiters.Front() {
		// slowBit is set (the queue is non-empty), so only we raise the
		// count; concurrent releases only lower it, which keeps a fit valid.
		if s.state.Load()&^slowBit+w.Value.n > size {
			break
		}
		s.state.Add(w.Value.n)
		s.waiters.Remove(w)
		resolve(w, nil)
	}
	if s.waiters.Len() == 0 && !s.closed {
		s.state.And(^slowBit)
	}
}

// Resize sets the number of permits. Growing grants the new room to waiters
// at once. Shrinking never takes permits back: holders keep them and InUse may
// exceed Size until they release. Queued requests larger than the new size
// fail with ErrTooLarge. Resize panics if size is negative.
func (s *Semaphore) Resize(size int) {
	if size < 0 {
		panic(fmt.Sprintf("semaphore: Resize called with negative size %d", size))
	}
	s.mu.Lock()
	s.size.Store(int64(size))
	for w := s.waiters.Front(); w != nil; {
		next := w.Next()
		if w.Value.n > uint64(size) {
			s.waiters.Remove(w)
			resolve(w, ErrTooLarge)
		}
		w = next
	}
	s.grantLocked()
	s.mu.Unlock()
}

// Close makes every queued acquire return ErrClosed, and every later
// Acquire, AcquireN or TryAcquire fail. Permits already held stay held and
// Release keeps working. Close is idempotent.
func (s *Semaphore) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	s.state.Or(slowBit)
	for w := s.waiters.PopFront(); w != nil; w = s.waiters.PopFront() {
		resolve(w, ErrClosed)
	}
}

// Stats returns the size, the permits in use and the number of queued
// acquires. It is a snapshot: uncontended acquires and releases do not take
// the lock it reads under, so InUse may change as soon as it returns.
func (s *Semaphore) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{
		Size:    clampInt(uint64(s.size.Load())),
		InUse:   clampInt(s.state.Load() &^ slowBit),
		Waiters: s.waiters.Len(),
	}
}

func clampInt(v uint64) int {
	if v > math.MaxInt {
		return math.MaxInt
	}
	return int(v)
}

func resolve(w *waiter, err error) {
	w.Value.err = err
	w.Value.resolved = true
	w.Value.ready <- struct{}{}
}

package errgroup

import (
	"container/list"
	"sync"
)

// limiter counts running tasks against a limit that may change at any time.
// Waiting Go calls queue in FIFO order, so a steady trickle of TryGo calls
// cannot starve them.
//
// Each blocked Go makes its own ready channel rather than taking one from a
// pool: a channel made outside a testing/synctest bubble would make the
// caller's synctest.Wait hang, since blocking on it is not durable.
type limiter struct {
	mu      sync.Mutex
	max     int // < 0: no limit
	active  int
	waiters list.List // of chan struct{}, closed when granted a slot
}

func newLimiter(n int) *limiter {
	return &limiter{max: n}
}

func (l *limiter) fitsLocked() bool {
	return l.max < 0 || l.active < l.max
}

// tryAcquire takes a slot if one is free and nobody waits for one.
func (l *limiter) tryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiters.Len() == 0 && l.fitsLocked() {
		l.active++
		return true
	}
	return false
}

// acquire takes a slot, waiting until one is free or done is closed. It
// reports whether it holds a slot.
func (l *limiter) acquire(done <-chan struct{}) bool {
	l.mu.Lock()
	if l.waiters.Len() == 0 && l.fitsLocked() {
		l.active++
		l.mu.Unlock()
		return true
	}
	ready := make(chan struct{})
	elem := l.waiters.PushBack(ready)
	l.mu.Unlock()

	select {
	case <-ready:
		return true
	case <-done:
	}
	l.mu.Lock()
	select {
	case <-ready:
		// Granted as done closed: the slot is ours, so hand it on.
		l.active--
	default:
		l.waiters.Remove(elem)
	}
	l.grantLocked()
	l.mu.Unlock()
	return false
}

func (l *limiter) release() {
	l.mu.Lock()
	l.active--
	l.grantLocked()
	l.mu.Unlock()
}

func (l *limiter) setMax(n int) {
	l.mu.Lock()
	l.max = n
	l.grantLocked()
	l.mu.Unlock()
}

// grantLocked hands free slots to waiters in arrival order.
func (l *limiter) grantLocked() {
	for l.waiters.Len() > 0 && l.fitsLocked() {
		ready := l.waiters.Remove(l.waiters.Front()).(chan struct{})
		l.active++
		close(ready)
	}
}

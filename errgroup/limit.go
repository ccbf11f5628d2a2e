package errgroup

import (
	"sync"
	"sync/atomic"

	"github.com/weavego/weave/internal/list"
)

// limiter holds back Go calls while the group's running tasks reach a limit
// that may change at any time. Waiting Go calls queue in FIFO order, so a
// steady trickle of TryGo calls cannot starve them.
//
// The count of running tasks is the group's, not the limiter's: tasks that
// started before any limit was set count toward the first limit too. Tasks
// add to it only under mu once a limiter exists; a task that ends subtracts
// without the lock and then takes it to hand its slot on, so a waiter either
// sees the lower count when it checks or is granted by that task.
//
// Each blocked Go makes its own ready channel rather than taking one from a
// pool: a channel made outside a testing/synctest bubble would make the
// caller's synctest.Wait hang, since blocking on it is not durable.
type limiter struct {
	running *atomic.Int64 // the group's count of running tasks

	mu      sync.Mutex
	max     int                      // < 0: no limit
	waiters list.List[chan struct{}] // each closed when granted a slot
}

func newLimiter(n int, running *atomic.Int64) *limiter {
	return &limiter{max: n, running: running}
}

func (l *limiter) fitsLocked() bool {
	return l.max < 0 || l.running.Load() < int64(l.max)
}

// tryAcquire takes a slot if one is free and nobody waits for one.
func (l *limiter) tryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiters.Len() == 0 && l.fitsLocked() {
		l.running.Add(1)
		return true
	}
	return false
}

// acquire takes a slot, waiting until one is free or done is closed. It
// reports whether it holds a slot.
func (l *limiter) acquire(done <-chan struct{}) bool {
	l.mu.Lock()
	if l.waiters.Len() == 0 && l.fitsLocked() {
		l.running.Add(1)
		l.mu.Unlock()
		return true
	}
	ready := make(chan struct{})
	w := &list.Node[chan struct{}]{Value: ready}
	l.waiters.PushBack(w)
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
		l.running.Add(-1)
	default:
		l.waiters.Remove(w)
	}
	l.grantLocked()
	l.mu.Unlock()
	return false
}

// grant hands free slots to waiters; a task that ended calls it after
// taking itself off the running count.
func (l *limiter) grant() {
	l.mu.Lock()
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
		l.running.Add(1)
		close(l.waiters.PopFront().Value)
	}
}

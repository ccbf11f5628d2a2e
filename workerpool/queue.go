package workerpool

import "github.com/weavego/weave/internal/list"

// ring is the queue of accepted tasks: a circular buffer that grows on demand
// up to the queue size, so a large WithQueueSize costs nothing until used.
type ring struct {
	buf  []job
	head int
	n    int
}

func (r *ring) len() int { return r.n }

// push appends j, growing the buffer up to limit; the caller has checked
// that r.len() < limit.
func (r *ring) push(j job, limit int) {
	if r.n == len(r.buf) {
		r.grow(limit)
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = j
	r.n++
}

func (r *ring) grow(limit int) {
	size := min(max(2*len(r.buf), 8), limit)
	buf := make([]job, size)
	for i := 0; i < r.n; i++ {
		k := r.head + i
		if k >= len(r.buf) {
			k -= len(r.buf)
		}
		buf[i] = r.buf[k]
	}
	r.buf, r.head = buf, 0
}

func (r *ring) pop() job {
	j := r.buf[r.head]
	r.buf[r.head] = job{} // let the task and its context be collected
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	return j
}

// waiter is a Submit blocked for room in the queue, as a node of Pool.waiters
// so that one giving up can leave from the middle in O(1). The worker that
// makes room moves the waiter's task in and wakes it, so blocked Submits are
// admitted in arrival order and none is woken in vain.
type waiter = list.Node[waitState]

type waitState struct {
	j       job
	ready   chan struct{} // receives one value when settled
	err     error         // nil: admitted; else why refused
	settled bool          // guarded by Pool.mu
}

// newWaiterLocked returns an empty waiter for j, reusing a settled one when
// it can: under a steady stream a producer parks for every task, and its
// waiter would otherwise be garbage each time. (Waiters are kept per Pool, not
// in a sync.Pool: their channels must stay within one testing/synctest
// bubble.) p.mu is held.
func (p *Pool) newWaiterLocked(j job) *waiter {
	w := p.spareW.PopFront()
	if w == nil {
		w = &waiter{Value: waitState{ready: make(chan struct{}, 1)}}
	}
	w.Value.j = j
	return w
}

// putWaiterLocked keeps w, which has left p.waiters and whose ready channel
// is empty, for reuse. p.mu is held.
func (p *Pool) putWaiterLocked(w *waiter) {
	if p.spareW.Len() >= maxSpareWaiters {
		return
	}
	w.Value = waitState{ready: w.Value.ready}
	p.spareW.PushBack(w)
}

const maxSpareWaiters = 64

// settle decides the waiter's outcome and wakes it. Pool.mu is held.
func (s *waitState) settle(err error) {
	s.err = err
	s.settled = true
	s.ready <- struct{}{}
}

package workerpool

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

// waiter is a Submit blocked for room in the queue. The worker that makes
// room moves the waiter's task in and wakes it, so blocked Submits are
// admitted in arrival order and none is woken in vain.
type waiter struct {
	j          job
	ready      chan struct{} // receives one value when settled
	err        error         // nil: admitted; else why refused
	settled    bool          // guarded by Pool.mu
	prev, next *waiter
}

// newWaiterLocked returns an empty waiter for j, reusing a settled one when
// it can: under a steady stream a producer parks for every task, and its
// waiter would otherwise be garbage each time. (Waiters are kept per Pool, not
// in a sync.Pool: their channels must stay within one testing/synctest
// bubble.) p.mu is held.
func (p *Pool) newWaiterLocked(j job) *waiter {
	w := p.spareW
	if w == nil {
		return &waiter{j: j, ready: make(chan struct{}, 1)}
	}
	p.spareW, w.next = w.next, nil
	p.nspareW--
	w.j = j
	return w
}

// putWaiterLocked keeps w, whose ready channel is empty, for reuse. p.mu is
// held.
func (p *Pool) putWaiterLocked(w *waiter) {
	if p.nspareW >= maxSpareWaiters {
		return
	}
	*w = waiter{ready: w.ready, next: p.spareW}
	p.spareW = w
	p.nspareW++
}

const maxSpareWaiters = 64

// settle decides w's outcome and wakes it. Pool.mu is held.
func (w *waiter) settle(err error) {
	w.err = err
	w.settled = true
	w.ready <- struct{}{}
}

// waitList is a FIFO of waiters, linked through the waiters themselves so
// that a Submit giving up can leave from the middle in O(1).
type waitList struct {
	head, tail *waiter
	n          int
}

func (l *waitList) pushBack(w *waiter) {
	w.prev, w.next = l.tail, nil
	if l.tail == nil {
		l.head = w
	} else {
		l.tail.next = w
	}
	l.tail = w
	l.n++
}

func (l *waitList) popFront() *waiter {
	w := l.head
	if w != nil {
		l.remove(w)
	}
	return w
}

func (l *waitList) remove(w *waiter) {
	if w.prev == nil {
		l.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		l.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
	l.n--
}

// workerList holds the live workers, linked through the workers themselves.
type workerList struct {
	head, tail *worker
}

func (l *workerList) pushBack(w *worker) {
	w.prev, w.next = l.tail, nil
	if l.tail == nil {
		l.head = w
	} else {
		l.tail.next = w
	}
	l.tail = w
}

func (l *workerList) remove(w *worker) {
	if w.prev == nil {
		l.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		l.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
}

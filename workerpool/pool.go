package workerpool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/weavego/weave/internal/list"
	"github.com/weavego/weave/internal/panics"
)

// PanicError is a panic recovered from a task: the value passed to panic and
// the stack where it happened. Its Error method is one line; Unwrap returns the
// value when it is an error.
type PanicError = panics.Error

var (
	// ErrClosed is returned by Submit, TrySubmit and Group.Submit once Shutdown
	// or Close has been called, including to a Submit that was waiting for room
	// at that moment.
	ErrClosed = errors.New("workerpool: closed")
	// ErrQueueFull is returned by TrySubmit when no worker is free and the
	// queue has no room for the task.
	ErrQueueFull = errors.New("workerpool: queue full")
)

// Pool runs tasks on at most Workers goroutines, with a bounded queue of
// accepted tasks in front of them.
//
// Workers are started on demand, one per accepted task until the limit is
// reached. A worker that finds the queue empty waits for the next task only
// while other tasks of the pool are running, and exits once none is: a Pool
// with no task in flight has no goroutines, and creating one is cheap.
// Workers take tasks in the order they were accepted.
//
// Close and Shutdown may be called from a task of the pool itself (or its
// error handler): they then wait for every worker but the caller's.
//
// A Pool must be ended with Shutdown or Close (or both) when it is no longer
// needed, so that nothing can be submitted to it any more and its running
// tasks are waited for. It is safe for concurrent use.
type Pool struct {
	ctx     context.Context // the context of tasks submitted without one of their own
	cancel  context.CancelFunc
	killed  atomic.Bool // set by Close: tasks not yet started are skipped
	handler func(error)
	qcap    int

	mu       sync.Mutex
	size     int // the most workers allowed to run at once
	active   int // live worker goroutines
	running  int // tasks taken by a worker and not yet recorded as finished
	state    int
	queue    ring
	waiters  list.List[waitState] // blocked Submits, in arrival order
	workers  list.List[worker]    // live workers, so that Close can cancel what they run
	parked   *worker              // workers waiting for a task, linked by parkNext: only while the queue is empty and tasks run
	spinning int                  // workers yielding once before they retire
	spare    list.List[worker]    // retired workers' nodes, for reuse
	spareW   list.List[waitState] // settled waiters, for reuse
	ending   int                  // workers blocked in their own pool's Close or Shutdown
	idle     chan struct{}        // closed when active drops to ending, made by whoever waits for that
	stats    Stats                // counters only; the gauges are filled in by Stats()
}

const (
	open     = iota
	draining // Shutdown: no intake, the queue still runs
	closed   // Close: no intake, queue dropped, running tasks cancelled
)

// Stats is a snapshot of a Pool. Once nothing is queued or running,
// Submitted == Completed + Failed + Panicked + Skipped.
type Stats struct {
	Workers int // the most tasks that may run at once, as set by New or Resize
	Active  int // worker goroutines alive now: 0 with no work, above Workers for a while after Resize shrinks
	Running int // tasks being run now
	Queued  int // accepted tasks waiting for a worker (beyond the queue size for the moment a worker about to look takes one)
	Waiting int // Submit calls blocked for room in the queue

	Submitted uint64 // tasks accepted by Submit, TrySubmit and Group.Submit
	Completed uint64 // tasks that returned nil
	Failed    uint64 // tasks that returned an error
	Panicked  uint64 // tasks that panicked (or called runtime.Goexit)
	Skipped   uint64 // accepted tasks never run: their context ended first, or Close dropped them

	HandlerPanicked uint64 // panics recovered from the error handler
}

// job is one accepted task. Exactly one of fn and gt is set.
type job struct {
	ctx    context.Context
	cancel context.CancelFunc // releases ctx when it was derived for this task; nil for the pool's own ctx
	fn     func(context.Context) error
	gt     groupTask
}

// groupTask is a task of a Group: it reports to the group, not to the pool's
// error handler.
type groupTask interface {
	start() bool // false: the group is done, do not run
	run(ctx context.Context) error
	finish(err error) // after run, with its error or *PanicError
	skip()            // never run
}

// worker is the state of one worker goroutine. It lives in a node of
// Pool.workers, and of Pool.spare once the goroutine retires, so that the
// next one reuses it.
type worker struct {
	cancel    context.CancelFunc // of the task it runs, for Close
	g         atomic.Uint64      // id of the goroutine running it (see goid)
	inHandler bool               // for runtime.Goexit accounting
	outcome   outcome            // of the task whose error is being handled
	ending    bool               // blocked in Close or Shutdown of its own pool

	// A parked worker waits on wake. A Submit that finds it there hands it
	// its task in handed; Close, Shutdown, Resize and the last worker to
	// find nothing to do wake it with none, to look again.
	wake     chan struct{}
	handed   job
	hasJob   bool
	parkNext *worker
}

type outcome uint8

const (
	completed outcome = iota
	failed
	panicked
	skipped
)

// New returns a Pool that runs at most workers tasks at once. It starts no
// goroutine. New panics if workers <= 0.
func New(workers int, opts ...Option) *Pool {
	if workers <= 0 {
		panic(fmt.Sprintf("workerpool: New called with workers <= 0: %d", workers))
	}
	var c config
	for _, o := range opts {
		o(&c)
	}
	if !c.queueSizeSet {
		c.queueSize = workers
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Pool{
		ctx:     ctx,
		cancel:  cancel,
		handler: c.handler,
		qcap:    c.queueSize,
		size:    workers,
	}
}

// Submit hands task to the pool. It returns nil once the task is accepted:
// given to a worker or put in the queue. When the queue is full it waits for
// room until ctx is done (then it returns ctx.Err() and the task is not
// accepted) or the pool is shut down (then ErrClosed). After Shutdown or Close
// it returns ErrClosed; with ctx already done it returns ctx.Err() at once.
//
// Waiting Submits are let in in arrival order, ahead of any later Submit or
// TrySubmit, and in batches: once the workers have taken the queue down to
// half, as many as fit. A producer that outruns the workers thus parks once
// per several tasks rather than once per task.
//
// The task runs with a context that carries ctx's values and deadline and is
// cancelled when ctx is or when Close is called. If that context is done by
// the time a worker takes the task, the task is skipped: not run, counted in
// Stats.Skipped, not reported to the error handler (it has no error of its
// own, and after Close that would flood the handler). Its error or panic goes
// to the error handler.
//
// A task (or error handler) that Submits to its own pool may wait for room
// that only its own worker would make; once every worker does that, the pool
// deadlocks. From inside, use TrySubmit or a queue large enough. Submit panics
// if task is nil.
func (p *Pool) Submit(ctx context.Context, task func(context.Context) error) error {
	if task == nil {
		panic("workerpool: Submit called with nil task")
	}
	if isEmpty(ctx) { // the common case, kept cheap
		return p.submit(ctx, job{ctx: p.ctx, fn: task}, true)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.submit(ctx, p.newJob(ctx, task, nil), true)
}

// isEmpty reports whether ctx carries nothing: no values, no deadline, no
// cancel. The pool's own context can then stand in for it at no cost, since
// Close cancels that too.
func isEmpty(ctx context.Context) bool {
	return ctx == context.Background() || ctx == context.TODO()
}

// TrySubmit is Submit without waiting: when no worker is free and the queue
// has no room (or Submits are already waiting for it) it returns ErrQueueFull
// at once. The task's context is the pool's own, cancelled by Close.
// TrySubmit panics if task is nil.
func (p *Pool) TrySubmit(task func(context.Context) error) error {
	if task == nil {
		panic("workerpool: TrySubmit called with nil task")
	}
	return p.submit(p.ctx, job{ctx: p.ctx, fn: task}, false)
}

// newJob gives the task a context of its own that Close can cancel, unless
// ctx carries nothing (see isEmpty).
func (p *Pool) newJob(ctx context.Context, fn func(context.Context) error, gt groupTask) job {
	if isEmpty(ctx) {
		return job{ctx: p.ctx, fn: fn, gt: gt}
	}
	tctx, cancel := context.WithCancel(ctx)
	return job{ctx: tctx, cancel: cancel, fn: fn, gt: gt}
}

// submit accepts j or says why not; a refused j's context is released.
func (p *Pool) submit(ctx context.Context, j job, wait bool) error {
	p.mu.Lock()
	if p.state != open {
		p.mu.Unlock()
		j.release()
		return ErrClosed
	}
	if w := p.parked; w != nil {
		// A parked worker means an empty queue and no blocked Submit (see
		// next), so handing j to it keeps tasks in order.
		p.stats.Submitted++
		p.parked, w.parkNext = w.parkNext, nil
		p.running++
		w.cancel = j.cancel
		w.handed, w.hasJob = j, true
		p.mu.Unlock()
		w.wake <- struct{}{}
		return nil
	}
	if p.queue.len() < p.spinning && p.waiters.Len() == 0 {
		// A worker about to look at the queue once more before it retires
		// takes j there: that saves both a new goroutine and its exit.
		p.stats.Submitted++
		p.queue.push(j, max(p.qcap, p.spinning))
		p.mu.Unlock()
		return nil
	}
	if p.active < p.size {
		p.stats.Submitted++
		if p.queue.len() > 0 { // left for spinning workers: first come first
			p.queue.push(j, p.queue.len()+1)
			j = p.queue.pop()
		}
		n := p.startLocked(j)
		p.mu.Unlock()
		go p.work(n, j)
		return nil
	}
	if p.queue.len() < p.qcap && p.waiters.Len() == 0 { // never ahead of a blocked Submit
		p.stats.Submitted++
		p.queue.push(j, p.qcap)
		p.mu.Unlock()
		return nil
	}
	if !wait {
		p.mu.Unlock()
		j.release()
		return ErrQueueFull
	}
	w := p.newWaiterLocked(j)
	p.waiters.PushBack(w)
	p.mu.Unlock()

	var err error
	select {
	case <-w.Value.ready:
		p.mu.Lock()
		err = w.Value.err
	case <-ctx.Done():
		p.mu.Lock()
		if w.Value.settled {
			<-w.Value.ready   // admitted or refused as ctx ended: that outcome stands
			err = w.Value.err // (and the waiter goes back empty)
		} else {
			p.waiters.Remove(w)
			err = ctx.Err()
		}
	}
	j = w.Value.j // still here unless admitted
	p.putWaiterLocked(w)
	p.mu.Unlock()
	if err != nil {
		j.release()
	}
	return err
}

// startLocked counts a new worker that will run j first.
func (p *Pool) startLocked(j job) *list.Node[worker] {
	p.active++
	p.running++
	n := p.spare.PopFront()
	if n == nil {
		n = new(list.Node[worker])
	}
	n.Value.cancel = j.cancel
	p.workers.PushBack(n)
	return n
}

func (j *job) release() {
	if j.cancel != nil {
		j.cancel()
	}
}

// take removes the next task to run: the head of the queue (letting the first
// blocked Submit into the room it leaves), or else, with no queue, the task of
// the first blocked Submit. p.mu is held.
func (p *Pool) take() (job, bool) {
	if p.queue.len() > 0 {
		j := p.queue.pop()
		// Blocked Submits are let in once the queue is down to half, all
		// that fit at once, rather than one per freed slot: a producer that
		// outruns the workers then parks once per several tasks, not once
		// per task, which is most of what a task costs here.
		if p.waiters.Len() > 0 && p.queue.len() <= p.qcap/2 {
			for p.queue.len() < p.qcap {
				w := p.waiters.PopFront()
				if w == nil {
					break
				}
				p.queue.push(w.Value.j, p.qcap)
				p.admitLocked(w)
			}
		}
		return j, true
	}
	if w := p.waiters.PopFront(); w != nil {
		j := w.Value.j
		p.admitLocked(w)
		return j, true
	}
	return job{}, false
}

func (p *Pool) admitLocked(w *waiter) {
	p.stats.Submitted++
	w.Value.j = job{}
	w.Value.settle(nil)
}

// next hands worker n its next task, or retires w when there is none, the
// pool is closed, or the pool has shrunk below its live workers. p.mu is
// held; next may release it while n waits.
//
// A worker that finds the queue empty parks while other tasks of the pool
// are running, so that a steady stream of tasks does not pay for a new
// goroutine per task; once none is running it yields once (a producer about
// to Submit again gets its chance) and retires, waking the parked ones so
// that they retire too: with no task in flight there is no goroutine.
func (p *Pool) next(n *list.Node[worker]) (job, bool) {
	w := &n.Value
	w.cancel = nil
	spun := false
	// Workers only retire with an empty queue or above the limit, so a
	// non-empty queue always has p.size workers draining it.
	for p.state != closed && p.active <= p.size {
		if j, ok := p.take(); ok {
			p.running++
			w.cancel = j.cancel
			return j, true
		}
		if p.state != open {
			break
		}
		if p.running > 0 {
			if j, ok := p.park(w); ok {
				return j, true
			}
			continue
		}
		if spun {
			break
		}
		// More yields measured worse: each one takes the scheduler's global
		// lock.
		spun = true
		p.spinning++
		p.mu.Unlock()
		runtime.Gosched()
		p.mu.Lock()
		p.spinning--
	}
	p.active--
	p.workers.Remove(n)
	if p.running == 0 {
		p.wakeParkedLocked()
	}
	// The goroutine touches n no more once it holds no job: keep n for the
	// next one, so that a worker that retires and is restarted costs no
	// allocation.
	p.spare.PushBack(n)
	p.idleCheckLocked()
	return job{}, false
}

// park waits, with p.mu released, until a Submit hands w a task (returned
// with true; it is counted as running already) or someone wakes w to look
// again. p.mu is held.
func (p *Pool) park(w *worker) (job, bool) {
	if w.wake == nil {
		w.wake = make(chan struct{}, 1)
	}
	w.parkNext = p.parked
	p.parked = w
	p.mu.Unlock()
	<-w.wake
	p.mu.Lock()
	if !w.hasJob {
		return job{}, false
	}
	j := w.handed
	w.handed, w.hasJob = job{}, false
	return j, true
}

// wakeParkedLocked wakes every parked worker to look for work again, or
// retire. p.mu is held.
func (p *Pool) wakeParkedLocked() {
	for w := p.parked; w != nil; w = p.parked {
		p.parked, w.parkNext = w.parkNext, nil
		w.wake <- struct{}{}
	}
}

// work is a worker goroutine: it runs j, then whatever next gives it.
func (p *Pool) work(n *list.Node[worker], j job) {
	w := &n.Value
	w.g.Store(goid())
	normal := false
	defer func() {
		if !normal {
			p.goexit(n, j)
		}
	}()
	for {
		o := p.run(w, &j)
		p.mu.Lock()
		p.record(o)
		var ok bool
		j, ok = p.next(n)
		p.mu.Unlock()
		if !ok {
			normal = true
			return
		}
	}
}

// record counts a finished task. p.mu is held.
func (p *Pool) record(o outcome) {
	p.running--
	switch o {
	case completed:
		p.stats.Completed++
	case failed:
		p.stats.Failed++
	case panicked:
		p.stats.Panicked++
	case skipped:
		p.stats.Skipped++
	}
}

// run runs one task unless its context is already done, and reports its
// error.
func (p *Pool) run(w *worker, j *job) outcome {
	if j.gt != nil {
		if p.killed.Load() || !j.gt.start() {
			j.gt.skip()
			j.release()
			return skipped
		}
	} else if j.cancel == nil {
		if p.killed.Load() {
			return skipped
		}
	} else if j.ctx.Err() != nil {
		j.release()
		return skipped
	}
	o, err := call(j)
	j.release() // before the handler: the task is over
	if j.gt != nil {
		j.gt.finish(err)
	} else if err != nil && p.handler != nil {
		w.outcome = o
		p.handle(w, err)
	}
	return o
}

// call runs the task, turning a panic into a *PanicError.
func call(j *job) (o outcome, err error) {
	defer func() {
		if v := recover(); v != nil {
			o, err = panicked, panics.New(v)
		}
	}()
	if j.gt != nil {
		err = j.gt.run(j.ctx)
	} else {
		err = j.fn(j.ctx)
	}
	if err != nil {
		return failed, err
	}
	return completed, nil
}

func (p *Pool) handle(w *worker, err error) {
	w.inHandler = true
	if perr := panics.Try(func() { p.handler(err) }); perr != nil {
		p.mu.Lock()
		p.stats.HandlerPanicked++
		p.mu.Unlock()
	}
	w.inHandler = false
}

// goexit keeps the books when a task (or the error handler) ends the worker
// goroutine with runtime.Goexit: the task counts as panicked, its waiter
// hears about it, and the worker's job passes to a new goroutine.
func (p *Pool) goexit(n *list.Node[worker], j job) {
	w := &n.Value
	j.release()
	o := panicked
	if w.inHandler { // the task's outcome stands: it was only being reported
		o = w.outcome
	} else {
		perr := panics.New("workerpool: task called runtime.Goexit")
		if j.gt != nil {
			j.gt.finish(perr)
		} else if p.handler != nil {
			p.handle(w, perr)
		}
	}
	w.inHandler = false
	p.mu.Lock()
	p.record(o)
	nj, ok := p.next(n)
	p.mu.Unlock()
	if ok {
		go p.work(n, nj)
	}
}

// Resize sets the most tasks that may run at once. Growing starts workers for
// queued tasks at once; shrinking cancels nothing: workers above the new size
// retire as their tasks finish. Resize panics if workers <= 0.
func (p *Pool) Resize(workers int) {
	if workers <= 0 {
		panic(fmt.Sprintf("workerpool: Resize called with workers <= 0: %d", workers))
	}
	type start struct {
		n *list.Node[worker]
		j job
	}
	var starts []start
	p.mu.Lock()
	p.size = workers
	if p.active > p.size {
		p.wakeParkedLocked() // to retire
	}
	for p.state != closed && p.active < p.size {
		j, ok := p.take()
		if !ok {
			break
		}
		starts = append(starts, start{p.startLocked(j), j})
	}
	p.mu.Unlock()
	for _, s := range starts {
		go p.work(s.n, s.j)
	}
}

// Stats returns a snapshot of the pool's gauges and counters.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Workers = p.size
	s.Active = p.active
	s.Running = p.running
	s.Queued = p.queue.len()
	s.Waiting = p.waiters.Len()
	return s
}

// Shutdown stops intake (Submit calls waiting for room return ErrClosed),
// lets the workers run every queued task, and waits for them to finish. If
// ctx is done first it does what Close does and returns ctx.Err(). Calling it
// again, or after Close, waits again and is harmless. The context of tasks
// submitted without one of their own is cancelled once the last worker is
// gone.
//
// Called from inside one of the pool's own tasks (or its error handler),
// Shutdown cannot wait for that task, nor for the queued tasks that only its
// worker is left to run: it returns once every other worker is gone, and the
// calling worker drains the rest of the queue after its task returns.
func (p *Pool) Shutdown(ctx context.Context) error {
	g := goid()
	p.mu.Lock()
	if p.state == open {
		p.state = draining
		p.refuseWaitersLocked()
		p.wakeParkedLocked() // the queue is empty: to retire
		p.idleCheckLocked()
	}
	self := p.enterEndLocked(g)
	idle := p.idleLocked()
	p.mu.Unlock()
	var err error
	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	p.leaveEnd(self)
	if err != nil {
		_ = p.Close()
	}
	return err
}

// Close stops intake (Submit calls waiting for room return ErrClosed),
// cancels the contexts of running tasks, drops the queued ones (counted in
// Stats.Skipped) and waits for the running ones to return. A task that
// ignores its context holds Close up. Calling it again is harmless. It always
// returns nil; the error is there to satisfy io.Closer.
//
// Called from inside one of the pool's own tasks (or its error handler),
// Close cancels that task's context too but cannot wait for it: it returns
// once every other worker is gone.
func (p *Pool) Close() error {
	g := goid()
	p.mu.Lock()
	var dropped []job
	if p.state != closed {
		p.state = closed
		p.killed.Store(true)
		p.cancel()
		p.refuseWaitersLocked()
		p.wakeParkedLocked()
		for n := p.workers.Front(); n != nil; n = n.Next() {
			if cancel := n.Value.cancel; cancel != nil {
				cancel()
			}
		}
		for p.queue.len() > 0 {
			dropped = append(dropped, p.queue.pop())
		}
		p.stats.Skipped += uint64(len(dropped))
	}
	self := p.enterEndLocked(g)
	idle := p.idleLocked()
	p.mu.Unlock()
	for i := range dropped {
		dropped[i].release()
		if gt := dropped[i].gt; gt != nil {
			gt.skip()
		}
	}
	if idle != nil {
		<-idle
	}
	p.leaveEnd(self)
	return nil
}

// enterEndLocked marks the worker running on goroutine g, if there is one, as
// blocked in Close or Shutdown: those wait for every worker but such ones,
// which cannot finish before they return. p.mu is held.
func (p *Pool) enterEndLocked(g uint64) *worker {
	for n := p.workers.Front(); n != nil; n = n.Next() {
		if w := &n.Value; w.g.Load() == g && !w.ending {
			w.ending = true
			p.ending++
			p.idleCheckLocked()
			return w
		}
	}
	return nil
}

func (p *Pool) leaveEnd(w *worker) {
	if w == nil {
		return
	}
	p.mu.Lock()
	w.ending = false
	p.ending--
	p.mu.Unlock()
}

// idleCheckLocked wakes those waiting in Close and Shutdown once only workers
// blocked in those calls are left, and cancels the pool's own context once an
// ended pool has no worker left. p.mu is held.
func (p *Pool) idleCheckLocked() {
	if p.active > p.ending {
		return
	}
	if p.active == 0 && p.state != open {
		p.cancel() // before waking anyone: Shutdown returns with it done
	}
	if p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
}

// idleLocked returns a channel closed once no worker is left but those
// blocked in Close or Shutdown, or nil when that is so already. p.mu is held.
func (p *Pool) idleLocked() chan struct{} {
	if p.active <= p.ending {
		return nil
	}
	if p.idle == nil {
		p.idle = make(chan struct{})
	}
	return p.idle
}

func (p *Pool) refuseWaitersLocked() {
	for w := p.waiters.PopFront(); w != nil; w = p.waiters.PopFront() {
		w.Value.settle(ErrClosed)
	}
}

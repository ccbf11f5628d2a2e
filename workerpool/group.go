package workerpool

import (
	"context"
	"sync"
)

// Group is a batch of tasks run on a Pool whose results are gathered: Wait
// returns them in submission order together with the first error. The first
// error cancels the group's context, and tasks of the group not yet started
// by then are skipped. Errors and panics of a Group's tasks go to Wait, never
// to the pool's error handler; the pool's Stats still count them.
//
// A Group is used once: submit, then Wait. Its methods are safe for
// concurrent use.
type Group[T any] struct {
	pool   *Pool
	ctx    context.Context
	cancel context.CancelCauseFunc
	wake   chan struct{} // a task finished or was skipped

	mu      sync.Mutex
	results []T
	queued  int  // accepted by the pool, not started
	running int  // started, not finished
	stopped bool // the first error is in: start nothing more
	err     error
}

// NewGroup returns a Group that runs its tasks on p, and the group's context:
// derived from ctx, cancelled at the first error with that error as its cause
// (context.Cause), and in any case when Wait returns. NewGroup panics if p is
// nil.
func NewGroup[T any](ctx context.Context, p *Pool) (*Group[T], context.Context) {
	if p == nil {
		panic("workerpool: NewGroup called with nil pool")
	}
	gctx, cancel := context.WithCancelCause(ctx)
	return &Group[T]{pool: p, ctx: gctx, cancel: cancel, wake: make(chan struct{}, 1)}, gctx
}

// Submit queues task on the pool, waiting for room as Pool.Submit does, with
// the group's context as the bound: it returns the context's error once the
// group is cancelled and ErrClosed once the pool is shut down. A task that is
// not accepted still has its slot in Wait's results (the zero value), and its
// refusal becomes the group's error if there is none yet, so no task goes
// missing without Wait saying so.
//
// The task runs with a context derived from the group's, also cancelled by
// the pool's Close. Submit panics if task is nil.
func (g *Group[T]) Submit(task func(context.Context) (T, error)) error {
	if task == nil {
		panic("workerpool: Group.Submit called with nil task")
	}
	var zero T
	g.mu.Lock()
	i := len(g.results)
	g.results = append(g.results, zero)
	if err := g.ctx.Err(); err != nil {
		cancel := g.failLocked(context.Cause(g.ctx))
		g.mu.Unlock()
		g.stop(cancel)
		return err
	}
	g.queued++
	g.mu.Unlock()

	t := &groupJob[T]{g: g, i: i, task: task}
	err := g.pool.submit(g.ctx, g.pool.newJob(g.ctx, nil, t), true)
	if err != nil {
		cause := err
		if g.ctx.Err() != nil {
			cause = context.Cause(g.ctx)
		}
		g.mu.Lock()
		g.queued--
		cancel := g.failLocked(cause)
		g.mu.Unlock()
		g.stop(cancel)
		g.signal()
	}
	return err
}

// Wait waits until every started task has returned and, unless the group was
// cancelled, every queued one has run. It returns one result per Submit call,
// in submission order (the zero value where a task failed or did not run), and
// the first error: a task's error, a *PanicError, a Submit refusal, or the
// cause of the parent context's end if that kept tasks from running. It then
// cancels the group's context. Wait may be called from several goroutines.
//
// Called from a task of the same pool, Wait can only return once other
// workers have run the group's queued tasks; if every worker is doing that,
// nothing runs them. Wait for a Group outside its pool's tasks.
func (g *Group[T]) Wait() ([]T, error) {
	g.mu.Lock()
	for g.running > 0 || (g.queued > 0 && !g.stopped && g.ctx.Err() == nil) {
		done := g.ctx.Done()
		if g.ctx.Err() != nil {
			done = nil // already noticed; only finishing tasks matter now
		}
		g.mu.Unlock()
		select {
		case <-g.wake:
		case <-done:
		}
		g.mu.Lock()
	}
	if g.queued > 0 && g.err == nil {
		// The parent ended the group with tasks still queued: say so.
		g.err = context.Cause(g.ctx)
	}
	g.stopped = true
	results, err := g.results, g.err
	g.mu.Unlock()
	g.cancel(err)
	return results, err
}

// failLocked records err as the group's error if it is the first. It returns
// the cause to cancel the group's context with, or nil when that is done
// already. g.mu is held.
func (g *Group[T]) failLocked(err error) error {
	if g.err == nil {
		g.err = err
	}
	if g.stopped {
		return nil
	}
	g.stopped = true
	return g.err
}

// stop cancels the group's context, outside g.mu, when failLocked said so.
func (g *Group[T]) stop(cause error) {
	if cause != nil {
		g.cancel(cause)
	}
}

func (g *Group[T]) signal() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// groupJob is one task of a Group as the pool sees it.
type groupJob[T any] struct {
	g    *Group[T]
	i    int
	task func(context.Context) (T, error)
	v    T
}

func (t *groupJob[T]) start() bool {
	g := t.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped || g.ctx.Err() != nil {
		return false
	}
	g.queued--
	g.running++
	return true
}

func (t *groupJob[T]) run(ctx context.Context) error {
	v, err := t.task(ctx)
	t.v = v
	return err
}

func (t *groupJob[T]) finish(err error) {
	g := t.g
	g.mu.Lock()
	g.running--
	var cancel error
	if err == nil {
		g.results[t.i] = t.v
	} else {
		cancel = g.failLocked(err)
	}
	g.mu.Unlock()
	g.stop(cancel)
	g.signal()
}

func (t *groupJob[T]) skip() {
	g := t.g
	cause := ErrClosed // dropped by the pool's Close
	if g.ctx.Err() != nil {
		cause = context.Cause(g.ctx)
	}
	g.mu.Lock()
	g.queued--
	cancel := g.failLocked(cause)
	g.mu.Unlock()
	g.stop(cancel)
	g.signal()
}

package errgroup

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/weavego/weave/internal/panics"
)

// PanicError is a panic recovered from a task: the value and the stack of
// the goroutine that panicked. Wait returns it like any other task error.
type PanicError = panics.Error

// ErrGoexit is recorded for a task that called runtime.Goexit (for example
// t.FailNow in a test) instead of returning. golang.org/x/sync/errgroup
// counts such a task as a success; here it ended without a result, which
// must not look like one, so it fails the group like any other error.
var ErrGoexit = errors.New("errgroup: task called runtime.Goexit")

// Option configures a Group made by New or NewResults.
type Option func(*config)

type config struct {
	limit      int
	collectAll bool
}

// WithLimit lets at most n tasks run at once: Go blocks for a slot beyond
// that. A negative n means no limit (the default); n == 0 lets no task start
// until SetLimit raises it, as in golang.org/x/sync/errgroup.
func WithLimit(n int) Option {
	return func(c *config) { c.limit = n }
}

// WithCollectAll makes the group keep going after a task fails: the context
// is not cancelled by task errors or panics, every task runs, and Wait
// returns errors.Join of every error in the order the tasks returned them.
// The parent context still cancels the group.
func WithCollectAll() Option {
	return func(c *config) { c.collectAll = true }
}

// A Group is a set of goroutines working on parts of the same task. A Group
// must not be copied after first use.
//
// A Group made by New or WithContext is spent once Wait returns, since Wait
// cancels its context: a later Go skips its task (counted by Skipped) and a
// later Wait reports that (see Wait). Make a new Group for the next batch.
//
// The zero Group is valid: it has no limit, is never cancelled (so it skips
// nothing), hands context.Background to its tasks, and Wait returns the
// first error. Like a sync.WaitGroup it may be used again after Wait; the
// first error stays recorded.
type Group struct {
	ctx        context.Context // nil for the zero Group
	cancel     context.CancelCauseFunc
	collectAll bool

	wg      sync.WaitGroup
	running atomic.Int64            // tasks started and not yet returned
	lim     atomic.Pointer[limiter] // nil until a limit is set
	skipped atomic.Int64

	mu   sync.Mutex
	err  error   // first error (not collectAll)
	errs []error // every error (collectAll)
}

// WithContext returns a new Group with no limit and a context derived from
// ctx. The context is cancelled, with the error as its cause, the first time
// a task returns an error or panics, and otherwise when Wait returns.
func WithContext(ctx context.Context) (*Group, context.Context) {
	if ctx == nil {
		panic("errgroup: WithContext called with nil context")
	}
	return New(ctx)
}

// New returns a new Group configured by opts and a context derived from ctx
// that every task receives. The context is cancelled when ctx is, when Wait
// returns, and (unless WithCollectAll) the first time a task returns an
// error or panics; context.Cause then reports that error.
func New(ctx context.Context, opts ...Option) (*Group, context.Context) {
	if ctx == nil {
		panic("errgroup: New called with nil context")
	}
	g := new(Group)
	return g, g.init(ctx, opts)
}

// init sets up a zero Group in place (so Results can embed one).
func (g *Group) init(ctx context.Context, opts []Option) context.Context {
	c := config{limit: -1}
	for _, o := range opts {
		o(&c)
	}
	g.ctx, g.cancel = context.WithCancelCause(ctx)
	g.collectAll = c.collectAll
	if c.limit >= 0 {
		g.lim.Store(newLimiter(c.limit, &g.running))
	}
	return g.ctx
}

// context returns the context tasks receive.
func (g *Group) context() context.Context {
	if g.ctx == nil {
		return context.Background()
	}
	return g.ctx
}

// Go calls fn on a new goroutine with the group's context.
//
// Under a limit, Go blocks until a slot is free; slots are handed out in the
// order Go calls arrived. If the group is cancelled (by its parent, a failed
// task, or Wait returning) before fn starts — already when Go is called, or
// while Go waits for a slot — Go returns without running fn and the task is
// counted as skipped; Wait then never returns nil.
//
// The first task that returns an error, panics or calls runtime.Goexit
// cancels the group (unless WithCollectAll); x/sync would let a panic crash
// the process and would count a Goexit as success.
//
// Go may be called by running tasks and from other goroutines; Wait also
// waits for a Go call that began before Wait did (even one still waiting
// for a slot) to start or skip its task. As with sync.WaitGroup, a Go from
// outside the group must not race a Wait that may find no task running:
// make it before Wait, or from a running task. On a Group made by New or
// WithContext, a Go called after Wait returned skips its task, since the
// group is then cancelled.
//
// Under a limit, a task that calls Go holds its slot while it waits for
// another; if every running task does that, none can proceed. Tasks that
// spawn tasks should use TryGo, or the caller should spawn level by level.
func (g *Group) Go(fn func(context.Context) error) {
	if fn == nil {
		panic("errgroup: Go called with nil function")
	}
	ctx := g.context()
	// Count the task before waiting for a slot, so that a Wait that starts
	// meanwhile waits for this Go to start or skip it.
	g.wg.Add(1)
	if ctx.Err() != nil {
		g.skip()
		return
	}
	if l := g.lim.Load(); l == nil {
		g.running.Add(1)
	} else {
		if !l.acquire(ctx.Done()) {
			g.skip()
			return
		}
		// The slot may have been granted in the same instant as the
		// cancel; a cancelled group starts nothing.
		if ctx.Err() != nil {
			g.release()
			g.skip()
			return
		}
	}
	go g.run(fn)
}

func (g *Group) skip() {
	g.skipped.Add(1)
	g.wg.Done()
}

// TryGo calls fn on a new goroutine only if a slot is free at once (and no
// earlier Go is waiting for one) and the group is not cancelled. It reports
// whether fn was started; a false result is not counted as skipped, since the
// caller already knows.
func (g *Group) TryGo(fn func(context.Context) error) bool {
	if fn == nil {
		panic("errgroup: TryGo called with nil function")
	}
	ctx := g.context()
	if ctx.Err() != nil {
		return false
	}
	if l := g.lim.Load(); l == nil {
		g.running.Add(1)
	} else if !l.tryAcquire() {
		return false
	}
	g.wg.Add(1)
	go g.run(fn)
	return true
}

// release takes a task off the running count and hands its slot on. A task
// that started before the first limit was set counts toward it all the same.
func (g *Group) release() {
	g.running.Add(-1)
	if l := g.lim.Load(); l != nil {
		l.grant()
	}
}

func (g *Group) run(fn func(context.Context) error) {
	returned := false
	defer func() {
		if !returned {
			g.failAbruptly(recover())
		}
		g.release()
		g.wg.Done()
	}()
	err := fn(g.context())
	returned = true
	if err != nil {
		g.fail(err)
	}
}

// failAbruptly records a task that ended without returning: with the value
// it panicked with, or, when v is nil, by calling runtime.Goexit.
func (g *Group) failAbruptly(v any) {
	if v != nil {
		g.fail(panics.New(v))
	} else {
		g.fail(ErrGoexit)
	}
}

// fail records err and, unless collecting all errors, cancels the group
// with err as the cause the first time. Recording and cancelling happen
// under one lock so that the first error is the one that caused the cancel,
// never a context.Canceled returned by a task reacting to it.
func (g *Group) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.collectAll {
		g.errs = append(g.errs, err)
		return
	}
	if g.err == nil {
		g.err = err
		if g.cancel != nil {
			g.cancel(err)
		}
	}
}

// SetLimit lets at most n tasks run at once from now on; a negative n
// removes the limit. Unlike golang.org/x/sync/errgroup, it may be called at
// any time, also while tasks run: every running task counts toward the new
// limit, including tasks started while the group had none. Raising the
// limit (or removing it) starts waiting Go calls at once, in arrival order;
// lowering it stops no running task, and new tasks start only once the
// number running is below the new limit. A Go or TryGo that runs at the
// same moment as SetLimit may be admitted under either limit.
func (g *Group) SetLimit(n int) {
	if l := g.lim.Load(); l != nil {
		l.setMax(n)
		return
	}
	if n < 0 {
		return
	}
	if !g.lim.CompareAndSwap(nil, newLimiter(n, &g.running)) {
		g.lim.Load().setMax(n) // a concurrent SetLimit made one first
	}
}

// Skipped reports how many tasks passed to Go were not started because the
// group was already cancelled.
func (g *Group) Skipped() int {
	return int(g.skipped.Load())
}

// Wait blocks until every started task has returned (and every Go call that
// began before it has started or skipped its task), cancels the group's
// context, and returns:
//   - the first error a task returned, as returned (a panic arrives as
//     *PanicError, a task that called runtime.Goexit as ErrGoexit); or
//     with WithCollectAll, errors.Join of all of them;
//   - otherwise, if any task was skipped, the reason the group's context
//     was cancelled (context.Cause): the parent's error when the parent was
//     cancelled, or context.Canceled for a Go after an earlier Wait;
//   - otherwise nil.
//
// The second case is where Wait differs from golang.org/x/sync/errgroup,
// which returns nil when no task failed, even if the parent context ended
// and some work never ran. Here skipped work never reads as success; a
// caller that treats a parent cancel as a clean stop checks for it:
//
//	if err := g.Wait(); err != nil && !errors.Is(err, context.Cause(parent)) {
//		return err
//	}
//
// If the parent is cancelled but every task was already started and none
// failed, Wait returns nil, as x/sync does. With WithCollectAll and skipped
// tasks, the cancel reason is joined last. Calling Wait again returns the
// same error unless tasks were added or skipped in between.
//
// The first error is the one that cancelled the group: errors that other
// tasks return in reaction to that cancel (typically ctx.Err()) are dropped.
// So errors.Is(err, context.Canceled) holds only when the first failure was
// itself a cancellation, or tasks were skipped, most often because the
// parent context was cancelled; a task's own failure comes back as that
// task returned it.
func (g *Group) Wait() error {
	g.wg.Wait()
	g.mu.Lock()
	err := g.err
	if g.collectAll {
		err = errors.Join(g.errs...)
	}
	g.mu.Unlock()
	if g.skipped.Load() > 0 && (err == nil || g.collectAll) {
		// A task is skipped only once the group's context is done: by the
		// parent (no task failed) or by an earlier Wait, whose error is the
		// cause then.
		if cause := context.Cause(g.ctx); err == nil {
			err = cause
		} else {
			err = errors.Join(err, cause)
		}
	}
	if g.cancel != nil {
		g.cancel(err)
	}
	return err
}

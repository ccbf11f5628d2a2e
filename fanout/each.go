package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/weavego/weave/internal/panics"
)

// errGoexit fails a Map or ForEach whose fn called runtime.Goexit, as
// t.FailNow does.
var errGoexit = errors.New("fanout: fn called runtime.Goexit")

// PanicError is a panic recovered from fn in Map or ForEach: the value and
// the stack where it happened. It is returned as the error; match it with
// errors.As.
type PanicError = panics.Error

// Map calls fn for every item, at most workers calls at a time, and returns
// the results in input order. It blocks until every call it started has
// returned. The calling goroutine is one of the workers, so Map starts
// min(workers, len(items))-1 goroutines.
//
// The first error (or panic, as *PanicError) cancels the context passed to
// fn and no further item is started; Map then returns nil and that error. If
// ctx is done before every item was started, Map returns nil and ctx's error.
// A call of runtime.Goexit in fn (as t.FailNow makes) also stops the run:
// on a worker Map returns an error; on the calling goroutine it goes on up
// once the other workers have returned. It panics if workers <= 0 or fn is
// nil.
func Map[In, Out any](ctx context.Context, items []In, workers int, fn func(context.Context, In) (Out, error)) ([]Out, error) {
	check(ctx, "Map", workers, fn == nil)
	out := make([]Out, len(items))
	err := each(ctx, len(items), workers, func(ctx context.Context, i int) (err error) {
		out[i], err = fn(ctx, items[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ForEach calls fn for every item, at most workers calls at a time, with the
// same blocking, cancellation and error rules as Map. Items are started in
// input order, but with workers > 1 they may finish in any order.
func ForEach[T any](ctx context.Context, items []T, workers int, fn func(context.Context, T) error) error {
	check(ctx, "ForEach", workers, fn == nil)
	return each(ctx, len(items), workers, func(ctx context.Context, i int) error {
		return fn(ctx, items[i])
	})
}

func check(ctx context.Context, name string, workers int, nilFn bool) {
	checkCtx(ctx, name)
	if workers <= 0 {
		panic(fmt.Sprintf("fanout: %s called with workers <= 0: %d", name, workers))
	}
	if nilFn {
		panic("fanout: " + name + " called with nil fn")
	}
}

// each runs fn(ctx, i) for i in [0, n) on at most workers goroutines.
func each(ctx context.Context, n, workers int, fn func(context.Context, int) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &runner{ctx: wctx, cancel: cancel, fn: fn, n: n, workers: min(workers, n), parentDone: ctx.Done() != nil}
	var wg sync.WaitGroup
	// Should fn call runtime.Goexit on this goroutine, work has already
	// cancelled the others: wait for them before the goroutine ends, so
	// that no fn is left running.
	defer wg.Wait()
	for range r.workers - 1 {
		wg.Go(r.work)
	}
	r.work()
	wg.Wait()
	if r.err != nil {
		return r.err
	}
	if int(r.finished.Load()) < n {
		return ctx.Err() // the parent was cancelled: some items never ran
	}
	return nil
}

type runner struct {
	ctx     context.Context
	cancel  context.CancelFunc
	fn      func(context.Context, int) error
	n       int
	workers int

	// next is the first item nobody has claimed yet. Workers claim items in
	// runs, so they rarely contend on it: long runs while much is left,
	// single items near the end so that the workers finish together.
	next     atomic.Int64
	finished atomic.Int64

	// failed is set by fail before it cancels ctx. With a parent that can
	// never be cancelled it is all a worker needs to check, which is
	// cheaper than ctx.Err.
	failed     atomic.Bool
	parentDone bool // the parent ctx can be cancelled

	mu  sync.Mutex
	err error
}

func (r *runner) stopped() bool {
	if r.parentDone {
		return r.ctx.Err() != nil
	}
	return r.failed.Load()
}

func (r *runner) claim() (from, to int, ok bool) {
	for {
		i := r.next.Load()
		if i >= int64(r.n) {
			return 0, 0, false
		}
		k := min(max((int64(r.n)-i)/int64(8*r.workers), 1), 64)
		if r.next.CompareAndSwap(i, i+k) {
			return int(i), int(i + k), true
		}
	}
}

// work runs items until none is left or the run is stopped. A panic in fn
// becomes a *PanicError, and runtime.Goexit fails the run with errGoexit:
// the items it abandons must not pass for done.
func (r *runner) work() {
	finished := 0
	returned := false
	defer func() {
		r.finished.Add(int64(finished))
		if !returned {
			if v := recover(); v != nil {
				r.fail(panics.New(v))
			} else {
				r.fail(errGoexit)
			}
		}
	}()
	for {
		from, to, ok := r.claim()
		if !ok {
			returned = true
			return
		}
		for i := from; i < to; i++ {
			if r.stopped() { // an item failed or ctx is done: start nothing new
				returned = true
				return
			}
			if err := r.fn(r.ctx, i); err != nil {
				r.fail(err)
				returned = true
				return
			}
			finished++
		}
	}
}

// fail keeps the first error and cancels the rest.
func (r *runner) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	r.failed.Store(true)
	r.cancel()
}

package future

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/weavego/weave/internal/panics"
)

// PanicError is a panic recovered from a function run by Go or Then: the
// value and the stack of the goroutine that panicked. The future settles
// with it as its error.
type PanicError = panics.Error

// ErrGoexit settles a future whose function called runtime.Goexit (for
// example t.FailNow in a test) instead of returning, so that no one waits
// for it forever.
var ErrGoexit = errors.New("future: function called runtime.Goexit")

// closed is handed out by Done for futures that settled before anyone
// asked for a channel, so settling costs no channel allocation then.
var closed = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// A Future is a value of type T, or an error, that arrives once. It is safe
// for use by many goroutines. Make one with Go, Then, Resolved, Rejected or
// a Promise; a zero Future never settles.
type Future[T any] struct {
	settled atomic.Bool // set after val and err are written

	mu       sync.Mutex
	done     chan struct{} // made on first Done or blocking Get
	watchers []*watcher    // told once the future settles

	val T
	err error
}

// watcher is told when a future settles: either fn is called (Then), or i is
// sent on ch (All, Any), which must have room for it.
type watcher struct {
	fn  func()
	ch  chan<- int
	i   int
	pos int // index in the watched future's watchers, for unwatch
}

func (w *watcher) notify() {
	if w.fn != nil {
		w.fn()
		return
	}
	w.ch <- w.i
}

// Go calls fn with ctx on a new goroutine and returns a future that settles
// with fn's result when fn returns. A panic in fn settles it with a
// *PanicError, and a runtime.Goexit in fn with ErrGoexit.
//
// fn should return once ctx is done; the future does not settle on ctx's
// behalf. If ctx is already done when Go is called, fn is not called and the
// future fails at once with ctx.Err().
func Go[T any](ctx context.Context, fn func(context.Context) (T, error)) *Future[T] {
	if fn == nil {
		panic("future: Go called with nil function")
	}
	f := new(Future[T])
	if err := ctx.Err(); err != nil {
		var zero T
		f.settle(zero, err)
		return f
	}
	go f.run(ctx, fn)
	return f
}

// run calls fn and settles f with how it ended: its result, a panic, or a
// runtime.Goexit.
func (f *Future[T]) run(ctx context.Context, fn func(context.Context) (T, error)) {
	returned := false
	defer func() {
		if !returned {
			var zero T
			if v := recover(); v != nil {
				f.settle(zero, panics.New(v))
			} else {
				f.settle(zero, ErrGoexit)
			}
		}
	}()
	v, err := fn(ctx)
	returned = true
	f.settle(v, err)
}

// Get waits until the future settles and returns its value and error, or
// until ctx is done and returns the zero value and ctx.Err(). ctx bounds only
// this wait: the future is unchanged and a later Get may still see its
// result. A future that has already settled returns its result even when ctx
// is done.
func (f *Future[T]) Get(ctx context.Context) (T, error) {
	if f == nil {
		panic("future: Get called on nil *Future")
	}
	if f.settled.Load() {
		return f.val, f.err
	}
	cancel := ctx.Done()
	if cancel == nil { // context.Background and friends: a plain receive is cheaper
		<-f.Done()
		return f.val, f.err
	}
	select {
	case <-f.Done():
		return f.val, f.err
	case <-cancel:
		var zero T
		return zero, ctx.Err()
	}
}

// Done returns a channel that is closed once the future settles; Get then
// returns at once. Successive calls return the same channel.
func (f *Future[T]) Done() <-chan struct{} {
	if f == nil {
		panic("future: Done called on nil *Future")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		if f.settled.Load() {
			f.done = closed
		} else {
			f.done = make(chan struct{})
		}
	}
	return f.done
}

// settle sets the result if the future has not settled yet, wakes everyone
// waiting and reports whether it did.
func (f *Future[T]) settle(v T, err error) bool {
	f.mu.Lock()
	if f.settled.Load() {
		f.mu.Unlock()
		return false
	}
	f.val, f.err = v, err
	f.settled.Store(true)
	if f.done != nil {
		close(f.done)
	}
	ws := f.watchers
	f.watchers = nil
	f.mu.Unlock()
	// Outside the lock: a watcher may settle another future that watches
	// back, or take its own locks.
	for _, w := range ws {
		w.notify()
	}
	return true
}

// watch registers w to be told when f settles. It reports false, and does
// not register w, if f has already settled.
func (f *Future[T]) watch(w *watcher) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.settled.Load() {
		return false
	}
	w.pos = len(f.watchers)
	f.watchers = append(f.watchers, w)
	return true
}

// unwatch removes w if it is still registered, in constant time, so that
// many waits that give up on one long-pending future cost no more than
// they would one by one. The list lets go of its backing array once it
// shrinks well below it: a future that is waited on in bursts and never
// settles holds no more than its current waiters.
func (f *Future[T]) unwatch(w *watcher) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ws := f.watchers
	if w.pos >= len(ws) || ws[w.pos] != w {
		return // already told, or removed
	}
	last := len(ws) - 1
	ws[w.pos] = ws[last]
	ws[w.pos].pos = w.pos
	ws[last] = nil
	ws = ws[:last]
	switch {
	case len(ws) == 0:
		ws = nil
	case cap(ws) >= 64 && len(ws) < cap(ws)/4:
		ws = slices.Clone(ws)
	}
	f.watchers = ws
}

// Resolved returns a future already settled with v.
func Resolved[T any](v T) *Future[T] {
	f := new(Future[T])
	f.val = v
	f.settled.Store(true)
	return f
}

// Rejected returns a future already settled with err, which must not be
// nil.
func Rejected[T any](err error) *Future[T] {
	if err == nil {
		panic("future: Rejected called with nil error")
	}
	f := new(Future[T])
	f.err = err
	f.settled.Store(true)
	return f
}

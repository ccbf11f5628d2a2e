package future

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrEmpty is returned by Any when it is given no futures: there is no
// first success to wait for.
var ErrEmpty = errors.New("future: Any called with no futures")

// Then returns a future for fn applied to f's value. Once f settles:
//   - with an error, the returned future fails with that same error and fn
//     is not called;
//   - with a value, fn is called with ctx and the value on a new goroutine,
//     and the returned future settles with fn's result (a panic in fn as a
//     *PanicError).
//
// If ctx is done before f settles, the returned future fails with ctx.Err()
// and fn is never called; f itself is unchanged, and Then takes its
// registration off f, so a long-lived f that never settles does not collect
// the Thens whose ctx ended. No goroutine waits for f in the meantime: a
// Then whose f never settles and whose ctx never ends holds memory (fn and
// the returned future, reachable from f), nothing more. If ctx is done by
// the time fn would start, fn is not called, as with Go.
//
// fn runs on its own goroutine, never on the one that settled f, so a
// Promise's Resolve does not run fn inline or wait for it.
func Then[T, U any](ctx context.Context, f *Future[T], fn func(context.Context, T) (U, error)) *Future[U] {
	if f == nil {
		panic("future: Then called with nil future")
	}
	if fn == nil {
		panic("future: Then called with nil function")
	}
	out := new(Future[U])
	start := func() { // f has settled, and out is ours to settle
		var zero U
		if f.err != nil {
			out.settle(zero, f.err)
			return
		}
		if err := ctx.Err(); err != nil {
			out.settle(zero, err)
			return
		}
		go out.run(ctx, func(ctx context.Context) (U, error) { return fn(ctx, f.val) })
	}
	// Decide at once what is already decided, so the outcome does not
	// depend on which of two goroutines gets there first.
	if f.settled.Load() {
		start()
		return out
	}
	if err := ctx.Err(); err != nil {
		var zero U
		out.settle(zero, err)
		return out
	}

	// Either f settling or ctx ending claims out; the loser does nothing.
	var claimed atomic.Bool
	w := new(watcher)
	stop := context.AfterFunc(ctx, func() {
		if claimed.CompareAndSwap(false, true) {
			f.unwatch(w)
			var zero U
			out.settle(zero, ctx.Err())
		}
	})
	w.fn = func() {
		if claimed.CompareAndSwap(false, true) {
			stop()
			start()
		}
	}
	if !f.watch(w) {
		w.fn() // settled since we looked
	} else if claimed.Load() {
		// ctx ended while we registered, and its unwatch may have come
		// before our watch: take the registration back ourselves.
		f.unwatch(w)
	}
	return out
}

// All waits for every future and returns their values in the order of fs.
// It fails fast: as soon as any future fails, All returns that error without
// waiting for the others (among futures already settled when All is called,
// the first failed one in fs wins). If ctx is done first, All returns
// ctx.Err(); futures that have settled by the time All is called count even
// then. The futures themselves are never changed. All of no futures returns
// an empty slice.
func All[T any](ctx context.Context, fs ...*Future[T]) ([]T, error) {
	checkNil("All", fs)
	var failed error
	err := each(ctx, fs, func(i int) bool {
		failed = fs[i].err
		return failed != nil
	})
	if err != nil {
		return nil, err
	}
	if failed != nil {
		return nil, failed
	}
	vals := make([]T, len(fs))
	for i, f := range fs {
		vals[i] = f.val
	}
	return vals, nil
}

// Any returns the value of the first future to succeed, without waiting for
// the others (among futures already settled when Any is called, the first
// successful one in fs wins). If every future fails, Any returns errors.Join
// of their errors in the order of fs. If ctx is done first, it returns
// ctx.Err(); with no futures, ErrEmpty.
func Any[T any](ctx context.Context, fs ...*Future[T]) (T, error) {
	checkNil("Any", fs)
	var zero T
	if len(fs) == 0 {
		return zero, ErrEmpty
	}
	winner := -1
	err := each(ctx, fs, func(i int) bool {
		if fs[i].err == nil {
			winner = i
			return true
		}
		return false
	})
	if err != nil {
		return zero, err
	}
	if winner >= 0 {
		return fs[winner].val, nil
	}
	errs := make([]error, len(fs))
	for i, f := range fs {
		errs[i] = f.err
	}
	return zero, errors.Join(errs...)
}

func checkNil[T any](fn string, fs []*Future[T]) {
	for i, f := range fs {
		if f == nil {
			panic(fmt.Sprintf("future: %s called with nil future at index %d", fn, i))
		}
	}
}

// each calls visit(i) as each future settles — first those already settled,
// in index order, then the rest as they settle — until visit returns true
// or every future has been visited. It returns ctx.Err() if ctx is done
// first. Waiting costs no goroutine: the futures notify a channel, and on
// return any watcher still registered is removed.
func each[T any](ctx context.Context, fs []*Future[T], visit func(i int) bool) error {
	var pending []int
	for i, f := range fs {
		if !f.settled.Load() {
			pending = append(pending, i)
		} else if visit(i) {
			return nil
		}
	}
	if len(pending) == 0 {
		return nil
	}

	// Each future sends its index at most once, so the buffer never fills.
	notify := make(chan int, len(pending))
	ws := make([]watcher, len(fs))
	seen := make([]bool, len(fs))
	for _, i := range pending {
		ws[i] = watcher{ch: notify, i: i}
		if !fs[i].watch(&ws[i]) {
			notify <- i // settled since we looked
		}
	}
	defer func() {
		for _, i := range pending {
			if !seen[i] {
				fs[i].unwatch(&ws[i])
			}
		}
	}()

	for range pending {
		var i int
		select {
		case i = <-notify: // a settled future beats a done ctx
		default:
			select {
			case i = <-notify:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		seen[i] = true
		if visit(i) {
			return nil
		}
	}
	return nil
}

package errgroup

import (
	"context"
	"slices"
	"sync"
)

// Results is a Group whose tasks each produce a value. Wait returns the
// values in the order Go was called, whatever order the tasks finish in.
// Like the zero Group, the zero Results is valid: no limit, no cancel. A
// Results must not be copied after first use.
type Results[T any] struct {
	g Group

	mu   sync.Mutex
	vals []T
}

// NewResults returns a new Results configured by opts (as New) and the
// group's context, which every task receives.
func NewResults[T any](ctx context.Context, opts ...Option) (*Results[T], context.Context) {
	if ctx == nil {
		panic("errgroup: NewResults called with nil context")
	}
	r := new(Results[T])
	return r, r.g.init(ctx, opts)
}

// Go reserves the next slot in the results and calls fn on a new goroutine,
// exactly as Group.Go: it blocks under a limit, and skips fn once the group
// is cancelled. The slot of a task that fails, panics or is skipped keeps the
// zero value of T.
func (r *Results[T]) Go(fn func(context.Context) (T, error)) {
	if fn == nil {
		panic("errgroup: Results.Go called with nil function")
	}
	r.mu.Lock()
	i := len(r.vals)
	var zero T
	r.vals = append(r.vals, zero)
	r.mu.Unlock()
	r.g.Go(func(ctx context.Context) error {
		v, err := fn(ctx)
		if err != nil {
			return err
		}
		r.mu.Lock()
		r.vals[i] = v
		r.mu.Unlock()
		return nil
	})
}

// SetLimit changes the limit on running tasks, as Group.SetLimit.
func (r *Results[T]) SetLimit(n int) { r.g.SetLimit(n) }

// Skipped reports how many tasks were skipped, as Group.Skipped.
func (r *Results[T]) Skipped() int { return r.g.Skipped() }

// Wait waits for every started task, as Group.Wait, and returns one value per
// Go call, in Go-call order, along with the group's error. The values are
// returned even when the error is not nil: those of the tasks that
// succeeded are in place, the others are zero. Go calls made concurrently
// from several goroutines take their places in the order they reserved
// them, one place per call.
//
// The slice has no spare capacity, so appending to it never writes into
// the group's own storage (which a zero Results keeps using when Go is
// called after Wait).
func (r *Results[T]) Wait() ([]T, error) {
	err := r.g.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clip(r.vals), err
}

package future

// A Promise is the writing end of a Future: whoever holds it settles the
// future once, with Resolve or Reject. It is safe for use by many
// goroutines; the first settle wins. The zero Promise is ready to use; a
// Promise must not be copied after first use.
type Promise[T any] struct {
	f Future[T]
}

// NewPromise returns a Promise whose Future is not settled yet.
func NewPromise[T any]() *Promise[T] {
	return new(Promise[T])
}

// Resolve settles the future with v and wakes everyone waiting for it. It
// reports false, and changes nothing, if the future had already settled.
func (p *Promise[T]) Resolve(v T) bool {
	return p.f.settle(v, nil)
}

// Reject settles the future with err, which must not be nil, and wakes
// everyone waiting for it. It reports false, and changes nothing, if the
// future had already settled.
func (p *Promise[T]) Reject(err error) bool {
	if err == nil {
		panic("future: Reject called with nil error")
	}
	var zero T
	return p.f.settle(zero, err)
}

// Future returns the future that p settles. Every call returns the same
// future.
func (p *Promise[T]) Future() *Future[T] {
	return &p.f
}

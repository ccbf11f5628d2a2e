package pipeline

import "context"

// Collect blocks until s ends and returns its items in order along with
// the pipeline's error (see Wait). On error it returns the items received
// before the pipeline stopped.
func Collect[T any](s *Stream[T]) ([]T, error) {
	in := s.take("Collect")
	p := s.p
	var items []T
loop:
	for {
		select {
		case chunk, ok := <-in:
			if !ok {
				break loop
			}
			items = append(items, chunk...)
		case <-p.done:
			break loop
		}
	}
	return items, p.Wait()
}

// ForEach calls fn for each item of s on pipeline goroutines (one by
// default, see WithWorkers), then waits for the pipeline and returns its
// error. An error or panic from fn fails the pipeline. With one worker fn
// sees the items in order.
func ForEach[T any](s *Stream[T], fn func(context.Context, T) error, opts ...StageOption) error {
	if fn == nil {
		panic("pipeline: ForEach called with nil fn")
	}
	in := s.take("ForEach")
	p := s.p
	run(p, in, nil, newConfig(opts), func(ctx context.Context, v T, out []struct{}) ([]struct{}, error) {
		return out, fn(ctx, v)
	})
	return p.Wait()
}

// Reduce folds the items of s into an accumulator, starting from init, on
// the caller's goroutine; then it waits for the pipeline and returns the
// result and the pipeline's error. On error the result holds the items
// folded so far. fn runs synchronously: if it panics, Reduce stops the
// pipeline and waits for its goroutines before the panic goes on up.
func Reduce[T, A any](s *Stream[T], init A, fn func(A, T) A) (A, error) {
	if fn == nil {
		panic("pipeline: Reduce called with nil fn")
	}
	in := s.take("Reduce")
	p := s.p
	acc := init
	finished := false
	defer func() {
		if !finished { // fn panicked
			p.Stop()
			p.Wait()
		}
	}()
loop:
	for {
		select {
		case chunk, ok := <-in:
			if !ok {
				break loop
			}
			for _, v := range chunk {
				acc = fn(acc, v)
			}
		case <-p.done:
			break loop
		}
	}
	finished = true
	return acc, p.Wait()
}

package retry

import (
	"context"
	"errors"
	"time"
)

// Do calls fn until it succeeds, and returns nil then. Between attempts it
// waits as the Backoff says (or as an After hint says). It stops early and
// returns:
//
//   - err itself, if fn returns Permanent(err);
//   - fn's error as is, if WithRetryIf says it is not worth retrying;
//   - an error wrapping ErrExhausted and fn's last error, when the attempts
//     or the time allowed are used up or a Budget refuses the retry;
//   - an error wrapping both ctx.Err() and fn's last error, as soon as ctx
//     is done: a wait in progress is cut short, and fn is not called again.
//
// If ctx is done before the first attempt, Do returns ctx.Err() without
// calling fn. fn runs on the caller's goroutine, so a panic in fn goes up
// to the caller. Do does not allocate when fn succeeds at once. It panics
// if fn is nil.
func Do(ctx context.Context, fn func(context.Context) error, opts ...Option) error {
	if fn == nil {
		panic("retry: Do called with nil fn")
	}
	c := getConfig(opts)
	defer putConfig(c)
	return c.do(ctx, fn)
}

// DoValue is Do for a function that returns a value: it returns the value
// of the attempt that succeeded, or the zero T with the error Do would
// return. It panics if fn is nil.
func DoValue[T any](ctx context.Context, fn func(context.Context) (T, error), opts ...Option) (T, error) {
	if fn == nil {
		panic("retry: DoValue called with nil fn")
	}
	c := getConfig(opts)
	defer putConfig(c)
	var v T
	err := c.do(ctx, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

func (c *config) do(ctx context.Context, fn func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var start time.Time
	if c.maxElapsed > 0 {
		start = time.Now()
	}
	if c.budget != nil {
		c.budget.call()
	}
	err := c.attempt(ctx, fn)
	if err == nil {
		return nil
	}
	return c.retry(ctx, fn, err, start)
}

// attempt runs fn once, under its own timeout if there is one.
func (c *config) attempt(ctx context.Context, fn func(context.Context) error) error {
	if c.attemptTimeout <= 0 {
		return fn(ctx)
	}
	actx, cancel := context.WithTimeout(ctx, c.attemptTimeout)
	defer cancel()
	return fn(actx)
}

// retry goes on after the first attempt failed with err. It is apart from
// do so that a first-time success does not pay for its timer and defers.
func (c *config) retry(ctx context.Context, fn func(context.Context) error, err error, start time.Time) error {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for attempt := 1; ; attempt++ {
		var perm *permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		if cerr := ctx.Err(); cerr != nil {
			return &stoppedError{ctxErr: cerr, attempts: attempt, last: err}
		}
		if c.retryIf != nil && !c.retryIf(err) {
			return err
		}
		if c.maxAttempts > 0 && attempt >= c.maxAttempts {
			return &giveUpError{kind: ErrExhausted, why: "no attempts left", attempts: attempt, last: err}
		}
		delay := c.backoff(attempt - 1)
		var hint *afterError
		if errors.As(err, &hint) {
			delay = hint.d
		}
		if c.maxElapsed > 0 && time.Since(start)+delay > c.maxElapsed {
			return &giveUpError{kind: ErrExhausted, why: "next wait would pass max elapsed " + c.maxElapsed.String(), attempts: attempt, last: err}
		}
		if c.budget != nil && !c.budget.retry() {
			return &giveUpError{kind: ErrBudget, why: "retry refused", attempts: attempt, last: err}
		}
		if c.onRetry != nil {
			c.onRetry(attempt, err, delay)
		}
		if delay > 0 {
			if timer == nil {
				timer = time.NewTimer(delay)
			} else {
				timer.Reset(delay)
			}
			select {
			case <-ctx.Done():
				return &stoppedError{ctxErr: ctx.Err(), attempts: attempt, last: err}
			case <-timer.C:
			}
		} else if cerr := ctx.Err(); cerr != nil {
			return &stoppedError{ctxErr: cerr, attempts: attempt, last: err}
		}
		if err = c.attempt(ctx, fn); err == nil {
			return nil
		}
	}
}

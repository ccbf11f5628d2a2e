package retry

import (
	"fmt"
	"sync"
	"time"
)

// Option configures one call of Do or DoValue. Options hold no state of
// their own, so build them once and pass the same ones to every call.
type Option func(*config)

type config struct {
	maxAttempts    int
	maxElapsed     time.Duration
	backoff        Backoff
	retryIf        func(error) bool
	onRetry        func(attempt int, err error, delay time.Duration)
	attemptTimeout time.Duration
	budget         *Budget
}

var defaults = config{maxAttempts: 5, backoff: defaultBackoff}

// configs recycles the configs that options are applied to: an Option is a
// function value, so the config it is given escapes to the heap, and Do must
// not allocate.
var configs = sync.Pool{New: func() any { return new(config) }}

func getConfig(opts []Option) *config {
	if len(opts) == 0 {
		return &defaults // read-only
	}
	c := configs.Get().(*config)
	*c = defaults
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

func putConfig(c *config) {
	if c != &defaults {
		*c = config{} // drop the caller's functions
		configs.Put(c)
	}
}

// WithMaxAttempts sets the total number of attempts, the first one
// included (default 5). n <= 0 means no limit: Do then ends only on
// success, a permanent error, another option's limit, or ctx.
func WithMaxAttempts(n int) Option {
	return func(c *config) { c.maxAttempts = n }
}

// WithMaxElapsed bounds the time Do spends: it does not start a wait that
// would end more than d after Do was called, and returns an error wrapping
// ErrExhausted instead. An attempt already running is not interrupted (see
// WithAttemptTimeout and the ctx for that). 0 means no limit (the default).
// It panics if d < 0.
func WithMaxElapsed(d time.Duration) Option {
	if d < 0 {
		panic(fmt.Sprintf("retry: WithMaxElapsed called with negative duration %v", d))
	}
	return func(c *config) { c.maxElapsed = d }
}

// WithBackoff sets how long to wait between attempts (default
// Exponential(100ms, 10s)). It panics if b is nil.
func WithBackoff(b Backoff) Option {
	if b == nil {
		panic("retry: WithBackoff called with nil Backoff")
	}
	return func(c *config) { c.backoff = b }
}

// WithRetryIf sets which errors are worth retrying (default: all but
// Permanent ones). When fn returns false, Do returns that error as is. It
// panics if fn is nil.
func WithRetryIf(fn func(error) bool) Option {
	if fn == nil {
		panic("retry: WithRetryIf called with nil fn")
	}
	return func(c *config) { c.retryIf = fn }
}

// WithOnRetry sets a function called, on the goroutine of Do, each time
// Do has decided to retry, just before it waits: attempt is the number of
// the attempt that failed (from 1), err its error and delay the wait ahead.
// It is not called after the last attempt, since no retry follows. It
// panics if fn is nil.
func WithOnRetry(fn func(attempt int, err error, delay time.Duration)) Option {
	if fn == nil {
		panic("retry: WithOnRetry called with nil fn")
	}
	return func(c *config) { c.onRetry = fn }
}

// WithAttemptTimeout gives each attempt a context that ends d after the
// attempt starts, so one hung attempt does not use up the whole call. An
// attempt that fails on its own timeout is retried like any other error.
// 0 means no per-attempt timeout (the default). It panics if d < 0.
func WithAttemptTimeout(d time.Duration) Option {
	if d < 0 {
		panic(fmt.Sprintf("retry: WithAttemptTimeout called with negative duration %v", d))
	}
	return func(c *config) { c.attemptTimeout = d }
}

// WithBudget makes Do count its first attempt in b and ask b before each
// retry; when b refuses, Do returns an error wrapping ErrBudget,
// ErrExhausted and the last error. It panics if b is nil.
func WithBudget(b *Budget) Option {
	if b == nil {
		panic("retry: WithBudget called with nil Budget")
	}
	return func(c *config) { c.budget = b }
}

package workerpool

import "fmt"

// Option configures a Pool in New.
type Option func(*config)

type config struct {
	queueSize    int
	queueSizeSet bool // 0 is a meaningful size, so "not set" needs its own flag
	handler      func(error)
}

// WithQueueSize sets how many accepted tasks may wait for a worker. The
// default is the number of workers given to New; it does not follow Resize.
// With 0 there is no queue: a task is accepted only when a worker can start
// it at once (TrySubmit) or once one becomes free (Submit). WithQueueSize
// panics if n is negative.
func WithQueueSize(n int) Option {
	if n < 0 {
		panic(fmt.Sprintf("workerpool: WithQueueSize called with negative size %d", n))
	}
	return func(c *config) {
		c.queueSize = n
		c.queueSizeSet = true
	}
}

// WithErrorHandler sets fn to receive the non-nil error of every task given to
// Submit or TrySubmit, and a *PanicError for every such task that panicked.
// Tasks of a Group report to the Group's Wait instead, never to fn.
//
// fn runs on the worker goroutine right after the task returns, so it may run
// concurrently with itself and holds up that worker until it returns: keep it
// short and safe for concurrent use. A panic in fn is recovered and counted in
// Stats.HandlerPanicked; the worker carries on. Without a handler, errors and
// panics are only counted (Stats.Failed, Stats.Panicked).
func WithErrorHandler(fn func(error)) Option {
	return func(c *config) { c.handler = fn }
}

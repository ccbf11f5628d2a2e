package breaker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Option configures a Breaker in New.
type Option func(*config)

type config struct {
	failureThreshold    int // 0: consecutive-failure rule off
	failureThresholdSet bool
	rate                float64 // 0: failure-rate rule off
	minCalls            int
	window              time.Duration
	openTimeout         time.Duration
	probes              int
	successThreshold    int
	isFailure           func(error) bool
	onStateChange       func(from, to State)
}

func defaultConfig() config {
	return config{
		failureThreshold: 5,
		openTimeout:      30 * time.Second,
		probes:           1,
		successThreshold: 1,
	}
}

// defaultIsFailure treats a cancelled context as the caller giving up, not
// as a sign that the protected service is unhealthy.
func defaultIsFailure(err error) bool {
	return err != nil && !errors.Is(err, context.Canceled)
}

// WithFailureThreshold trips the breaker after n consecutive failures in the
// closed state (default 5). It panics if n <= 0.
//
// Concurrent outcomes are ordered by when they are recorded, not by when
// their calls started: a success recorded between two failures breaks the
// run. The run is counted with atomics, not under a lock, yet every trip
// matches such an order: n failures recorded with no success in between trip
// the breaker once, and fewer never do.
//
// Without WithFailureRate this is the only rule that trips the breaker. With
// WithFailureRate, the consecutive-failure rule applies only if
// WithFailureThreshold is given as well.
func WithFailureThreshold(n int) Option {
	if n <= 0 {
		panic(fmt.Sprintf("breaker: WithFailureThreshold called with non-positive n %d", n))
	}
	return func(c *config) {
		c.failureThreshold = n
		c.failureThresholdSet = true
	}
}

// WithFailureRate trips the breaker when, over the last window of time, at
// least minCalls calls finished and the share of failures among them reached
// rate. The window rolls in ten buckets that are brought up to date from the
// clock when a call finishes; there is no timer.
//
// It panics unless 0 < rate <= 1, minCalls > 0 and window > 0.
func WithFailureRate(rate float64, minCalls int, window time.Duration) Option {
	if math.IsNaN(rate) || rate <= 0 || rate > 1 {
		panic(fmt.Sprintf("breaker: WithFailureRate called with rate %v outside (0, 1]", rate))
	}
	if minCalls <= 0 {
		panic(fmt.Sprintf("breaker: WithFailureRate called with non-positive minCalls %d", minCalls))
	}
	if window <= 0 {
		panic(fmt.Sprintf("breaker: WithFailureRate called with non-positive window %v", window))
	}
	return func(c *config) {
		c.rate = rate
		c.minCalls = minCalls
		c.window = window
	}
}

// WithOpenTimeout sets how long the breaker stays open before it turns
// half-open (default 30s). It is also how long half-open waits on probes
// that hold every slot without reporting before it takes them as failed and
// opens again. It panics if d <= 0.
func WithOpenTimeout(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("breaker: WithOpenTimeout called with non-positive duration %v", d))
	}
	return func(c *config) { c.openTimeout = d }
}

// WithHalfOpenProbes sets how many calls may run at the same time while the
// breaker is half-open (default 1); more get ErrTooManyProbes. It panics if
// n <= 0.
func WithHalfOpenProbes(n int) Option {
	if n <= 0 {
		panic(fmt.Sprintf("breaker: WithHalfOpenProbes called with non-positive n %d", n))
	}
	return func(c *config) { c.probes = n }
}

// WithSuccessThreshold sets how many probe successes in the half-open state
// close the breaker (default 1). It panics if n <= 0.
func WithSuccessThreshold(n int) Option {
	if n <= 0 {
		panic(fmt.Sprintf("breaker: WithSuccessThreshold called with non-positive n %d", n))
	}
	return func(c *config) { c.successThreshold = n }
}

// WithIsFailure sets the function that decides whether a call's error counts
// as a failure. The default is err != nil && !errors.Is(err,
// context.Canceled). An error that fn does not call a failure counts as a
// success, except one that errors.Is context.Canceled: the caller gave up,
// which says nothing about the service, so that call is ignored (it stays in
// Requests, frees its probe slot, and counts neither way). A panic in the
// protected function is always a failure. It panics if fn is nil.
func WithIsFailure(fn func(error) bool) Option {
	if fn == nil {
		panic("breaker: WithIsFailure called with nil fn")
	}
	return func(c *config) { c.isFailure = fn }
}

// WithOnStateChange sets a function called after every state change. Calls
// are made in the order of the changes, one at a time, with no lock held, on
// the goroutine of a caller of the Breaker (usually the one whose call caused
// the change), so fn may call State and Counts. A slow fn delays that caller.
// A change that fn makes itself (Trip, Reset) is delivered after fn returns.
// If fn panics, the panic goes up that caller's stack and the changes queued
// behind it are delivered, still in order, with the next change.
// It panics if fn is nil.
func WithOnStateChange(fn func(from, to State)) Option {
	if fn == nil {
		panic("breaker: WithOnStateChange called with nil fn")
	}
	return func(c *config) { c.onStateChange = fn }
}

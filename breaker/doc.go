// Package breaker is a circuit breaker: it stops calling a service that keeps
// failing, so the caller fails fast and the service gets room to recover.
//
//	b := breaker.New(breaker.WithFailureThreshold(5), breaker.WithOpenTimeout(10*time.Second))
//	err := b.Do(ctx, func(ctx context.Context) error {
//		return callService(ctx)
//	})
//	if errors.Is(err, breaker.ErrOpen) {
//		// fail fast: the service has been failing; serve a fallback
//	}
//
// A Breaker starts Closed and lets every call through. It trips to Open after
// WithFailureThreshold consecutive failures (default 5), or, with
// WithFailureRate, when the share of failures over a rolling time window gets
// too high. While Open it rejects calls with ErrOpen. Once the open timeout
// has passed it is HalfOpen: up to WithHalfOpenProbes calls at a time run as
// probes (others get ErrTooManyProbes); WithSuccessThreshold probe successes
// close it, and any probe failure opens it again, as do probes that hold
// every slot without reporting for an open timeout. A call that fails with
// context.Canceled counts neither way: its caller gave up, which says
// nothing about the service.
//
// The protected function runs with no lock held, and the closed path of Do
// is a few atomic operations with no allocation (plus a short lock on the
// window with WithFailureRate), so a Breaker adds next to nothing to a
// healthy service and never serialises calls. There is no
// timer or goroutine: the open timeout and the failure-rate window are
// computed from the clock when the Breaker is used. The outcome of a call
// counts only in the state that admitted it: a slow call that started before
// the breaker opened cannot, when it finally fails, count against the
// half-open probes.
//
// # When to use, when not
//
// Use a breaker around calls to a dependency that can fail as a whole (a
// remote service, a database) when failing fast is better than waiting for
// timeouts: it sheds load from a struggling service and keeps your own
// goroutines free. Put a retry loop outside the breaker, not inside, and do
// not retry ErrOpen.
//
// Do not use it to guard against errors that are about the request (a 404,
// a validation error): make WithIsFailure return false for those, or they
// will open the circuit for everyone. For limiting how much load you send, a
// rate limiter or semaphore is the tool; a breaker only reacts to failures.
package breaker

// Package retry calls a function again when it fails, waiting longer each
// time, until it succeeds or a limit is reached.
//
//	err := retry.Do(ctx, func(ctx context.Context) error {
//		return callService(ctx)
//	}, retry.WithMaxAttempts(4), retry.WithMaxElapsed(5*time.Second))
//
// By default Do makes up to 5 attempts and waits between them for a random
// time with an exponentially growing ceiling (Exponential(100ms, 10s), "full
// jitter"). The function steers the loop through its error: Permanent(err)
// stops at once, After(d, err) asks for a specific wait (as an HTTP
// Retry-After header does). A cancelled context stops Do at once, also in
// the middle of a wait. A Budget shared by many calls caps the share of
// retries in the traffic, so a dependency that is down is not hit by every
// client several times over.
//
// Do waits on one reusable timer and starts no goroutine; a call that
// succeeds at once allocates nothing.
//
// # When to use, when not
//
// Use it for operations that fail transiently (a dropped connection, a 503,
// a lock conflict) and are safe to repeat: reads, and writes that are
// idempotent. Always bound it (attempts, elapsed time, the context), and
// share a Budget between the calls to one dependency.
//
// Do not retry errors that will not go away by themselves (a 400, a
// permission error): WithRetryIf or Permanent end the loop for those. Do not
// stack retries at several layers of a call chain, which multiplies the
// attempts. When a dependency is down for good, a circuit breaker placed
// inside the retry loop fails fast instead of waiting out every attempt.
package retry

// Package ratelimit limits how often events may happen, with a token bucket
// that needs no goroutine and no ticker.
//
// A Limiter holds up to burst tokens and earns limit tokens per second; each
// event spends one. The bucket is kept as GCRA's theoretical arrival time in
// nanoseconds with a 64-bit fraction, so it is computed from the clock when
// asked and stays exact at any rate, from one event an hour to tens of
// millions a second: over any span t, at most burst + limit·t events pass,
// and under steady demand no fewer.
//
//	lim := ratelimit.New(100, 10) // 100 events/s, bursts of 10
//	if !lim.Allow() {
//		return errTooBusy // shed load now
//	}
//	if err := lim.Wait(ctx); err != nil {
//		return err // or queue politely until a token is there
//	}
//
// Keyed holds one limiter per key, made on first use and forgotten lazily
// once idle, for per-client limits:
//
//	perIP := ratelimit.NewKeyed[string](ratelimit.Every(time.Second), 5,
//		ratelimit.WithIdleTTL(time.Minute), ratelimit.WithMaxKeys(100_000))
//	if !perIP.Allow(clientIP) { /* answer 429 */ }
//
// # When to use, when not
//
// Use it to pace work you start (calls to a rate-limited API: Wait) or to
// shed work you receive (requests from a client: Allow, Keyed). Allow is
// allocation-free and costs a clock read and one compare-and-swap when a
// token costs a whole number of nanoseconds (Every(d), Per(n, d) with d a
// multiple of n, any limit that divides 10^9), or a mutex otherwise.
//
// It limits a rate, not concurrency: to bound how many things run at once use
// a semaphore. It is local to one process: a limit shared by many replicas
// needs a shared store.
package ratelimit

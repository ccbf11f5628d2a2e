package retry

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff returns how long to wait before the next attempt. n is the number
// of retries made so far: 0 for the wait after the first attempt failed, 1
// after the second, and so on. A Backoff must be safe for concurrent use,
// since one may be shared by many calls of Do.
type Backoff func(n int) time.Duration

// Constant waits d before every retry. It panics if d < 0.
func Constant(d time.Duration) Backoff {
	if d < 0 {
		panic(fmt.Sprintf("retry: Constant called with negative duration %v", d))
	}
	return func(int) time.Duration { return d }
}

// Exponential waits a random time in [0, min(max, initial·2^n)] before retry
// n+1 ("full jitter"): the ceiling doubles with each retry, and the
// randomness spreads out clients that failed together, so they do not
// return together. It panics if initial <= 0 or max < initial.
func Exponential(initial, max time.Duration) Backoff {
	if initial <= 0 {
		panic(fmt.Sprintf("retry: Exponential called with non-positive initial %v", initial))
	}
	if max < initial {
		panic(fmt.Sprintf("retry: Exponential called with max %v below initial %v", max, initial))
	}
	return func(n int) time.Duration {
		ceil := max
		if n >= 0 && n < 63 && initial <= max>>n {
			ceil = initial << n
		}
		return time.Duration(rand.Int64N(int64(ceil) + 1))
	}
}

var defaultBackoff = Exponential(100*time.Millisecond, 10*time.Second)

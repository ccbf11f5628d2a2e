package breaker

import (
	"errors"
	"strconv"
)

// State is the position of a Breaker in its cycle: Closed → Open → HalfOpen →
// Closed (or back to Open).
type State int

const (
	// Closed lets every call through and watches for failures.
	Closed State = iota
	// Open rejects every call with ErrOpen until the open timeout has passed.
	Open
	// HalfOpen lets a bounded number of probe calls through to test whether
	// the protected service has recovered.
	HalfOpen
)

// String returns "closed", "open" or "half-open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "breaker.State(" + strconv.Itoa(int(s)) + ")"
}

var (
	// ErrOpen is returned, without calling the protected function, while the
	// breaker is open.
	ErrOpen = errors.New("breaker: open")
	// ErrTooManyProbes is returned, without calling the protected function,
	// while the breaker is half-open and every probe slot is taken.
	ErrTooManyProbes = errors.New("breaker: half-open, too many probes")
)

// Counts are the call counters of the breaker's current state. They start
// from zero at every state change and at Reset, so that they always describe
// the state the breaker is in now.
type Counts struct {
	// Requests is the number of calls admitted (the function was run or,
	// for Allow, the caller was told to go ahead).
	Requests uint64
	// Successes and Failures count the admitted calls that have finished,
	// as judged by the WithIsFailure function; a call cancelled by its
	// caller (context.Canceled, not judged a failure) is in neither.
	Successes uint64
	Failures  uint64
	// ConsecutiveFailures is the length of the current run of failures; a
	// success ends the run.
	ConsecutiveFailures uint64
	// Rejected counts calls refused with ErrOpen or ErrTooManyProbes.
	Rejected uint64
}

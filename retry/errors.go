package retry

import (
	"errors"
	"strconv"
	"time"
)

var (
	// ErrExhausted means Do gave up because the attempts (WithMaxAttempts)
	// or the time (WithMaxElapsed) allowed were used up, or because a
	// Budget refused a retry. The error Do returns wraps it and the last
	// attempt's error, so errors.Is matches both.
	ErrExhausted = errors.New("retry: exhausted")
	// ErrBudget means a Budget (WithBudget) refused a retry. The error Do
	// returns then wraps ErrBudget, ErrExhausted and the last attempt's
	// error.
	ErrBudget = errors.New("retry: budget spent")
)

// Permanent marks err as not worth retrying: Do stops at once and returns
// err itself, without the wrapper (also when the wrapper is itself wrapped
// by another error). Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// After carries a server's hint, such as an HTTP Retry-After header: if Do
// retries, it waits exactly d before the next attempt instead of what the
// Backoff says (WithMaxElapsed and the context still apply). The error reads
// and matches (errors.Is, errors.As) as err. After(d, nil) is nil.
func After(d time.Duration, err error) error {
	if err == nil {
		return nil
	}
	return &afterError{d: max(d, 0), err: err}
}

type afterError struct {
	d   time.Duration
	err error
}

func (e *afterError) Error() string { return e.err.Error() }
func (e *afterError) Unwrap() error { return e.err }

// giveUpError is returned when a limit ends Do.
type giveUpError struct {
	kind     error // ErrExhausted or ErrBudget
	why      string
	attempts int
	last     error
}

func (e *giveUpError) Error() string {
	return e.kind.Error() + ": " + e.why + " after " + strconv.Itoa(e.attempts) + " attempts: " + e.last.Error()
}

func (e *giveUpError) Unwrap() []error {
	if e.kind == ErrBudget {
		return []error{ErrBudget, ErrExhausted, e.last}
	}
	return []error{e.kind, e.last}
}

// stoppedError is returned when ctx ends Do.
type stoppedError struct {
	ctxErr   error
	attempts int
	last     error
}

func (e *stoppedError) Error() string {
	return "retry: stopped after " + strconv.Itoa(e.attempts) + " attempts: " + e.ctxErr.Error() + "; last error: " + e.last.Error()
}

func (e *stoppedError) Unwrap() []error { return []error{e.ctxErr, e.last} }

// Package panics holds the one representation of a recovered panic that the
// weave packages share, so that a *PanicError from any of them looks and
// behaves the same.
package panics

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Error is a panic recovered from a user callback: the value passed to panic
// and the stack of the goroutine at the point of the panic.
type Error struct {
	Value any
	Stack []byte
}

// New captures the current goroutine's stack. Call it from the deferred
// function that recovered v, so the stack still shows where the panic began.
func New(v any) *Error {
	return &Error{Value: v, Stack: debug.Stack()}
}

// Error returns one line naming the panic value; the stack is in e.Stack.
func (e *Error) Error() string {
	s := fmt.Sprintf("panic: %v", e.Value)
	// Keep it on one line so it fits a log field; the value's own newlines
	// would otherwise make it look like several errors.
	return strings.ReplaceAll(s, "\n", `\n`)
}

// Unwrap returns the panic value when it is an error, so errors.Is and
// errors.As see through a panic(err).
func (e *Error) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// Try calls fn and returns the panic it raised as an *Error, or nil when fn
// returned normally. A runtime.Goexit inside fn is not a panic and is not
// stopped by Try.
func Try(fn func()) (perr *Error) {
	defer func() {
		if v := recover(); v != nil {
			perr = New(v)
		}
	}()
	fn()
	return nil
}

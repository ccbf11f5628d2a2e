package pipeline

import (
	"context"
	"errors"
	"sync"

	"github.com/weavego/weave/internal/panics"
)

// PanicError is a panic recovered from a user function that ran on a
// pipeline goroutine: the value and the stack where it happened. Wait (and
// the sinks, which call Wait) return it; match it with errors.As.
type PanicError = panics.Error

// Pipeline owns every goroutine of its stages. Build the stages from a source
// (From, FromSlice, FromChan), consume the last Stream with one sink (Collect,
// ForEach, Reduce, Chan or All), and call Wait when the sink is not one that
// already does.
//
// The first stage error, a panic, or the cancellation of the parent context
// cancels every stage; Stop does the same without an error. Either way every
// goroutine returns promptly: each send and receive between stages also
// waits on the pipeline's context. A Stream that nobody consumes holds its
// stage open until then, so Wait blocks until the pipeline is stopped.
type Pipeline struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   <-chan struct{}
	wg     sync.WaitGroup

	mu sync.Mutex
	// ended is set before the pipeline cancels its own context (Stop, the
	// first error, Wait), so a cancelled context with ended unset can only
	// mean that the parent was cancelled.
	ended bool
	err   error
}

// New returns a Pipeline whose stages run under a context derived from ctx.
// Cancelling ctx cancels every stage, and Wait then returns ctx's error.
func New(ctx context.Context) *Pipeline {
	if ctx == nil {
		panic("pipeline: New called with nil ctx")
	}
	c, cancel := context.WithCancel(ctx)
	return &Pipeline{ctx: c, cancel: cancel, done: c.Done()}
}

// Context returns the context passed to every stage function. It is done
// once the pipeline fails, is stopped, its parent is cancelled, or Wait has
// returned.
func (p *Pipeline) Context() context.Context { return p.ctx }

// Stop cancels every stage and source without recording an error: Wait then
// returns nil unless a stage had failed before. Stop does not wait for the
// goroutines to return; Wait does. It is safe to call more than once and from
// any goroutine, including from inside a stage function.
func (p *Pipeline) Stop() {
	p.mu.Lock()
	p.ended = true
	p.mu.Unlock()
	p.cancel()
}

// Wait blocks until every goroutine of the pipeline has returned, then
// cancels the pipeline's context and returns the first error: a stage
// function's error, a *PanicError, or the parent context's error if it was
// cancelled before Wait returned (even if every item had gone through by
// then: Wait cannot tell). After Stop it returns nil. Call
// Wait after the last stage is added; Collect, ForEach and Reduce call it
// for you.
func (p *Pipeline) Wait() error {
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ended {
		p.ended = true
		p.err = p.ctx.Err() // nil unless the parent was cancelled
	}
	p.cancel()
	return p.err
}

// fail records err as the pipeline's error and cancels every stage. Only the
// first error counts: the errors that follow are usually the other stages
// noticing the cancellation. A panic is never dropped, though: it is kept
// even after Stop and joined to an earlier error.
func (p *Pipeline) fail(err error) {
	_, isPanic := err.(*PanicError)
	p.mu.Lock()
	switch {
	case !p.ended && p.ctx.Err() == nil:
		p.err = err
		p.ended = true
	case isPanic:
		if !p.ended {
			p.err = p.ctx.Err() // the parent was cancelled first
			p.ended = true
		}
		if p.err == nil {
			p.err = err
		} else {
			p.err = errors.Join(p.err, err)
		}
	}
	p.mu.Unlock()
	p.cancel()
}

// stopped reports, without blocking, whether the pipeline is cancelled. Stages
// check it between items so that a long input chunk stops early too.
func (p *Pipeline) stopped() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

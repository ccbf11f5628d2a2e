package pipeline

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// StageOption configures a stage (Map, Filter, FlatMap, ForEach).
type StageOption func(*stageConfig)

type stageConfig struct {
	workers int
	ordered bool
	buffer  int
}

// WithWorkers runs the stage function in n goroutines at once (default 1).
// With n > 1 items leave the stage in the order they finish unless
// WithOrdered is also given. It panics if n <= 0.
func WithWorkers(n int) StageOption {
	if n <= 0 {
		panic(fmt.Sprintf("pipeline: WithWorkers called with n <= 0: %d", n))
	}
	return func(c *stageConfig) { c.workers = n }
}

// WithOrdered makes a stage with several workers emit its results in input
// order. A result that is ready early waits for the ones before it, and a
// worker holding such a result takes no new item, so at most one item per
// worker is in flight: memory stays bounded even when one item is slow. It
// has no effect with one worker, which always keeps order.
func WithOrdered() StageOption {
	return func(c *stageConfig) { c.ordered = true }
}

// WithBuffer gives the stage's output channel capacity n (default 0), so the
// stage can run up to n hand-offs ahead of the next one; a hand-off carries
// up to 64 items when they come faster than they are taken. The channel
// returned by Chan has capacity n items. It panics if n < 0.
func WithBuffer(n int) StageOption {
	if n < 0 {
		panic(fmt.Sprintf("pipeline: WithBuffer called with negative n: %d", n))
	}
	return func(c *stageConfig) { c.buffer = n }
}

func newConfig(opts []StageOption) stageConfig {
	c := stageConfig{workers: 1}
	for _, o := range opts {
		if o == nil {
			panic("pipeline: nil StageOption")
		}
		o(&c)
	}
	return c
}

// step handles one item, appending its results to out.
type step[In, Out any] func(ctx context.Context, v In, out []Out) ([]Out, error)

// Map returns a stream of fn applied to each item of s. With one worker (the
// default) results keep the input order. An error from fn fails the
// pipeline: every stage is cancelled and Wait returns the error.
func Map[In, Out any](s *Stream[In], fn func(context.Context, In) (Out, error), opts ...StageOption) *Stream[Out] {
	if fn == nil {
		panic("pipeline: Map called with nil fn")
	}
	return stage(s, "Map", newConfig(opts), func(ctx context.Context, v In, out []Out) ([]Out, error) {
		o, err := fn(ctx, v)
		if err != nil {
			return out, err
		}
		return append(out, o), nil
	})
}

// Filter returns a stream of the items of s for which keep returns true, in
// their input order (with several workers, see WithOrdered). An error from
// keep fails the pipeline.
func Filter[T any](s *Stream[T], keep func(context.Context, T) (bool, error), opts ...StageOption) *Stream[T] {
	if keep == nil {
		panic("pipeline: Filter called with nil keep")
	}
	return stage(s, "Filter", newConfig(opts), func(ctx context.Context, v T, out []T) ([]T, error) {
		ok, err := keep(ctx, v)
		if ok && err == nil {
			out = append(out, v)
		}
		return out, err
	})
}

// FlatMap returns a stream of the items of every slice fn returns, in order
// (with several workers, see WithOrdered). An error from fn fails the
// pipeline.
func FlatMap[In, Out any](s *Stream[In], fn func(context.Context, In) ([]Out, error), opts ...StageOption) *Stream[Out] {
	if fn == nil {
		panic("pipeline: FlatMap called with nil fn")
	}
	return stage(s, "FlatMap", newConfig(opts), func(ctx context.Context, v In, out []Out) ([]Out, error) {
		o, err := fn(ctx, v)
		if err != nil {
			return out, err
		}
		return append(out, o...), nil
	})
}

// stage starts the goroutines of one stage and returns its output.
func stage[In, Out any](s *Stream[In], name string, cfg stageConfig, fn step[In, Out]) *Stream[Out] {
	in := s.take(name)
	out := newStream[Out](s.p, cfg.buffer)
	run(s.p, in, out.ch, cfg, fn)
	return out
}

// run starts cfg.workers goroutines that apply fn to the chunks from in and
// send the results to out (nil for a sink), and closes out after them.
func run[In, Out any](p *Pipeline, in <-chan []In, out chan []Out, cfg stageConfig, fn step[In, Out]) {
	switch {
	case cfg.workers == 1:
		spawn(p, 1, out, func() { serial(p, in, out, fn) })
	case cfg.ordered && out != nil:
		d := newDispenser(in, p.done)
		o := &order[Out]{
			p:        p,
			out:      out,
			turns:    make([]chan struct{}, cfg.workers),
			finished: make([]atomic.Uint64, cfg.workers),
		}
		for i := range o.turns {
			o.turns[i] = make(chan struct{}, 1)
		}
		o.turns[0] <- struct{}{}
		spawn(p, cfg.workers, out, func() { ordered(p, d, o, fn) })
	default:
		d := newDispenser(in, p.done)
		spawn(p, cfg.workers, out, func() { unordered(p, d, out, fn) })
	}
}

// serial is the loop of a one-worker stage: whole chunks in, whole chunks
// out. It merges input chunks while more are ready, and hands its output on
// before it would wait for input, so no item waits on an idle stage.
func serial[In, Out any](p *Pipeline, in <-chan []In, out chan []Out, fn step[In, Out]) {
	e := emitter[Out]{p: p, out: out}
	for {
		chunk, ok, alive := receive(&e, in)
		if !alive {
			return
		}
		if !ok {
			e.flush()
			return
		}
		e.mark()
		for _, v := range chunk {
			if p.stopped() {
				return
			}
			e.grow()
			var err error
			if e.buf, err = fn(p.ctx, v, e.buf); err != nil {
				p.fail(err)
				return
			}
			if !e.handled() {
				return
			}
		}
	}
}

// unordered is the loop of each worker of a multi-worker stage without
// WithOrdered: one item at a time from the shared input, results gathered
// per worker and handed on before the worker would wait.
func unordered[In, Out any](p *Pipeline, d *dispenser[In], out chan []Out, fn step[In, Out]) {
	e := emitter[Out]{p: p, out: out}
	for {
		v, _, r := d.next(len(e.buf) == 0)
		switch r {
		case wouldWait:
			if !e.flush() {
				return
			}
			continue
		case ended:
			e.flush()
			return
		}
		if p.stopped() {
			return
		}
		e.mark()
		e.grow()
		var err error
		if e.buf, err = fn(p.ctx, v, e.buf); err != nil {
			p.fail(err)
			return
		}
		if !e.handled() {
			return
		}
	}
}

// order is the state the workers of a WithOrdered stage share. Item k may
// be emitted only after item k-1: turns[k%n] holds a token when it is item
// k's turn. A worker holds at most one item, so items k..k+n-1 are the only
// ones in flight and their slots are distinct.
type order[Out any] struct {
	p     *Pipeline
	out   chan []Out
	turns []chan struct{}
	// finished[k%n] is k+1 once item k is processed: the worker whose turn
	// it is sends its chunk on only if the next item is not ready to join it.
	finished []atomic.Uint64
	pending  []Out // owned by whoever holds the turn
}

// ordered is the loop of each worker of a stage with WithOrdered.
func ordered[In, Out any](p *Pipeline, d *dispenser[In], o *order[Out], fn step[In, Out]) {
	n := uint64(len(o.turns))
	var res []Out
	for {
		v, seq, r := d.next(true)
		if r != pulled || p.stopped() {
			return
		}
		var err error
		if res, err = fn(p.ctx, v, res[:0]); err != nil {
			p.fail(err)
			return
		}
		o.finished[seq%n].Store(seq + 1)
		select {
		case <-o.turns[seq%n]:
		case <-p.done:
			return
		}
		if o.pending == nil {
			o.pending = make([]Out, 0, chunkSize)
		}
		o.pending = append(o.pending, res...)
		clear(res) // do not keep the values alive
		if len(o.pending) >= chunkSize || o.finished[(seq+1)%n].Load() != seq+2 {
			if len(o.pending) > 0 {
				select {
				case o.out <- o.pending:
					o.pending = nil
				case <-p.done:
					return
				}
			}
		}
		o.turns[(seq+1)%n] <- struct{}{} // never blocks: that slot's last token was taken
	}
}

type pull int

const (
	pulled pull = iota
	wouldWait
	ended
)

// dispenser hands the items of an input stream to several workers one at a
// time, numbering them in input order.
//
// The mutex guards only the current chunk and is never held while waiting:
// a worker that waits for the next chunk holds the recv token instead. A
// worker with results to hand on that finds the token taken knows input is
// not ready and flushes at once, rather than queueing on the mutex behind
// the waiting worker (which would hold its results until new input came).
type dispenser[T any] struct {
	in   <-chan []T
	done <-chan struct{}
	recv chan struct{} // a token, held by the one worker receiving from in

	mu  sync.Mutex
	cur []T
	seq uint64
	end bool
}

func newDispenser[T any](in <-chan []T, done <-chan struct{}) *dispenser[T] {
	return &dispenser[T]{in: in, done: done, recv: make(chan struct{}, 1)}
}

// next returns the next item and its number. With wait false it returns
// wouldWait instead of waiting for the next chunk.
func (d *dispenser[T]) next(wait bool) (v T, seq uint64, r pull) {
	for {
		d.mu.Lock()
		if len(d.cur) > 0 {
			v, d.cur = d.cur[0], d.cur[1:]
			seq = d.seq
			d.seq++
			d.mu.Unlock()
			return v, seq, pulled
		}
		end := d.end
		d.mu.Unlock()
		if end {
			return v, 0, ended
		}
		if r := d.receive(wait); r != pulled {
			return v, 0, r
		}
	}
}

// receive takes the next chunk from in into cur, unless another worker got
// one first. It reports pulled when the caller should look at cur again.
func (d *dispenser[T]) receive(wait bool) pull {
	if wait {
		select {
		case d.recv <- struct{}{}:
		case <-d.done:
			return ended
		}
	} else {
		select {
		case d.recv <- struct{}{}:
		default:
			return wouldWait // another worker is waiting for input
		}
	}
	defer func() { <-d.recv }()
	d.mu.Lock()
	filled := len(d.cur) > 0 || d.end // by the token's previous holder
	d.mu.Unlock()
	if filled {
		return pulled
	}
	var chunk []T
	var ok bool
	if wait {
		select {
		case chunk, ok = <-d.in:
		case <-d.done:
			return ended
		}
	} else {
		select {
		case chunk, ok = <-d.in:
		default:
			return wouldWait
		}
	}
	d.mu.Lock()
	d.cur = chunk
	d.end = !ok
	d.mu.Unlock()
	return pulled
}

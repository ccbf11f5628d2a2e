package pipeline

import (
	"errors"
	"iter"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weavego/weave/internal/panics"
)

// chunkSize is the most items one hand-off between stages carries. Passing
// items in chunks makes a channel operation (and the goroutine switch behind
// it) cost a fraction per item instead of a whole one.
const chunkSize = 64

// errGoexit fails a pipeline whose stage function (or source iterator)
// called runtime.Goexit, as t.FailNow does.
var errGoexit = errors.New("pipeline: a stage function called runtime.Goexit")

// latencyGuard bounds how long a stage keeps finished items to itself while
// it works through the rest of a chunk, so that slow stage functions still
// pass each item on promptly.
const latencyGuard = 100 * time.Microsecond

// Stream is the output of a source or stage: a sequence of T that exactly
// one stage or sink consumes. Using a Stream a second time panics, because
// two consumers would each see an unpredictable part of it.
//
// Between stages items travel in chunks: a stage (each worker, with
// WithWorkers) hands on what it has before it would wait for input, when it
// holds 64 items, or once its oldest finished item has waited 100µs, which
// it checks after every call of the stage function. So an item is never
// held back by a slow or blocked source, and a finished item waits at most
// for the one call of the stage function that follows it (plus 100µs). A
// stage function that blocks on something only a later stage can provide
// should therefore not rely on the items before it having moved on. Chan
// and All still deliver one item at a time.
type Stream[T any] struct {
	p      *Pipeline
	ch     chan []T
	buffer int // WithBuffer: capacity of Chan's channel

	taken atomic.Bool
	once  sync.Once
	out   chan T
}

func newStream[T any](p *Pipeline, buffer int) *Stream[T] {
	return &Stream[T]{p: p, ch: make(chan []T, buffer), buffer: buffer}
}

// take marks s as consumed by the caller and returns its chunk channel.
func (s *Stream[T]) take(by string) <-chan []T {
	if s == nil {
		panic("pipeline: " + by + " called with nil Stream")
	}
	if s.taken.Swap(true) {
		panic("pipeline: Stream consumed twice (second consumer: " + by + "); a Stream feeds exactly one stage or sink")
	}
	return s.ch
}

// Chan returns a channel that receives the stream's items in order and is
// closed when the stream ends, including when the pipeline is cancelled.
// Its capacity is the stage's WithBuffer size. Either drain it or Stop the
// pipeline: an undrained channel holds the pipeline open until its context
// is done. Chan consumes the stream; calling Chan again returns the same
// channel.
func (s *Stream[T]) Chan() <-chan T {
	if s == nil {
		panic("pipeline: Chan called on nil Stream")
	}
	s.once.Do(func() {
		in := s.take("Chan")
		p := s.p
		out := make(chan T, s.buffer)
		s.out = out
		spawn[T](p, 1, nil, func() {
			defer close(out)
			for {
				var chunk []T
				var ok bool
				select {
				case chunk, ok = <-in:
					if !ok {
						return
					}
				case <-p.done:
					return
				}
				for _, v := range chunk {
					select {
					case out <- v:
					case <-p.done:
						return
					}
				}
			}
		})
	})
	return s.out
}

// All returns an iterator over the stream's items, in order, on the
// caller's goroutine. Breaking out of the loop (or a panic in its body) stops
// the pipeline and waits for its goroutines, so nothing is left running. The
// loop also ends when the pipeline fails or is stopped; call Wait afterwards
// for the error. All consumes the stream and the iterator can be ranged over
// only once.
func (s *Stream[T]) All() iter.Seq[T] {
	in := s.take("All")
	p := s.p
	var ranged atomic.Bool
	return func(yield func(T) bool) {
		if ranged.Swap(true) {
			panic("pipeline: the iterator returned by All ranged over twice")
		}
		finished := false
		defer func() {
			if !finished {
				p.Stop()
				p.Wait()
			}
		}()
		for {
			select {
			case chunk, ok := <-in:
				if !ok {
					finished = true
					return
				}
				for _, v := range chunk {
					if !yield(v) {
						return
					}
				}
			case <-p.done:
				finished = true
				return
			}
		}
	}
}

// spawn runs f in n goroutines of the pipeline and closes out (if not nil)
// after the last of them returns. A panic in f fails the pipeline with a
// *PanicError, and so does runtime.Goexit (with errGoexit): closing out as if
// the stream had ended would pass a truncated stream off as a whole one.
func spawn[T any](p *Pipeline, n int, out chan []T, f func()) {
	var live atomic.Int32
	live.Store(int32(n))
	p.wg.Add(n)
	for range n {
		go func() {
			defer p.wg.Done()
			defer func() {
				if live.Add(-1) == 0 && out != nil {
					close(out)
				}
			}()
			returned := false
			defer func() {
				if !returned {
					if v := recover(); v != nil {
						p.fail(panics.New(v))
					} else {
						p.fail(errGoexit)
					}
				}
			}()
			f()
			returned = true
		}()
	}
}

// emitter gathers one goroutine's output into chunks and hands them on.
type emitter[T any] struct {
	p   *Pipeline
	out chan<- []T
	buf []T
	// start is when the stage began work on the items in buf: the oldest
	// of them has waited that long.
	start time.Time
}

// mark is called when the stage takes new input: with nothing pending, the
// wait of the next results starts now.
func (e *emitter[T]) mark() {
	if len(e.buf) == 0 {
		e.start = time.Now()
	}
}

// handled is called after each item; it hands the chunk on when it is full
// or its oldest item has waited latencyGuard. The clock is read after every
// item, not sampled: a fast item followed by slow ones must not wait for
// all of them, so a finished item waits at most for the one call that
// follows it. It reports false once the pipeline is done.
func (e *emitter[T]) handled() bool {
	if len(e.buf) == 0 {
		return true
	}
	if len(e.buf) >= chunkSize || time.Since(e.start) >= latencyGuard {
		if !e.flush() {
			return false
		}
		e.start = time.Now()
	}
	return true
}

// flush hands the pending chunk on, waiting for the next stage or for the
// pipeline to be done. It reports false if the pipeline is done first.
func (e *emitter[T]) flush() bool {
	if len(e.buf) == 0 {
		return true
	}
	if e.out == nil { // a sink: nothing to hand on
		e.buf = e.buf[:0]
		return true
	}
	select {
	case e.out <- e.buf:
		e.buf = nil
		return true
	case <-e.p.done:
		return false
	}
}

// receive takes the next value from in for the stage that emits through e.
// If e holds items and in has nothing ready, it hands them on first and only
// then waits: items are never held back waiting for more input, so a slow
// producer delays nothing it has already produced. ok is false once in is
// closed; alive is false once the pipeline is done, and then the caller
// returns without emitting anything more.
func receive[V, T any](e *emitter[T], in <-chan V) (v V, ok, alive bool) {
	for {
		if len(e.buf) > 0 {
			select {
			case v, ok = <-in:
				return v, ok, true
			default:
				if !e.flush() {
					return v, false, false
				}
			}
		} else {
			select {
			case v, ok = <-in:
				return v, ok, true
			case <-e.p.done:
				return v, false, false
			}
		}
	}
}

// grow makes room for a chunk so that appends do not start from a tiny
// slice.
func (e *emitter[T]) grow() {
	if e.buf == nil {
		e.buf = make([]T, 0, chunkSize)
	}
}

package pipeline

import "iter"

// From starts a stream with the values of seq, which runs on a pipeline
// goroutine of its own and may run up to 128 values ahead of the next stage
// (yield blocks after that). A value never waits for seq to yield another:
// whatever seq has yielded is handed on as soon as the next stage can take
// it, however slowly seq produces. Once the pipeline is done, yield returns
// false, so seq should return; a panic in seq fails the pipeline with a
// *PanicError.
func From[T any](p *Pipeline, seq iter.Seq[T]) *Stream[T] {
	if p == nil {
		panic("pipeline: From called with nil Pipeline")
	}
	if seq == nil {
		panic("pipeline: From called with nil seq")
	}
	// seq may block between values at any time, and we cannot tell when,
	// so it runs apart from the goroutine that gathers chunks: that one
	// hands on what it has as soon as the buffer between them runs dry.
	ch := make(chan T, chunkSize)
	spawn[T](p, 1, nil, func() {
		defer close(ch)
		for v := range seq {
			select {
			case ch <- v:
			case <-p.done:
				return
			}
		}
	})
	s := newStream[T](p, 0)
	spawn(p, 1, s.ch, func() { gather(p, ch, s.ch) })
	return s
}

// FromSlice starts a stream with the items of items, in order. The stages
// read items in place, without copying it first, so do not modify it until
// the pipeline is done; no stage or sink writes to it.
func FromSlice[T any](p *Pipeline, items []T) *Stream[T] {
	if p == nil {
		panic("pipeline: FromSlice called with nil Pipeline")
	}
	s := newStream[T](p, 0)
	out := s.ch
	spawn(p, 1, out, func() {
		for i := 0; i < len(items); i += chunkSize {
			end := min(i+chunkSize, len(items))
			select {
			case out <- items[i:end:end]:
			case <-p.done:
				return
			}
		}
	})
	return s
}

// FromChan starts a stream with the values received from ch until ch is
// closed or the pipeline is done. A value is handed on as soon as the next
// stage can take it, without waiting for ch to deliver another. The
// pipeline never closes ch.
func FromChan[T any](p *Pipeline, ch <-chan T) *Stream[T] {
	if p == nil {
		panic("pipeline: FromChan called with nil Pipeline")
	}
	if ch == nil {
		panic("pipeline: FromChan called with nil channel")
	}
	s := newStream[T](p, 0)
	out := s.ch
	spawn(p, 1, out, func() { gather(p, ch, out) })
	return s
}

// gather forwards the values of ch in chunks: it takes what ch already
// holds, up to a full chunk, and hands it on before it would wait.
func gather[T any](p *Pipeline, ch <-chan T, out chan<- []T) {
	e := emitter[T]{p: p, out: out}
	for {
		v, ok, alive := receive(&e, ch)
		if !alive {
			return
		}
		if !ok {
			e.flush()
			return
		}
		e.grow()
		e.buf = append(e.buf, v)
		if len(e.buf) >= chunkSize && !e.flush() {
			return
		}
	}
}

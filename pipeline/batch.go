package pipeline

import (
	"fmt"
	"time"
)

// Batch returns a stream of slices of up to size consecutive items of s. A
// batch is sent when it holds size items, or maxWait after its first item
// arrived, whichever comes first; maxWait <= 0 means no time limit. The last
// batch is sent even if partial. Batches keep the input order and each is a
// new slice that the receiver owns. It panics if size <= 0.
func Batch[T any](s *Stream[T], size int, maxWait time.Duration) *Stream[[]T] {
	if size <= 0 {
		panic(fmt.Sprintf("pipeline: Batch called with size <= 0: %d", size))
	}
	in := s.take("Batch")
	p := s.p
	out := newStream[[]T](p, 0)
	spawn(p, 1, out.ch, func() {
		e := emitter[[]T]{p: p, out: out.ch}
		var cur []T
		// One timer for the whole stage, armed at the first item of each
		// batch; with Go 1.23 timers, Stop leaves no stale tick behind.
		var timer *time.Timer
		var tick <-chan time.Time
		if maxWait > 0 {
			timer = time.NewTimer(maxWait)
			timer.Stop()
			defer timer.Stop()
		}
		seal := func() {
			e.buf = append(e.buf, cur)
			cur = nil
			if timer != nil {
				timer.Stop()
				tick = nil
			}
		}
		for {
			select {
			case chunk, ok := <-in:
				if !ok {
					if len(cur) > 0 {
						seal()
					}
					e.flush()
					return
				}
				for _, v := range chunk {
					if cur == nil {
						cur = make([]T, 0, size)
						if timer != nil {
							timer.Reset(maxWait)
							tick = timer.C
						}
					}
					cur = append(cur, v)
					if len(cur) == size {
						seal()
						if len(e.buf) >= chunkSize && !e.flush() {
							return
						}
					}
				}
				if !e.flush() {
					return
				}
			case <-tick:
				tick = nil
				seal()
				if !e.flush() {
					return
				}
			case <-p.done:
				return
			}
		}
	})
	return out
}

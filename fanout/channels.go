package fanout

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
)

// Merge forwards the values of every input to one unbuffered output channel
// (fan-in). Values from one input keep their order; values from different
// inputs interleave as they arrive. The output is closed once every input
// is closed, or once ctx is done: every receive and send also waits on ctx,
// so Merge's goroutines return even if nobody reads the output. Values
// already received when ctx is done are dropped. With no inputs the output
// is closed at once. It panics if an input is nil, since a nil channel would
// keep the output open forever.
func Merge[T any](ctx context.Context, ins ...<-chan T) <-chan T {
	checkCtx(ctx, "Merge")
	for i, in := range ins {
		if in == nil {
			panic(fmt.Sprintf("fanout: Merge called with nil channel at index %d", i))
		}
	}
	out := make(chan T)
	if len(ins) == 0 {
		close(out)
		return out
	}
	done := ctx.Done()
	var live atomic.Int32
	live.Store(int32(len(ins)))
	for _, in := range ins {
		go func() {
			defer func() {
				if live.Add(-1) == 0 {
					close(out)
				}
			}()
			for {
				select {
				case v, ok := <-in:
					if !ok {
						return
					}
					select {
					case out <- v:
					case <-done:
						return
					}
				case <-done:
					return
				}
			}
		}()
	}
	return out
}

// Distribute sends each value of in to exactly one of n unbuffered output
// channels: to whichever reader is ready first (trying the outputs after the
// last one used first, so idle readers share the work). A value waits for a
// ready reader; it is never queued behind a busy one. Every output is closed
// when in is closed or ctx is done, whichever comes first; a value held at
// that moment is dropped. It panics if n <= 0.
func Distribute[T any](ctx context.Context, in <-chan T, n int) []<-chan T {
	outs, ros := split(ctx, in, n, "Distribute")
	done := ctx.Done()
	go func() {
		defer closeAll(outs)
		// The slow path waits on every output at once; Go's select needs
		// its cases at compile time, so it goes through reflect.
		cases := make([]reflect.SelectCase, n+1)
		for i, out := range outs {
			cases[i] = reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(out)}
		}
		cases[n] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done)}
		next := 0
		for {
			v, ok := receive(in, done)
			if !ok {
				return
			}
			sent := false
			for j := range n {
				i := (next + j) % n
				select {
				case outs[i] <- v:
					sent = true
					next = i + 1
				default:
				}
				if sent {
					break
				}
			}
			if sent {
				continue
			}
			// Nobody is waiting yet: wait for the first reader (or ctx).
			held := new(T) // only this slow path moves the value to the heap
			*held = v
			rv := reflect.ValueOf(held).Elem() // valid even for a nil interface
			for i := range n {
				cases[i].Send = rv
			}
			chosen, _, _ := reflect.Select(cases)
			for i := range n {
				cases[i].Send = reflect.Value{} // do not keep v alive
			}
			if chosen == n {
				return
			}
			next = chosen + 1
		}
	}()
	return ros
}

// Broadcast sends every value of in to each of n unbuffered output channels,
// in order: a value goes to output 0, then 1, and so on, and the next value
// is taken from in only after every output has received this one. The
// slowest reader therefore paces all of them, and no value is queued. Every
// output is closed when in is closed or ctx is done; on ctx done, outputs
// that had not yet received the current value miss it. It panics if n <= 0.
func Broadcast[T any](ctx context.Context, in <-chan T, n int) []<-chan T {
	outs, ros := split(ctx, in, n, "Broadcast")
	done := ctx.Done()
	go func() {
		defer closeAll(outs)
		for {
			v, ok := receive(in, done)
			if !ok {
				return
			}
			for _, out := range outs {
				select {
				case out <- v:
				case <-done:
					return
				}
			}
		}
	}()
	return ros
}

// split checks the arguments Distribute and Broadcast share, in the same
// order and with the same messages for both, and makes their n unbuffered
// outputs: each as the channel the goroutine sends on and closes, and as the
// receive-only view handed to the caller.
func split[T any](ctx context.Context, in <-chan T, n int, fn string) ([]chan T, []<-chan T) {
	checkCtx(ctx, fn)
	if n <= 0 {
		panic(fmt.Sprintf("fanout: %s called with n <= 0: %d", fn, n))
	}
	if in == nil {
		panic("fanout: " + fn + " called with nil channel")
	}
	outs := make([]chan T, n)
	ros := make([]<-chan T, n)
	for i := range outs {
		outs[i] = make(chan T)
		ros[i] = outs[i]
	}
	return outs, ros
}

// receive takes the next value of in; it reports false once in is closed or
// done is, whichever is seen first.
func receive[T any](in <-chan T, done <-chan struct{}) (T, bool) {
	select {
	case v, ok := <-in:
		return v, ok
	case <-done:
		var zero T
		return zero, false
	}
}

func closeAll[T any](outs []chan T) {
	for _, out := range outs {
		close(out)
	}
}

func checkCtx(ctx context.Context, fn string) {
	if ctx == nil {
		panic("fanout: " + fn + " called with nil ctx")
	}
}

package pipeline

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests in this file check that chunking never holds an item back: an
// item a stage has finished reaches the sink while the source (or the next
// item) is still blocked. They run in a synctest bubble, so an item that is
// held back shows up as a deadlock (every goroutine durably blocked), not as
// a timeout.

// idStages are stages that pass every item through unchanged.
var idStages = []struct {
	name  string
	build func(s *Stream[int]) *Stream[int]
}{
	{"source only", func(s *Stream[int]) *Stream[int] { return s }},
	{"Map", func(s *Stream[int]) *Stream[int] { return Map(s, square1) }},
	{"Map Map", func(s *Stream[int]) *Stream[int] { return Map(Map(s, square1), square1) }},
	{"Filter", func(s *Stream[int]) *Stream[int] { return Filter(s, keepAll) }},
	{"FlatMap", func(s *Stream[int]) *Stream[int] { return FlatMap(s, one) }},
	{"Map workers", func(s *Stream[int]) *Stream[int] { return Map(s, square1, WithWorkers(3)) }},
	{"Map workers ordered", func(s *Stream[int]) *Stream[int] { return Map(s, square1, WithWorkers(3), WithOrdered()) }},
	{"Filter workers buffered", func(s *Stream[int]) *Stream[int] {
		return Filter(s, keepAll, WithWorkers(2), WithBuffer(4))
	}},
	{"workers then serial", func(s *Stream[int]) *Stream[int] { return Map(Map(s, square1, WithWorkers(2)), square1) }},
	{"Batch of one", func(s *Stream[int]) *Stream[int] {
		return Map(Batch(s, 1, 0), func(_ context.Context, b []int) (int, error) { return b[0], nil })
	}},
}

func square1(_ context.Context, v int) (int, error) { return v, nil }
func keepAll(context.Context, int) (bool, error)    { return true, nil }
func one(_ context.Context, v int) ([]int, error)   { return []int{v}, nil }

// sinks deliver every item of s to got, one at a time, and return the
// pipeline's error on done.
var sinks = []struct {
	name string
	run  func(s *Stream[int], got chan<- int, done chan<- error)
}{
	{"Chan", func(s *Stream[int], got chan<- int, done chan<- error) {
		ch := s.Chan()
		go func() {
			for v := range ch {
				got <- v
			}
			done <- s.p.Wait()
		}()
	}},
	{"All", func(s *Stream[int], got chan<- int, done chan<- error) {
		go func() {
			for v := range s.All() {
				got <- v
			}
			done <- s.p.Wait()
		}()
	}},
	{"ForEach", func(s *Stream[int], got chan<- int, done chan<- error) {
		go func() {
			done <- ForEach(s, func(_ context.Context, v int) error { got <- v; return nil })
		}()
	}},
	{"ForEach workers", func(s *Stream[int], got chan<- int, done chan<- error) {
		go func() {
			done <- ForEach(s, func(_ context.Context, v int) error { got <- v; return nil }, WithWorkers(2))
		}()
	}},
	{"Reduce", func(s *Stream[int], got chan<- int, done chan<- error) {
		go func() {
			_, err := Reduce(s, 0, func(a, v int) int { got <- v; return a })
			done <- err
		}()
	}},
}

// sources start a stream whose items the test feeds one at a time through
// feed; closing feed ends the stream. Between two items the source is
// blocked.
var sources = []struct {
	name  string
	start func(p *Pipeline, feed <-chan int) *Stream[int]
}{
	{"From", func(p *Pipeline, feed <-chan int) *Stream[int] {
		return From(p, func(yield func(int) bool) {
			for v := range feed {
				if !yield(v) {
					return
				}
			}
		})
	}},
	{"FromChan", func(p *Pipeline, feed <-chan int) *Stream[int] { return FromChan(p, feed) }},
}

func TestItemReachesSinkWhileSourceBlocks(t *testing.T) {
	for _, src := range sources {
		for _, st := range idStages {
			for _, sink := range sinks {
				t.Run(src.name+"/"+st.name+"/"+sink.name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						p := New(context.Background())
						feed := make(chan int)
						got := make(chan int)
						done := make(chan error, 1)
						sink.run(st.build(src.start(p, feed)), got, done)
						for i := range 5 {
							feed <- i
							// The source is now blocked until the next
							// send: item i must come out anyway.
							require.Equal(t, i, <-got)
						}
						close(feed)
						require.NoError(t, <-done)
					})
				})
			}
		}
	}
}

func TestSlowSourceItemsComeOutOneByOne(t *testing.T) {
	// A source that is slow but never blocked on a channel: one item per
	// second of (fake) time. Each item must come out within that second.
	synctest.Test(t, func(t *testing.T) {
		p := New(context.Background())
		start := time.Now()
		src := From(p, func(yield func(int) bool) {
			for i := range 5 {
				time.Sleep(time.Second)
				if !yield(i) {
					return
				}
			}
		})
		ch := Map(Map(src, square1), square1, WithWorkers(2), WithOrdered()).Chan()
		for i := range 5 {
			require.Equal(t, i, <-ch)
			require.Equal(t, time.Duration(i+1)*time.Second, time.Since(start), "item %d came out as soon as it was made", i)
		}
		_, ok := <-ch
		require.False(t, ok)
		require.NoError(t, p.Wait())
	})
}

func TestFinishedItemsNotHeldBehindSlowOnes(t *testing.T) {
	// Items 0..7 arrive in one chunk. The stage is fast on 0 and 1, slow on
	// 2, and blocks on 3 and later until released: 0, 1 and 2 must come out
	// before that, not wait for the end of the chunk. (A stage holds a
	// finished item for at most the one call after it, which here is the
	// slow one, not a blocked one.)
	tests := []struct {
		name string
		opts []StageOption
	}{
		{"serial", nil},
		{"ordered 2", []StageOption{WithWorkers(2), WithOrdered()}},
		{"ordered 3", []StageOption{WithWorkers(3), WithOrdered()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := New(context.Background())
				release := make(chan struct{})
				ch := Map(FromSlice(p, ints(8)), func(_ context.Context, v int) (int, error) {
					switch {
					case v == 2:
						time.Sleep(time.Second)
					case v >= 3:
						<-release
					}
					return v, nil
				}, tt.opts...).Chan()
				require.Equal(t, []int{0, 1, 2}, []int{<-ch, <-ch, <-ch})
				close(release)
				n := 0
				for range ch {
					n++
				}
				require.Equal(t, 5, n)
				require.NoError(t, p.Wait())
			})
		})
	}
}

func TestBatchTimerStartsAtFirstItem(t *testing.T) {
	// The maxWait clock of a batch starts at its first item: not at the
	// previous flush, not at the stage's start, not at the latest item, and
	// a batch sealed by size leaves no timer running for the next one.
	synctest.Test(t, func(t *testing.T) {
		p := New(context.Background())
		in := make(chan int)
		ch := Batch(FromChan(p, in), 3, time.Second).Chan()
		start := time.Now()
		at := func(d time.Duration) { time.Sleep(d - time.Since(start)) }

		at(700 * time.Millisecond)
		in <- 1
		in <- 2
		in <- 3 // full: sent at once
		require.Equal(t, []int{1, 2, 3}, <-ch)
		require.Equal(t, 700*time.Millisecond, time.Since(start))

		at(1300 * time.Millisecond)
		in <- 4
		at(1800 * time.Millisecond) // a timer left from the first batch would have fired at 1.7s
		in <- 5
		require.Equal(t, []int{4, 5}, <-ch)
		require.Equal(t, 2300*time.Millisecond, time.Since(start), "maxWait after item 4, not after item 5")

		at(5 * time.Second) // an idle stream sends nothing
		in <- 6
		close(in)
		require.Equal(t, []int{6}, <-ch, "the last partial batch is kept")
		require.Equal(t, 5*time.Second, time.Since(start), "sent at once on close")
		_, ok := <-ch
		require.False(t, ok)
		require.NoError(t, p.Wait())
	})
}

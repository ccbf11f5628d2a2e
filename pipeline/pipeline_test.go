package pipeline

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func square(_ context.Context, v int) (int, error) { return v * v, nil }

func even(_ context.Context, v int) (bool, error) { return v%2 == 0, nil }

func TestStages(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		build func(p *Pipeline, src *Stream[int]) *Stream[int]
		want  func(in []int) []int
		sort  bool
	}{
		{
			name:  "map",
			n:     1000,
			build: func(p *Pipeline, s *Stream[int]) *Stream[int] { return Map(s, square) },
			want: func(in []int) (out []int) {
				for _, v := range in {
					out = append(out, v*v)
				}
				return out
			},
		},
		{
			name:  "empty input",
			n:     0,
			build: func(p *Pipeline, s *Stream[int]) *Stream[int] { return Map(s, square) },
			want:  func(in []int) []int { return nil },
		},
		{
			name:  "map filter",
			n:     1000,
			build: func(p *Pipeline, s *Stream[int]) *Stream[int] { return Filter(Map(s, square), even) },
			want: func(in []int) (out []int) {
				for _, v := range in {
					if v*v%2 == 0 {
						out = append(out, v*v)
					}
				}
				return out
			},
		},
		{
			name: "flatmap",
			n:    300,
			build: func(p *Pipeline, s *Stream[int]) *Stream[int] {
				return FlatMap(s, func(_ context.Context, v int) ([]int, error) { return slices.Repeat([]int{v}, v%3), nil })
			},
			want: func(in []int) (out []int) {
				for _, v := range in {
					out = append(out, slices.Repeat([]int{v}, v%3)...)
				}
				return out
			},
		},
		{
			name:  "ordered workers",
			n:     2000,
			build: func(p *Pipeline, s *Stream[int]) *Stream[int] { return Map(s, square, WithWorkers(4), WithOrdered()) },
			want: func(in []int) (out []int) {
				for _, v := range in {
					out = append(out, v*v)
				}
				return out
			},
		},
		{
			name: "ordered filter",
			n:    2000,
			build: func(p *Pipeline, s *Stream[int]) *Stream[int] {
				return Filter(s, even, WithWorkers(3), WithOrdered(), WithBuffer(2))
			},
			want: func(in []int) (out []int) {
				for _, v := range in {
					if v%2 == 0 {
						out = append(out, v)
					}
				}
				return out
			},
		},
		{
			name:  "unordered workers",
			n:     2000,
			build: func(p *Pipeline, s *Stream[int]) *Stream[int] { return Map(s, square, WithWorkers(4)) },
			want: func(in []int) (out []int) {
				for _, v := range in {
					out = append(out, v*v)
				}
				return out
			},
			sort: true,
		},
		{
			name:  "buffered",
			n:     500,
			build: func(p *Pipeline, s *Stream[int]) *Stream[int] { return Map(s, square, WithBuffer(8)) },
			want: func(in []int) (out []int) {
				for _, v := range in {
					out = append(out, v*v)
				}
				return out
			},
		},
	}
	sources := []struct {
		name string
		src  func(p *Pipeline, in []int) *Stream[int]
	}{
		{"FromSlice", func(p *Pipeline, in []int) *Stream[int] { return FromSlice(p, in) }},
		{"From", func(p *Pipeline, in []int) *Stream[int] { return From(p, slices.Values(in)) }},
		{"FromChan", func(p *Pipeline, in []int) *Stream[int] {
			ch := make(chan int, 10)
			go func() {
				defer close(ch)
				for _, v := range in {
					ch <- v
				}
			}()
			return FromChan(p, ch)
		}},
	}
	for _, tt := range tests {
		for _, src := range sources {
			t.Run(tt.name+"/"+src.name, func(t *testing.T) {
				in := ints(tt.n)
				p := New(context.Background())
				got, err := Collect(tt.build(p, src.src(p, in)))
				require.NoError(t, err)
				want := tt.want(in)
				if tt.sort {
					slices.Sort(got)
				}
				require.Equal(t, want, got)
			})
		}
	}
}

func TestSinks(t *testing.T) {
	t.Run("Reduce", func(t *testing.T) {
		p := New(context.Background())
		sum, err := Reduce(FromSlice(p, ints(101)), 0, func(a, v int) int { return a + v })
		require.NoError(t, err)
		require.Equal(t, 5050, sum)
	})
	t.Run("ForEach in order", func(t *testing.T) {
		p := New(context.Background())
		var got []int
		err := ForEach(FromSlice(p, ints(200)), func(_ context.Context, v int) error {
			got = append(got, v)
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, ints(200), got)
	})
	t.Run("ForEach workers", func(t *testing.T) {
		p := New(context.Background())
		var sum atomic.Int64
		err := ForEach(FromSlice(p, ints(101)), func(_ context.Context, v int) error {
			sum.Add(int64(v))
			return nil
		}, WithWorkers(3), WithOrdered())
		require.NoError(t, err)
		require.EqualValues(t, 5050, sum.Load())
	})
	t.Run("Chan", func(t *testing.T) {
		p := New(context.Background())
		s := Map(FromSlice(p, ints(300)), square, WithBuffer(5))
		ch := s.Chan()
		require.Equal(t, 5, cap(ch))
		require.Equal(t, ch, s.Chan(), "Chan twice returns the same channel")
		var got []int
		for v := range ch {
			got = append(got, v)
		}
		require.NoError(t, p.Wait())
		require.Len(t, got, 300)
		require.Equal(t, 299*299, got[299])
	})
	t.Run("All", func(t *testing.T) {
		p := New(context.Background())
		var got []int
		for v := range FromSlice(p, ints(300)).All() {
			got = append(got, v)
		}
		require.NoError(t, p.Wait())
		require.Equal(t, ints(300), got)
	})
}

var errBoom = errors.New("boom")

func TestErrorCancelsEveryStage(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		ordered bool
	}{
		{"serial", 1, false},
		{"workers", 3, false},
		{"ordered", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(context.Background())
			var produced atomic.Int64
			src := From(p, func(yield func(int) bool) {
				for i := 0; ; i++ { // endless: only the cancel stops it
					produced.Add(1)
					if !yield(i) {
						return
					}
				}
			})
			opts := []StageOption{WithWorkers(tt.workers)}
			if tt.ordered {
				opts = append(opts, WithOrdered())
			}
			failed := Map(src, func(_ context.Context, v int) (int, error) {
				if v == 500 {
					return 0, errBoom
				}
				return v, nil
			}, opts...)
			after := Map(failed, square)
			got, err := Collect(after)
			require.ErrorIs(t, err, errBoom)
			require.NotContains(t, got, 500*500, "the failed item never comes out")
			if tt.workers == 1 || tt.ordered {
				// In order, so only a prefix of what came before the error.
				require.LessOrEqual(t, len(got), 500)
				for i, v := range got {
					require.Equal(t, i*i, v)
				}
			}
			require.ErrorIs(t, p.Context().Err(), context.Canceled)
			require.ErrorIs(t, p.Wait(), errBoom, "Wait keeps reporting the first error")
		})
	}
}

func TestErrorInSinks(t *testing.T) {
	t.Run("ForEach", func(t *testing.T) {
		p := New(context.Background())
		err := ForEach(FromSlice(p, ints(1000)), func(_ context.Context, v int) error {
			if v == 10 {
				return errBoom
			}
			return nil
		}, WithWorkers(2))
		require.ErrorIs(t, err, errBoom)
	})
	t.Run("Filter", func(t *testing.T) {
		p := New(context.Background())
		_, err := Collect(Filter(FromSlice(p, ints(1000)), func(_ context.Context, v int) (bool, error) {
			return true, fmt.Errorf("item %d: %w", v, errBoom)
		}))
		require.ErrorIs(t, err, errBoom)
		require.EqualError(t, err, "item 0: boom")
	})
}

func TestStop(t *testing.T) {
	t.Run("from a stage", func(t *testing.T) {
		p := New(context.Background())
		got, err := Collect(Map(FromSlice(p, ints(1000)), func(_ context.Context, v int) (int, error) {
			if v == 100 {
				p.Stop()
			}
			return v, nil
		}))
		require.NoError(t, err, "Stop is not an error")
		require.LessOrEqual(t, len(got), 101)
		require.NoError(t, p.Wait())
	})
	t.Run("nobody reads", func(t *testing.T) {
		p := New(context.Background())
		s := Map(From(p, endless), square, WithWorkers(2), WithOrdered())
		_ = s.Chan() // taken but never read
		p.Stop()
		require.NoError(t, p.Wait())
	})
	t.Run("unconsumed stream", func(t *testing.T) {
		p := New(context.Background())
		Batch(Map(FromSlice(p, ints(1000)), square, WithWorkers(2)), 10, time.Second)
		p.Stop()
		require.NoError(t, p.Wait())
	})
	t.Run("error before stop is kept", func(t *testing.T) {
		p := New(context.Background())
		err := ForEach(FromSlice(p, ints(10)), func(context.Context, int) error { return errBoom })
		require.ErrorIs(t, err, errBoom)
		p.Stop()
		require.ErrorIs(t, p.Wait(), errBoom)
	})
}

func endless(yield func(int) bool) {
	for i := 0; yield(i); i++ {
	}
}

func TestBreakOutOfAllLeavesNothing(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(strconv.Itoa(workers), func(t *testing.T) {
			p := New(context.Background())
			s := Filter(Map(From(p, endless), square, WithWorkers(workers)), even)
			n := 0
			for range s.All() {
				n++
				if n == 1000 {
					break
				}
			}
			require.Equal(t, 1000, n)
			goleak.VerifyNone(t) // All waited for every goroutine
			require.NoError(t, p.Wait())
		})
	}
}

func TestPanicInAllBodyStopsPipeline(t *testing.T) {
	p := New(context.Background())
	require.PanicsWithValue(t, "body", func() {
		for range From(p, endless).All() {
			panic("body")
		}
	})
	goleak.VerifyNone(t)
	require.NoError(t, p.Wait())
}

func TestParentCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := New(ctx)
	got, err := Collect(Map(From(p, endless), func(_ context.Context, v int) (int, error) {
		if v == 50 {
			cancel()
		}
		return v, nil
	}))
	require.Equal(t, context.Canceled, err)
	require.LessOrEqual(t, len(got), 51, "nothing after the cancel")
}

func TestPanics(t *testing.T) {
	tests := []struct {
		name  string
		build func(p *Pipeline) error
	}{
		{"Map", func(p *Pipeline) error {
			_, err := Collect(Map(FromSlice(p, ints(100)), func(_ context.Context, v int) (int, error) {
				if v == 42 {
					panic("bad item")
				}
				return v, nil
			}))
			return err
		}},
		{"ordered workers", func(p *Pipeline) error {
			_, err := Collect(Map(FromSlice(p, ints(100)), func(_ context.Context, v int) (int, error) {
				if v == 42 {
					panic("bad item")
				}
				return v, nil
			}, WithWorkers(3), WithOrdered()))
			return err
		}},
		{"source", func(p *Pipeline) error {
			_, err := Collect(From(p, func(yield func(int) bool) { panic("bad item") }))
			return err
		}},
		{"ForEach", func(p *Pipeline) error {
			return ForEach(FromSlice(p, ints(10)), func(context.Context, int) error { panic("bad item") }, WithWorkers(2))
		}},
		{"after Stop", func(p *Pipeline) error {
			return ForEach(FromSlice(p, ints(10)), func(context.Context, int) error {
				p.Stop()
				panic("bad item")
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.build(New(context.Background()))
			var perr *PanicError
			require.ErrorAs(t, err, &perr)
			require.Equal(t, "bad item", perr.Value)
			require.NotEmpty(t, perr.Stack)
		})
	}
}

func TestReducePanicPropagates(t *testing.T) {
	p := New(context.Background())
	require.PanicsWithValue(t, "in reduce", func() {
		_, _ = Reduce(From(p, endless), 0, func(a, v int) int {
			if v == 10 {
				panic("in reduce")
			}
			return a + v
		})
	})
	goleak.VerifyNone(t)
	require.NoError(t, p.Wait())
}

func TestConsumedTwicePanics(t *testing.T) {
	p := New(context.Background())
	defer p.Wait()
	defer p.Stop()
	s := FromSlice(p, ints(3))
	Map(s, square)
	require.PanicsWithValue(t,
		"pipeline: Stream consumed twice (second consumer: Filter); a Stream feeds exactly one stage or sink",
		func() { Filter(s, even) })
	s2 := FromSlice(p, ints(3))
	seq := s2.All()
	require.Panics(t, func() { s2.Chan() })
	for range seq {
		break
	}
	require.PanicsWithValue(t, "pipeline: the iterator returned by All ranged over twice", func() {
		for range seq {
		}
	})
}

func TestBadArguments(t *testing.T) {
	p := New(context.Background())
	defer p.Wait()
	defer p.Stop()
	tests := []struct {
		want string
		fn   func()
	}{
		{"pipeline: WithWorkers called with n <= 0: 0", func() { WithWorkers(0) }},
		{"pipeline: WithWorkers called with n <= 0: -2", func() { WithWorkers(-2) }},
		{"pipeline: WithBuffer called with negative n: -1", func() { WithBuffer(-1) }},
		{"pipeline: Batch called with size <= 0: 0", func() { Batch(FromSlice(p, ints(1)), 0, 0) }},
		{"pipeline: Map called with nil fn", func() { Map[int, int](FromSlice(p, ints(1)), nil) }},
		{"pipeline: Filter called with nil keep", func() { Filter(FromSlice(p, ints(1)), nil) }},
		{"pipeline: FlatMap called with nil fn", func() { FlatMap[int, int](FromSlice(p, ints(1)), nil) }},
		{"pipeline: ForEach called with nil fn", func() { _ = ForEach(FromSlice(p, ints(1)), nil) }},
		{"pipeline: Reduce called with nil fn", func() { _, _ = Reduce[int, int](FromSlice(p, ints(1)), 0, nil) }},
		{"pipeline: From called with nil seq", func() { From[int](p, nil) }},
		{"pipeline: FromChan called with nil channel", func() { FromChan[int](p, nil) }},
		{"pipeline: Map called with nil Stream", func() { Map(nil, square) }},
		{"pipeline: New called with nil ctx", func() {
			var ctx context.Context // nil
			New(ctx)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
}

func TestWorkersRunConcurrently(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		t.Run(fmt.Sprint("ordered=", ordered), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const workers = 4
				p := New(context.Background())
				var running, peak atomic.Int32
				release := make(chan struct{})
				opts := []StageOption{WithWorkers(workers)}
				if ordered {
					opts = append(opts, WithOrdered())
				}
				s := Map(FromSlice(p, ints(100)), func(_ context.Context, v int) (int, error) {
					n := running.Add(1)
					if n > peak.Load() {
						peak.Store(n)
					}
					<-release
					running.Add(-1)
					return v, nil
				}, opts...)
				done := make(chan []int)
				go func() {
					got, _ := Collect(s)
					done <- got
				}()
				synctest.Wait()
				require.EqualValues(t, workers, running.Load(), "all workers busy at once")
				close(release)
				got := <-done
				require.Len(t, got, 100)
				require.EqualValues(t, workers, peak.Load(), "never more than the workers")
			})
		})
	}
}

func TestOrderedBoundsItemsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers = 3
		p := New(context.Background())
		var started atomic.Int32
		release := make(chan struct{})
		s := Map(FromSlice(p, ints(1000)), func(_ context.Context, v int) (int, error) {
			started.Add(1)
			if v == 0 {
				<-release // the first item is slow; the others must not run far ahead
			}
			return v, nil
		}, WithWorkers(workers), WithOrdered())
		done := make(chan []int)
		go func() {
			got, _ := Collect(s)
			done <- got
		}()
		synctest.Wait()
		require.EqualValues(t, workers, started.Load(), "one item per worker while item 0 is slow")
		close(release)
		require.Equal(t, ints(1000), <-done)
	})
}

func TestSlowStagePassesItemsOnAtOnce(t *testing.T) {
	// A slow serial stage must not hold finished items back until its
	// whole input chunk is done.
	synctest.Test(t, func(t *testing.T) {
		p := New(context.Background())
		step := make(chan struct{})
		s := Map(FromSlice(p, ints(10)), func(_ context.Context, v int) (int, error) {
			<-step
			time.Sleep(time.Millisecond) // fake clock: the stage is slow
			return v, nil
		})
		ch := s.Chan()
		step <- struct{}{}
		require.Equal(t, 0, <-ch, "first item arrives while the rest wait")
		close(step)
		n := 1
		for range ch {
			n++
		}
		require.Equal(t, 10, n)
		require.NoError(t, p.Wait())
	})
}

func TestFromHandsOnBeforeBlocking(t *testing.T) {
	// A source that blocks between values must not hold the values it has.
	p := New(context.Background())
	next := make(chan int)
	s := From(p, func(yield func(int) bool) {
		for v := range next {
			if !yield(v) {
				return
			}
		}
	})
	ch := s.Chan()
	for i := range 5 {
		next <- i
		require.Equal(t, i, <-ch)
	}
	close(next)
	_, ok := <-ch
	require.False(t, ok)
	require.NoError(t, p.Wait())
}

func TestFromChanHandsOnBeforeBlocking(t *testing.T) {
	p := New(context.Background())
	in := make(chan int)
	ch := Map(FromChan(p, in), square).Chan()
	for i := range 5 {
		in <- i
		require.Equal(t, i*i, <-ch)
	}
	close(in)
	_, ok := <-ch
	require.False(t, ok)
	require.NoError(t, p.Wait())
}

func TestBatch(t *testing.T) {
	tests := []struct {
		name string
		n    int
		size int
		want [][]int
	}{
		{"exact", 6, 3, [][]int{{0, 1, 2}, {3, 4, 5}}},
		{"partial last", 7, 3, [][]int{{0, 1, 2}, {3, 4, 5}, {6}}},
		{"one", 2, 1, [][]int{{0}, {1}}},
		{"empty", 0, 3, nil},
		{"bigger than input", 4, 10, [][]int{{0, 1, 2, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(context.Background())
			got, err := Collect(Batch(FromSlice(p, ints(tt.n)), tt.size, time.Hour))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	t.Run("many", func(t *testing.T) {
		p := New(context.Background())
		got, err := Collect(Batch(FromSlice(p, ints(10_000)), 7, 0))
		require.NoError(t, err)
		require.Len(t, got, 10_000/7+1)
		require.Equal(t, ints(10_000), slices.Concat(got...))
	})
}

func TestBatchFlushesOnMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(context.Background())
		in := make(chan int)
		ch := Batch(FromChan(p, in), 10, time.Second).Chan()
		start := time.Now()
		in <- 1
		in <- 2
		require.Equal(t, []int{1, 2}, <-ch)
		require.Equal(t, time.Second, time.Since(start), "flushed maxWait after the first item")

		time.Sleep(5 * time.Second) // an idle stream sends nothing
		in <- 3
		start = time.Now()
		require.Equal(t, []int{3}, <-ch)
		require.Equal(t, time.Second, time.Since(start), "the timer starts at the batch's first item")

		close(in)
		_, ok := <-ch
		require.False(t, ok)
		require.NoError(t, p.Wait())
	})
}

func TestChanClosesOnCancel(t *testing.T) {
	p := New(context.Background())
	ch := From(p, endless).Chan()
	<-ch
	p.Stop()
	for range ch { // drains what was in flight, then ends
	}
	require.NoError(t, p.Wait())
}

func TestGoexitInStageFailsPipeline(t *testing.T) {
	// runtime.Goexit (t.FailNow on the wrong goroutine, say) must not look
	// like the normal end of the stream.
	tests := []struct {
		name  string
		build func(p *Pipeline, fn func(context.Context, int) (int, error)) error
	}{
		{"Map", func(p *Pipeline, fn func(context.Context, int) (int, error)) error {
			_, err := Collect(Map(FromSlice(p, ints(100)), fn))
			return err
		}},
		{"Map workers", func(p *Pipeline, fn func(context.Context, int) (int, error)) error {
			_, err := Collect(Map(FromSlice(p, ints(100)), fn, WithWorkers(3)))
			return err
		}},
		{"ForEach", func(p *Pipeline, fn func(context.Context, int) (int, error)) error {
			return ForEach(FromSlice(p, ints(100)), func(ctx context.Context, v int) error {
				_, err := fn(ctx, v)
				return err
			})
		}},
		{"From", func(p *Pipeline, fn func(context.Context, int) (int, error)) error {
			_, err := Collect(From(p, func(yield func(int) bool) {
				for i := 0; ; i++ {
					_, _ = fn(context.TODO(), i)
					if !yield(i) {
						return
					}
				}
			}))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.build(New(context.Background()), func(_ context.Context, v int) (int, error) {
				if v == 42 {
					runtime.Goexit()
				}
				return v, nil
			})
			require.ErrorIs(t, err, errGoexit)
		})
	}
}

func TestSourcesDoNotShareTheCallersSlice(t *testing.T) {
	items := ints(200)
	p := New(context.Background())
	got, err := Collect(Batch(FromSlice(p, items), 7, 0))
	require.NoError(t, err)
	for _, b := range got {
		b = append(b[:cap(b)], 0) // use every byte of the batch, and more
		clear(b)
	}
	require.Equal(t, ints(200), items, "batches are copies")

	p = New(context.Background())
	all, err := Collect(FromSlice(p, items))
	require.NoError(t, err)
	clear(all[:cap(all)])
	require.Equal(t, ints(200), items, "Collect returns a copy")

	p = New(context.Background())
	var seen []int
	err = ForEach(Map(FromSlice(p, items), func(_ context.Context, v int) (int, error) { return -v, nil }),
		func(_ context.Context, v int) error { seen = append(seen, v); return nil })
	require.NoError(t, err)
	require.Equal(t, ints(200), items, "stages write to their own buffers")
	require.Len(t, seen, 200)
}

var _ iter.Seq[int] = endless

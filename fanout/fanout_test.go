package fanout

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func produce(vals ...int) <-chan int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for _, v := range vals {
			ch <- v
		}
	}()
	return ch
}

func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name string
		ins  [][]int
	}{
		{"none", nil},
		{"one", [][]int{{1, 2, 3}}},
		{"three", [][]int{{1, 2, 3}, {10, 20}, {}}},
		{"many", [][]int{ints(100), ints(50), ints(200), ints(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var chans []<-chan int
			var want []int
			for _, in := range tt.ins {
				chans = append(chans, produce(in...))
				want = append(want, in...)
			}
			var got []int
			for v := range Merge(context.Background(), chans...) {
				got = append(got, v)
			}
			slices.Sort(want)
			slices.Sort(got)
			require.Equal(t, want, got)
		})
	}
}

func TestMergeKeepsPerInputOrder(t *testing.T) {
	tag := func(src, n int) <-chan [2]int {
		ch := make(chan [2]int)
		go func() {
			defer close(ch)
			for i := range n {
				ch <- [2]int{src, i}
			}
		}()
		return ch
	}
	next := map[int]int{}
	for v := range Merge(context.Background(), tag(0, 300), tag(1, 300)) {
		require.Equal(t, next[v[0]], v[1])
		next[v[0]]++
	}
	require.Equal(t, map[int]int{0: 300, 1: 300}, next)
}

func TestChannelsEndOnCancelWithoutReaders(t *testing.T) {
	tests := []struct {
		name  string
		start func(ctx context.Context, in <-chan int) []<-chan int
	}{
		{"Merge", func(ctx context.Context, in <-chan int) []<-chan int {
			return []<-chan int{Merge(ctx, in, make(chan int))}
		}},
		{"Distribute", func(ctx context.Context, in <-chan int) []<-chan int { return Distribute(ctx, in, 3) }},
		{"Broadcast", func(ctx context.Context, in <-chan int) []<-chan int { return Broadcast(ctx, in, 3) }},
	}
	for _, tt := range tests {
		for _, sent := range []int{0, 1} {
			// 0: blocked receiving from in; 1: blocked sending a value on.
			t.Run(fmt.Sprint(tt.name, "/sent=", sent), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					ctx, cancel := context.WithCancel(context.Background())
					in := make(chan int) // never closed
					outs := tt.start(ctx, in)
					for i := range sent {
						in <- i // taken, but nobody reads the outputs
					}
					synctest.Wait()
					cancel()
					synctest.Wait() // every goroutine has returned (synctest would report a deadlock otherwise)
					for _, out := range outs {
						_, ok := <-out
						require.False(t, ok, "outputs are closed")
					}
				})
			})
		}
	}
}

func TestDistribute(t *testing.T) {
	for _, n := range []int{1, 2, 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			outs := Distribute(context.Background(), produce(ints(500)...), n)
			require.Len(t, outs, n)
			var mu sync.Mutex
			var got []int
			var wg sync.WaitGroup
			for _, out := range outs {
				wg.Go(func() {
					for v := range out {
						mu.Lock()
						got = append(got, v)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			slices.Sort(got)
			require.Equal(t, ints(500), got, "each value exactly once")
		})
	}
}

func TestDistributeGoesToTheReadyReader(t *testing.T) {
	// Only output 2 is read: every value must reach it rather than wait
	// for a reader that never comes.
	outs := Distribute(context.Background(), produce(ints(50)...), 3)
	var got []int
	for v := range outs[2] {
		got = append(got, v)
	}
	require.Equal(t, ints(50), got)
	for _, out := range outs {
		_, ok := <-out
		require.False(t, ok)
	}
}

func TestBroadcast(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			outs := Broadcast(context.Background(), produce(ints(200)...), n)
			got := make([][]int, n)
			var wg sync.WaitGroup
			for i, out := range outs {
				wg.Go(func() {
					for v := range out {
						got[i] = append(got[i], v)
					}
				})
			}
			wg.Wait()
			for i := range n {
				require.Equal(t, ints(200), got[i], "output %d gets every value in order", i)
			}
		})
	}
}

func TestBroadcastPacedBySlowest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := make(chan int)
		outs := Broadcast(context.Background(), in, 2)
		go func() {
			for i := range 3 {
				in <- i
			}
			close(in)
		}()
		var fast []int
		go func() {
			for v := range outs[0] {
				fast = append(fast, v)
			}
		}()
		synctest.Wait()
		require.Equal(t, []int{0}, fast, "the fast reader waits for the slow one")
		require.Equal(t, 0, <-outs[1])
		synctest.Wait()
		require.Equal(t, []int{0, 1}, fast)
		require.Equal(t, 1, <-outs[1])
		require.Equal(t, 2, <-outs[1])
		_, ok := <-outs[1]
		require.False(t, ok)
		synctest.Wait()
		require.Equal(t, []int{0, 1, 2}, fast)
	})
}

var errBoom = errors.New("boom")

func TestMap(t *testing.T) {
	double := func(_ context.Context, v int) (int, error) { return 2 * v, nil }
	tests := []struct {
		name    string
		n       int
		workers int
	}{
		{"empty", 0, 3},
		{"one", 1, 3},
		{"serial", 100, 1},
		{"more workers than items", 3, 10},
		{"many", 10_000, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Map(context.Background(), ints(tt.n), tt.workers, double)
			require.NoError(t, err)
			want := make([]int, tt.n)
			for i := range want {
				want[i] = 2 * i
			}
			require.Equal(t, want, got)
		})
	}
}

func TestForEach(t *testing.T) {
	var sum atomic.Int64
	err := ForEach(context.Background(), ints(1001), 3, func(_ context.Context, v int) error {
		sum.Add(int64(v))
		return nil
	})
	require.NoError(t, err)
	require.EqualValues(t, 500500, sum.Load())
}

func TestMapFailsFast(t *testing.T) {
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		workers int
	}{
		{"serial", context.Background(), 1},
		{"parallel", context.Background(), 4},
		{"serial, cancellable parent", cancellable, 1},
		{"parallel, cancellable parent", cancellable, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls, cancelled atomic.Int32
			got, err := Map(tt.ctx, ints(10_000), tt.workers, func(ctx context.Context, v int) (int, error) {
				calls.Add(1)
				if v == 10 {
					return 0, errBoom
				}
				if v > 10 && ctx.Err() != nil {
					cancelled.Add(1)
				}
				return v, nil
			})
			require.ErrorIs(t, err, errBoom)
			require.Nil(t, got)
			if tt.workers == 1 {
				require.EqualValues(t, 11, calls.Load(), "nothing started after the error")
			} else {
				require.Less(t, calls.Load(), int32(10_000))
			}
			// Only a worker that had already passed its check when the error
			// landed can start one item with a cancelled ctx.
			require.LessOrEqual(t, cancelled.Load(), int32(tt.workers-1), "no item started after the cancel")
		})
	}
}

func TestMapFirstErrorWins(t *testing.T) {
	first := errors.New("first")
	started := make(chan struct{})
	_, err := Map(context.Background(), ints(2), 2, func(ctx context.Context, v int) (int, error) {
		if v == 0 {
			<-started
			return 0, first
		}
		close(started)
		<-ctx.Done() // the first error cancels this one
		return 0, ctx.Err()
	})
	require.ErrorIs(t, err, first)
}

func TestMapBoundsConcurrency(t *testing.T) {
	for _, workers := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var running, peak atomic.Int32
				release := make(chan struct{})
				done := make(chan error)
				go func() {
					done <- ForEach(context.Background(), ints(50), workers, func(context.Context, int) error {
						n := running.Add(1)
						for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
						}
						<-release
						running.Add(-1)
						return nil
					})
				}()
				synctest.Wait()
				require.EqualValues(t, workers, running.Load(), "exactly workers calls at once")
				close(release)
				require.NoError(t, <-done)
				require.EqualValues(t, workers, peak.Load())
			})
		})
	}
}

func TestMapContext(t *testing.T) {
	t.Run("done before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		called := false
		_, err := Map(ctx, ints(5), 2, func(context.Context, int) (int, error) { called = true; return 0, nil })
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, called)
	})
	t.Run("cancelled while running", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var calls atomic.Int32
		err := ForEach(ctx, ints(10_000), 2, func(context.Context, int) error {
			if calls.Add(1) == 100 {
				cancel()
			}
			return nil
		})
		require.ErrorIs(t, err, context.Canceled)
		require.Less(t, calls.Load(), int32(10_000))
	})
	t.Run("cancelled after the last item", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got, err := Map(ctx, ints(3), 1, func(_ context.Context, v int) (int, error) {
			if v == 2 {
				cancel() // every item has run: not an error
			}
			return v, nil
		})
		require.NoError(t, err)
		require.Equal(t, ints(3), got)
	})
}

func TestMapPanics(t *testing.T) {
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			_, err := Map(context.Background(), ints(100), workers, func(_ context.Context, v int) (int, error) {
				if v == 42 {
					panic("bad item")
				}
				return v, nil
			})
			var perr *PanicError
			require.ErrorAs(t, err, &perr)
			require.Equal(t, "bad item", perr.Value)
			require.NotEmpty(t, perr.Stack)
		})
	}
}

func TestBadArguments(t *testing.T) {
	ctx := context.Background()
	id := func(_ context.Context, v int) (int, error) { return v, nil }
	var nilCtx context.Context
	tests := []struct {
		want string
		fn   func()
	}{
		{"fanout: Map called with workers <= 0: 0", func() { _, _ = Map(ctx, ints(1), 0, id) }},
		{"fanout: ForEach called with workers <= 0: -1", func() {
			_ = ForEach(ctx, ints(1), -1, func(context.Context, int) error { return nil })
		}},
		{"fanout: Map called with nil fn", func() { _, _ = Map[int, int](ctx, ints(1), 1, nil) }},
		{"fanout: ForEach called with nil fn", func() { _ = ForEach[int](ctx, ints(1), 1, nil) }},
		{"fanout: Distribute called with n <= 0: 0", func() { Distribute(ctx, make(chan int), 0) }},
		{"fanout: Broadcast called with n <= 0: -3", func() { Broadcast(ctx, make(chan int), -3) }},
		{"fanout: Distribute called with nil channel", func() { Distribute[int](ctx, nil, 1) }},
		{"fanout: Broadcast called with nil channel", func() { Broadcast[int](ctx, nil, 1) }},
		{"fanout: Merge called with nil channel at index 1", func() { Merge(ctx, make(chan int), nil) }},
		{"fanout: Merge called with nil ctx", func() { Merge[int](nilCtx) }},
		{"fanout: Map called with nil ctx", func() { _, _ = Map(nilCtx, ints(1), 1, id) }},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
}

func TestNilInterfaceValues(t *testing.T) {
	in := make(chan error, 2)
	in <- nil
	in <- errBoom
	close(in)
	outs := Distribute(context.Background(), in, 2)
	var got []error
	for v := range Merge(context.Background(), outs...) {
		got = append(got, v)
	}
	require.ElementsMatch(t, []error{nil, errBoom}, got)
}

// onCaller reports whether it runs on the goroutine that called Map, not on
// one of the workers Map started (with WaitGroup.Go).
func onCaller() bool {
	buf := make([]byte, 64<<10)
	return !strings.Contains(string(buf[:runtime.Stack(buf, false)]), "WaitGroup).Go")
}

func TestMapPanicOnCallingGoroutine(t *testing.T) {
	// Map runs fn on the calling goroutine too. A panic there must come
	// back as *PanicError, and only after every other call has returned:
	// nothing may still run fn once Map has returned.
	synctest.Test(t, func(t *testing.T) {
		var running atomic.Int32
		started := make(chan struct{})
		var returned atomic.Bool
		_, err := Map(context.Background(), ints(2), 2, func(ctx context.Context, v int) (int, error) {
			running.Add(1)
			defer running.Add(-1)
			if onCaller() {
				<-started // the other worker is inside fn
				panic("on the caller")
			}
			close(started)
			<-ctx.Done()
			time.Sleep(time.Second) // still busy after the cancel
			returned.Store(true)
			return v, nil
		})
		var perr *PanicError
		require.ErrorAs(t, err, &perr)
		require.Equal(t, "on the caller", perr.Value)
		require.True(t, returned.Load(), "Map waited for the other worker")
		require.Zero(t, running.Load())
	})
}

func TestGoexitFailsMap(t *testing.T) {
	// runtime.Goexit in fn (t.FailNow on the wrong goroutine, say) must not
	// pass for success with the rest of the items never run.
	t.Run("on a worker", func(t *testing.T) {
		// The caller's own calls wait until a worker goroutine has run fn:
		// with one P the caller could otherwise claim every item itself.
		workerRan := make(chan struct{})
		var once sync.Once
		_, err := Map(context.Background(), ints(1000), 3, func(_ context.Context, v int) (int, error) {
			if !onCaller() {
				once.Do(func() { close(workerRan) })
				runtime.Goexit()
			}
			<-workerRan
			return v, nil
		})
		require.ErrorIs(t, err, errGoexit)
		require.EqualError(t, err, "fanout: fn called runtime.Goexit")
	})
	t.Run("on the caller", func(t *testing.T) {
		// Goexit goes on up (Map cannot return), but only once the other
		// workers have returned.
		synctest.Test(t, func(t *testing.T) {
			var running atomic.Int32
			started := make(chan struct{})
			exited := make(chan int32)
			go func() {
				defer func() { exited <- running.Load() }()
				_, _ = Map(context.Background(), ints(2), 2, func(ctx context.Context, v int) (int, error) {
					if onCaller() {
						<-started
						runtime.Goexit()
					}
					running.Add(1)
					defer running.Add(-1)
					close(started)
					<-ctx.Done() // cancelled by the Goexit
					time.Sleep(time.Second)
					return v, nil
				})
			}()
			require.Zero(t, <-exited, "no fn still running when Goexit left Map")
		})
	})
}

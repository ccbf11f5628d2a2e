package future

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestThen(t *testing.T) {
	double := func(_ context.Context, v int) (string, error) { return strconv.Itoa(2 * v), nil }
	tests := []struct {
		name      string
		in        func() *Future[int]
		fn        func(context.Context, int) (string, error)
		want      string
		wantErr   error
		wantPanic bool
		notCalled bool
	}{
		{name: "value", in: func() *Future[int] { return Resolved(4) }, fn: double, want: "8"},
		{name: "async value", in: func() *Future[int] {
			return Go(context.Background(), func(context.Context) (int, error) { return 5, nil })
		}, fn: double, want: "10"},
		{name: "input failed", in: func() *Future[int] { return Rejected[int](errA) }, fn: double, wantErr: errA, notCalled: true},
		{name: "async input failed", in: func() *Future[int] {
			return Go(context.Background(), func(context.Context) (int, error) { return 0, errA })
		}, fn: double, wantErr: errA, notCalled: true},
		{name: "fn fails", in: func() *Future[int] { return Resolved(1) }, fn: func(context.Context, int) (string, error) {
			return "", errB
		}, wantErr: errB},
		{name: "fn panics", in: func() *Future[int] { return Resolved(1) }, fn: func(context.Context, int) (string, error) {
			panic("boom")
		}, wantPanic: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var called atomic.Bool
			out := Then(context.Background(), tt.in(), func(ctx context.Context, v int) (string, error) {
				called.Store(true)
				return tt.fn(ctx, v)
			})
			got, err := out.Get(context.Background())
			require.Equal(t, tt.want, got)
			switch {
			case tt.wantPanic:
				var perr *PanicError
				require.ErrorAs(t, err, &perr)
			case tt.wantErr != nil:
				require.Equal(t, tt.wantErr, err, "the same error, not a wrapper")
			default:
				require.NoError(t, err)
			}
			require.Equal(t, !tt.notCalled, called.Load())
		})
	}
}

func TestThenChain(t *testing.T) {
	p := NewPromise[int]()
	inc := func(_ context.Context, v int) (int, error) { return v + 1, nil }
	f := p.Future()
	for range 10 {
		f = Then(context.Background(), f, inc)
	}
	p.Resolve(0)
	v, err := f.Get(context.Background())
	require.NoError(t, err)
	require.Equal(t, 10, v)
}

func TestThenCtxEndsBeforeInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPromise[int]() // never settled while Then waits
		ctx, cancel := context.WithCancel(context.Background())
		out := Then(ctx, p.Future(), func(context.Context, int) (int, error) {
			t.Error("fn called after ctx ended")
			return 0, nil
		})
		synctest.Wait()
		require.False(t, isDone(out.Done()))
		cancel()
		_, err := out.Get(context.Background())
		require.ErrorIs(t, err, context.Canceled)
		// Nothing waits on the input any more; settling it later calls nothing.
		synctest.Wait()
		require.Empty(t, p.f.watchers)
		require.True(t, p.Resolve(1))
		synctest.Wait()
		_, err = out.Get(context.Background())
		require.ErrorIs(t, err, context.Canceled, "out settled once")
	})
}

func TestThenCtxAlreadyDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fn := func(context.Context, int) (int, error) { t.Error("fn called"); return 0, nil }
	tests := []struct {
		name    string
		in      *Future[int]
		wantErr error
	}{
		{name: "pending input", in: NewPromise[int]().Future(), wantErr: context.Canceled},
		{name: "resolved input", in: Resolved(1), wantErr: context.Canceled},
		{name: "rejected input keeps its error", in: Rejected[int](errA), wantErr: errA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Then(ctx, tt.in, fn)
			require.True(t, isDone(out.Done()), "decided at once")
			_, err := out.Get(context.Background())
			require.Equal(t, tt.wantErr, err)
		})
	}
}

func TestThenRaceSettleAndCancel(t *testing.T) {
	for i := range 100 {
		p := NewPromise[int]()
		ctx, cancel := context.WithCancel(context.Background())
		out := Then(ctx, p.Future(), func(_ context.Context, v int) (int, error) { return v, nil })
		go p.Resolve(i)
		go cancel()
		v, err := out.Get(context.Background())
		if err != nil {
			require.ErrorIs(t, err, context.Canceled)
		} else {
			require.Equal(t, i, v)
		}
		cancel()
	}
}

func TestAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := []*Promise[int]{NewPromise[int](), NewPromise[int](), NewPromise[int]()}
		fs := []*Future[int]{ps[0].Future(), Resolved(10), ps[1].Future(), ps[2].Future()}
		var got []int
		var err error
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			got, err = All(context.Background(), fs...)
		}()
		// Settle in reverse order: the result keeps the order of fs.
		for _, i := range []int{2, 1, 0} {
			synctest.Wait()
			require.False(t, isDone(returned))
			ps[i].Resolve(i)
		}
		<-returned
		require.NoError(t, err)
		require.Equal(t, []int{0, 10, 1, 2}, got)
	})
}

func TestAllFailsFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		never := NewPromise[int]()
		failing := NewPromise[int]()
		var err error
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			_, err = All(context.Background(), never.Future(), Resolved(1), failing.Future())
		}()
		synctest.Wait()
		failing.Reject(errA)
		<-returned // without waiting for never
		require.Equal(t, errA, err)
		require.Empty(t, never.f.watchers, "All leaves no watcher behind")
	})
}

func TestAllSettledAtCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		fs      []*Future[int]
		want    []int
		wantErr error
	}{
		{name: "none", want: []int{}},
		{name: "values beat a done ctx", fs: []*Future[int]{Resolved(1), Resolved(2)}, want: []int{1, 2}},
		{name: "first failure in order", fs: []*Future[int]{Resolved(1), Rejected[int](errA), Rejected[int](errB)}, wantErr: errA},
		{name: "pending and done ctx", fs: []*Future[int]{Resolved(1), NewPromise[int]().Future()}, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := All(ctx, tt.fs...)
			require.Equal(t, tt.wantErr, err)
			require.Equal(t, tt.want, got)
			for _, f := range tt.fs {
				require.Empty(t, f.watchers)
			}
		})
	}
}

func TestAllCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPromise[int]()
		ctx, cancel := context.WithCancel(context.Background())
		var err error
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			_, err = All(ctx, p.Future(), Resolved(1))
		}()
		synctest.Wait()
		require.False(t, isDone(returned))
		cancel()
		<-returned
		require.ErrorIs(t, err, context.Canceled)
		require.Empty(t, p.f.watchers)
		require.False(t, isDone(p.Future().Done()), "the future is unchanged")
	})
}

func TestAny(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		fs      []*Future[string]
		want    string
		wantErr []error
		wantMsg string
	}{
		{name: "first success in order", fs: []*Future[string]{Rejected[string](errA), Resolved("x"), Resolved("y")}, want: "x"},
		{name: "all fail", fs: []*Future[string]{Rejected[string](errA), Rejected[string](errB)}, wantErr: []error{errA, errB}, wantMsg: "a\nb"},
		{name: "none", wantErr: []error{ErrEmpty}, wantMsg: "future: Any called with no futures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Any(ctx, tt.fs...)
			require.Equal(t, tt.want, got)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			for _, e := range tt.wantErr {
				require.ErrorIs(t, err, e)
			}
			require.Equal(t, tt.wantMsg, err.Error())
		})
	}
}

func TestAnyFirstInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		never := NewPromise[string]()
		later := NewPromise[string]()
		failing := NewPromise[string]()
		var got string
		var err error
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			got, err = Any(context.Background(), never.Future(), failing.Future(), later.Future())
		}()
		synctest.Wait()
		failing.Reject(errA) // a failure is not an answer while others may succeed
		synctest.Wait()
		require.False(t, isDone(returned))
		later.Resolve("ok")
		<-returned
		require.NoError(t, err)
		require.Equal(t, "ok", got)
		require.Empty(t, never.f.watchers)
	})
}

func TestAnyCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var err error
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			_, err = Any(ctx, NewPromise[int]().Future(), Rejected[int](errA))
		}()
		synctest.Wait()
		require.False(t, isDone(returned))
		cancel()
		<-returned
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestCombineStress(t *testing.T) {
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		fs := make([]*Future[int], 20)
		for i := range fs {
			fs[i] = Go(ctx, func(context.Context) (int, error) { return i, nil })
			fs[i] = Then(ctx, fs[i], func(_ context.Context, v int) (int, error) { return v * 2, nil })
		}
		got, err := All(ctx, fs...)
		require.NoError(t, err)
		for i, v := range got {
			require.Equal(t, 2*i, v)
		}
		v, err := Any(ctx, fs...)
		require.NoError(t, err)
		require.Equal(t, 0, v%2)
		cancel()
	}
}

func TestCancelledThensLeaveNothingOnInput(t *testing.T) {
	// A long-lived Promise that never settles must not collect the
	// registrations of Thens whose ctx ended: each one would hold its fn
	// and its future for as long as the Promise lives.
	synctest.Test(t, func(t *testing.T) {
		p := NewPromise[int]()
		const n = 100
		outs := make([]*Future[int], n)
		cancels := make([]context.CancelFunc, n)
		for i := range n {
			ctx, cancel := context.WithCancel(context.Background())
			cancels[i] = cancel
			outs[i] = Then(ctx, p.Future(), func(context.Context, int) (int, error) {
				t.Error("fn called after ctx ended")
				return 0, nil
			})
		}
		require.Len(t, p.f.watchers, n)
		for _, cancel := range cancels {
			cancel()
		}
		for _, out := range outs {
			_, err := out.Get(context.Background())
			require.ErrorIs(t, err, context.Canceled)
		}
		synctest.Wait() // no goroutine left behind either
		p.f.mu.Lock()
		require.Empty(t, p.f.watchers)
		require.Zero(t, cap(p.f.watchers), "the backing array goes too")
		p.f.mu.Unlock()
	})
}

func TestThenPassesInputPanicThrough(t *testing.T) {
	in := Go(context.Background(), func(context.Context) (int, error) { panic("boom") })
	out := Then(context.Background(), in, func(context.Context, int) (int, error) {
		t.Error("fn called on a failed input")
		return 0, nil
	})
	_, inErr := in.Get(context.Background())
	_, err := out.Get(context.Background())
	var perr *PanicError
	require.ErrorAs(t, err, &perr)
	require.Same(t, inErr, err)
}

func TestWatchersShrinkAsWaitsGiveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPromise[int]()
		var cancels []context.CancelFunc
		for range 200 {
			ctx, cancel := context.WithCancel(context.Background())
			cancels = append(cancels, cancel)
			Then(ctx, p.Future(), func(context.Context, int) (int, error) { return 0, nil })
		}
		// One All still waits; it keeps its place while the Thens leave.
		allDone := make(chan error)
		go func() { _, err := All(context.Background(), p.Future()); allDone <- err }()
		for _, cancel := range cancels {
			cancel()
		}
		synctest.Wait() // every Then has given up, the All waits
		require.Len(t, p.f.watchers, 1)
		require.Less(t, cap(p.f.watchers), 64)
		require.True(t, p.Resolve(7))
		require.NoError(t, <-allDone)
	})
}

func TestThenCancelRacingRegistration(t *testing.T) {
	// A ctx that ends while Then is registering with its input must still
	// leave no registration behind.
	synctest.Test(t, func(t *testing.T) {
		p := NewPromise[int]()
		for range 2000 {
			ctx, cancel := context.WithCancel(context.Background())
			go cancel()
			out := Then(ctx, p.Future(), func(context.Context, int) (int, error) { return 0, nil })
			_, err := out.Get(context.Background())
			require.ErrorIs(t, err, context.Canceled)
			synctest.Wait()
			require.Empty(t, p.f.watchers)
		}
	})
}

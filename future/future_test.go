package future

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	errA = errors.New("a")
	errB = errors.New("b")
)

func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestGo(t *testing.T) {
	tests := []struct {
		name     string
		fn       func(context.Context) (int, error)
		want     int
		wantErr  error
		wantPanc any
	}{
		{name: "value", fn: func(context.Context) (int, error) { return 7, nil }, want: 7},
		{name: "error", fn: func(context.Context) (int, error) { return 7, errA }, want: 7, wantErr: errA},
		{name: "panic", fn: func(context.Context) (int, error) { panic("boom") }, wantPanc: "boom"},
		{name: "panic error", fn: func(context.Context) (int, error) { panic(errB) }, wantPanc: errB, wantErr: errB},
		{name: "goexit", fn: func(context.Context) (int, error) { runtime.Goexit(); return 1, nil }, wantErr: ErrGoexit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Go(context.Background(), tt.fn)
			got, err := f.Get(context.Background())
			require.Equal(t, tt.want, got)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
			if tt.wantPanc != nil {
				var perr *PanicError
				require.ErrorAs(t, err, &perr)
				require.Equal(t, tt.wantPanc, perr.Value)
				require.Contains(t, string(perr.Stack), "future_test.go")
			} else if tt.wantErr == nil {
				require.NoError(t, err)
			}
			require.True(t, isDone(f.Done()))
			// Every Get sees the same result.
			got2, err2 := f.Get(context.Background())
			require.Equal(t, got, got2)
			require.Equal(t, err, err2)
		})
	}
}

func TestGoPassesCtx(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "v")
	f := Go(ctx, func(ctx context.Context) (any, error) { return ctx.Value(key{}), nil })
	v, err := f.Get(context.Background())
	require.NoError(t, err)
	require.Equal(t, "v", v)
}

func TestGoWithDoneCtxDoesNotCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := Go(ctx, func(context.Context) (int, error) { t.Error("called"); return 1, nil })
	require.True(t, isDone(f.Done()))
	_, err := f.Get(context.Background())
	require.ErrorIs(t, err, context.Canceled)
}

func TestGetBoundsOnlyTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPromise[string]()
		f := p.Future()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		v, err := f.Get(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Empty(t, v)
		require.False(t, isDone(f.Done()), "a timed-out Get leaves the future unsettled")

		require.True(t, p.Resolve("late"))
		v, err = f.Get(context.Background())
		require.NoError(t, err)
		require.Equal(t, "late", v)
		// A settled future answers even a done ctx.
		v, err = f.Get(ctx)
		require.NoError(t, err)
		require.Equal(t, "late", v)
	})
}

func TestGetWakesOnSettle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPromise[int]()
		got := make(chan int)
		for range 3 {
			go func() {
				v, _ := p.Future().Get(context.Background())
				got <- v
			}()
		}
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("Get returned before the future settled")
		default:
		}
		p.Resolve(5)
		for range 3 {
			require.Equal(t, 5, <-got)
		}
	})
}

func TestDone(t *testing.T) {
	p := NewPromise[int]()
	f := p.Future()
	d := f.Done()
	require.Equal(t, d, f.Done(), "the same channel every time")
	require.False(t, isDone(d))
	p.Reject(errA)
	require.True(t, isDone(d))
	require.True(t, isDone(Resolved(1).Done()))
	require.True(t, isDone(Rejected[int](errA).Done()))
}

func TestPromiseSettlesOnce(t *testing.T) {
	tests := []struct {
		name    string
		ops     []func(*Promise[int]) bool
		wantOK  []bool
		want    int
		wantErr error
	}{
		{
			name:   "resolve then reject",
			ops:    []func(*Promise[int]) bool{func(p *Promise[int]) bool { return p.Resolve(1) }, func(p *Promise[int]) bool { return p.Reject(errA) }},
			wantOK: []bool{true, false}, want: 1,
		},
		{
			name:   "reject then resolve",
			ops:    []func(*Promise[int]) bool{func(p *Promise[int]) bool { return p.Reject(errA) }, func(p *Promise[int]) bool { return p.Resolve(2) }},
			wantOK: []bool{true, false}, wantErr: errA,
		},
		{
			name:   "resolve twice",
			ops:    []func(*Promise[int]) bool{func(p *Promise[int]) bool { return p.Resolve(1) }, func(p *Promise[int]) bool { return p.Resolve(2) }},
			wantOK: []bool{true, false}, want: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Promise[int] // the zero Promise works
			for i, op := range tt.ops {
				require.Equal(t, tt.wantOK[i], op(&p))
			}
			v, err := p.Future().Get(context.Background())
			require.Equal(t, tt.want, v)
			require.Equal(t, tt.wantErr, err)
		})
	}
}

func TestPromiseRace(t *testing.T) {
	for range 50 {
		p := NewPromise[int]()
		var wins atomic.Int32
		start := make(chan struct{})
		done := make(chan struct{})
		for i := range 4 {
			go func() {
				defer func() { done <- struct{}{} }()
				<-start
				var ok bool
				if i%2 == 0 {
					ok = p.Resolve(i)
				} else {
					ok = p.Reject(errA)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		close(start)
		for range 4 {
			<-done
		}
		require.Equal(t, int32(1), wins.Load())
	}
}

func TestResolvedRejected(t *testing.T) {
	v, err := Resolved("x").Get(context.Background())
	require.NoError(t, err)
	require.Equal(t, "x", v)
	v, err = Rejected[string](errA).Get(context.Background())
	require.Equal(t, errA, err)
	require.Empty(t, v)
}

func TestProgrammerErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"Go nil", func() { Go[int](ctx, nil) }, "future: Go called with nil function"},
		{"Rejected nil", func() { Rejected[int](nil) }, "future: Rejected called with nil error"},
		{"Reject nil", func() { NewPromise[int]().Reject(nil) }, "future: Reject called with nil error"},
		{"Then nil future", func() {
			Then(ctx, (*Future[int])(nil), func(context.Context, int) (int, error) { return 0, nil })
		}, "future: Then called with nil future"},
		{"Then nil fn", func() { Then[int, int](ctx, Resolved(1), nil) }, "future: Then called with nil function"},
		{"All nil", func() { _, _ = All(ctx, Resolved(1), nil) }, "future: All called with nil future at index 1"},
		{"Any nil", func() { _, _ = Any[int](ctx, nil) }, "future: Any called with nil future at index 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
}

func TestNilValues(t *testing.T) {
	// A nil value is a value: the future succeeded with it.
	v, err := Resolved[*int](nil).Get(context.Background())
	require.NoError(t, err)
	require.Nil(t, v)

	got, err := Go(context.Background(), func(context.Context) (any, error) { return nil, nil }).Get(context.Background())
	require.NoError(t, err)
	require.Nil(t, got)

	// An error as the value is not a failure.
	p := NewPromise[error]()
	require.True(t, p.Resolve(errA))
	e, err := p.Future().Get(context.Background())
	require.NoError(t, err)
	require.Equal(t, errA, e)
}

func TestNilFuture(t *testing.T) {
	var f *Future[int]
	require.PanicsWithValue(t, "future: Get called on nil *Future", func() { _, _ = f.Get(context.Background()) })
	require.PanicsWithValue(t, "future: Done called on nil *Future", func() { f.Done() })
}

package errgroup

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	errA = errors.New("a")
	errB = errors.New("b")
)

func TestWaitErrors(t *testing.T) {
	tests := []struct {
		name       string
		opts       []Option
		tasks      []error
		wantNil    bool
		wantIs     []error
		wantCancel bool // ctx cancelled before Wait returned
	}{
		{name: "all succeed", tasks: []error{nil, nil, nil}, wantNil: true},
		{name: "no tasks", wantNil: true},
		{name: "one fails", tasks: []error{nil, errA, nil}, wantIs: []error{errA}, wantCancel: true},
		{name: "collect all", opts: []Option{WithCollectAll()}, tasks: []error{errA, nil, errB}, wantIs: []error{errA, errB}},
		{name: "collect all, none fail", opts: []Option{WithCollectAll()}, tasks: []error{nil, nil}, wantNil: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g, ctx := New(context.Background(), tt.opts...)
				for _, e := range tt.tasks {
					g.Go(func(context.Context) error { return e })
				}
				synctest.Wait() // every task has returned and been recorded
				require.Equal(t, tt.wantCancel, ctx.Err() != nil, "cancelled before Wait")
				err := g.Wait()
				if tt.wantNil {
					require.NoError(t, err)
				}
				for _, want := range tt.wantIs {
					require.ErrorIs(t, err, want)
				}
				require.Equal(t, 0, g.Skipped())
				require.Error(t, ctx.Err(), "Wait cancels the derived context")
			})
		})
	}
}

func TestFirstErrorIsTheCause(t *testing.T) {
	g, ctx := WithContext(context.Background())
	failed := make(chan struct{})
	g.Go(func(ctx context.Context) error {
		defer close(failed)
		return errA
	})
	g.Go(func(ctx context.Context) error {
		<-failed
		<-ctx.Done()
		return ctx.Err() // a reaction to the cancel is not the first error
	})
	err := g.Wait()
	require.Equal(t, errA, err)
	require.NotErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, ctx.Err(), context.Canceled)
	require.Equal(t, errA, context.Cause(ctx))
}

func TestTasksGetTheGroupContext(t *testing.T) {
	type key struct{}
	parent := context.WithValue(context.Background(), key{}, "v")
	g, ctx := New(parent)
	got := make(chan context.Context, 2)
	g.Go(func(c context.Context) error { got <- c; return nil })
	require.True(t, g.TryGo(func(c context.Context) error { got <- c; return nil }))
	require.NoError(t, g.Wait())
	require.Len(t, got, 2)
	close(got)
	for c := range got {
		require.Equal(t, ctx, c)
		require.Equal(t, "v", c.Value(key{}))
	}
}

func TestConcurrentSetLimit(t *testing.T) {
	// Changing the limit while Go calls wait and tasks run must neither
	// race nor strand a waiting Go.
	var g Group
	var running atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			g.SetLimit(i%4 + 1)
		}
	}()
	for range 40 {
		g.Go(func(context.Context) error {
			running.Add(1)
			runtime.Gosched()
			running.Add(-1)
			return nil
		})
	}
	<-done
	g.SetLimit(2)
	require.NoError(t, g.Wait())
	require.Zero(t, running.Load())
}

func TestZeroGroup(t *testing.T) {
	var g Group
	var ran atomic.Int32
	firstFailed := make(chan struct{})
	g.Go(func(ctx context.Context) error {
		require.Equal(t, context.Background(), ctx)
		ran.Add(1)
		close(firstFailed)
		return errA
	})
	<-firstFailed
	// A zero Group never cancels, so nothing is skipped after an error.
	for _, e := range []error{nil, errB} {
		g.Go(func(ctx context.Context) error {
			require.NoError(t, ctx.Err())
			ran.Add(1)
			return e
		})
	}
	require.Equal(t, errA, g.Wait())
	require.Equal(t, int32(3), ran.Load())
	require.Equal(t, 0, g.Skipped())
}

func TestZeroGroupSetLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group
		g.SetLimit(1)
		release := make(chan struct{})
		g.Go(func(context.Context) error { <-release; return nil })
		started := make(chan struct{})
		go g.Go(func(context.Context) error { close(started); return nil })
		synctest.Wait()
		select {
		case <-started:
			t.Fatal("second task started over the limit")
		default:
		}
		close(release)
		<-started
		require.NoError(t, g.Wait())
	})
}

func TestPanic(t *testing.T) {
	tests := []struct {
		name   string
		value  any
		wantIs error
	}{
		{name: "string", value: "boom"},
		{name: "error", value: errA, wantIs: errA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ctx := New(context.Background())
			g.Go(func(context.Context) error { panic(tt.value) })
			g.Go(func(ctx context.Context) error {
				<-ctx.Done() // the panic cancels the group
				return ctx.Err()
			})
			err := g.Wait()
			var perr *PanicError
			require.ErrorAs(t, err, &perr)
			require.Equal(t, tt.value, perr.Value)
			require.Contains(t, string(perr.Stack), "group_test.go")
			require.Contains(t, err.Error(), fmt.Sprint(tt.value))
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs)
			}
			require.Equal(t, err, context.Cause(ctx))
		})
	}
}

func TestGoexitIsAnError(t *testing.T) {
	g, _ := New(context.Background())
	g.Go(func(context.Context) error { runtime.Goexit(); return nil })
	require.ErrorIs(t, g.Wait(), ErrGoexit)
}

func TestSkipAfterCancel(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		wantErr error
	}{
		{name: "first error", wantErr: errA},
		{name: "collect all, parent cancel", opts: []Option{WithCollectAll()}},
		{name: "parent cancel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent, cancel := context.WithCancel(context.Background())
			defer cancel()
			g, ctx := New(parent, tt.opts...)
			if tt.wantErr != nil {
				g.Go(func(context.Context) error { return tt.wantErr })
			} else {
				cancel()
			}
			<-ctx.Done()
			var ran atomic.Bool
			for range 3 {
				g.Go(func(context.Context) error { ran.Store(true); return nil })
			}
			require.False(t, g.TryGo(func(context.Context) error { ran.Store(true); return nil }))
			err := g.Wait()
			require.False(t, ran.Load())
			require.Equal(t, 3, g.Skipped())
			if tt.wantErr != nil {
				require.Equal(t, tt.wantErr, err)
			} else {
				// Skipped work never reads as success.
				require.ErrorIs(t, err, context.Canceled)
			}
		})
	}
}

func TestGoAfterWaitIsSkipped(t *testing.T) {
	g, _ := New(context.Background())
	require.NoError(t, g.Wait())
	g.Go(func(context.Context) error { t.Error("ran after Wait"); return nil })
	require.Equal(t, 1, g.Skipped())
}

func TestLimit(t *testing.T) {
	for _, limit := range []int{1, 2, 5} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			g, _ := New(context.Background(), WithLimit(limit))
			var running, peak atomic.Int32
			for range 50 {
				g.Go(func(context.Context) error {
					n := running.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					runtime.Gosched()
					running.Add(-1)
					return nil
				})
			}
			require.NoError(t, g.Wait())
			require.LessOrEqual(t, peak.Load(), int32(limit))
			require.Positive(t, peak.Load())
		})
	}
}

// blocked reports whether done is still open once every goroutine in the
// bubble is blocked.
func blocked(done <-chan struct{}) bool {
	synctest.Wait()
	select {
	case <-done:
		return false
	default:
		return true
	}
}

func TestGoBlockedForSlotIsSkippedOnCancel(t *testing.T) {
	tests := []struct {
		name   string
		cancel func(g *Group, parentCancel context.CancelFunc, failNow chan<- struct{})
	}{
		{name: "parent cancel", cancel: func(_ *Group, pc context.CancelFunc, _ chan<- struct{}) { pc() }},
		{name: "task error", cancel: func(_ *Group, _ context.CancelFunc, fail chan<- struct{}) { close(fail) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				parent, pcancel := context.WithCancel(context.Background())
				defer pcancel()
				g, _ := New(parent, WithLimit(1))
				fail := make(chan struct{})
				g.Go(func(ctx context.Context) error {
					select {
					case <-fail:
						return errA
					case <-ctx.Done():
						return nil
					}
				})
				goReturned := make(chan struct{})
				go func() {
					defer close(goReturned)
					g.Go(func(context.Context) error { t.Error("ran after cancel"); return nil })
				}()
				require.True(t, blocked(goReturned), "Go waits for a slot")
				tt.cancel(g, pcancel, fail)
				<-goReturned
				require.Error(t, g.Wait())
				require.Equal(t, 1, g.Skipped())
			})
		})
	}
}

func TestSetLimitWhileRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := New(context.Background(), WithLimit(1))
		release := make(chan struct{})
		var running atomic.Int32
		task := func(context.Context) error {
			running.Add(1)
			<-release
			return nil
		}
		g.Go(task)
		started := make(chan struct{})
		go func() { defer close(started); g.Go(task) }()
		require.True(t, blocked(started))

		g.SetLimit(3) // raising starts the waiting Go at once
		<-started
		g.Go(task)
		synctest.Wait()
		require.Equal(t, int32(3), running.Load())

		g.SetLimit(1) // lowering stops nothing that runs
		require.False(t, g.TryGo(task))
		synctest.Wait()
		require.Equal(t, int32(3), running.Load())

		g.SetLimit(-1) // no limit
		require.True(t, g.TryGo(task))
		synctest.Wait()
		require.Equal(t, int32(4), running.Load())
		close(release)
		require.NoError(t, g.Wait())
	})
}

func TestSlotsInArrivalOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := New(context.Background(), WithLimit(1))
		release := make(chan struct{})
		g.Go(func(context.Context) error { <-release; return nil })
		var order []int
		for i := range 3 {
			returned := make(chan struct{})
			go func() {
				defer close(returned)
				g.Go(func(context.Context) error { order = append(order, i); return nil })
			}()
			require.True(t, blocked(returned))
		}
		// TryGo does not jump the queue, even when the limit is raised
		// only enough for the waiters.
		require.False(t, g.TryGo(func(context.Context) error { return nil }))
		close(release)
		require.NoError(t, g.Wait())
		require.Equal(t, []int{0, 1, 2}, order)
	})
}

func TestTryGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := New(context.Background(), WithLimit(1))
		release := make(chan struct{})
		require.True(t, g.TryGo(func(context.Context) error { <-release; return nil }))
		require.False(t, g.TryGo(func(context.Context) error { return nil }))
		close(release)
		synctest.Wait()
		require.True(t, g.TryGo(func(context.Context) error { return errA }))
		require.Equal(t, errA, g.Wait())
		require.Equal(t, 0, g.Skipped())
	})
}

func TestLimitZeroBlocksUntilRaised(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := New(context.Background(), WithLimit(0))
		ran := make(chan struct{})
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			g.Go(func(context.Context) error { close(ran); return nil })
		}()
		require.True(t, blocked(returned))
		g.SetLimit(1)
		<-ran
		require.NoError(t, g.Wait())
	})
}

func TestProgrammerErrors(t *testing.T) {
	var g Group
	var r Results[int]
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{name: "Go nil", fn: func() { g.Go(nil) }, want: "errgroup: Go called with nil function"},
		{name: "TryGo nil", fn: func() { g.TryGo(nil) }, want: "errgroup: TryGo called with nil function"},
		{name: "Results.Go nil", fn: func() { r.Go(nil) }, want: "errgroup: Results.Go called with nil function"},
		//lint:ignore SA1012 testing the nil check
		{name: "New nil ctx", fn: func() { New(nil) }, want: "errgroup: New called with nil context"},
		//lint:ignore SA1012 testing the nil check
		{name: "NewResults nil ctx", fn: func() { NewResults[int](nil) }, want: "errgroup: NewResults called with nil context"},
		//lint:ignore SA1012 testing the nil check
		{name: "WithContext nil ctx", fn: func() { WithContext(nil) }, want: "errgroup: WithContext called with nil context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
}

func TestStress(t *testing.T) {
	for _, opts := range [][]Option{nil, {WithLimit(3)}, {WithCollectAll(), WithLimit(2)}} {
		g, _ := New(context.Background(), opts...)
		var ran atomic.Int32
		var spawn func(depth int) func(context.Context) error
		spawn = func(depth int) func(context.Context) error {
			return func(ctx context.Context) error {
				ran.Add(1)
				if depth > 0 {
					for range 3 {
						g.TryGo(spawn(depth - 1))
					}
				}
				return nil
			}
		}
		for range 20 {
			g.Go(spawn(2))
		}
		require.NoError(t, g.Wait())
		require.GreaterOrEqual(t, ran.Load(), int32(20))
	}
}

func TestSetLimitCountsTasksStartedWithoutLimit(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
	}{
		{name: "zero Group"},
		{name: "New without limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := new(Group)
				if tt.name != "zero Group" {
					g, _ = New(context.Background(), tt.opts...)
				}
				release := make(chan struct{})
				var running atomic.Int32
				task := func(context.Context) error {
					running.Add(1)
					<-release
					running.Add(-1)
					return nil
				}
				g.Go(task)
				g.Go(task)
				synctest.Wait()
				g.SetLimit(2)
				// Two tasks run already: the limit has no room.
				require.False(t, g.TryGo(task))
				started := make(chan struct{})
				go func() { defer close(started); g.Go(task) }()
				require.True(t, blocked(started), "Go waits for a running task to end")
				g.SetLimit(3)
				<-started
				synctest.Wait()
				require.Equal(t, int32(3), running.Load())
				close(release)
				require.NoError(t, g.Wait())
			})
		})
	}
}

func TestSetLimitLowerWhileGoWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := New(context.Background(), WithLimit(2))
		releases := []chan struct{}{make(chan struct{}), make(chan struct{})}
		for _, r := range releases {
			g.Go(func(context.Context) error { <-r; return nil })
		}
		var started [2]chan struct{}
		for i := range started {
			started[i] = make(chan struct{})
			returned := make(chan struct{})
			go func() {
				defer close(returned)
				g.Go(func(context.Context) error { close(started[i]); return nil })
			}()
			require.True(t, blocked(returned))
		}
		g.SetLimit(1)
		close(releases[0])
		// One task still runs, which fills the lowered limit.
		require.True(t, blocked(started[0]), "no waiter starts while the running task fills the limit")
		close(releases[1])
		<-started[0]
		<-started[1]
		require.NoError(t, g.Wait())
	})
}

func TestWaitTwiceAndGoAfterWait(t *testing.T) {
	tests := []struct {
		name    string
		task    error
		wantErr error // from both Waits; from the second also after a Go
	}{
		{name: "success", task: nil, wantErr: nil},
		{name: "failure", task: errA, wantErr: errA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ctx := New(context.Background())
			g.Go(func(context.Context) error { return tt.task })
			require.Equal(t, tt.wantErr, g.Wait())
			require.Equal(t, tt.wantErr, g.Wait(), "a second Wait returns the same")
			require.Error(t, ctx.Err())

			// The group is spent: a Go after Wait is skipped, and the
			// skipped task keeps a later Wait from reporting success.
			g.Go(func(context.Context) error { t.Error("ran after Wait"); return nil })
			require.False(t, g.TryGo(func(context.Context) error { t.Error("ran after Wait"); return nil }))
			require.Equal(t, 1, g.Skipped())
			err := g.Wait()
			if tt.wantErr != nil {
				require.Equal(t, tt.wantErr, err)
			} else {
				require.ErrorIs(t, err, context.Canceled)
			}
		})
	}
}

func TestZeroGroupReusableAfterWait(t *testing.T) {
	var g Group
	g.Go(func(context.Context) error { return nil })
	require.NoError(t, g.Wait())
	var ran atomic.Bool
	g.Go(func(context.Context) error { ran.Store(true); return nil })
	require.NoError(t, g.Wait())
	require.True(t, ran.Load())
	require.Equal(t, 0, g.Skipped())
}

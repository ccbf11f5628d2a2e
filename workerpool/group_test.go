package workerpool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestGroupResultsInOrder(t *testing.T) {
	for _, workers := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			var handled atomic.Int32
			p := New(workers, WithErrorHandler(func(error) { handled.Add(1) }))
			defer p.Close()
			g, _ := NewGroup[int](context.Background(), p)
			const n = 100
			for i := range n {
				require.NoError(t, g.Submit(func(context.Context) (int, error) { return i * i, nil }))
			}
			got, err := g.Wait()
			require.NoError(t, err)
			want := make([]int, n)
			for i := range want {
				want[i] = i * i
			}
			require.Equal(t, want, got)
			require.NoError(t, p.Shutdown(context.Background()))
			requireBalanced(t, p.Stats())
		})
	}
}

func TestGroupFirstError(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		fail    func() (int, error)
		wantErr func(t *testing.T, err error)
		counter func(s Stats) uint64
	}{
		{"error", func() (int, error) { return 0, errBoom }, func(t *testing.T, err error) {
			require.Equal(t, errBoom, err)
		}, func(s Stats) uint64 { return s.Failed }},
		{"panic", func() (int, error) { panic("kaboom") }, func(t *testing.T, err error) {
			var perr *PanicError
			require.ErrorAs(t, err, &perr)
			require.Equal(t, "kaboom", perr.Value)
		}, func(s Stats) uint64 { return s.Panicked }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var handled atomic.Int32
				p := New(2, WithQueueSize(10), WithErrorHandler(func(error) { handled.Add(1) }))
				g, gctx := NewGroup[int](context.Background(), p)
				release := make(chan struct{})
				var slowSawCancel atomic.Bool
				var laterRan atomic.Int32
				// Task 0 is slow and watches the group's context; task 1 fails
				// once released; tasks 2.. are queued behind them.
				require.NoError(t, g.Submit(func(ctx context.Context) (int, error) {
					<-ctx.Done()
					slowSawCancel.Store(true)
					return 10, nil
				}))
				require.NoError(t, g.Submit(func(context.Context) (int, error) {
					<-release
					return tt.fail()
				}))
				for range 3 {
					require.NoError(t, g.Submit(func(context.Context) (int, error) {
						laterRan.Add(1)
						return 1, nil
					}))
				}
				synctest.Wait() // tasks 0 and 1 have started
				close(release)
				got, err := g.Wait()
				tt.wantErr(t, err)
				require.True(t, slowSawCancel.Load(), "Wait waits for every started task")
				require.Zero(t, laterRan.Load(), "tasks not started before the error are skipped")
				require.Equal(t, []int{10, 0, 0, 0, 0}, got)
				require.Equal(t, err, context.Cause(gctx))
				require.Zero(t, handled.Load(), "group errors do not reach the pool's handler")
				require.ErrorIs(t, g.Submit(func(context.Context) (int, error) { return 0, nil }), context.Canceled)

				require.NoError(t, p.Shutdown(context.Background()))
				s := p.Stats()
				requireBalanced(t, s)
				require.EqualValues(t, 1, tt.counter(s))
				require.EqualValues(t, 3, s.Skipped)
			})
		})
	}
}

func TestGroupParentCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(1, WithQueueSize(5))
		ctx, cancel := context.WithCancelCause(context.Background())
		errStop := errors.New("stop")
		g, _ := NewGroup[int](ctx, p)
		started := make(chan struct{})
		require.NoError(t, g.Submit(func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 1, nil // ignores the cancel: its result still counts
		}))
		require.NoError(t, g.Submit(func(context.Context) (int, error) { return 2, nil }))
		<-started
		cancel(errStop)
		got, err := g.Wait()
		require.ErrorIs(t, err, errStop, "a task that never ran makes Wait report why")
		require.Equal(t, []int{1, 0}, got)
		require.NoError(t, p.Shutdown(context.Background()))
		requireBalanced(t, p.Stats())
	})
}

func TestGroupPoolClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(1, WithQueueSize(5))
		g, _ := NewGroup[string](context.Background(), p)
		started := make(chan struct{})
		require.NoError(t, g.Submit(func(ctx context.Context) (string, error) {
			close(started)
			<-ctx.Done()
			return "", ctx.Err()
		}))
		require.NoError(t, g.Submit(func(context.Context) (string, error) { return "never", nil }))
		<-started
		require.NoError(t, p.Close())
		got, err := g.Wait()
		require.Error(t, err)
		require.Equal(t, []string{"", ""}, got)
		s := p.Stats()
		requireBalanced(t, s)
		require.EqualValues(t, 1, s.Skipped)
	})
}

func TestGroupGoexit(t *testing.T) {
	p := New(2)
	defer p.Close()
	g, _ := NewGroup[int](context.Background(), p)
	require.NoError(t, g.Submit(func(context.Context) (int, error) { return 1, nil }))
	require.NoError(t, g.Submit(func(context.Context) (int, error) { runtime.Goexit(); return 2, nil }))
	_, err := g.Wait()
	var perr *PanicError
	require.ErrorAs(t, err, &perr)
	require.NoError(t, p.Shutdown(context.Background()))
	requireBalanced(t, p.Stats())
}

func TestGroupEmpty(t *testing.T) {
	p := New(1)
	defer p.Close()
	g, gctx := NewGroup[int](context.Background(), p)
	got, err := g.Wait()
	require.NoError(t, err)
	require.Empty(t, got)
	require.Error(t, gctx.Err(), "Wait cancels the group's context")
}

// TestGroupConcurrentWait: Wait may be called from several goroutines; every
// one of them returns once the tasks are done.
func TestGroupConcurrentWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(2)
		g, _ := NewGroup[int](context.Background(), p)
		release := make(chan struct{})
		for i := range 2 {
			require.NoError(t, g.Submit(func(context.Context) (int, error) { <-release; return i + 1, nil }))
		}
		type result struct {
			vs  []int
			err error
		}
		results := make(chan result, 3)
		for range 3 {
			go func() {
				vs, err := g.Wait()
				results <- result{vs, err}
			}()
		}
		synctest.Wait()
		close(release)
		for range 3 {
			r := <-results
			require.NoError(t, r.err)
			require.Equal(t, []int{1, 2}, r.vs)
		}
		require.NoError(t, p.Shutdown(context.Background()))
	})
}

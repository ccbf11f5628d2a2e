package workerpool

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// TestEndFromInside has a task (or the error handler) end its own pool. The
// call cannot wait for the task making it, so it must not try to: it waits
// for the other workers only, and the pool still ends with no goroutine left.
func TestEndFromInside(t *testing.T) {
	errFail := errors.New("fail")
	tests := []struct {
		name        string
		end         func(p *Pool) error
		fromHandler bool
		wantRest    uint64 // queued tasks that still run
		wantSkipped uint64
	}{
		{"Close", func(p *Pool) error { return p.Close() }, false, 0, 3},
		{"Shutdown", func(p *Pool) error { return p.Shutdown(context.Background()) }, false, 3, 0},
		{"Close from the error handler", func(p *Pool) error { return p.Close() }, true, 0, 3},
		{"Shutdown from the error handler", func(p *Pool) error { return p.Shutdown(context.Background()) }, true, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var p *Pool
				ended := make(chan error, 1)
				p = New(2, WithQueueSize(3), WithErrorHandler(func(err error) {
					if tt.fromHandler && errors.Is(err, errFail) {
						ended <- tt.end(p)
					}
				}))
				// The other worker runs a task that returns once cancelled
				// (Close) or released (Shutdown).
				release := make(chan struct{})
				otherDone := make(chan struct{})
				started := make(chan struct{}, 2)
				require.NoError(t, p.Submit(context.Background(), func(ctx context.Context) error {
					defer close(otherDone)
					started <- struct{}{}
					if tt.wantSkipped == 0 { // Shutdown: it must finish on its own
						<-release
					} else {
						<-ctx.Done()
					}
					return nil
				}))
				var sawCancel atomic.Bool
				require.NoError(t, p.Submit(context.Background(), func(ctx context.Context) error {
					started <- struct{}{}
					<-release
					if tt.fromHandler {
						return errFail
					}
					err := tt.end(p)
					sawCancel.Store(ctx.Err() != nil)
					ended <- err
					return nil
				}))
				var rest atomic.Uint64
				for range 3 {
					require.NoError(t, p.Submit(context.Background(), func(context.Context) error {
						rest.Add(1)
						return nil
					}))
				}
				<-started
				<-started
				close(release)
				require.NoError(t, <-ended, "ending the pool from inside returns")
				select {
				case <-otherDone:
				default:
					t.Fatal("returned before the other worker's task ended")
				}
				synctest.Wait()
				s := p.Stats()
				requireBalanced(t, s)
				require.Equal(t, tt.wantRest, rest.Load())
				require.Equal(t, tt.wantSkipped, s.Skipped)
				if !tt.fromHandler {
					require.Equal(t, tt.wantSkipped > 0, sawCancel.Load(), "Close cancels the calling task too")
				}
				require.ErrorIs(t, p.TrySubmit(func(context.Context) error { return nil }), ErrClosed)
				require.NoError(t, p.Close())
			})
		})
	}
}

// TestEveryTaskEndsThePool has every running task call Close at once: each
// must wait for the others, not deadlock with them.
func TestEveryTaskEndsThePool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 3
		p := New(n)
		started := make(chan struct{}, n)
		start := make(chan struct{})
		done := make(chan error, n)
		for range n {
			require.NoError(t, p.Submit(context.Background(), func(context.Context) error {
				started <- struct{}{}
				<-start
				done <- p.Close()
				return nil
			}))
		}
		for range n {
			<-started // all running, so that none is skipped by the first Close
		}
		close(start)
		for range n {
			require.NoError(t, <-done)
		}
		synctest.Wait()
		requireBalanced(t, p.Stats())
	})
}

// TestHandlerGoexitKeepsOutcome: a handler that ends its goroutine with
// runtime.Goexit does not change how the task that failed is counted.
func TestHandlerGoexitKeepsOutcome(t *testing.T) {
	p := New(1, WithErrorHandler(func(error) { runtime.Goexit() }))
	require.NoError(t, p.Submit(context.Background(), func(context.Context) error { return errors.New("fail") }))
	require.NoError(t, p.Submit(context.Background(), func(context.Context) error { return nil }))
	require.NoError(t, p.Shutdown(context.Background()))
	s := p.Stats()
	requireBalanced(t, s)
	require.EqualValues(t, 1, s.Failed)
	require.EqualValues(t, 1, s.Completed)
	require.Zero(t, s.Panicked)
}

func TestGoid(t *testing.T) {
	a := goid()
	require.NotZero(t, a)
	require.Equal(t, a, goid(), "same goroutine, same id")
	other := make(chan uint64)
	go func() { other <- goid() }()
	require.NotEqual(t, a, <-other)
}

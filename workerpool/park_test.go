package workerpool

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// TestParkedWorkers: a worker with nothing to do waits for more while other
// tasks of the pool run, takes new tasks without a new goroutine, and goes
// away with the last running task, or at Resize, Close or Shutdown.
func TestParkedWorkers(t *testing.T) {
	tests := []struct {
		name string
		end  func(p *Pool, long chan struct{}) // must leave no goroutine
	}{
		{"last task ends", func(p *Pool, long chan struct{}) {
			close(long)
			synctest.Wait()
			require.Zero(t, p.Stats().Active, "no task in flight, no goroutine")
			require.NoError(t, p.Shutdown(context.Background()))
		}},
		{"Resize down", func(p *Pool, long chan struct{}) {
			p.Resize(1)
			synctest.Wait()
			require.Equal(t, 1, p.Stats().Active, "parked workers above the new size retire")
			close(long)
			require.NoError(t, p.Shutdown(context.Background()))
		}},
		{"Shutdown", func(p *Pool, long chan struct{}) {
			done := make(chan error)
			go func() { done <- p.Shutdown(context.Background()) }()
			synctest.Wait()
			require.Equal(t, 1, p.Stats().Active, "parked workers retire at Shutdown")
			close(long)
			require.NoError(t, <-done)
		}},
		{"Close", func(p *Pool, long chan struct{}) {
			require.NoError(t, p.Close()) // the long task returns on cancel
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := New(3, WithQueueSize(0))
				long := make(chan struct{})
				require.NoError(t, p.TrySubmit(func(ctx context.Context) error {
					select {
					case <-long:
					case <-ctx.Done():
					}
					return nil
				}))
				short := make(chan struct{})
				for range 2 {
					require.NoError(t, p.TrySubmit(func(context.Context) error { <-short; return nil }))
				}
				close(short)
				synctest.Wait()
				s := p.Stats()
				require.Equal(t, 1, s.Running)
				require.Equal(t, 3, s.Active, "two workers parked while the long task runs")

				// A parked worker is free: even with no queue, TrySubmit hands
				// it the task, and no goroutine is started for it.
				ran := make(chan struct{})
				require.NoError(t, p.TrySubmit(func(context.Context) error { close(ran); return nil }))
				<-ran
				synctest.Wait()
				require.Equal(t, 3, p.Stats().Active)

				tt.end(p, long)
				synctest.Wait()
				s = p.Stats()
				requireBalanced(t, s)
				require.EqualValues(t, 4, s.Submitted)
			})
		})
	}
}

// TestConcurrencyBound has many producers race workers that park, spin and
// retire, with and without Resize, and checks that no more tasks ever run at
// once than the largest size the pool had.
func TestConcurrencyBound(t *testing.T) {
	for _, resize := range []bool{false, true} {
		t.Run(fmt.Sprint("resize=", resize), func(t *testing.T) {
			const size = 3
			p := New(size, WithQueueSize(1))
			var cur, peak atomic.Int64
			task := func(context.Context) error {
				n := cur.Add(1)
				for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
				}
				runtime.Gosched()
				cur.Add(-1)
				return nil
			}
			var wg sync.WaitGroup
			for g := range 6 {
				wg.Go(func() {
					for i := range 300 {
						if (g+i)%2 == 0 {
							_ = p.TrySubmit(task)
						} else {
							require.NoError(t, p.Submit(context.Background(), task))
						}
						if resize && g == 0 && i%20 == 0 {
							p.Resize(1 + i%size)
						}
					}
				})
			}
			wg.Wait()
			require.NoError(t, p.Shutdown(context.Background()))
			require.LessOrEqual(t, peak.Load(), int64(size))
			requireBalanced(t, p.Stats())
		})
	}
}

// TestTaskContextReleased: the context a task runs with is derived for it
// (when the Submit ctx can be cancelled) and cancelled once the task returns,
// so the parent does not keep one child per task it ever submitted; a task
// submitted with a context that carries nothing gets the pool's, which ends
// with the pool.
func TestTaskContextReleased(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	type key struct{}
	tests := []struct {
		name   string
		submit func(p *Pool, task func(context.Context) error) error
	}{
		{"cancelable ctx", func(p *Pool, task func(context.Context) error) error { return p.Submit(parent, task) }},
		{"ctx with a value", func(p *Pool, task func(context.Context) error) error {
			return p.Submit(context.WithValue(context.Background(), key{}, 1), task)
		}},
		{"Background", func(p *Pool, task func(context.Context) error) error { return p.Submit(context.Background(), task) }},
		{"TrySubmit", func(p *Pool, task func(context.Context) error) error { return p.TrySubmit(task) }},
		{"Group", func(p *Pool, task func(context.Context) error) error {
			g, _ := NewGroup[int](parent, p)
			err := g.Submit(func(ctx context.Context) (int, error) { return 0, task(ctx) })
			_, _ = g.Wait()
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(1)
			seen := make(chan context.Context, 1)
			require.NoError(t, tt.submit(p, func(ctx context.Context) error {
				require.NoError(t, ctx.Err(), "live while the task runs")
				seen <- ctx
				return nil
			}))
			require.NoError(t, p.Shutdown(context.Background()))
			require.ErrorIs(t, (<-seen).Err(), context.Canceled, "released after the task")
			require.NoError(t, parent.Err(), "the caller's ctx is untouched")
		})
	}
}

// TestShutdownRacesSubmit: every Submit that Shutdown does not refuse is run
// by it, and every one it refuses gets ErrClosed.
func TestShutdownRacesSubmit(t *testing.T) {
	for round := range 5 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			p := New(2, WithQueueSize(round))
			var accepted, ran atomic.Int64
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for range 100 {
						err := p.Submit(context.Background(), func(context.Context) error { ran.Add(1); return nil })
						if err == nil {
							accepted.Add(1)
						} else {
							require.ErrorIs(t, err, ErrClosed)
						}
					}
				})
			}
			require.NoError(t, p.Shutdown(context.Background()))
			wg.Wait()
			require.Equal(t, accepted.Load(), ran.Load())
			s := p.Stats()
			requireBalanced(t, s)
			require.EqualValues(t, accepted.Load(), s.Completed)
		})
	}
}

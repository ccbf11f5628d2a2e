package workerpool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// requireBalanced checks the accounting identity of a pool at rest.
func requireBalanced(t *testing.T, s Stats) {
	t.Helper()
	require.Zero(t, s.Running, "running")
	require.Zero(t, s.Queued, "queued")
	require.Zero(t, s.Active, "active goroutines")
	require.Equal(t, s.Submitted, s.Completed+s.Failed+s.Panicked+s.Skipped, "stats %+v", s)
}

// blocker is a task that reports when it starts and returns when released.
type blocker struct {
	started chan int
	release chan struct{}
}

func newBlocker() *blocker {
	return &blocker{started: make(chan int, 100), release: make(chan struct{})}
}

func (b *blocker) task(i int) func(context.Context) error {
	return func(context.Context) error {
		b.started <- i
		<-b.release
		return nil
	}
}

func TestBadInput(t *testing.T) {
	p := New(1)
	defer p.Close()
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"New zero", func() { New(0) }, "workerpool: New called with workers <= 0: 0"},
		{"New negative", func() { New(-3) }, "workerpool: New called with workers <= 0: -3"},
		{"WithQueueSize negative", func() { WithQueueSize(-1) }, "workerpool: WithQueueSize called with negative size -1"},
		{"Resize zero", func() { p.Resize(0) }, "workerpool: Resize called with workers <= 0: 0"},
		{"Resize negative", func() { p.Resize(-2) }, "workerpool: Resize called with workers <= 0: -2"},
		{"Submit nil", func() { _ = p.Submit(context.Background(), nil) }, "workerpool: Submit called with nil task"},
		{"TrySubmit nil", func() { _ = p.TrySubmit(nil) }, "workerpool: TrySubmit called with nil task"},
		{"NewGroup nil pool", func() { NewGroup[int](context.Background(), nil) }, "workerpool: NewGroup called with nil pool"},
		{"Group.Submit nil", func() {
			g, _ := NewGroup[int](context.Background(), p)
			_ = g.Submit(nil)
		}, "workerpool: Group.Submit called with nil task"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
}

func TestRunsEveryTask(t *testing.T) {
	tests := []struct {
		workers, queue int
		defaultQueue   bool
		tasks          int
	}{
		{workers: 1, defaultQueue: true, tasks: 50},
		{workers: 4, defaultQueue: true, tasks: 500},
		{workers: 3, queue: 0, tasks: 200},
		{workers: 2, queue: 100, tasks: 300},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("workers=%d/queue=%d/default=%v", tt.workers, tt.queue, tt.defaultQueue), func(t *testing.T) {
			var opts []Option
			if !tt.defaultQueue {
				opts = append(opts, WithQueueSize(tt.queue))
			}
			p := New(tt.workers, opts...)
			var ran, running, maxRunning atomic.Int64
			for range tt.tasks {
				err := p.Submit(context.Background(), func(context.Context) error {
					n := running.Add(1)
					for {
						m := maxRunning.Load()
						if n <= m || maxRunning.CompareAndSwap(m, n) {
							break
						}
					}
					runtime.Gosched()
					running.Add(-1)
					ran.Add(1)
					return nil
				})
				require.NoError(t, err)
			}
			require.NoError(t, p.Shutdown(context.Background()))
			require.EqualValues(t, tt.tasks, ran.Load())
			require.LessOrEqual(t, maxRunning.Load(), int64(tt.workers))
			s := p.Stats()
			requireBalanced(t, s)
			require.EqualValues(t, tt.tasks, s.Submitted)
			require.EqualValues(t, tt.tasks, s.Completed)
		})
	}
}

func TestLazyWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(4)
		require.Zero(t, p.Stats().Active, "New starts no goroutine")
		b := newBlocker()
		require.NoError(t, p.Submit(context.Background(), b.task(0)))
		<-b.started
		require.Equal(t, 1, p.Stats().Active, "one task, one worker")
		close(b.release)
		synctest.Wait()
		s := p.Stats()
		require.Zero(t, s.Active, "a worker with nothing to do retires")
		requireBalanced(t, s)
		require.NoError(t, p.Shutdown(context.Background()))
	})
}

func TestQueueBoundsAndBlocking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(3, WithQueueSize(2))
		b := newBlocker()
		for i := range 5 {
			require.NoError(t, p.TrySubmit(b.task(i)))
		}
		synctest.Wait()
		s := p.Stats()
		require.Equal(t, 3, s.Running)
		require.Equal(t, 3, s.Active)
		require.Equal(t, 2, s.Queued)
		require.ErrorIs(t, p.TrySubmit(b.task(99)), ErrQueueFull)

		submitted := make(chan error)
		go func() { submitted <- p.Submit(context.Background(), b.task(5)) }()
		synctest.Wait()
		require.Equal(t, 1, p.Stats().Waiting, "Submit waits for room")
		select {
		case err := <-submitted:
			t.Fatalf("Submit returned %v with a full queue", err)
		default:
		}
		close(b.release)
		require.NoError(t, <-submitted)
		require.NoError(t, p.Shutdown(context.Background()))
		s = p.Stats()
		requireBalanced(t, s)
		require.EqualValues(t, 6, s.Completed)
	})
}

func TestHandOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(2, WithQueueSize(0))
		b := newBlocker()
		require.NoError(t, p.TrySubmit(b.task(0)))
		require.NoError(t, p.TrySubmit(b.task(1)))
		require.ErrorIs(t, p.TrySubmit(b.task(2)), ErrQueueFull, "no queue: no free worker, no room")

		submitted := make(chan error)
		go func() { submitted <- p.Submit(context.Background(), b.task(3)) }()
		synctest.Wait()
		require.Equal(t, 1, p.Stats().Waiting)
		b.release <- struct{}{} // one worker finishes and takes the waiting task
		require.NoError(t, <-submitted)
		close(b.release)
		require.NoError(t, p.Shutdown(context.Background()))
		s := p.Stats()
		requireBalanced(t, s)
		require.EqualValues(t, 3, s.Completed)
	})
}

func TestOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(1, WithQueueSize(2))
		var order []int
		var mu sync.Mutex
		gate := make(chan struct{})
		task := func(i int) func(context.Context) error {
			return func(context.Context) error {
				if i == 0 {
					<-gate
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				return nil
			}
		}
		for i := range 3 { // one running, two queued
			require.NoError(t, p.Submit(context.Background(), task(i)))
		}
		var wg sync.WaitGroup
		for i := 3; i < 6; i++ { // blocked Submits, arriving in this order
			wg.Go(func() { require.NoError(t, p.Submit(context.Background(), task(i))) })
			synctest.Wait()
		}
		close(gate)
		wg.Wait()
		require.NoError(t, p.Shutdown(context.Background()))
		require.Equal(t, []int{0, 1, 2, 3, 4, 5}, order)
	})
}

func TestSubmitGivesUp(t *testing.T) {
	type key struct{}
	tests := []struct {
		name    string
		giveUp  func(cancel context.CancelFunc, p *Pool)
		wantErr error
	}{
		{"ctx cancelled", func(cancel context.CancelFunc, _ *Pool) { cancel() }, context.Canceled},
		{"Close", func(_ context.CancelFunc, p *Pool) { go p.Close() }, ErrClosed},
		{"Shutdown", func(_ context.CancelFunc, p *Pool) { go p.Shutdown(context.Background()) }, ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := New(1, WithQueueSize(0))
				b := newBlocker()
				require.NoError(t, p.TrySubmit(b.task(0)))
				ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, 1))
				defer cancel()
				ran := false
				submitted := make(chan error)
				go func() {
					submitted <- p.Submit(ctx, func(context.Context) error { ran = true; return nil })
				}()
				synctest.Wait()
				tt.giveUp(cancel, p)
				require.ErrorIs(t, <-submitted, tt.wantErr)
				require.Zero(t, p.Stats().Waiting)
				close(b.release)
				require.NoError(t, p.Shutdown(context.Background()))
				require.False(t, ran, "a refused task never runs")
				s := p.Stats()
				requireBalanced(t, s)
				require.EqualValues(t, 1, s.Submitted, "a refused task is not counted as submitted")
			})
		})
	}
}

func TestSubmitDoneCtx(t *testing.T) {
	p := New(1)
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, p.Submit(ctx, func(context.Context) error { return nil }), context.Canceled)
	require.Zero(t, p.Stats().Submitted)
}

func TestSubmitAfterEnd(t *testing.T) {
	tests := []struct {
		name string
		end  func(p *Pool)
	}{
		{"Shutdown", func(p *Pool) { _ = p.Shutdown(context.Background()) }},
		{"Close", func(p *Pool) { _ = p.Close() }},
		{"Close twice", func(p *Pool) { _ = p.Close(); _ = p.Close() }},
		{"Shutdown then Close", func(p *Pool) { _ = p.Shutdown(context.Background()); _ = p.Close() }},
		{"Close then Shutdown", func(p *Pool) { _ = p.Close(); _ = p.Shutdown(context.Background()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(2)
			tt.end(p)
			task := func(context.Context) error { return nil }
			require.ErrorIs(t, p.Submit(context.Background(), task), ErrClosed)
			require.ErrorIs(t, p.TrySubmit(task), ErrClosed)
			g, _ := NewGroup[int](context.Background(), p)
			require.ErrorIs(t, g.Submit(func(context.Context) (int, error) { return 1, nil }), ErrClosed)
			_, err := g.Wait()
			require.ErrorIs(t, err, ErrClosed, "a refused group task shows in Wait")
			require.Zero(t, p.Stats().Submitted)
		})
	}
}

func TestSkipsTaskWhoseCtxEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var handled []error
		p := New(1, WithErrorHandler(func(err error) { handled = append(handled, err) }))
		b := newBlocker()
		require.NoError(t, p.Submit(context.Background(), b.task(0)))
		ctx, cancel := context.WithCancel(context.Background())
		ran := false
		require.NoError(t, p.Submit(ctx, func(context.Context) error { ran = true; return nil }))
		cancel()
		close(b.release)
		require.NoError(t, p.Shutdown(context.Background()))
		require.False(t, ran)
		require.Empty(t, handled, "a skipped task has no error to report")
		s := p.Stats()
		requireBalanced(t, s)
		require.EqualValues(t, 1, s.Skipped)
		require.EqualValues(t, 1, s.Completed)
	})
}

func TestTaskContext(t *testing.T) {
	type key struct{}
	valueCtx := context.WithValue(context.Background(), key{}, "v")
	tests := []struct {
		name   string
		submit func(p *Pool, task func(context.Context) error) error
		value  any
	}{
		{"Submit Background", func(p *Pool, task func(context.Context) error) error {
			return p.Submit(context.Background(), task)
		}, nil},
		{"Submit with values", func(p *Pool, task func(context.Context) error) error {
			return p.Submit(valueCtx, task)
		}, "v"},
		{"TrySubmit", func(p *Pool, task func(context.Context) error) error {
			return p.TrySubmit(task)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/values and Close cancels", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := New(1)
				started := make(chan any)
				var errAtEnd error
				require.NoError(t, tt.submit(p, func(ctx context.Context) error {
					started <- ctx.Value(key{})
					<-ctx.Done()
					errAtEnd = ctx.Err()
					return errAtEnd
				}))
				require.Equal(t, tt.value, <-started)
				require.NoError(t, p.Close())
				require.ErrorIs(t, errAtEnd, context.Canceled)
				s := p.Stats()
				requireBalanced(t, s)
				require.EqualValues(t, 1, s.Failed)
			})
		})
		t.Run(tt.name+"/Shutdown does not cancel", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := New(1)
				var errSeen error
				release := make(chan struct{})
				require.NoError(t, tt.submit(p, func(ctx context.Context) error {
					<-release
					errSeen = ctx.Err()
					return nil
				}))
				done := make(chan error)
				go func() { done <- p.Shutdown(context.Background()) }()
				synctest.Wait()
				close(release)
				require.NoError(t, <-done)
				require.NoError(t, errSeen)
			})
		})
	}
	t.Run("Submit ctx cancel reaches the task", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := New(1)
			ctx, cancel := context.WithCancel(context.Background())
			started := make(chan struct{})
			require.NoError(t, p.Submit(ctx, func(ctx context.Context) error {
				close(started)
				<-ctx.Done()
				return ctx.Err()
			}))
			<-started
			cancel()
			require.NoError(t, p.Shutdown(context.Background()))
			require.EqualValues(t, 1, p.Stats().Failed)
		})
	})
}

func TestClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(2, WithQueueSize(5))
		started := make(chan struct{}, 2)
		cancelled := 0
		var mu sync.Mutex
		for range 2 {
			require.NoError(t, p.Submit(context.Background(), func(ctx context.Context) error {
				started <- struct{}{}
				<-ctx.Done()
				mu.Lock()
				cancelled++
				mu.Unlock()
				return nil
			}))
		}
		ran := atomic.Int32{}
		for range 5 {
			require.NoError(t, p.Submit(context.Background(), func(context.Context) error { ran.Add(1); return nil }))
		}
		<-started
		<-started
		require.NoError(t, p.Close())
		require.Equal(t, 2, cancelled, "Close cancels running tasks and waits for them")
		require.Zero(t, ran.Load(), "Close drops the queue")
		s := p.Stats()
		requireBalanced(t, s)
		require.EqualValues(t, 5, s.Skipped)
		require.EqualValues(t, 2, s.Completed)
	})
}

func TestShutdown(t *testing.T) {
	t.Run("runs the queue", func(t *testing.T) {
		p := New(2, WithQueueSize(50))
		var ran atomic.Int32
		gate := make(chan struct{})
		for range 52 {
			require.NoError(t, p.Submit(context.Background(), func(context.Context) error {
				<-gate
				ran.Add(1)
				return nil
			}))
		}
		close(gate)
		require.NoError(t, p.Shutdown(context.Background()))
		require.EqualValues(t, 52, ran.Load())
		requireBalanced(t, p.Stats())
	})
	t.Run("ctx ends: behaves as Close", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := New(1, WithQueueSize(3))
			var cancelledAt time.Time
			require.NoError(t, p.Submit(context.Background(), func(ctx context.Context) error {
				<-ctx.Done()
				cancelledAt = time.Now()
				return nil
			}))
			for range 3 {
				require.NoError(t, p.Submit(context.Background(), func(context.Context) error { return nil }))
			}
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			require.ErrorIs(t, p.Shutdown(ctx), context.DeadlineExceeded)
			require.Equal(t, time.Second, cancelledAt.Sub(start))
			s := p.Stats()
			requireBalanced(t, s)
			require.EqualValues(t, 3, s.Skipped)
		})
	})
}

func TestErrorsAndPanics(t *testing.T) {
	errBoom := errors.New("boom")
	var mu sync.Mutex
	var got []error
	p := New(2, WithErrorHandler(func(err error) {
		mu.Lock()
		got = append(got, err)
		mu.Unlock()
		if errors.Is(err, errHandlerPanic) {
			panic("handler panics too")
		}
	}))
	tasks := []func(context.Context) error{
		func(context.Context) error { return errBoom },
		func(context.Context) error { panic("kaboom") },
		func(context.Context) error { panic(errBoom) },
		func(context.Context) error { return errHandlerPanic },
		func(context.Context) error { return nil },
		func(context.Context) error { runtime.Goexit(); return nil },
		func(context.Context) error { return nil },
	}
	for _, task := range tasks {
		require.NoError(t, p.Submit(context.Background(), task))
	}
	require.NoError(t, p.Shutdown(context.Background()))
	s := p.Stats()
	requireBalanced(t, s)
	require.EqualValues(t, 7, s.Submitted)
	require.EqualValues(t, 2, s.Completed, "the pool keeps going after panics")
	require.EqualValues(t, 2, s.Failed)
	require.EqualValues(t, 3, s.Panicked)
	require.EqualValues(t, 1, s.HandlerPanicked)

	require.Len(t, got, 5)
	var plain, perrs int
	for _, err := range got {
		var perr *PanicError
		if errors.As(err, &perr) {
			perrs++
			require.NotEmpty(t, perr.Stack)
			continue
		}
		plain++
	}
	require.Equal(t, 2, plain)
	require.Equal(t, 3, perrs)
	require.Contains(t, got, error(errBoom))
}

var errHandlerPanic = errors.New("make the handler panic")

func TestResize(t *testing.T) {
	t.Run("grow starts queued tasks", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := New(1, WithQueueSize(10))
			b := newBlocker()
			for i := range 5 {
				require.NoError(t, p.Submit(context.Background(), b.task(i)))
			}
			synctest.Wait()
			require.Equal(t, 1, p.Stats().Running)
			p.Resize(4)
			synctest.Wait()
			s := p.Stats()
			require.Equal(t, 4, s.Running)
			require.Equal(t, 4, s.Workers)
			require.Equal(t, 1, s.Queued)
			close(b.release)
			require.NoError(t, p.Shutdown(context.Background()))
			requireBalanced(t, p.Stats())
		})
	})
	t.Run("shrink lets running tasks finish", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := New(4, WithQueueSize(10))
			b := newBlocker()
			cancelled := atomic.Int32{}
			for range 8 {
				require.NoError(t, p.Submit(context.Background(), func(ctx context.Context) error {
					b.started <- 0
					<-b.release
					if ctx.Err() != nil {
						cancelled.Add(1)
					}
					return nil
				}))
			}
			synctest.Wait()
			p.Resize(2)
			synctest.Wait()
			s := p.Stats()
			require.Equal(t, 4, s.Running, "shrinking cancels nothing")
			require.Equal(t, 2, s.Workers)
			for range 4 { // the first four finish; only two take new work
				b.release <- struct{}{}
			}
			synctest.Wait()
			s = p.Stats()
			require.Equal(t, 2, s.Running)
			require.Equal(t, 2, s.Active)
			require.Equal(t, 2, s.Queued)
			close(b.release)
			require.NoError(t, p.Shutdown(context.Background()))
			require.Zero(t, cancelled.Load())
			requireBalanced(t, p.Stats())
		})
	})
}

// TestStress mixes every operation from many goroutines and checks that the
// books balance and nothing leaks.
func TestStress(t *testing.T) {
	for round := range 4 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			var handled atomic.Uint64
			p := New(3, WithQueueSize(round), WithErrorHandler(func(error) { handled.Add(1) }))
			var wg sync.WaitGroup
			var accepted atomic.Uint64
			for g := range 8 {
				wg.Go(func() {
					for i := range 200 {
						ctx, cancel := context.WithCancel(context.Background())
						task := func(ctx context.Context) error {
							switch i % 5 {
							case 0:
								return errors.New("fail")
							case 1:
								panic("panic")
							}
							return nil
						}
						var err error
						if (g+i)%3 == 0 {
							err = p.TrySubmit(task)
						} else {
							err = p.Submit(ctx, task)
						}
						if err == nil {
							accepted.Add(1)
						}
						if i%7 == 0 {
							cancel()
						}
						if g == 0 && i%50 == 0 {
							p.Resize(1 + i%4)
						}
						defer cancel()
					}
				})
			}
			if round%2 == 1 {
				wg.Go(func() { _ = p.Close() })
			}
			wg.Wait()
			require.NoError(t, p.Shutdown(context.Background()))
			s := p.Stats()
			requireBalanced(t, s)
			require.Equal(t, accepted.Load(), s.Submitted)
			require.Equal(t, s.Failed+s.Panicked, handled.Load())
		})
	}
}

func TestWaitingSubmitsKeepTheirPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(1, WithQueueSize(4))
		b := newBlocker()
		for i := range 5 { // one running, four queued
			require.NoError(t, p.Submit(context.Background(), b.task(i)))
		}
		submitted := make(chan error)
		go func() { submitted <- p.Submit(context.Background(), b.task(5)) }()
		synctest.Wait()

		b.release <- struct{}{} // one slot frees up, but the queue is still over half full
		synctest.Wait()
		s := p.Stats()
		require.Equal(t, 3, s.Queued)
		require.Equal(t, 1, s.Waiting)
		require.ErrorIs(t, p.TrySubmit(b.task(99)), ErrQueueFull, "no overtaking a waiting Submit")

		b.release <- struct{}{} // down to half: the waiting Submit is let in
		require.NoError(t, <-submitted)
		s = p.Stats()
		require.Equal(t, 3, s.Queued)
		require.Zero(t, s.Waiting)

		close(b.release)
		require.NoError(t, p.Shutdown(context.Background()))
		requireBalanced(t, p.Stats())
		require.EqualValues(t, 6, p.Stats().Completed)
	})
}

package semaphore

import (
	"context"
	"errors"
	"math/rand/v2"
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

// acquireAsync starts AcquireN in a goroutine and returns the channel its
// result arrives on.
func acquireAsync(ctx context.Context, s *Semaphore, n int) chan error {
	ch := make(chan error, 1)
	go func() { ch <- s.AcquireN(ctx, n) }()
	return ch
}

// pending reports whether the acquire behind ch has not returned yet. Call it
// inside a synctest bubble after synctest.Wait, so "not returned" means
// "blocked".
func pending(ch chan error) bool {
	select {
	case err := <-ch:
		ch <- err // put it back so the caller can still read it
		return false
	default:
		return true
	}
}

func TestProgrammerErrorsPanic(t *testing.T) {
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"New negative", func() { New(-3) }, "semaphore: New called with negative size -3"},
		{"AcquireN negative", func() { _ = New(1).AcquireN(context.Background(), -1) }, "semaphore: AcquireN called with negative n -1"},
		{"TryAcquireN negative", func() { New(1).TryAcquireN(-2) }, "semaphore: TryAcquireN called with negative n -2"},
		{"ReleaseN negative", func() { New(1).ReleaseN(-4) }, "semaphore: ReleaseN called with negative n -4"},
		{"Resize negative", func() { New(1).Resize(-5) }, "semaphore: Resize called with negative size -5"},
		{"Release with none held", func() { New(1).Release() }, "semaphore: ReleaseN called with n 1 but only 0 permits are held"},
		{"ReleaseN more than held", func() {
			s := New(5)
			s.TryAcquireN(2)
			s.ReleaseN(3)
		}, "semaphore: ReleaseN called with n 3 but only 2 permits are held"},
		{"over-release on slow path", func() {
			s := New(1)
			s.Close() // forces the mutex path
			s.Release()
		}, "semaphore: ReleaseN called with n 1 but only 0 permits are held"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
}

func TestOverReleaseOnSlowPathLeavesSemaphoreUsable(t *testing.T) {
	s := New(2)
	s.Close()
	require.Panics(t, func() { s.ReleaseN(1) })
	// The mutex must have been released before the panic.
	require.Equal(t, Stats{Size: 2}, s.Stats())
}

func TestAcquireRelease(t *testing.T) {
	ctx := context.Background()
	s := New(3)
	require.NoError(t, s.Acquire(ctx))
	require.NoError(t, s.AcquireN(ctx, 2))
	require.Equal(t, Stats{Size: 3, InUse: 3}, s.Stats())
	require.False(t, s.TryAcquire())
	s.ReleaseN(2)
	require.True(t, s.TryAcquireN(2))
	require.False(t, s.TryAcquire())
	s.Release()
	s.ReleaseN(2)
	require.Equal(t, Stats{Size: 3}, s.Stats())
	require.NoError(t, s.AcquireN(ctx, 0))
	require.True(t, s.TryAcquireN(0))
}

func TestImmediateFailures(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	closed := New(5)
	closed.Close()

	tests := []struct {
		name string
		s    *Semaphore
		ctx  context.Context
		n    int
		want error
	}{
		{"too large", New(2), context.Background(), 3, ErrTooLarge},
		{"size zero", New(0), context.Background(), 1, ErrTooLarge},
		{"done ctx with permits free", New(5), cancelled, 1, context.Canceled},
		{"done ctx wins over too large", New(1), cancelled, 2, context.Canceled},
		{"closed", closed, context.Background(), 1, ErrClosed},
		{"closed wins over too large", closed, context.Background(), 9, ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.s.Stats()
			err := tt.s.AcquireN(tt.ctx, tt.n)
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, before, tt.s.Stats(), "a failed acquire must hold nothing")
		})
	}
}

func TestTooLargeWhileOthersWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(2)
		require.True(t, s.TryAcquireN(2))
		w := acquireAsync(t.Context(), s, 1)
		synctest.Wait()
		require.ErrorIs(t, s.AcquireN(t.Context(), 3), ErrTooLarge)
		s.ReleaseN(2)
		require.NoError(t, <-w)
		s.Release()
	})
}

func TestFIFOLargeRequestNotStarved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		s := New(4)
		require.NoError(t, s.AcquireN(ctx, 3)) // 1 free

		big := acquireAsync(ctx, s, 4)
		synctest.Wait()
		require.True(t, pending(big))

		// A small request fits in the free permit but must queue behind big.
		small := acquireAsync(ctx, s, 1)
		synctest.Wait()
		require.True(t, pending(small), "small jumped ahead of a waiting large request")
		require.False(t, s.TryAcquire(), "TryAcquire jumped ahead of waiters")
		require.Equal(t, Stats{Size: 4, InUse: 3, Waiters: 2}, s.Stats())

		s.ReleaseN(3)
		require.NoError(t, <-big)
		synctest.Wait()
		require.True(t, pending(small))
		require.Equal(t, Stats{Size: 4, InUse: 4, Waiters: 1}, s.Stats())

		s.ReleaseN(4)
		require.NoError(t, <-small)
		require.Equal(t, Stats{Size: 4, InUse: 1}, s.Stats())
		s.Release()
		require.True(t, s.TryAcquireN(4), "fast path must work again once the queue is empty")
	})
}

func TestFIFOOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		s := New(1)
		require.NoError(t, s.Acquire(ctx))
		var order []int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Acquire(ctx); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				s.Release()
			}()
			synctest.Wait() // goroutine i is queued before i+1 starts
		}
		s.Release()
		wg.Wait()
		require.Equal(t, []int{0, 1, 2, 3, 4}, order)
	})
}

func TestCancelWhileWaiting(t *testing.T) {
	tests := []struct {
		name string
		// cancelIdx is the waiter to cancel; sizes are the queued requests.
		sizes     []int
		cancelIdx int
		// granted after the cancel, with 1 permit free and 3 held of 4.
		wantGranted []bool
	}{
		{"head cancel unblocks the next", []int{4, 1}, 0, []bool{false, true}},
		{"middle cancel keeps order", []int{2, 3, 1}, 1, []bool{false, false, false}},
		{"tail cancel", []int{2, 1}, 1, []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := New(4)
				require.True(t, s.TryAcquireN(3))
				var chs []chan error
				var cancels []context.CancelFunc
				for _, n := range tt.sizes {
					ctx, cancel := context.WithCancel(t.Context())
					cancels = append(cancels, cancel)
					chs = append(chs, acquireAsync(ctx, s, n))
					synctest.Wait()
				}
				cancels[tt.cancelIdx]()
				require.ErrorIs(t, <-chs[tt.cancelIdx], context.Canceled)
				synctest.Wait()
				for i, want := range tt.wantGranted {
					if i == tt.cancelIdx {
						continue
					}
					require.Equal(t, want, !pending(chs[i]), "waiter %d", i)
				}
				// Close the rest out and check nothing leaked.
				s.Close()
				held := 3
				for i, ch := range chs {
					if i == tt.cancelIdx {
						continue
					}
					if err := <-ch; err == nil {
						held += tt.sizes[i]
					} else {
						require.ErrorIs(t, err, ErrClosed)
					}
				}
				require.Equal(t, held, s.Stats().InUse)
				s.ReleaseN(held)
				require.Equal(t, Stats{Size: 4}, s.Stats())
				for _, c := range cancels {
					c()
				}
			})
		})
	}
}

func TestCancelWithDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(1)
		require.True(t, s.TryAcquire())
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, s.Acquire(ctx), context.DeadlineExceeded)
		require.Equal(t, Stats{Size: 1, InUse: 1}, s.Stats())
	})
}

// TestCancelRacesGrant hammers the window where a waiter's ctx ends just as
// Release grants it the permits. Whatever the interleaving, every permit
// must come back.
func TestCancelRacesGrant(t *testing.T) {
	const size = 3
	s := New(size)
	var wg sync.WaitGroup
	var inside atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 300 {
				n := 1 + r.IntN(size)
				ctx, cancel := context.WithCancel(context.Background())
				// Every ctx ends, early or late, so that a leaked permit
				// shows up as a failed check below rather than a hang.
				delay := r.IntN(4)
				go func() {
					for range delay {
						runtime.Gosched()
					}
					cancel() // lands at any point, including mid-grant
				}()
				if err := s.AcquireN(ctx, n); err == nil {
					if v := inside.Add(int64(n)); v > size {
						t.Errorf("%d permits in use, size %d", v, size)
					}
					inside.Add(-int64(n))
					s.ReleaseN(n)
				} else if !errors.Is(err, context.Canceled) {
					t.Errorf("unexpected error %v", err)
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, Stats{Size: size}, s.Stats())
	require.True(t, s.TryAcquireN(size), "a permit leaked")
}

func TestResize(t *testing.T) {
	t.Run("grow wakes waiters in order", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := New(2)
			require.True(t, s.TryAcquire())
			a := acquireAsync(t.Context(), s, 2)
			synctest.Wait()
			b := acquireAsync(t.Context(), s, 1)
			synctest.Wait()
			s.Resize(3)
			require.NoError(t, <-a)
			synctest.Wait()
			require.True(t, pending(b))
			s.Resize(4)
			require.NoError(t, <-b)
			require.Equal(t, Stats{Size: 4, InUse: 4}, s.Stats())
			s.ReleaseN(4)
		})
	})
	t.Run("shrink lets holders drain and fails waiters too large", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := New(5)
			require.True(t, s.TryAcquireN(5))
			big := acquireAsync(t.Context(), s, 4)
			synctest.Wait()
			small := acquireAsync(t.Context(), s, 2)
			synctest.Wait()

			s.Resize(3)
			require.ErrorIs(t, <-big, ErrTooLarge)
			synctest.Wait()
			require.True(t, pending(small))
			require.Equal(t, Stats{Size: 3, InUse: 5, Waiters: 1}, s.Stats())
			require.ErrorIs(t, s.AcquireN(t.Context(), 4), ErrTooLarge)

			s.ReleaseN(2) // 3 in use of 3: still no room
			synctest.Wait()
			require.True(t, pending(small))
			s.ReleaseN(2) // 1 in use: small fits
			require.NoError(t, <-small)
			require.Equal(t, Stats{Size: 3, InUse: 3}, s.Stats())
			s.ReleaseN(3)
		})
	})
	t.Run("shrink to zero fails every waiter", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := New(1)
			require.True(t, s.TryAcquire())
			w := acquireAsync(t.Context(), s, 1)
			synctest.Wait()
			s.Resize(0)
			require.ErrorIs(t, <-w, ErrTooLarge)
			s.Release()
			require.False(t, s.TryAcquire())
			require.True(t, s.TryAcquireN(0))
		})
	})
}

func TestClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(2)
		require.True(t, s.TryAcquireN(2))
		w1 := acquireAsync(t.Context(), s, 1)
		w2 := acquireAsync(t.Context(), s, 2)
		synctest.Wait()

		s.Close()
		require.ErrorIs(t, <-w1, ErrClosed)
		require.ErrorIs(t, <-w2, ErrClosed)
		require.ErrorIs(t, s.Acquire(t.Context()), ErrClosed)
		require.False(t, s.TryAcquire())
		require.Equal(t, Stats{Size: 2, InUse: 2}, s.Stats())

		s.Release() // holders can still give back
		s.Release()
		require.Equal(t, Stats{Size: 2}, s.Stats())
		require.False(t, s.TryAcquire(), "TryAcquire must stay false after Close")
		s.Close() // idempotent
		s.Resize(5)
		require.ErrorIs(t, s.Acquire(t.Context()), ErrClosed)
	})
}

func TestNeverExceedsSize(t *testing.T) {
	const size = 5
	s := New(size)
	var inUse, peak atomic.Int64
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 2))
			for range 500 {
				n := 1 + r.IntN(size)
				if r.IntN(3) == 0 {
					if !s.TryAcquireN(n) {
						continue
					}
				} else if err := s.AcquireN(context.Background(), n); err != nil {
					t.Error(err)
					return
				}
				v := inUse.Add(int64(n))
				for p := peak.Load(); v > p && !peak.CompareAndSwap(p, v); p = peak.Load() {
				}
				inUse.Add(-int64(n))
				s.ReleaseN(n)
			}
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, peak.Load(), int64(size))
	require.Equal(t, Stats{Size: size}, s.Stats())
}

func TestNoAllocs(t *testing.T) {
	ctx := context.Background()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := New(4)
	tests := []struct {
		name string
		fn   func()
	}{
		{"Acquire/Release", func() {
			_ = s.Acquire(ctx)
			s.Release()
		}},
		{"AcquireN/ReleaseN with cancellable ctx", func() {
			_ = s.AcquireN(cctx, 3)
			s.ReleaseN(3)
		}},
		{"TryAcquire/Release", func() {
			s.TryAcquire()
			s.Release()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Zero(t, testing.AllocsPerRun(100, tt.fn))
			require.Equal(t, Stats{Size: 4}, s.Stats())
		})
	}
}

// TestReleaseRacingEnqueueNeverStrands hammers the hand-over between the
// lock-free path and the queue: a waiter judging "no room" and setting the
// waiters flag while a holder releases on the fast path. If a release ever
// slipped in unseen, the waiter would sleep with permits free and nobody left
// to wake it; inside a synctest bubble that is reported as a deadlock instead
// of hanging the test.
func TestReleaseRacingEnqueueNeverStrands(t *testing.T) {
	tests := []struct {
		name           string
		size, workers  int
		maxN, rounds   int
		cancelEveryNth int // 0: never cancel
	}{
		{"one permit ping-pong", 1, 2, 1, 2000, 0},
		{"weighted", 3, 4, 3, 800, 0},
		{"weighted with cancels", 3, 4, 3, 800, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := New(tt.size)
				var wg sync.WaitGroup
				for g := range tt.workers {
					wg.Go(func() {
						r := rand.New(rand.NewPCG(uint64(g), 4))
						for i := range tt.rounds {
							n := 1 + r.IntN(tt.maxN)
							ctx, cancel := context.WithCancel(context.Background())
							if tt.cancelEveryNth > 0 && i%tt.cancelEveryNth == 0 {
								go cancel() // lands anywhere, including mid-enqueue
							}
							switch err := s.AcquireN(ctx, n); {
							case err == nil:
								if r.IntN(2) == 0 {
									runtime.Gosched() // hold for a moment
								}
								s.ReleaseN(n)
							case !errors.Is(err, context.Canceled):
								t.Errorf("unexpected error %v", err)
							}
							cancel()
						}
					})
				}
				wg.Wait()
				require.Equal(t, Stats{Size: tt.size}, s.Stats())
				require.True(t, s.TryAcquireN(tt.size), "the fast path must be open again")
			})
		})
	}
}

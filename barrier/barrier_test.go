package barrier

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

// ctxKinds are the two ways a party waits: with an uncancellable ctx it
// sleeps on the barrier's Cond, with a cancellable one it selects on the
// round's channel. Behaviour tests run with both.
var ctxKinds = []struct {
	name string
	ctx  func(t *testing.T) context.Context
}{
	{"cancellable", func(t *testing.T) context.Context { return t.Context() }},
	{"uncancellable", func(*testing.T) context.Context { return context.Background() }},
}

func waitAsync(ctx context.Context, b *Barrier) chan error {
	ch := make(chan error, 1)
	go func() { ch <- b.Wait(ctx) }()
	return ch
}

// returned reports whether the Wait behind ch has returned; inside a
// synctest bubble after synctest.Wait, false means it is blocked.
func returned(ch chan error) bool {
	select {
	case err := <-ch:
		ch <- err
		return true
	default:
		return false
	}
}

func TestProgrammerErrorsPanic(t *testing.T) {
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"zero parties", func() { New(0) }, "barrier: New called with parties 0; want at least 1"},
		{"negative parties", func() { New(-2) }, "barrier: New called with parties -2; want at least 1"},
		{"nil action", func() { WithAction(nil) }, "barrier: WithAction called with nil fn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
}

func TestRounds(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			tests := []struct {
				parties, rounds int
			}{
				{1, 5},
				{2, 50},
				{4, 50},
				{9, 10},
			}
			for _, tt := range tests {
				t.Run("", func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						var actions atomic.Int64
						// arrived counts arrivals; the action sees it full,
						// and a party seeing it not reset proves nobody was released
						// before the action ran.
						var arrived atomic.Int64
						b := New(tt.parties, WithAction(func() error {
							if got := arrived.Swap(0); got != int64(tt.parties) {
								return errors.New("action ran before every party arrived")
							}
							actions.Add(1)
							return nil
						}))
						require.Equal(t, tt.parties, b.Parties())
						var wg sync.WaitGroup
						for range tt.parties {
							wg.Go(func() {
								for round := range tt.rounds {
									arrived.Add(1)
									if err := b.Wait(kind.ctx(t)); err != nil {
										t.Errorf("round %d: %v", round, err)
										return
									}
									if got := actions.Load(); got <= int64(round) {
										t.Errorf("released from round %d before its action (%d actions)", round, got)
										return
									}
								}
							})
						}
						// A stranded party would deadlock the bubble, which
						// synctest reports as a failure.
						wg.Wait()
						require.Equal(t, int64(tt.rounds), actions.Load())
						require.False(t, b.Broken())
						require.Zero(t, b.Waiting())
					})
				})
			}
		})
	}
}

func TestFastPartyDoesNotStrandSlowOnes(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const rounds = 20
				b := New(3)
				var wg sync.WaitGroup
				for i := range 3 {
					wg.Go(func() {
						for range rounds {
							if err := b.Wait(kind.ctx(t)); err != nil {
								t.Error(err)
								return
							}
							if i > 0 {
								// Slow parties take a while to come back; the fast
								// one (i == 0) is already waiting in the next round.
								time.Sleep(time.Duration(i) * time.Millisecond)
							}
						}
					})
				}
				wg.Wait()
				require.Zero(t, b.Waiting())
			})
		})
	}
}

func TestExtraArrivalsWaitForNextRound(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := New(2)
				first := waitAsync(kind.ctx(t), b)
				second := waitAsync(kind.ctx(t), b)
				require.NoError(t, <-first)
				require.NoError(t, <-second)

				var chs []chan error
				for range 3 {
					chs = append(chs, waitAsync(kind.ctx(t), b))
				}
				synctest.Wait()
				// Two of the three tripped a round; the third waits for a partner.
				var done, blocked int
				for _, ch := range chs {
					if returned(ch) {
						require.NoError(t, <-ch)
						done++
					} else {
						blocked++
					}
				}
				require.Equal(t, 2, done)
				require.Equal(t, 1, blocked)
				require.Equal(t, 1, b.Waiting())

				require.NoError(t, b.Wait(kind.ctx(t)))
				synctest.Wait()
				require.Zero(t, b.Waiting())
			})
		})
	}
}

func TestCancelBreaksRound(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			tests := []struct {
				name    string
				makeCtx func(context.Context) (context.Context, context.CancelFunc)
				want    error
			}{
				{"cancel", context.WithCancel, context.Canceled},
				{"deadline", func(ctx context.Context) (context.Context, context.CancelFunc) {
					return context.WithTimeout(ctx, time.Second)
				}, context.DeadlineExceeded},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						b := New(3)
						other := waitAsync(kind.ctx(t), b)
						ctx, cancel := tt.makeCtx(t.Context())
						defer cancel()
						mine := waitAsync(ctx, b)
						synctest.Wait()
						require.Equal(t, 2, b.Waiting())

						if tt.want == context.Canceled {
							cancel()
						} // else the deadline passes once everything blocks
						require.ErrorIs(t, <-mine, tt.want)
						require.ErrorIs(t, <-other, ErrBroken)
						require.True(t, b.Broken())
						require.Zero(t, b.Waiting())
						require.ErrorIs(t, b.Wait(kind.ctx(t)), ErrBroken, "a broken barrier fails at once")
					})
				})
			}
		})
	}
}

func TestAlreadyDoneCtxBreaks(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := New(2)
				other := waitAsync(kind.ctx(t), b)
				synctest.Wait()
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				// Even as the last arrival, a done ctx means this party gave up.
				require.ErrorIs(t, b.Wait(ctx), context.Canceled)
				require.ErrorIs(t, <-other, ErrBroken)
				require.True(t, b.Broken())
			})
		})
	}
}

func TestCancelAfterTripIsSuccess(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				inAction := make(chan struct{})
				finish := make(chan struct{})
				b := New(2, WithAction(func() error {
					close(inAction)
					<-finish
					return nil
				}))
				ctx, cancel := context.WithCancel(t.Context())
				waiter := waitAsync(ctx, b)
				synctest.Wait()
				last := waitAsync(kind.ctx(t), b)
				<-inAction // the round has tripped

				cancel()
				synctest.Wait()
				require.False(t, returned(waiter), "released before the action finished")
				require.False(t, b.Broken())
				close(finish)
				require.NoError(t, <-waiter)
				require.NoError(t, <-last)
				require.False(t, b.Broken())
			})
		})
	}
}

func TestActionFailureBreaksRound(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			boom := errors.New("boom")
			tests := []struct {
				name   string
				action func() error
				check  func(t *testing.T, err error)
			}{
				{"error", func() error { return boom }, func(t *testing.T, err error) {
					require.ErrorIs(t, err, boom)
					require.ErrorIs(t, err, ErrBroken)
					require.EqualError(t, err, "barrier: broken: action failed: boom")
				}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						b := New(3, WithAction(tt.action))
						a := waitAsync(kind.ctx(t), b)
						c := waitAsync(kind.ctx(t), b)
						synctest.Wait()
						err := b.Wait(kind.ctx(t)) // last: runs the action
						tt.check(t, err)
						require.Equal(t, ErrBroken, <-a)
						require.Equal(t, ErrBroken, <-c)
						require.True(t, b.Broken())
						require.Zero(t, b.Waiting())
						require.ErrorIs(t, b.Wait(kind.ctx(t)), ErrBroken)

						b.Reset()
						require.False(t, b.Broken())
					})
				})
			}
		})
	}
}

// panicValue is a panic value with identity, so the test can tell the
// original value from a copy or a wrapper.
type panicValue struct{ id int }

// TestActionPanicPropagates checks DESIGN rule 3 for the action, which runs
// synchronously on the last arriver's goroutine: the round is broken first
// (the others get ErrBroken, nothing is left inconsistent), then the panic
// goes on up that goroutine with its original value.
func TestActionPanicPropagates(t *testing.T) {
	boom := errors.New("boom")
	original := &panicValue{id: 7}
	tests := []struct {
		name  string
		value any
	}{
		{"string", "kaput"},
		{"error", boom},
		{"pointer", original},
	}
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						b := New(3, WithAction(func() error { panic(tt.value) }))
						a := waitAsync(kind.ctx(t), b)
						c := waitAsync(kind.ctx(t), b)
						synctest.Wait()

						var got any
						func() {
							defer func() { got = recover() }()
							_ = b.Wait(kind.ctx(t)) // last: runs the action
							t.Error("Wait returned instead of panicking")
						}()
						require.True(t, got == tt.value, "panic value %#v, want the original %#v", got, tt.value)

						require.Equal(t, ErrBroken, <-a)
						require.Equal(t, ErrBroken, <-c)
						require.True(t, b.Broken())
						require.Zero(t, b.Waiting())
						require.ErrorIs(t, b.Wait(kind.ctx(t)), ErrBroken)

						b.Reset()
						require.False(t, b.Broken())
						require.Zero(t, b.Waiting())
						// The barrier is usable again; the next action panics
						// too, which again breaks the round.
						a = waitAsync(kind.ctx(t), b)
						c = waitAsync(kind.ctx(t), b)
						synctest.Wait()
						require.Equal(t, 2, b.Waiting())
						require.Panics(t, func() { _ = b.Wait(kind.ctx(t)) })
						require.Equal(t, ErrBroken, <-a)
						require.Equal(t, ErrBroken, <-c)
					})
				})
			}
		})
	}
}

// TestActionPanicBreaksNextRoundArrivals: parties that arrived for the next
// round while the action ran are released with ErrBroken when it panics,
// exactly as when it returns an error.
func TestActionPanicBreaksNextRoundArrivals(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				inAction := make(chan struct{})
				finish := make(chan struct{})
				b := New(2, WithAction(func() error {
					close(inAction)
					<-finish
					panic("kaput")
				}))
				first := waitAsync(kind.ctx(t), b)
				synctest.Wait()
				last := make(chan any, 1)
				go func() {
					defer func() { last <- recover() }()
					_ = b.Wait(kind.ctx(t))
				}()
				<-inAction
				early := waitAsync(kind.ctx(t), b)
				synctest.Wait()
				require.Equal(t, 1, b.Waiting())

				close(finish)
				require.Equal(t, "kaput", <-last)
				require.Equal(t, ErrBroken, <-first)
				require.Equal(t, ErrBroken, <-early)
				require.True(t, b.Broken())
				require.Zero(t, b.Waiting())
			})
		})
	}
}

// TestActionPanicAfterResetKeepsFreshRound: as with an error, a panic from an
// action that started before Reset must not break the round Reset opened.
func TestActionPanicAfterResetKeepsFreshRound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inAction := make(chan struct{})
		finish := make(chan struct{})
		var calls atomic.Int64
		b := New(2, WithAction(func() error {
			if calls.Add(1) > 1 {
				return nil
			}
			close(inAction)
			<-finish
			panic("kaput")
		}))
		first := waitAsync(t.Context(), b)
		synctest.Wait()
		last := make(chan any, 1)
		go func() {
			defer func() { last <- recover() }()
			_ = b.Wait(t.Context())
		}()
		<-inAction
		b.Reset()
		fresh := waitAsync(t.Context(), b)
		synctest.Wait()
		close(finish)
		require.Equal(t, "kaput", <-last)
		require.Equal(t, ErrBroken, <-first)
		synctest.Wait()
		require.False(t, b.Broken())
		require.False(t, returned(fresh))
		require.NoError(t, b.Wait(t.Context()))
		require.NoError(t, <-fresh)
	})
}

// TestActionGoexitBreaksRound: an action that ends its goroutine with
// runtime.Goexit (t.FailNow in a test helper, say) must still release the
// other parties instead of stranding them.
func TestActionGoexitBreaksRound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := New(2, WithAction(func() error {
			runtime.Goexit()
			return nil
		}))
		first := waitAsync(t.Context(), b)
		synctest.Wait()
		exited := make(chan struct{})
		go func() {
			defer close(exited)
			_ = b.Wait(t.Context())
			t.Error("Wait returned after the action called Goexit")
		}()
		<-exited
		require.Equal(t, ErrBroken, <-first)
		require.True(t, b.Broken())
		require.Zero(t, b.Waiting())
	})
}

func TestActionFailureBreaksNextRoundArrivals(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				inAction := make(chan struct{})
				finish := make(chan struct{})
				b := New(2, WithAction(func() error {
					close(inAction)
					<-finish
					return errors.New("boom")
				}))
				first := waitAsync(kind.ctx(t), b)
				synctest.Wait()
				last := waitAsync(kind.ctx(t), b)
				<-inAction
				early := waitAsync(kind.ctx(t), b) // arrives for the next round
				synctest.Wait()
				require.Equal(t, 1, b.Waiting())

				close(finish)
				require.ErrorIs(t, <-last, ErrBroken)
				require.Equal(t, ErrBroken, <-first)
				require.Equal(t, ErrBroken, <-early, "the barrier is broken, so the next round is too")
				require.True(t, b.Broken())
			})
		})
	}
}

func TestResetDuringActionKeepsFreshRound(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				inAction := make(chan struct{})
				finish := make(chan struct{})
				var calls atomic.Int64
				b := New(2, WithAction(func() error {
					if calls.Add(1) > 1 {
						return nil
					}
					close(inAction)
					<-finish
					return errors.New("boom")
				}))
				first := waitAsync(kind.ctx(t), b)
				synctest.Wait()
				last := waitAsync(kind.ctx(t), b)
				<-inAction

				b.Reset()
				fresh := waitAsync(kind.ctx(t), b)
				synctest.Wait()
				close(finish)
				require.ErrorIs(t, <-last, ErrBroken)
				require.Equal(t, ErrBroken, <-first)
				synctest.Wait()
				require.False(t, b.Broken(), "a failure from before Reset must not break the fresh round")
				require.False(t, returned(fresh))
				require.NoError(t, b.Wait(kind.ctx(t)))
				require.NoError(t, <-fresh)
			})
		})
	}
}

func TestReset(t *testing.T) {
	for _, kind := range ctxKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := New(3)
				a := waitAsync(kind.ctx(t), b)
				c := waitAsync(kind.ctx(t), b)
				synctest.Wait()
				require.Equal(t, 2, b.Waiting())

				b.Reset()
				require.Equal(t, ErrBroken, <-a)
				require.Equal(t, ErrBroken, <-c)
				require.False(t, b.Broken())
				require.Zero(t, b.Waiting())

				// A fresh round of three completes normally.
				chs := []chan error{waitAsync(kind.ctx(t), b), waitAsync(kind.ctx(t), b)}
				synctest.Wait()
				require.NoError(t, b.Wait(kind.ctx(t)))
				for _, ch := range chs {
					require.NoError(t, <-ch)
				}
			})
		})
	}
}

func TestResetIdle(t *testing.T) {
	b := New(1)
	b.Reset()
	require.False(t, b.Broken())
	require.NoError(t, b.Wait(context.Background()))
}

func TestStress(t *testing.T) {
	const parties, rounds = 4, 300
	var actions atomic.Int64
	b := New(parties, WithAction(func() error { actions.Add(1); return nil }))
	var wg sync.WaitGroup
	for range parties {
		wg.Go(func() {
			for range rounds {
				if err := b.Wait(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(rounds), actions.Load())
}

// TestStressCancelAndReset mixes successful rounds with cancelled parties
// and Resets, and parties that wait on the cond (uncancellable ctx) with ones
// that wait on the channel, so rounds are broken, recycled and reused in
// every order. Each party runs until all have done enough Waits; then the
// test Resets until every party has noticed the stop.
func TestStressCancelAndReset(t *testing.T) {
	const parties, iterations = 4, 200
	var trips atomic.Int64
	b := New(parties, WithAction(func() error { trips.Add(1); return nil }))
	stop, cancelStop := context.WithCancel(context.Background())
	defer cancelStop()

	var reached, wg sync.WaitGroup
	var successes atomic.Int64
	reached.Add(parties)
	for g := range parties {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 3))
			for i := 0; stop.Err() == nil; i++ {
				if i == iterations {
					reached.Done()
				}
				var err error
				switch r.IntN(3) {
				case 0:
					err = b.Wait(context.Background())
				default:
					ctx, cancel := context.WithCancel(stop)
					if r.IntN(5) == 0 {
						go func() {
							runtime.Gosched()
							cancel()
						}()
					}
					err = b.Wait(ctx)
					cancel()
				}
				switch {
				case err == nil:
					successes.Add(1)
				case errors.Is(err, ErrBroken), errors.Is(err, context.Canceled):
					if r.IntN(2) == 0 {
						b.Reset()
					}
				default:
					t.Errorf("unexpected error %v", err)
				}
			}
		})
	}
	reached.Wait()
	cancelStop()
	finished := make(chan struct{})
	go func() {
		wg.Wait()
		close(finished)
	}()
	// Parties waiting with context.Background are released only by a
	// completed or broken round.
	for stopped := false; !stopped; {
		b.Reset()
		select {
		case <-finished:
			stopped = true
		default:
			runtime.Gosched()
		}
	}
	// Every successful Wait belongs to a tripped round of exactly parties.
	require.Equal(t, trips.Load()*parties, successes.Load())
	b.Reset()
	require.Zero(t, b.Waiting())
	require.False(t, b.Broken())
}

// TestRoundsDoNotAllocate guards the round recycling: once warm, a round
// costs no allocation, whether it ends by tripping or by Reset.
func TestRoundsDoNotAllocate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		fn   func(b *Barrier)
	}{
		{"trip", func(b *Barrier) { _ = b.Wait(ctx) }},
		{"reset", func(b *Barrier) { b.Reset() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(1)
			tt.fn(b)
			require.Zero(t, testing.AllocsPerRun(100, func() { tt.fn(b) }))
		})
	}
}

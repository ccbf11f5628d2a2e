package ratelimit_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weavego/weave/ratelimit"
)

// bothBuckets runs test twice: with limiters as they come (a token that
// costs whole nanoseconds is booked lock-free) and with every limiter on the
// locked bucket, so that each case covers both.
func bothBuckets(t *testing.T, test func(t *testing.T)) {
	t.Run("as-is", func(t *testing.T) {
		require.True(t, ratelimit.IsLockFree(ratelimit.New(1000, 1)))
		test(t)
	})
	t.Run("locked", func(t *testing.T) {
		ratelimit.LockedOnly(true)
		defer ratelimit.LockedOnly(false)
		require.False(t, ratelimit.IsLockFree(ratelimit.New(1000, 1)))
		test(t)
	})
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// drain takes every whole token available now, in as few calls as possible
// (halving chunks), and returns how many it took.
func drain(l *ratelimit.Limiter, burst int) int64 {
	var got int64
	for chunk := burst; chunk >= 1; chunk /= 2 {
		for l.AllowN(chunk) {
			got += int64(chunk)
		}
	}
	return got
}

// TestExactOverTime checks, under continuous demand, that after elapsed time
// e exactly burst + floor(rate·e) events have passed: never more, never
// fewer, at rates from one a second to ten million a second, over up to a
// billion tokens (where float64 bookkeeping would have drifted).
func TestExactOverTime(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		tests := []struct {
			name  string
			limit ratelimit.Limit
			num   int64 // rate = num events per den ns
			den   int64
			burst int
			step  time.Duration
			steps int
		}{
			{"1/s", 1, 1, 1e9, 2, 999_999_937 * time.Nanosecond, 40},
			{"3/s", 3, 3, 1e9, 2, 333 * time.Millisecond, 60},
			{"3/s whole seconds", 3, 3, 1e9, 3, time.Second, 30},
			{"7/s", 7, 7, 1e9, 5, 101 * time.Millisecond, 100},
			{"12345/s", 12345, 12345, 1e9, 100, 7919 * time.Microsecond, 300},
			{"1e6/s", 1e6, 1, 1000, 2048, 1013 * time.Nanosecond * 1000, 300},
			{"3e6/s", 3e6, 3, 1000, 1 << 16, 10_007 * time.Microsecond, 500},
			{"1e7/s", 1e7, 1, 100, 1 << 20, 100 * time.Millisecond, 1000},
			{"1e7/s odd steps", 1e7, 1, 100, 64, 1013 * time.Nanosecond, 3000},
			{"Every(3s)", ratelimit.Every(3 * time.Second), 1, 3e9, 1, time.Second, 30},
			{"Every(7ms)", ratelimit.Every(7 * time.Millisecond), 1, 7e6, 3, 5 * time.Millisecond, 200},
			{"Per(10, 1s)", ratelimit.Per(10, time.Second), 10, 1e9, 10, 50 * time.Millisecond, 100},
			{"Per(2, 3s)", ratelimit.Per(2, 3*time.Second), 2, 3e9, 1, 750 * time.Millisecond, 40},
			{"Per(3e6, 1s) huge burst", ratelimit.Per(3_000_000, time.Second), 3, 1000, 1 << 24, 3 * time.Second, 400},
			{"1e9/s", 1e9, 1, 1, 2048, 1013 * time.Nanosecond, 3000},
			{"Every(1ns) long steps", ratelimit.Every(time.Nanosecond), 1, 1, 1 << 30, time.Second, 100},
			{"Per(5e8, 1s) odd steps", ratelimit.Per(500_000_000, time.Second), 1, 2, 512, 999 * time.Nanosecond, 3000},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					l := ratelimit.New(tt.limit, tt.burst)
					start := time.Now()
					total := drain(l, tt.burst)
					require.Equal(t, int64(tt.burst), total)
					for i := range tt.steps {
						time.Sleep(tt.step)
						total += drain(l, tt.burst)
						e := int64(time.Since(start))
						want := int64(tt.burst) + e/tt.den*tt.num + e%tt.den*tt.num/tt.den
						require.Equal(t, want, total, "step %d, elapsed %v", i, time.Duration(e))
					}
				})
			})
		}
	})
}

func TestLimitZeroAdmitsOnlyTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := ratelimit.New(0, 3)
		require.Equal(t, 3.0, l.Tokens())
		require.True(t, l.AllowN(2))
		require.True(t, l.Allow())
		require.False(t, l.Allow())
		time.Sleep(24 * time.Hour)
		require.False(t, l.Allow())
		require.Equal(t, 0.0, l.Tokens())
		require.False(t, l.Reserve(1).OK())
		require.ErrorIs(t, l.Wait(context.Background()), ratelimit.ErrWouldExceedDeadline)
	})
}

func TestTinyLimitBehavesAsZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := ratelimit.New(1e-12, 2) // a token every 31700 years
		require.True(t, l.AllowN(2))
		time.Sleep(24 * time.Hour)
		require.False(t, l.Allow())
		require.Equal(t, 0.0, l.Tokens())
	})
}

func TestInfAdmitsEverything(t *testing.T) {
	for _, limit := range []ratelimit.Limit{ratelimit.Inf, ratelimit.Limit(math.Inf(1)), 1e30} {
		l := ratelimit.New(limit, 0)
		for range 1000 {
			require.True(t, l.Allow())
		}
		require.True(t, l.AllowN(1e9))
		require.NoError(t, l.WaitN(context.Background(), 1e6))
		r := l.Reserve(1e6)
		require.True(t, r.OK())
		require.Zero(t, r.Delay())
		require.True(t, math.IsInf(l.Tokens(), 1))
	}
}

func TestEveryAndPer(t *testing.T) {
	tests := []struct {
		name string
		got  ratelimit.Limit
		want ratelimit.Limit
	}{
		{"Every(0)", ratelimit.Every(0), ratelimit.Inf},
		{"Every(1s)", ratelimit.Every(time.Second), 1},
		{"Every(100ms)", ratelimit.Every(100 * time.Millisecond), 10},
		{"Every(1m)", ratelimit.Every(time.Minute), 1.0 / 60},
		{"Per(10, 1s)", ratelimit.Per(10, time.Second), 10},
		{"Per(120, 1m)", ratelimit.Per(120, time.Minute), 2},
		{"Per(0, 1s)", ratelimit.Per(0, time.Second), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.InEpsilon(t, float64(tt.want)+1, float64(tt.got)+1, 1e-15)
		})
	}
}

func TestBadInputPanics(t *testing.T) {
	l := ratelimit.New(1, 1)
	tests := []struct {
		want string
		fn   func()
	}{
		{"ratelimit: New called with negative burst -3", func() { ratelimit.New(1, -3) }},
		{"ratelimit: New called with invalid limit -1", func() { ratelimit.New(-1, 1) }},
		{"ratelimit: New called with invalid limit NaN", func() { ratelimit.New(ratelimit.Limit(math.NaN()), 1) }},
		{"ratelimit: NewKeyed called with negative burst -1", func() { ratelimit.NewKeyed[string](1, -1) }},
		{"ratelimit: NewKeyed called with invalid limit -2", func() { ratelimit.NewKeyed[string](-2, 1) }},
		{"ratelimit: SetLimit called with invalid limit -0.5", func() { l.SetLimit(-0.5) }},
		{"ratelimit: SetLimit called with invalid limit NaN", func() { l.SetLimit(ratelimit.Limit(math.NaN())) }},
		{"ratelimit: SetBurst called with negative burst -1", func() { l.SetBurst(-1) }},
		{"ratelimit: AllowN called with negative n -1", func() { l.AllowN(-1) }},
		{"ratelimit: WaitN called with negative n -2", func() { _ = l.WaitN(context.Background(), -2) }},
		{"ratelimit: Reserve called with negative n -5", func() { l.Reserve(-5) }},
		{"ratelimit: Every called with negative interval -1s", func() { ratelimit.Every(-time.Second) }},
		{"ratelimit: Per called with negative n -1", func() { ratelimit.Per(-1, time.Second) }},
		{"ratelimit: Per called with non-positive duration 0s", func() { ratelimit.Per(1, 0) }},
		{"ratelimit: WithIdleTTL called with negative duration -1m0s", func() { ratelimit.WithIdleTTL(-time.Minute) }},
		{"ratelimit: WithMaxKeys called with non-positive n 0", func() { ratelimit.WithMaxKeys(0) }},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
	// The panics above left l as it was.
	require.Equal(t, ratelimit.Limit(1), l.Limit())
	require.Equal(t, 1, l.Burst())
	require.Equal(t, 1.0, l.Tokens())
}

func TestZeroLimiterAdmitsNothing(t *testing.T) {
	var l ratelimit.Limiter
	require.False(t, l.Allow())
	require.False(t, l.Reserve(1).OK())
	require.Zero(t, l.Tokens())
}

func TestZeroN(t *testing.T) {
	l := ratelimit.New(0, 0)
	require.True(t, l.AllowN(0))
	require.NoError(t, l.WaitN(context.Background(), 0))
	r := l.Reserve(0)
	require.True(t, r.OK())
	require.Zero(t, r.Delay())
	require.False(t, l.Allow(), "burst 0 admits nothing")
}

func TestWaitBlocksUntilTheTokenIsThere(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(10, 1)
			require.True(t, l.Allow())
			start := time.Now()
			require.NoError(t, l.Wait(context.Background()))
			require.Equal(t, 100*time.Millisecond, time.Since(start))
			require.NoError(t, l.WaitN(context.Background(), 1))
			require.Equal(t, 200*time.Millisecond, time.Since(start))
			require.False(t, l.Allow())
		})
	})
}

func TestWaitersAreServedInOrder(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(10, 1)
			require.True(t, l.Allow())
			var (
				mu    sync.Mutex
				order []int
				wg    sync.WaitGroup
			)
			for i := range 5 {
				wg.Go(func() {
					require.NoError(t, l.Wait(context.Background()))
					mu.Lock()
					order = append(order, i)
					mu.Unlock()
				})
				synctest.Wait() // i has booked before i+1 starts
			}
			wg.Wait()
			require.Equal(t, []int{0, 1, 2, 3, 4}, order)
		})
	})
}

func TestWaitErrors(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		tests := []struct {
			name  string
			limit ratelimit.Limit
			burst int
			ctx   func() (context.Context, context.CancelFunc)
			n     int
			want  error
		}{
			{"ctx already done", 10, 1, func() (context.Context, context.CancelFunc) { return cancelled, func() {} }, 1, context.Canceled},
			{"ctx already done beats zero n", 10, 1, func() (context.Context, context.CancelFunc) { return cancelled, func() {} }, 0, context.Canceled},
			{"more than burst", 10, 3, bg, 4, ratelimit.ErrExceedsBurst},
			{"burst 0", 10, 0, bg, 1, ratelimit.ErrExceedsBurst},
			{"would outlast deadline", 10, 1, timeout(150 * time.Millisecond), 1, ratelimit.ErrWouldExceedDeadline},
			{"limit 0 never refills", 0, 1, bg, 1, ratelimit.ErrWouldExceedDeadline},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					l := ratelimit.New(tt.limit, tt.burst)
					require.True(t, l.AllowN(min(tt.burst, 1)))
					ctx, cancel := tt.ctx()
					defer cancel()
					before := l.Tokens()
					start := time.Now()
					// The first wait of 100ms fits the deadline; the second would
					// end at 200ms and must fail without waiting or taking.
					if tt.want == ratelimit.ErrWouldExceedDeadline && tt.limit != 0 {
						require.NoError(t, l.WaitN(ctx, tt.n))
						before = l.Tokens()
						start = time.Now()
					}
					err := l.WaitN(ctx, tt.n)
					require.ErrorIs(t, err, tt.want)
					require.Zero(t, time.Since(start), "returned at once")
					require.Equal(t, before, l.Tokens(), "took nothing")
				})
			})
		}
	})
}

func bg() (context.Context, context.CancelFunc) { return context.Background(), func() {} }

func timeout(d time.Duration) func() (context.Context, context.CancelFunc) {
	return func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), d)
	}
}

func TestCancelledWaitGivesTokensBack(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(10, 2)
			require.True(t, l.AllowN(2))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- l.WaitN(ctx, 2) }()
			synctest.Wait()
			require.InDelta(t, -2.0, l.Tokens(), 1e-9, "booked while waiting")
			time.Sleep(50 * time.Millisecond)
			cancel()
			require.ErrorIs(t, <-done, context.Canceled)
			require.InDelta(t, 0.5, l.Tokens(), 1e-9, "the booking came back")
			time.Sleep(150 * time.Millisecond)
			require.True(t, l.AllowN(2))
			require.False(t, l.Allow())
		})
	})
}

func TestWaitDeadlineThatFitsSucceeds(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(10, 1)
			require.True(t, l.Allow())
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond+1)
			defer cancel()
			require.NoError(t, l.Wait(ctx))
			// Ending at the deadline is not before it.
			ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			require.ErrorIs(t, l.Wait(ctx), ratelimit.ErrWouldExceedDeadline)
		})
	})
}

func TestReserve(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(10, 2)
			r0 := l.Reserve(2)
			require.True(t, r0.OK())
			require.Zero(t, r0.Delay())

			tooMany := l.Reserve(3)
			require.False(t, tooMany.OK())
			require.Equal(t, ratelimit.InfDuration, tooMany.Delay())
			tooMany.Cancel() // nothing to give back
			require.InDelta(t, 0.0, l.Tokens(), 1e-9)

			r1 := l.Reserve(1)
			r2 := l.Reserve(1)
			require.Equal(t, 100*time.Millisecond, r1.Delay())
			require.Equal(t, 200*time.Millisecond, r2.Delay())
			require.InDelta(t, -2.0, l.Tokens(), 1e-9)

			// r2 has planned on r1's token, so r1 cannot give it back...
			r1.Cancel()
			require.InDelta(t, -2.0, l.Tokens(), 1e-9)
			// ...but r2, the last, can; and twice is once.
			r2.Cancel()
			r2.Cancel()
			require.InDelta(t, -1.0, l.Tokens(), 1e-9)

			time.Sleep(30 * time.Millisecond)
			require.Equal(t, 70*time.Millisecond, r1.Delay())
			time.Sleep(100 * time.Millisecond)
			require.Zero(t, r1.Delay())

			// Once its time has passed, a reservation's tokens are spent.
			r3 := l.Reserve(1)
			require.Equal(t, 70*time.Millisecond, r3.Delay())
			time.Sleep(80 * time.Millisecond)
			before := l.Tokens()
			r3.Cancel()
			require.Equal(t, before, l.Tokens())
		})
	})
}

func TestCancelAfterSetLimitGivesNothing(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(10, 1)
			require.True(t, l.Allow())
			r := l.Reserve(1)
			require.True(t, r.OK())
			l.SetLimit(20)
			before := l.Tokens()
			r.Cancel()
			require.Equal(t, before, l.Tokens())
		})
	})
}

func TestSetLimitKeepsEarnedTokens(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(10, 10)
			require.True(t, l.AllowN(10))
			time.Sleep(500 * time.Millisecond)
			l.SetLimit(1)
			require.Equal(t, ratelimit.Limit(1), l.Limit())
			require.InDelta(t, 5.0, l.Tokens(), 1e-9, "earned at 10/s")
			time.Sleep(time.Second)
			require.InDelta(t, 6.0, l.Tokens(), 1e-9, "then at 1/s")

			l.SetLimit(0)
			time.Sleep(time.Hour)
			require.InDelta(t, 6.0, l.Tokens(), 1e-9, "frozen")
			require.True(t, l.AllowN(6))
			require.False(t, l.Allow())

			l.SetLimit(ratelimit.Every(100 * time.Millisecond))
			time.Sleep(250 * time.Millisecond)
			require.InDelta(t, 2.5, l.Tokens(), 1e-9)
			require.True(t, l.AllowN(2))
			require.False(t, l.Allow())

			l.SetLimit(ratelimit.Inf)
			require.True(t, l.AllowN(100))
			l.SetLimit(10)
			require.InDelta(t, 10.0, l.Tokens(), 1e-9, "an Inf limiter counts as full")
		})
	})
}

func TestSetBurst(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(10, 10)
			l.SetBurst(5)
			require.Equal(t, 5, l.Burst())
			require.InDelta(t, 5.0, l.Tokens(), 1e-9, "capped at the new burst")
			l.SetBurst(20)
			require.InDelta(t, 5.0, l.Tokens(), 1e-9, "a larger burst is earned, not given")
			time.Sleep(1500 * time.Millisecond)
			require.InDelta(t, 20.0, l.Tokens(), 1e-9)
			require.True(t, l.AllowN(20))
			require.False(t, l.Allow())
			l.SetBurst(0)
			time.Sleep(time.Hour)
			require.False(t, l.Allow())
		})
	})
}

func TestTokensAreFractional(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(10, 1)
			require.True(t, l.Allow())
			time.Sleep(50 * time.Millisecond)
			require.InDelta(t, 0.5, l.Tokens(), 1e-9)
			require.False(t, l.Allow())
			time.Sleep(50 * time.Millisecond)
			require.True(t, l.Allow())
		})
	})
}

func TestConcurrentAllowAdmitsExactly(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		for _, rate := range []int{1000, 3000} { // 1ms a token (lock-free), 333333.33ns (locked)
			t.Run(strconv.Itoa(rate), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					const burst, workers = 400, 4 // burst above a round's tokens, and demand above burst
					l := ratelimit.New(ratelimit.Limit(rate), burst)
					var admitted atomic.Int64
					round := func() {
						var wg sync.WaitGroup
						for range workers {
							wg.Go(func() {
								for range 200 {
									if l.Allow() {
										admitted.Add(1)
									}
								}
							})
						}
						wg.Wait()
					}
					round()
					require.Equal(t, int64(burst), admitted.Load())
					for i := 1; i <= 5; i++ {
						time.Sleep(100 * time.Millisecond)
						round()
						require.Equal(t, int64(burst+i*rate/10), admitted.Load())
					}
				})
			})
		}
	})
}

// SetLimit racing with Allow, AllowN and Wait on other
// goroutines, switching between a limit whose token costs whole nanoseconds
// (booked lock-free) and one whose does not (booked under the lock): no
// booking may slip between the two buckets. Under continuous demand, after
// each stretch exactly burst + the tokens earned at each stretch's limit
// have been admitted, give or take one for the part of a nanosecond that a
// switch to the lock-free bucket rounds away.
func TestSetLimitRacingAllowStaysExact(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			const burst, workers, stretch = 100, 4, 10 * time.Millisecond
			rates := []int64{1000, 3000, 2000, 7000, 1000, 333, 4000, 3001}
			l := ratelimit.New(ratelimit.Limit(rates[0]), burst)
			var admitted atomic.Int64
			round := func(next ratelimit.Limit) {
				var wg sync.WaitGroup
				for w := range workers {
					wg.Go(func() {
						for i := range 300 {
							switch {
							case w == 0 && i == 100:
								l.SetLimit(next)
							case i%3 == 1:
								if l.AllowN(2) {
									admitted.Add(2)
								}
							case i%7 == 2:
								// Wait books under the lock, racing the
								// lock-free Allow calls on the same bucket.
								ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
								if l.Wait(ctx) == nil {
									admitted.Add(1)
								}
								cancel()
							default:
								if l.Allow() {
									admitted.Add(1)
								}
							}
						}
					})
				}
				wg.Wait()
				// Take what the racing calls left, such as the odd token that
				// AllowN(2) could not use.
				admitted.Add(drain(l, burst))
			}
			var earned int64 // rate·ns, so tokens are earned/1e9
			for i := range rates {
				next := rates[(i+1)%len(rates)]
				round(ratelimit.Limit(next)) // drains what the last stretch earned
				want := burst + earned/1e9
				got := admitted.Load()
				require.LessOrEqual(t, got, want, "stretch %d: more than the limits allow", i)
				require.GreaterOrEqual(t, got, want-1, "stretch %d: tokens lost", i)
				time.Sleep(stretch)
				earned += next * int64(stretch)
			}
		})
	})
}

func TestAllowDoesNotAllocate(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		l := ratelimit.New(ratelimit.Limit(1e12), 1000)
		require.Zero(t, testing.AllocsPerRun(1000, func() { l.Allow() }))
		require.Zero(t, testing.AllocsPerRun(1000, func() { l.AllowN(3) }))
		whole := ratelimit.New(ratelimit.Limit(1e9), 1000) // booked lock-free
		require.Zero(t, testing.AllocsPerRun(1000, func() { whole.Allow() }))
		require.Zero(t, testing.AllocsPerRun(1000, func() { whole.AllowN(3) }))
		denied := ratelimit.New(0, 0)
		require.Zero(t, testing.AllocsPerRun(1000, func() { denied.Allow() }))
		ctx := context.Background()
		require.Zero(t, testing.AllocsPerRun(1000, func() { _ = l.Wait(ctx) }), "Wait with a token ready")
	})
}

func TestErrorsArePrefixed(t *testing.T) {
	for _, err := range []error{ratelimit.ErrExceedsBurst, ratelimit.ErrWouldExceedDeadline} {
		require.Regexp(t, "^ratelimit: ", err.Error())
	}
	l := ratelimit.New(1, 1)
	err := l.WaitN(context.Background(), 2)
	require.True(t, errors.Is(err, ratelimit.ErrExceedsBurst))
	require.Contains(t, err.Error(), "n=2, burst=1")
}

// TestMixedUseNeverExceedsTheRate has goroutines Allow, Wait, and give up
// waiting at their deadlines or by cancelling, and then checks every window
// between two admitted events: n events in a window of length d must satisfy
// n <= burst + rate·d (cancelled waits must not have handed out extra).
func TestMixedUseNeverExceedsTheRate(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			const rate, burst, workers, rounds = 100, 2, 8, 40
			l := ratelimit.New(rate, burst)
			var (
				mu    sync.Mutex
				times []time.Duration
				wg    sync.WaitGroup
			)
			start := time.Now()
			admitted := func() {
				mu.Lock()
				times = append(times, time.Since(start))
				mu.Unlock()
			}
			for w := range workers {
				wg.Go(func() {
					seed := uint32(w*7919 + 1)
					rnd := func(n uint32) uint32 { // xorshift: deterministic per worker
						seed ^= seed << 13
						seed ^= seed >> 17
						seed ^= seed << 5
						return seed % n
					}
					for range rounds {
						switch rnd(4) {
						case 0:
							if l.Allow() {
								admitted()
							}
						case 1:
							ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rnd(80))*time.Millisecond)
							if l.Wait(ctx) == nil {
								admitted()
							}
							cancel()
						case 2:
							ctx, cancel := context.WithCancel(context.Background())
							after := time.Duration(rnd(30)) * time.Millisecond
							cancelled := make(chan struct{})
							go func() {
								time.Sleep(after)
								cancel()
								close(cancelled)
							}()
							if l.Wait(ctx) == nil {
								admitted()
							}
							<-cancelled
						default:
							if r := l.Reserve(1); r.Delay() > 20*time.Millisecond {
								r.Cancel()
							} else {
								time.Sleep(r.Delay())
								admitted()
							}
						}
						time.Sleep(time.Duration(rnd(10)) * time.Millisecond)
					}
				})
			}
			wg.Wait()
			require.NotEmpty(t, times)
			slices.Sort(times)
			for i := range times {
				for j := i; j < len(times); j++ {
					n := j - i + 1
					allowed := burst + int(int64(times[j]-times[i])*rate/int64(time.Second))
					require.LessOrEqual(t, n, allowed, "%d events in [%v, %v]", n, times[i], times[j])
				}
			}
			t.Logf("%d events admitted in %v", len(times), time.Since(start))
		})
	})
}

func TestCancelWithoutRefill(t *testing.T) {
	bothBuckets(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := ratelimit.New(0, 3)
			r := l.Reserve(2)
			require.True(t, r.OK())
			require.Zero(t, r.Delay())
			require.Equal(t, 1.0, l.Tokens())
			r.Cancel()
			require.Equal(t, 3.0, l.Tokens(), "given back at the same instant")

			r = l.Reserve(3)
			time.Sleep(time.Nanosecond)
			r.Cancel()
			require.Equal(t, 0.0, l.Tokens(), "too late: the tokens were used")

			inf := ratelimit.New(ratelimit.Inf, 0)
			r = inf.Reserve(5)
			r.Cancel()
			require.True(t, math.IsInf(inf.Tokens(), 1))
		})
	})
}

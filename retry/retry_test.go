package retry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errBoom = errors.New("boom")

// failing returns a function that fails its first n calls with the error
// made by errFor, then succeeds. calls counts every call.
func failing(n int, calls *int, errFor func(i int) error) func(context.Context) error {
	return func(context.Context) error {
		*calls++
		if *calls <= n {
			return errFor(*calls)
		}
		return nil
	}
}

func boom(int) error { return errBoom }

func TestAttempts(t *testing.T) {
	tests := []struct {
		name      string
		failures  int
		opts      []Option
		wantCalls int
		wantErr   error // nil: success
	}{
		{"success at once", 0, nil, 1, nil},
		{"success on 5th", 4, nil, 5, nil},
		{"default 5 attempts", 100, nil, 5, ErrExhausted},
		{"max 1", 100, []Option{WithMaxAttempts(1)}, 1, ErrExhausted},
		{"max 3 success on 3rd", 2, []Option{WithMaxAttempts(3)}, 3, nil},
		{"max 3 fails", 3, []Option{WithMaxAttempts(3)}, 3, ErrExhausted},
		{"no limit", 50, []Option{WithMaxAttempts(0)}, 51, nil},
		{"no limit negative", 20, []Option{WithMaxAttempts(-1)}, 21, nil},
		{"nil option ignored", 1, []Option{nil}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				err := Do(context.Background(), failing(tt.failures, &calls, boom), tt.opts...)
				require.Equal(t, tt.wantCalls, calls)
				if tt.wantErr == nil {
					require.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, tt.wantErr)
				require.ErrorIs(t, err, errBoom, "the last error is wrapped too")
			})
		})
	}
}

func TestStopConditions(t *testing.T) {
	errOther := errors.New("other")
	tests := []struct {
		name      string
		errFor    func(i int) error
		opts      []Option
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			name:      "permanent returns err unwrapped",
			errFor:    func(i int) error { return Permanent(errBoom) },
			wantCalls: 1,
			check:     func(t *testing.T, err error) { require.Equal(t, errBoom, err) },
		},
		{
			name:      "permanent wrapped in another error",
			errFor:    func(i int) error { return fmt.Errorf("ctx: %w", Permanent(errBoom)) },
			wantCalls: 1,
			check:     func(t *testing.T, err error) { require.Equal(t, errBoom, err) },
		},
		{
			name:      "permanent on 3rd attempt",
			errFor:    func(i int) error { return map[bool]error{true: Permanent(errOther), false: errBoom}[i == 3] },
			wantCalls: 3,
			check:     func(t *testing.T, err error) { require.Equal(t, errOther, err) },
		},
		{
			name:      "retryIf false returns err as is",
			errFor:    func(i int) error { return map[bool]error{true: errOther, false: errBoom}[i == 2] },
			opts:      []Option{WithRetryIf(func(err error) bool { return errors.Is(err, errBoom) })},
			wantCalls: 2,
			check: func(t *testing.T, err error) {
				require.Equal(t, errOther, err)
				require.NotErrorIs(t, err, ErrExhausted)
			},
		},
		{
			name:      "exhausted message",
			errFor:    boom,
			opts:      []Option{WithMaxAttempts(2)},
			wantCalls: 2,
			check: func(t *testing.T, err error) {
				require.EqualError(t, err, "retry: exhausted: no attempts left after 2 attempts: boom")
			},
		},
		{
			name:      "max elapsed stops before a wait that would pass it",
			errFor:    boom,
			opts:      []Option{WithMaxAttempts(0), WithBackoff(Constant(time.Second)), WithMaxElapsed(3500 * time.Millisecond)},
			wantCalls: 4, // at 0s, 1s, 2s, 3s; the wait to 4s would pass 3.5s
			check: func(t *testing.T, err error) {
				require.ErrorIs(t, err, ErrExhausted)
				require.ErrorIs(t, err, errBoom)
			},
		},
		{
			name:      "after hint longer than max elapsed",
			errFor:    func(int) error { return After(time.Hour, errBoom) },
			opts:      []Option{WithMaxElapsed(time.Minute)},
			wantCalls: 1,
			check:     func(t *testing.T, err error) { require.ErrorIs(t, err, ErrExhausted) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				err := Do(context.Background(), failing(100, &calls, tt.errFor), tt.opts...)
				require.Equal(t, tt.wantCalls, calls)
				tt.check(t, err)
			})
		})
	}
}

func TestWaits(t *testing.T) {
	tests := []struct {
		name   string
		errFor func(i int) error
		opts   []Option
		want   []time.Duration // delays passed to OnRetry, and slept
	}{
		{"constant", boom, []Option{WithBackoff(Constant(time.Second)), WithMaxAttempts(4)}, []time.Duration{time.Second, time.Second, time.Second}},
		{"zero", boom, []Option{WithBackoff(Constant(0)), WithMaxAttempts(3)}, []time.Duration{0, 0}},
		{"custom uses retry count", boom, []Option{WithBackoff(func(n int) time.Duration { return time.Duration(n+1) * time.Second }), WithMaxAttempts(4)}, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}},
		{"after hint overrides backoff", func(i int) error { return After(time.Duration(i)*time.Minute, errBoom) }, []Option{WithBackoff(Constant(time.Second)), WithMaxAttempts(3)}, []time.Duration{time.Minute, 2 * time.Minute}},
		{"after hint only for its attempt", func(i int) error {
			if i == 1 {
				return After(time.Minute, errBoom)
			}
			return errBoom
		}, []Option{WithBackoff(Constant(time.Second)), WithMaxAttempts(3)}, []time.Duration{time.Minute, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var got []time.Duration
				var slept []time.Duration
				last := time.Now()
				calls := 0
				fn := failing(100, &calls, func(i int) error {
					if i > 1 {
						slept = append(slept, time.Since(last))
					}
					return tt.errFor(i)
				})
				onRetry := WithOnRetry(func(attempt int, err error, d time.Duration) {
					require.Equal(t, len(got)+1, attempt)
					require.ErrorIs(t, err, errBoom)
					got = append(got, d)
					last = time.Now()
				})
				err := Do(context.Background(), fn, append(tt.opts, onRetry)...)
				require.ErrorIs(t, err, ErrExhausted)
				require.Equal(t, tt.want, got, "OnRetry not called after the last attempt")
				require.Equal(t, tt.want, slept)
			})
		})
	}
}

func TestExponential(t *testing.T) {
	b := Exponential(100*time.Millisecond, 10*time.Second)
	for n, ceil := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond} {
		var top time.Duration
		for range 2000 {
			d := b(n)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, ceil)
			top = max(top, d)
		}
		require.Greater(t, top, ceil/2, "jitter spreads over the whole range")
	}
	for _, n := range []int{7, 10, 62, 63, 64, 1000, math.MaxInt} {
		for range 100 {
			require.LessOrEqual(t, b(n), 10*time.Second, "n=%d", n)
		}
	}
	one := Exponential(time.Nanosecond, time.Nanosecond)
	for range 100 {
		require.LessOrEqual(t, one(5), time.Nanosecond)
	}
}

func TestContextCancel(t *testing.T) {
	t.Run("during wait", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			start := time.Now()
			go func() {
				time.Sleep(time.Minute)
				cancel()
			}()
			calls := 0
			err := Do(ctx, failing(100, &calls, boom), WithBackoff(Constant(time.Hour)))
			require.Equal(t, time.Minute, time.Since(start), "the wait is cut short")
			require.Equal(t, 1, calls)
			require.ErrorIs(t, err, context.Canceled)
			require.ErrorIs(t, err, errBoom)
			require.EqualError(t, err, "retry: stopped after 1 attempts: context canceled; last error: boom")
		})
	})
	t.Run("during attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := Do(ctx, func(ctx context.Context) error {
			calls++
			cancel()
			return errBoom
		})
		require.Equal(t, 1, calls)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, errBoom)
	})
	t.Run("in OnRetry with no wait", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := Do(ctx, failing(100, &calls, boom), WithBackoff(Constant(0)), WithOnRetry(func(int, error, time.Duration) { cancel() }))
		require.Equal(t, 1, calls)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			calls := 0
			err := Do(ctx, failing(100, &calls, boom), WithBackoff(Constant(time.Minute)), WithMaxAttempts(0))
			require.Equal(t, 2, calls)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorIs(t, err, errBoom)
		})
	})
	t.Run("done before first attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		calls := 0
		err := Do(ctx, failing(0, &calls, boom))
		require.Equal(t, 0, calls)
		require.Equal(t, context.Canceled, err)
	})
}

func TestAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		err := Do(context.Background(), func(ctx context.Context) error {
			calls++
			if calls < 3 {
				<-ctx.Done() // hangs until its own timeout
				return ctx.Err()
			}
			_, ok := ctx.Deadline()
			require.True(t, ok)
			return nil
		}, WithAttemptTimeout(time.Second), WithBackoff(Constant(0)))
		require.NoError(t, err)
		require.Equal(t, 3, calls)
	})
}

func TestDoValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		v, err := DoValue(context.Background(), func(context.Context) (string, error) {
			calls++
			if calls < 3 {
				return "partial", errBoom
			}
			return "done", nil
		})
		require.NoError(t, err)
		require.Equal(t, "done", v)

		v, err = DoValue(context.Background(), func(context.Context) (string, error) { return "partial", errBoom }, WithMaxAttempts(2))
		require.ErrorIs(t, err, ErrExhausted)
		require.Empty(t, v)
	})
}

func TestPanicPropagates(t *testing.T) {
	require.PanicsWithValue(t, "fn", func() {
		_ = Do(context.Background(), func(context.Context) error { panic("fn") })
	})
}

func TestPermanentAndAfterNil(t *testing.T) {
	require.NoError(t, Permanent(nil))
	require.NoError(t, After(time.Second, nil))
	require.Equal(t, "boom", Permanent(errBoom).Error())
	require.Equal(t, "boom", After(time.Second, errBoom).Error())
	require.ErrorIs(t, After(time.Second, errBoom), errBoom)
	require.ErrorIs(t, Permanent(errBoom), errBoom)
}

func TestBudget(t *testing.T) {
	tests := []struct {
		name    string
		ratio   float64
		floor   int
		calls   int
		retries int // retries asked for in the same second
		allowed int
	}{
		{"floor only", 0, 3, 0, 10, 3},
		{"ratio", 0.5, 0, 10, 10, 5},
		{"floor then ratio", 0.2, 2, 20, 10, 2 + 2},
		{"nothing", 0, 0, 100, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := NewBudget(tt.ratio, tt.floor)
				for range tt.calls {
					b.call()
				}
				allowed := 0
				for range tt.retries {
					if b.retry() {
						allowed++
					}
				}
				require.Equal(t, tt.allowed, allowed)
			})
		})
	}
}

func TestBudgetWindowRolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget(1, 0)
		for range 5 {
			b.call()
		}
		time.Sleep(9 * time.Second)
		require.True(t, b.retry(), "calls 9s ago still count")
		time.Sleep(time.Second)
		require.False(t, b.retry(), "calls 10s ago no longer count")
		b.call()
		b.call()
		require.True(t, b.retry(), "2 calls against the retry of 1s ago")
		require.False(t, b.retry())
	})
}

func TestBudgetFloorPerSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget(0, 2)
		for s := range 3 {
			require.True(t, b.retry(), "second %d", s)
			require.True(t, b.retry(), "second %d", s)
			require.False(t, b.retry(), "second %d", s)
			time.Sleep(time.Second)
		}
	})
}

func TestWithBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget(0, 1)
		calls := 0
		err := Do(context.Background(), failing(100, &calls, boom), WithBudget(b), WithBackoff(Constant(0)))
		require.Equal(t, 2, calls, "first attempt and the one retry the floor allows")
		require.ErrorIs(t, err, ErrBudget)
		require.ErrorIs(t, err, ErrExhausted)
		require.ErrorIs(t, err, errBoom)

		// First attempts always go through.
		calls = 0
		require.NoError(t, Do(context.Background(), failing(0, &calls, boom), WithBudget(b)))
		require.Equal(t, 1, calls)
	})
}

func TestBudgetConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget(0.5, 0)
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 100 {
					b.call()
					if b.retry() {
						allowed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		// Every retry is checked against calls already recorded, so at most
		// half of the 800 calls can be matched by a retry.
		require.LessOrEqual(t, allowed.Load(), int64(400))
		require.Greater(t, allowed.Load(), int64(300))
	})
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"Constant", func() { Constant(-1) }, "retry: Constant called with negative duration -1ns"},
		{"Exponential initial", func() { Exponential(0, time.Second) }, "retry: Exponential called with non-positive initial 0s"},
		{"Exponential max", func() { Exponential(time.Second, time.Millisecond) }, "retry: Exponential called with max 1ms below initial 1s"},
		{"MaxElapsed", func() { WithMaxElapsed(-time.Second) }, "retry: WithMaxElapsed called with negative duration -1s"},
		{"AttemptTimeout", func() { WithAttemptTimeout(-time.Second) }, "retry: WithAttemptTimeout called with negative duration -1s"},
		{"Backoff nil", func() { WithBackoff(nil) }, "retry: WithBackoff called with nil Backoff"},
		{"RetryIf nil", func() { WithRetryIf(nil) }, "retry: WithRetryIf called with nil fn"},
		{"OnRetry nil", func() { WithOnRetry(nil) }, "retry: WithOnRetry called with nil fn"},
		{"Budget nil", func() { WithBudget(nil) }, "retry: WithBudget called with nil Budget"},
		{"NewBudget ratio", func() { NewBudget(-0.5, 1) }, "retry: NewBudget called with invalid ratio -0.5"},
		{"NewBudget NaN", func() { NewBudget(math.NaN(), 1) }, "retry: NewBudget called with invalid ratio NaN"},
		{"NewBudget Inf", func() { NewBudget(math.Inf(1), 1) }, "retry: NewBudget called with invalid ratio +Inf"},
		{"NewBudget floor", func() { NewBudget(0.1, -1) }, "retry: NewBudget called with negative minPerSecond -1"},
		{"Do nil", func() { _ = Do(context.Background(), nil) }, "retry: Do called with nil fn"},
		{"DoValue nil", func() { _, _ = DoValue[int](context.Background(), nil) }, "retry: DoValue called with nil fn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
}

func TestSuccessAtOnceDoesNotAllocate(t *testing.T) {
	ok := func(context.Context) error { return nil }
	tests := []struct {
		name string
		opts []Option
	}{
		{"no options", nil},
		{"prebuilt options", []Option{WithMaxAttempts(3), WithBackoff(Constant(time.Millisecond)), WithMaxElapsed(time.Minute),
			WithRetryIf(func(error) bool { return true }), WithOnRetry(func(int, error, time.Duration) {}), WithBudget(NewBudget(0.1, 10))}},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(1000, func() {
				_ = Do(ctx, ok, tt.opts...)
			})
			require.Zero(t, allocs)
			allocs = testing.AllocsPerRun(1000, func() {
				_, _ = DoValue(ctx, func(context.Context) (int, error) { return 1, nil }, tt.opts...)
			})
			require.Zero(t, allocs)
		})
	}
	t.Run("inline options", func(t *testing.T) {
		allocs := testing.AllocsPerRun(1000, func() {
			_ = Do(ctx, ok, WithMaxAttempts(3))
		})
		require.Zero(t, allocs)
	})
}

func TestConcurrentDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := []Option{WithMaxAttempts(3), WithBackoff(Exponential(time.Millisecond, 10*time.Millisecond)), WithBudget(NewBudget(0.5, 5))}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for j := range 50 {
					calls := 0
					err := Do(context.Background(), failing((i+j)%4, &calls, boom), opts...)
					if err != nil {
						require.ErrorIs(t, err, ErrExhausted)
					}
				}
			})
		}
		wg.Wait()
	})
}

// Do recycles the config its options are applied to. Each call must start
// from the defaults: no option of an earlier call may leak into the next,
// whether that earlier call ended in success, in a give-up, or in a panic.
func TestNoOptionOutlivesItsCall(t *testing.T) {
	ctx := context.Background()
	spent := NewBudget(0, 0) // refuses every retry
	never := func(error) bool { return false }
	var onRetry atomic.Int32
	leaky := []Option{WithBudget(spent), WithRetryIf(never), WithMaxAttempts(1), WithMaxElapsed(time.Nanosecond),
		WithAttemptTimeout(time.Nanosecond), WithOnRetry(func(int, error, time.Duration) { onRetry.Add(1) }), WithBackoff(Constant(time.Hour))}
	for i := range 200 {
		// Alternate how the leaky call ends, so its config goes back to the
		// pool on every path.
		switch i % 3 {
		case 0:
			_ = Do(ctx, func(context.Context) error { return errBoom }, leaky...)
		case 1:
			_ = Do(ctx, func(context.Context) error { return nil }, leaky...)
		default:
			require.Panics(t, func() {
				_ = Do(ctx, func(context.Context) error { panic("boom") }, leaky...)
			})
		}
		var deadlines int
		calls := 0
		err := Do(ctx, func(ctx context.Context) error {
			calls++
			if _, ok := ctx.Deadline(); ok {
				deadlines++
			}
			if calls < 3 {
				return errBoom
			}
			return nil
		}, WithBackoff(Constant(0)))
		require.NoError(t, err, "iteration %d", i)
		require.Equal(t, 3, calls)
		require.Zero(t, deadlines, "a per-attempt timeout leaked")
	}
	require.Zero(t, onRetry.Load(), "an OnRetry leaked")
}

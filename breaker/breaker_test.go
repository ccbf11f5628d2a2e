package breaker

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

func fail(context.Context) error    { return errBoom }
func succeed(context.Context) error { return nil }

// outcomes runs one call per character: 'f' fails, 's' succeeds, 'c'
// returns context.Canceled. It returns the errors Do returned.
func outcomes(b *Breaker, seq string) []error {
	var errs []error
	for _, c := range seq {
		fn := succeed
		switch c {
		case 'f':
			fn = fail
		case 'c':
			fn = func(context.Context) error { return context.Canceled }
		}
		errs = append(errs, b.Do(context.Background(), fn))
	}
	return errs
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Closed: "closed", Open: "open", HalfOpen: "half-open", State(7): "breaker.State(7)"} {
		require.Equal(t, want, s.String())
	}
}

func TestConsecutiveFailures(t *testing.T) {
	tests := []struct {
		name  string
		opts  []Option
		seq   string
		state State
		count Counts
	}{
		{"default threshold not reached", nil, "ffff", Closed, Counts{Requests: 4, Failures: 4, ConsecutiveFailures: 4}},
		{"default threshold trips", nil, "fffff", Open, Counts{}},
		{"success breaks the run", nil, "ffffsffff", Closed, Counts{Requests: 9, Successes: 1, Failures: 8, ConsecutiveFailures: 4}},
		{"threshold 1", []Option{WithFailureThreshold(1)}, "sf", Open, Counts{}},
		{"rejected while open", []Option{WithFailureThreshold(2)}, "ffsss", Open, Counts{Rejected: 3}},
		{"canceled is not a failure", []Option{WithFailureThreshold(3)}, "fcf", Closed, Counts{Requests: 3, Failures: 2, ConsecutiveFailures: 2}},
		// The caller gave up: that says nothing about the service, so it
		// must not break a run of failures either.
		{"canceled does not break the run", []Option{WithFailureThreshold(2)}, "fccf", Open, Counts{}},
		{"canceled is ignored", nil, "cccsc", Closed, Counts{Requests: 5, Successes: 1}},
		{"WithIsFailure overrides", []Option{WithFailureThreshold(2), WithIsFailure(func(err error) bool { return err != nil })}, "fc", Open, Counts{}},
		{"WithIsFailure ignores errBoom", []Option{WithIsFailure(func(err error) bool { return !errors.Is(err, errBoom) })}, "ffffffff", Closed, Counts{Requests: 8, Successes: 8}},
		{"rate alone disables consecutive rule", []Option{WithFailureRate(1, 100, time.Minute)}, "ffffffff", Closed, Counts{Requests: 8, Failures: 8, ConsecutiveFailures: 8}},
		{"rate with explicit threshold", []Option{WithFailureRate(1, 100, time.Minute), WithFailureThreshold(3)}, "fff", Open, Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(tt.opts...)
			outcomes(b, tt.seq)
			require.Equal(t, tt.state, b.State())
			require.Equal(t, tt.count, b.Counts())
		})
	}
}

func TestDoReturnsErrors(t *testing.T) {
	b := New(WithFailureThreshold(1))
	errs := outcomes(b, "sfs")
	require.NoError(t, errs[0])
	require.ErrorIs(t, errs[1], errBoom)
	require.ErrorIs(t, errs[2], ErrOpen)
}

func TestDoWithDoneContext(t *testing.T) {
	b := New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := b.Do(ctx, func(context.Context) error { called = true; return nil })
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, called)
	require.Equal(t, Counts{}, b.Counts())
}

func TestFailureRate(t *testing.T) {
	tests := []struct {
		name  string
		rate  float64
		min   int
		steps []string // outcomes, one string per second
		state State
	}{
		{"below min calls", 0.5, 10, []string{"fffffffff"}, Closed},
		{"rate reached", 0.5, 10, []string{"sssssfffff"}, Open},
		{"rate not reached", 0.5, 10, []string{"ssssssffff"}, Closed},
		{"spread over window", 0.5, 4, []string{"ss", "", "ff"}, Open},
		{"old outcomes roll out", 0.5, 4, []string{"fff", "", "", "", "", "", "", "", "", "", "", "s"}, Closed},
		{"old successes roll out", 0.5, 4, []string{"sssssss", "", "", "", "", "", "", "", "", "", "", "ffff"}, Open},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := New(WithFailureRate(tt.rate, tt.min, 10*time.Second))
				for _, seq := range tt.steps {
					outcomes(b, seq)
					time.Sleep(time.Second)
				}
				require.Equal(t, tt.state, b.State())
			})
		})
	}
}

func TestOpenTimeoutIsLazy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var changes []string
		b := New(WithFailureThreshold(1), WithOpenTimeout(10*time.Second),
			WithOnStateChange(func(from, to State) { changes = append(changes, from.String()+">"+to.String()) }))
		outcomes(b, "f")
		require.Equal(t, Open, b.State())
		time.Sleep(10*time.Second - 1)
		require.Equal(t, Open, b.State())
		require.ErrorIs(t, b.Do(context.Background(), succeed), ErrOpen)
		time.Sleep(time.Nanosecond)
		require.Equal(t, HalfOpen, b.State())
		require.Equal(t, []string{"closed>open", "open>half-open"}, changes)
		require.NoError(t, b.Do(context.Background(), succeed))
		require.Equal(t, Closed, b.State())
		require.Equal(t, []string{"closed>open", "open>half-open", "half-open>closed"}, changes)
	})
}

func TestHalfOpen(t *testing.T) {
	tests := []struct {
		name      string
		successes int
		seq       string
		state     State
	}{
		{"one success closes", 1, "s", Closed},
		{"failure reopens", 1, "f", Open},
		{"needs three successes", 3, "ss", HalfOpen},
		{"three successes close", 3, "sss", Closed},
		{"failure after successes reopens", 3, "ssf", Open},
		// A probe its caller cancelled proved nothing: it frees its slot
		// and the breaker stays half-open for the next probe.
		{"canceled probe is ignored", 1, "c", HalfOpen},
		{"canceled probes do not count toward closing", 2, "csc", HalfOpen},
		{"then a success closes", 2, "cscs", Closed},
		{"then a failure reopens", 2, "cscf", Open},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := New(WithFailureThreshold(1), WithOpenTimeout(time.Second), WithSuccessThreshold(tt.successes))
				outcomes(b, "f")
				time.Sleep(time.Second)
				outcomes(b, tt.seq)
				require.Equal(t, tt.state, b.State())
			})
		})
	}
}

func TestHalfOpenProbeLimit(t *testing.T) {
	for _, probes := range []int{1, 2, 5} {
		t.Run(fmt.Sprint(probes), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := New(WithFailureThreshold(1), WithOpenTimeout(time.Second), WithHalfOpenProbes(probes), WithSuccessThreshold(100))
				b.Trip()
				time.Sleep(time.Second)
				release := make(chan struct{})
				var running atomic.Int32
				var wg sync.WaitGroup
				errs := make([]error, probes+3)
				for i := range errs {
					wg.Go(func() {
						errs[i] = b.Do(context.Background(), func(context.Context) error {
							running.Add(1)
							<-release
							return nil
						})
					})
				}
				synctest.Wait()
				require.EqualValues(t, probes, running.Load())
				close(release)
				wg.Wait()
				var rejected int
				for _, err := range errs {
					if err != nil {
						require.ErrorIs(t, err, ErrTooManyProbes)
						rejected++
					}
				}
				require.Equal(t, 3, rejected)
				require.Equal(t, Counts{Requests: uint64(probes), Successes: uint64(probes), Rejected: 3}, b.Counts())
				// Slots are free again once the probes have finished.
				require.NoError(t, b.Do(context.Background(), succeed))
			})
		})
	}
}

// A call admitted before a state change must not count after it.
func TestStaleOutcomesDoNotCount(t *testing.T) {
	tests := []struct {
		name   string
		change func(b *Breaker)
		result error
		state  State
		counts Counts
	}{
		{"failure after Reset", func(b *Breaker) { b.Reset() }, errBoom, Closed, Counts{}},
		{"failure after Trip", func(b *Breaker) { b.Trip() }, errBoom, Open, Counts{}},
		{"success in half-open", func(b *Breaker) { b.Trip(); time.Sleep(time.Second); b.State() }, nil, HalfOpen, Counts{}},
		{"failure in half-open", func(b *Breaker) { b.Trip(); time.Sleep(time.Second); b.State() }, errBoom, HalfOpen, Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := New(WithFailureThreshold(1), WithOpenTimeout(time.Second))
				release := make(chan struct{})
				done := make(chan error)
				go func() {
					done <- b.Do(context.Background(), func(context.Context) error { <-release; return tt.result })
				}()
				synctest.Wait()
				tt.change(b)
				close(release)
				require.Equal(t, tt.result, <-done)
				require.Equal(t, tt.state, b.State())
				require.Equal(t, tt.counts, b.Counts())
			})
		})
	}
}

func TestAllow(t *testing.T) {
	b := New(WithFailureThreshold(2))
	done, err := b.Allow()
	require.NoError(t, err)
	done(errBoom)
	done(errBoom) // idempotent: counted once
	done(nil)
	require.Equal(t, Counts{Requests: 1, Failures: 1, ConsecutiveFailures: 1}, b.Counts())

	done, err = b.Allow()
	require.NoError(t, err)
	done(errBoom)
	require.Equal(t, Open, b.State())

	done, err = b.Allow()
	require.ErrorIs(t, err, ErrOpen)
	require.NotNil(t, done)
	done(nil) // harmless
	require.Equal(t, Counts{Rejected: 1}, b.Counts())
}

func TestAllowHoldsProbeSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := New(WithOpenTimeout(time.Second))
		b.Trip()
		time.Sleep(time.Second)
		done, err := b.Allow()
		require.NoError(t, err)
		_, err = b.Allow()
		require.ErrorIs(t, err, ErrTooManyProbes)
		done(nil)
		require.Equal(t, Closed, b.State())
	})
}

func TestTripAndReset(t *testing.T) {
	var changes []string
	b := New(WithOnStateChange(func(from, to State) { changes = append(changes, from.String()+">"+to.String()) }))
	outcomes(b, "ssf")
	b.Trip()
	require.Equal(t, Open, b.State())
	b.Trip() // already open: no callback
	b.Reset()
	require.Equal(t, Closed, b.State())
	require.Equal(t, Counts{}, b.Counts())
	b.Reset()
	require.Equal(t, []string{"closed>open", "open>closed"}, changes)
}

func TestTripAfterExpiryReportsHalfOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var changes []string
		b := New(WithOpenTimeout(time.Second), WithOnStateChange(func(from, to State) { changes = append(changes, from.String()+">"+to.String()) }))
		b.Trip()
		time.Sleep(time.Second)
		b.Trip()
		require.Equal(t, Open, b.State())
		require.Equal(t, []string{"closed>open", "open>half-open", "half-open>open"}, changes)
	})
}

func TestCallbackMayCallBreaker(t *testing.T) {
	var seen []string
	var b *Breaker
	b = New(WithFailureThreshold(1), WithOnStateChange(func(from, to State) {
		// Reentrant use must not deadlock; a change made here is delivered
		// after this callback returns.
		seen = append(seen, fmt.Sprintf("%v>%v now %v %+v", from, to, b.State(), b.Counts()))
		if to == Open {
			b.Reset()
		}
	}))
	outcomes(b, "f")
	require.Equal(t, []string{
		"closed>open now open {Requests:0 Successes:0 Failures:0 ConsecutiveFailures:0 Rejected:0}",
		"open>closed now closed {Requests:0 Successes:0 Failures:0 ConsecutiveFailures:0 Rejected:0}",
	}, seen)
}

func TestCallbacksOrderedAndSerial(t *testing.T) {
	var mu sync.Mutex
	var changes []change
	var inside atomic.Int32
	b := New(WithFailureThreshold(1), WithOnStateChange(func(from, to State) {
		if inside.Add(1) != 1 {
			panic("callbacks overlap")
		}
		mu.Lock()
		changes = append(changes, change{from, to})
		mu.Unlock()
		inside.Add(-1)
	}))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				switch (i + j) % 3 {
				case 0:
					b.Trip()
				case 1:
					b.Reset()
				default:
					_ = b.Do(context.Background(), fail)
				}
			}
		})
	}
	wg.Wait()
	// Every change starts where the previous one ended.
	require.NotEmpty(t, changes)
	require.Equal(t, Closed, changes[0].from)
	for i := 1; i < len(changes); i++ {
		require.Equal(t, changes[i-1].to, changes[i].from, "change %d", i)
	}
	require.Equal(t, changes[len(changes)-1].to, b.State())
}

func TestCallbackPanic(t *testing.T) {
	calls := 0
	b := New(WithOnStateChange(func(from, to State) {
		calls++
		if calls == 1 {
			panic("callback")
		}
	}))
	require.PanicsWithValue(t, "callback", b.Trip)
	require.Equal(t, Open, b.State())
	b.Reset() // delivery is not stuck after the panic
	require.Equal(t, 2, calls)
}

// Changes queued behind a callback that panics are not lost: the next
// change delivers them first, in order.
func TestCallbackPanicKeepsQueuedChanges(t *testing.T) {
	var changes []string
	var b *Breaker
	b = New(WithOnStateChange(func(from, to State) {
		changes = append(changes, from.String()+">"+to.String())
		if len(changes) == 1 {
			b.Reset() // queued behind this callback
			panic("callback")
		}
	}))
	require.PanicsWithValue(t, "callback", b.Trip)
	require.Equal(t, []string{"closed>open"}, changes)
	b.Trip()
	require.Equal(t, []string{"closed>open", "open>closed", "closed>open"}, changes)
}

func TestPanicInFnIsFailure(t *testing.T) {
	b := New(WithFailureThreshold(1))
	require.PanicsWithValue(t, "fn", func() {
		_ = b.Do(context.Background(), func(context.Context) error { panic("fn") })
	})
	require.Equal(t, Open, b.State())
}

func TestPanicInProbeReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := New(WithOpenTimeout(time.Second))
		b.Trip()
		time.Sleep(time.Second)
		require.Panics(t, func() {
			_, _ = Call(context.Background(), b, func(context.Context) (int, error) { panic("probe") })
		})
		require.Equal(t, Open, b.State())
	})
}

func TestCall(t *testing.T) {
	b := New(WithFailureThreshold(1))
	v, err := Call(context.Background(), b, func(context.Context) (string, error) { return "ok", nil })
	require.NoError(t, err)
	require.Equal(t, "ok", v)
	v, err = Call(context.Background(), b, func(context.Context) (string, error) { return "partial", errBoom })
	require.ErrorIs(t, err, errBoom)
	require.Equal(t, "partial", v)
	v, err = Call(context.Background(), b, func(context.Context) (string, error) { return "never", nil })
	require.ErrorIs(t, err, ErrOpen)
	require.Empty(t, v)
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"threshold 0", func() { WithFailureThreshold(0) }, "breaker: WithFailureThreshold called with non-positive n 0"},
		{"threshold -1", func() { WithFailureThreshold(-1) }, "breaker: WithFailureThreshold called with non-positive n -1"},
		{"rate 0", func() { WithFailureRate(0, 1, time.Second) }, "breaker: WithFailureRate called with rate 0 outside (0, 1]"},
		{"rate 1.5", func() { WithFailureRate(1.5, 1, time.Second) }, "breaker: WithFailureRate called with rate 1.5 outside (0, 1]"},
		{"rate NaN", func() { WithFailureRate(math.NaN(), 1, time.Second) }, "breaker: WithFailureRate called with rate NaN outside (0, 1]"},
		{"minCalls 0", func() { WithFailureRate(0.5, 0, time.Second) }, "breaker: WithFailureRate called with non-positive minCalls 0"},
		{"window 0", func() { WithFailureRate(0.5, 1, 0) }, "breaker: WithFailureRate called with non-positive window 0s"},
		{"open timeout", func() { WithOpenTimeout(-time.Second) }, "breaker: WithOpenTimeout called with non-positive duration -1s"},
		{"probes", func() { WithHalfOpenProbes(0) }, "breaker: WithHalfOpenProbes called with non-positive n 0"},
		{"successes", func() { WithSuccessThreshold(-2) }, "breaker: WithSuccessThreshold called with non-positive n -2"},
		{"nil IsFailure", func() { WithIsFailure(nil) }, "breaker: WithIsFailure called with nil fn"},
		{"nil OnStateChange", func() { WithOnStateChange(nil) }, "breaker: WithOnStateChange called with nil fn"},
		{"nil Do fn", func() { _ = New().Do(context.Background(), nil) }, "breaker: Do called with nil fn"},
		{"nil Call fn", func() { _, _ = Call[int](context.Background(), New(), nil) }, "breaker: Call called with nil fn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.PanicsWithValue(t, tt.want, tt.fn)
		})
	}
}

func TestDoClosedDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
	}{
		{"default", nil},
		{"with options", []Option{WithFailureThreshold(3), WithOnStateChange(func(State, State) {}), WithIsFailure(func(err error) bool { return err != nil })}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(tt.opts...)
			ctx := context.Background()
			allocs := testing.AllocsPerRun(1000, func() {
				_ = b.Do(ctx, succeed)
				_ = b.Do(ctx, fail)
			})
			require.Zero(t, allocs)
			allocs = testing.AllocsPerRun(1000, func() {
				_, _ = Call(ctx, b, func(context.Context) (int, error) { return 1, nil })
			})
			require.Zero(t, allocs)
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := New(WithFailureThreshold(3), WithOpenTimeout(time.Millisecond), WithHalfOpenProbes(2),
			WithFailureRate(0.6, 10, time.Second), WithOnStateChange(func(State, State) {}))
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for j := range 300 {
					fn := succeed
					if (i*j)%4 == 0 {
						fn = fail
					}
					err := b.Do(context.Background(), fn)
					if err != nil && !errors.Is(err, errBoom) && !errors.Is(err, ErrOpen) && !errors.Is(err, ErrTooManyProbes) {
						panic(err)
					}
					if j%50 == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			})
		}
		wg.Wait()
		c := b.Counts()
		require.LessOrEqual(t, c.Successes+c.Failures, c.Requests)
	})
}

// A probe whose done is never called (a lost two-step call, a hung fn) must
// not hold its slot forever, or the breaker would reject every call with
// ErrTooManyProbes from then on.
func TestLostProbeReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var changes []string
		b := New(WithOpenTimeout(time.Second), WithOnStateChange(func(from, to State) {
			changes = append(changes, from.String()+">"+to.String())
		}))
		b.Trip()
		time.Sleep(time.Second)
		lost, err := b.Allow() // never reported in time
		require.NoError(t, err)
		time.Sleep(time.Second - 1)
		_, err = b.Allow()
		require.ErrorIs(t, err, ErrTooManyProbes, "the probe still has time")
		time.Sleep(time.Nanosecond)
		require.Equal(t, Open, b.State(), "a probe silent for a whole open timeout counts as failed")
		_, err = b.Allow()
		require.ErrorIs(t, err, ErrOpen)
		lost(nil) // late: counts nowhere
		require.Equal(t, Open, b.State())
		time.Sleep(time.Second)
		done, err := b.Allow()
		require.NoError(t, err)
		done(nil)
		require.Equal(t, Closed, b.State())
		require.Equal(t, []string{"closed>open", "open>half-open", "half-open>open", "open>half-open", "half-open>closed"}, changes)
	})
}

// A probe that finished recently shows the probes are alive: a half-open
// stay with slots busy is not cut short while probes keep reporting.
func TestBusyProbesAreNotLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := New(WithOpenTimeout(time.Second), WithHalfOpenProbes(2), WithSuccessThreshold(3))
		b.Trip()
		time.Sleep(time.Second)
		slow, err := b.Allow()
		require.NoError(t, err)
		for range 2 {
			time.Sleep(time.Second / 2)
			done, err := b.Allow()
			require.NoError(t, err)
			time.Sleep(time.Second / 4)
			done(nil)
		}
		time.Sleep(time.Second / 2) // slow has run 2s; the last report was 0.5s ago
		_, err = b.Allow()
		require.NoError(t, err)
		_, err = b.Allow()
		require.ErrorIs(t, err, ErrTooManyProbes)
		require.Equal(t, HalfOpen, b.State())
		slow(nil)
		require.Equal(t, Closed, b.State())
	})
}

// A callback that trips or resets the breaker: the nested change is
// delivered after the callback returns, in order, and not lost, also when it
// is made from a callback that reports a change made from a callback.
func TestNestedChangesFromCallbacks(t *testing.T) {
	var changes []string
	var b *Breaker
	b = New(WithFailureThreshold(1), WithOnStateChange(func(from, to State) {
		changes = append(changes, from.String()+">"+to.String())
		switch len(changes) {
		case 1: // closed>open
			b.Reset()
			require.Len(t, changes, 1, "a nested change waits for this callback to return")
		case 2: // open>closed
			b.Trip()
		case 3: // closed>open
			b.Reset()
		}
	}))
	outcomes(b, "f")
	require.Equal(t, []string{"closed>open", "open>closed", "closed>open", "open>closed"}, changes)
	require.Equal(t, Closed, b.State())
}

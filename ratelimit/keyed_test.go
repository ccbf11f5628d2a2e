package ratelimit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weavego/weave/ratelimit"
)

func TestKeyedLimitsEachKeyApart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := ratelimit.NewKeyed[string](10, 2)
		for _, key := range []string{"a", "b"} {
			require.True(t, k.Allow(key))
			require.True(t, k.Allow(key))
			require.False(t, k.Allow(key), key)
		}
		require.Equal(t, 2, k.Len())
		time.Sleep(100 * time.Millisecond)
		require.True(t, k.Allow("a"))
		require.False(t, k.Allow("a"))
		require.True(t, k.Allow("b"))
	})
}

func TestKeyedEviction(t *testing.T) {
	type step struct {
		sleep   time.Duration
		key     string
		allowed bool
		len     int // Len after the call
	}
	tests := []struct {
		name  string
		limit ratelimit.Limit
		burst int
		opts  []ratelimit.KeyedOption
		steps []step
	}{
		{
			name: "default drops a key once its bucket is full", limit: 10, burst: 1,
			steps: []step{
				{0, "a", true, 1},
				{50 * time.Millisecond, "b", true, 2},  // a is refilling: kept
				{100 * time.Millisecond, "c", true, 1}, // a and b full again: dropped
				{0, "c", false, 1},                     // c keeps its state
				{100 * time.Millisecond, "c", true, 1}, // c refilled by now
				{100 * time.Millisecond, "d", true, 1}, // c dropped, full
			},
		},
		{
			name: "TTL keeps full keys for a while", limit: 10, burst: 1,
			opts: []ratelimit.KeyedOption{ratelimit.WithIdleTTL(time.Minute)},
			steps: []step{
				{0, "a", true, 1},
				{30 * time.Second, "b", true, 2},
				{30 * time.Second, "c", true, 2}, // a idle 60s: dropped; b idle 30s: kept
				{0, "x", true, 3},
				{0, "y", true, 4},
				{time.Minute, "z", true, 3}, // the walk reaches b, then c
				{0, "z", false, 2},          // and x...
				{time.Hour, "z", true, 1},   // and every other idle key
			},
		},
		{
			name: "a bucket that is not full is never dropped for idleness", limit: ratelimit.Every(time.Hour), burst: 1,
			opts: []ratelimit.KeyedOption{ratelimit.WithIdleTTL(time.Second)},
			steps: []step{
				{0, "a", true, 1},
				{time.Minute, "b", true, 2},
				{time.Minute, "c", true, 3},
				{time.Minute, "a", false, 3}, // a's debt was kept
				{time.Hour, "d", true, 2},    // a and b full: two dropped per call
			},
		},
		{
			name: "Inf keys are always full", limit: ratelimit.Inf, burst: 0,
			opts: []ratelimit.KeyedOption{ratelimit.WithIdleTTL(time.Second)},
			steps: []step{
				{0, "a", true, 1},
				{0, "b", true, 2},
				{time.Second, "c", true, 1},
			},
		},
		{
			name: "limit 0 keeps used keys", limit: 0, burst: 1,
			steps: []step{
				{0, "a", true, 1},
				{time.Hour, "b", true, 2},
				{time.Hour, "a", false, 2},
			},
		},
		{
			name: "the cap drops the least recently used key", limit: ratelimit.Every(time.Hour), burst: 1,
			opts: []ratelimit.KeyedOption{ratelimit.WithMaxKeys(2)},
			steps: []step{
				{0, "a", true, 1},
				{0, "b", true, 2},
				{0, "a", false, 2}, // a is now the most recently used
				{0, "c", true, 2},  // b dropped
				{0, "a", false, 2}, // a kept its state
				{0, "b", true, 2},  // b starts again with a full burst; c dropped
				{0, "c", true, 2},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				k := ratelimit.NewKeyed[string](tt.limit, tt.burst, tt.opts...)
				for i, s := range tt.steps {
					time.Sleep(s.sleep)
					require.Equal(t, s.allowed, k.Allow(s.key), "step %d: Allow(%q)", i, s.key)
					require.Equal(t, s.len, k.Len(), "step %d: Len", i)
				}
			})
		})
	}
}

func TestKeyedMemoryStaysBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := ratelimit.NewKeyed[int](100, 1)
		for i := range 10_000 {
			require.True(t, k.Allow(i))
			time.Sleep(time.Millisecond)
			require.LessOrEqual(t, k.Len(), 25, "after key %d", i)
		}
	})
}

func TestKeyedWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := ratelimit.NewKeyed[string](10, 1)
		require.True(t, k.Allow("a"))
		start := time.Now()
		require.NoError(t, k.Wait(context.Background(), "a"))
		require.Equal(t, 100*time.Millisecond, time.Since(start))
		require.NoError(t, k.Wait(context.Background(), "b"), "b has its own bucket")
		require.Equal(t, 100*time.Millisecond, time.Since(start))

		// A wait that would outlast the deadline fails at once.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, k.Wait(ctx, "a"), ratelimit.ErrWouldExceedDeadline)
		require.Equal(t, 100*time.Millisecond, time.Since(start))

		// A cancelled wait gives the token back.
		ctx, cancel = context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- k.Wait(ctx, "a") }()
		synctest.Wait()
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		time.Sleep(100 * time.Millisecond)
		require.True(t, k.Allow("a"))
		require.False(t, k.Allow("a"))

		require.ErrorIs(t, k.Wait(ctx, "a"), context.Canceled)
		require.ErrorIs(t, ratelimit.NewKeyed[string](10, 0).Wait(context.Background(), "a"), ratelimit.ErrExceedsBurst)
		require.NoError(t, ratelimit.NewKeyed[string](ratelimit.Inf, 0).Wait(context.Background(), "a"))
	})
}

func TestKeyedConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const keys, burst, workers = 8, 20, 4
		k := ratelimit.NewKeyed[string](100, burst, ratelimit.WithMaxKeys(keys))
		var admitted [keys]atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range 400 {
					key := (i + w) % keys
					if k.Allow(fmt.Sprint(key)) {
						admitted[key].Add(1)
					}
				}
			})
		}
		wg.Wait()
		for i := range admitted {
			require.Equal(t, int64(burst), admitted[i].Load(), "key %d", i)
		}
		require.Equal(t, keys, k.Len())
	})
}

func TestKeyedAllowDoesNotAllocate(t *testing.T) {
	k := ratelimit.NewKeyed[string](ratelimit.Limit(1e12), 1000, ratelimit.WithIdleTTL(time.Hour))
	for i := range 100 {
		k.Allow(fmt.Sprint("client-", i))
	}
	key := "client-7"
	require.Zero(t, testing.AllocsPerRun(1000, func() { k.Allow(key) }))
	ki := ratelimit.NewKeyed[int](0, 0)
	ki.Allow(1)
	require.Zero(t, testing.AllocsPerRun(1000, func() { ki.Allow(1) }))
}

func TestKeyedDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := ratelimit.NewKeyed[string](10, 2)
		require.Zero(t, k.Delay("new"))
		require.Zero(t, k.Len(), "Delay makes no entry")
		require.True(t, k.Allow("a"))
		require.Zero(t, k.Delay("a"))
		require.True(t, k.Allow("a"))
		require.Equal(t, 100*time.Millisecond, k.Delay("a"))
		time.Sleep(30 * time.Millisecond)
		require.Equal(t, 70*time.Millisecond, k.Delay("a"))
		require.False(t, k.Allow("a"), "Delay took nothing")

		frozen := ratelimit.NewKeyed[string](0, 1)
		require.Zero(t, frozen.Delay("a"))
		require.True(t, frozen.Allow("a"))
		require.Equal(t, ratelimit.InfDuration, frozen.Delay("a"))
		require.Equal(t, ratelimit.InfDuration, ratelimit.NewKeyed[string](10, 0).Delay("a"))
		require.Zero(t, ratelimit.NewKeyed[string](ratelimit.Inf, 0).Delay("a"))
	})
}

package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The exactness tests run through both buckets; this pins which limits take
// the lock-free one, so that they keep covering it.
func TestWholeIntervalsAreLockFree(t *testing.T) {
	for _, tc := range []struct {
		limit Limit
		burst int
		fast  bool
	}{
		{1, 1, true},
		{1000, 100, true},
		{1e7, 1 << 20, true},
		{1e9, 1000, true},
		{Every(3 * time.Second), 1, true},
		{Every(7 * time.Millisecond), 3, true},
		{Per(10, time.Second), 10, true},
		{Per(2, 3*time.Second), 1, true}, // 1.5s
		{3, 2, false},                    // 333333333.33ns
		{7, 5, false},
		{3e6, 1 << 16, false},
		{1e12, 1000, false}, // 0.001ns
		{0, 3, false},
		{Inf, 3, false},
	} {
		l := New(tc.limit, tc.burst)
		require.Equal(t, tc.fast, l.fast.Load() != nil, "limit %v", tc.limit)
		l.SetLimit(3)
		require.Nil(t, l.fast.Load(), "after SetLimit(3) from %v", tc.limit)
		l.SetLimit(tc.limit)
		require.Equal(t, tc.fast, l.fast.Load() != nil, "after SetLimit(%v)", tc.limit)
	}
}

// A lock-free Allow that loaded the bucket before a SetLimit and books after
// it must not land in the retired bucket, where the booking would be lost
// (admitted yet never charged): it has to go through the lock instead.
func TestRetiredBucketRefusesBookings(t *testing.T) {
	for _, next := range []Limit{2000, 3, 0, Inf} { // to whole, fractional, frozen, unlimited
		l := New(1000, 10)
		old := l.fast.Load()
		require.NotNil(t, old)
		l.SetLimit(next)
		ok, live := old.allow(l.now(), 1)
		require.False(t, ok, "to %v", next)
		require.False(t, live, "to %v", next)
		require.Equal(t, 10.0, min(l.Tokens(), 10), "to %v: nothing taken", next)
	}
}

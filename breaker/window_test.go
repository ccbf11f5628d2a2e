package breaker

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWindow(t *testing.T) {
	type rec struct {
		now    int64
		failed bool
		calls  uint64
		fails  uint64
	}
	for _, tc := range []struct {
		name string
		recs []rec
	}{
		{"counts within the window", []rec{{0, true, 1, 1}, {5, false, 2, 1}, {99, true, 3, 2}}},
		{"forgets a bucket once it leaves the window", []rec{{0, true, 1, 1}, {15, false, 2, 1}, {100, false, 2, 0}, {115, false, 2, 0}}},
		{"forgets everything after a long pause", []rec{{0, true, 1, 1}, {10, true, 2, 2}, {1000, false, 1, 0}}},
		{"an idle stretch in the middle", []rec{{0, true, 1, 1}, {50, true, 2, 2}, {105, false, 2, 1}}},
		// A caller that read the clock and then stalled may record after
		// others have moved on by a whole window: its outcome counts as
		// now, and must not wipe the newer bucket it maps to.
		{"a late outcome from a stalled caller", []rec{{200, true, 1, 1}, {205, true, 2, 2}, {100, false, 3, 2}, {209, false, 4, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWindow(100)
			for i, r := range tc.recs {
				calls, fails := w.record(r.now, r.failed)
				require.Equal(t, [2]uint64{r.calls, r.fails}, [2]uint64{calls, fails}, "record %d at %d", i, r.now)
			}
		})
	}
}

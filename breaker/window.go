package breaker

import "sync"

// buckets is how many slices the failure-rate window is cut into: the
// window forgets old outcomes one slice at a time, so the rate is exact to
// within a tenth of the window.
const buckets = 10

// window counts outcomes over a rolling span of time. Buckets are recycled
// lazily: a bucket whose epoch is stale is cleared by the next record that
// lands in it, so no timer is needed.
type window struct {
	mu    sync.Mutex
	width int64 // nanoseconds per bucket
	last  int64 // the latest slice recorded
	b     [buckets]bucket
}

type bucket struct {
	epoch           int64 // index of the time slice these counts belong to
	calls, failures uint64
}

func newWindow(span int64) *window {
	w := &window{width: max(span/buckets, 1)}
	for i := range w.b {
		w.b[i].epoch = -1
	}
	return w
}

// record adds one outcome at time now and returns the totals over the
// window ending at now.
//
// Callers read the clock before they lock, so now may be older than a time
// already recorded. Such an outcome counts in the latest slice: it is late
// by at most the caller's stall, and mapping it back to its own slice could
// clear the newer counts that slot holds now.
func (w *window) record(now int64, failed bool) (calls, failures uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	epoch := max(now/w.width, w.last)
	w.last = epoch
	cur := &w.b[epoch%buckets]
	if cur.epoch != epoch {
		*cur = bucket{epoch: epoch}
	}
	cur.calls++
	if failed {
		cur.failures++
	}
	for i := range w.b {
		if e := w.b[i].epoch; e > epoch-buckets && e <= epoch {
			calls += w.b[i].calls
			failures += w.b[i].failures
		}
	}
	return calls, failures
}

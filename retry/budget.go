package retry

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// budgetSeconds is the span, in one-second buckets, over which a Budget
// compares retries with calls.
const budgetSeconds = 10

// Budget caps retries across many calls of Do, so that when a dependency
// is down its clients do not multiply the load on it by their attempt
// count. Share one Budget between all the calls to one dependency
// (WithBudget). It is safe for concurrent use and has no goroutine: the
// rolling window is brought up to date when it is used. Create it with
// NewBudget.
type Budget struct {
	ratio float64
	floor uint64
	epoch time.Time

	mu  sync.Mutex
	sec [budgetSeconds]budgetBucket
}

type budgetBucket struct {
	second         int64
	calls, retries uint64
}

// NewBudget returns a Budget that allows, over the last ten seconds, retries
// up to ratio times the number of calls (first attempts), and in any case
// minPerSecond retries in each second, so that a client with little traffic
// can still retry. First attempts are never refused. For example
// NewBudget(0.1, 10) lets retries add at most 10% to the load, but always
// at least 10 retries a second. It panics if ratio is negative, NaN or
// infinite, or minPerSecond is negative.
func NewBudget(ratio float64, minPerSecond int) *Budget {
	if ratio < 0 || math.IsNaN(ratio) || math.IsInf(ratio, 0) {
		panic(fmt.Sprintf("retry: NewBudget called with invalid ratio %v", ratio))
	}
	if minPerSecond < 0 {
		panic(fmt.Sprintf("retry: NewBudget called with negative minPerSecond %d", minPerSecond))
	}
	b := &Budget{ratio: ratio, floor: uint64(minPerSecond), epoch: time.Now()}
	for i := range b.sec {
		b.sec[i].second = -1
	}
	return b
}

// bucket returns the bucket of the current second, cleared if it last held
// an older second. b.mu must be held.
func (b *Budget) bucket() (*budgetBucket, int64) {
	s := int64(time.Since(b.epoch) / time.Second)
	cur := &b.sec[s%budgetSeconds]
	if cur.second != s {
		*cur = budgetBucket{second: s}
	}
	return cur, s
}

// call records a first attempt.
func (b *Budget) call() {
	b.mu.Lock()
	cur, _ := b.bucket()
	cur.calls++
	b.mu.Unlock()
}

// retry reports whether a retry may go ahead now, and records it if so.
func (b *Budget) retry() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, s := b.bucket()
	ok := cur.retries < b.floor
	if !ok {
		var calls, retries uint64
		for i := range b.sec {
			if e := b.sec[i].second; e > s-budgetSeconds && e <= s {
				calls += b.sec[i].calls
				retries += b.sec[i].retries
			}
		}
		ok = float64(retries+1) <= b.ratio*float64(calls)
	}
	if ok {
		cur.retries++
	}
	return ok
}

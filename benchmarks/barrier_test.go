package benchmarks

import (
	"context"
	"sync"
	"testing"

	"github.com/weavego/weave/barrier"
)

// condBarrier is the barrier people write by hand: a mutex, a sync.Cond and
// a generation counter. It has no cancel, no break and no action.
type condBarrier struct {
	mu      sync.Mutex
	cond    sync.Cond
	parties int
	count   int
	gen     uint64
}

func newCondBarrier(parties int) *condBarrier {
	c := &condBarrier{parties: parties}
	c.cond.L = &c.mu
	return c
}

func (c *condBarrier) Wait() {
	c.mu.Lock()
	defer c.mu.Unlock()
	gen := c.gen
	c.count++
	if c.count == c.parties {
		c.count = 0
		c.gen++
		c.cond.Broadcast()
		return
	}
	for gen == c.gen {
		c.cond.Wait()
	}
}

// BenchmarkBarrier is 4 goroutines each calling Wait b.N times, so one op is
// one full round trip of 4 parties.
func BenchmarkBarrier(b *testing.B) {
	const parties = 4
	run := func(b *testing.B, wait func()) {
		b.ReportAllocs()
		var wg sync.WaitGroup
		for range parties {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range b.N {
					wait()
				}
			}()
		}
		wg.Wait()
	}
	b.Run("weave", func(b *testing.B) {
		ctx := context.Background()
		br := barrier.New(parties)
		run(b, func() {
			if err := br.Wait(ctx); err != nil {
				b.Error(err)
			}
		})
	})
	b.Run("cond", func(b *testing.B) {
		c := newCondBarrier(parties)
		run(b, c.Wait)
	})
}

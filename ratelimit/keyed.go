package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/weavego/weave/internal/list"
)

// Keyed is a set of limiters, one per key (a client IP, a user ID), all with
// the same limit and burst. A key's limiter is made, full, on first use.
//
// Keys are forgotten lazily, with no goroutine: each call looks at the next
// two keys of a walk over all of them and drops those whose bucket has
// refilled to full and that have not been used for the idle TTL. A full
// bucket is what a new key gets, so dropping it never lets a client through
// sooner; for the same reason, at Limit 0 a key that has spent tokens is
// never dropped for idleness. With WithMaxKeys, adding a key to a full set
// drops the least recently used key even if its bucket is not full: that key
// starts again with a full burst if it comes back, and a Wait in progress
// for it keeps its place but can no longer give its token back.
//
// Keyed is safe for concurrent use; make one with NewKeyed.
type Keyed[K comparable] struct {
	epoch time.Time
	rule  rule
	ttl   int64 // ns
	max   int   // 0: no cap

	mu     sync.Mutex
	m      map[K]*list.Node[entry[K]]
	lru    list.List[entry[K]]  // least recently used first
	cursor *list.Node[entry[K]] // next to look at for eviction, walking front to back
}

// entry is a key's state. It lives inside its LRU node, so a new key costs
// one allocation.
type entry[K comparable] struct {
	key  K
	b    bucket
	last int64 // last use, on the Keyed clock
}

// A KeyedOption configures NewKeyed.
type KeyedOption func(*keyedConfig)

type keyedConfig struct {
	ttl     time.Duration
	maxKeys int
}

// WithIdleTTL keeps a key whose bucket is full for d after its last use
// before it may be dropped, so that a client that comes back soon reuses its
// entry instead of making a new one. The default, 0, drops a key as soon as
// its bucket is full again. It panics if d is negative.
func WithIdleTTL(d time.Duration) KeyedOption {
	if d < 0 {
		panic(fmt.Sprintf("ratelimit: WithIdleTTL called with negative duration %v", d))
	}
	return func(c *keyedConfig) { c.ttl = d }
}

// WithMaxKeys caps the number of keys held at n: adding a key beyond it drops
// the least recently used one. The default is no cap. It panics if n is not
// positive.
func WithMaxKeys(n int) KeyedOption {
	if n <= 0 {
		panic(fmt.Sprintf("ratelimit: WithMaxKeys called with non-positive n %d", n))
	}
	return func(c *keyedConfig) { c.maxKeys = n }
}

// NewKeyed returns an empty Keyed whose limiters each allow limit events per
// second with bursts of burst, as New does. It panics on the inputs New
// panics on.
func NewKeyed[K comparable](limit Limit, burst int, opts ...KeyedOption) *Keyed[K] {
	checkLimit("NewKeyed", limit)
	checkBurst("NewKeyed", burst)
	var c keyedConfig
	for _, o := range opts {
		o(&c)
	}
	return &Keyed[K]{
		epoch: time.Now(),
		rule:  newRule(limit, burst),
		ttl:   int64(c.ttl),
		max:   c.maxKeys,
		m:     make(map[K]*list.Node[entry[K]]),
	}
}

func (k *Keyed[K]) now() int64 {
	return int64(time.Since(k.epoch))
}

// Allow reports whether one event for key may happen now, and if so takes
// its token. It never blocks.
func (k *Keyed[K]) Allow(key K) bool {
	now := k.now()
	k.mu.Lock()
	e := k.use(key, now)
	ok := k.rule.kind == unlimited || (k.rule.burst >= 1 && e.Value.b.take(&k.rule, now, 1, 0).ok)
	k.sweep(now, e)
	k.mu.Unlock()
	return ok
}

// Wait blocks until one event for key may happen, with the same rules and
// errors as Limiter.WaitN: ctx's error (the token given back when cancelled
// while waiting), ErrExceedsBurst when the burst is 0, ErrWouldExceedDeadline
// at once when the wait would not end before ctx's deadline. Waiters for one
// key are served in the order they called.
func (k *Keyed[K]) Wait(ctx context.Context, key K) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if k.rule.burst < 1 && k.rule.kind != unlimited {
		return fmt.Errorf("%w: n=1, burst=%d", ErrExceedsBurst, k.rule.burst)
	}
	maxWait := maxWaitOf(ctx)
	now := k.now()
	k.mu.Lock()
	e := k.use(key, now)
	bk := e.Value.b.take(&k.rule, now, 1, maxWait)
	k.sweep(now, e)
	k.mu.Unlock()
	if !bk.ok {
		return ErrWouldExceedDeadline
	}
	return sleep(ctx, time.Duration(bk.act-now), func() {
		now := k.now()
		k.mu.Lock()
		// If e was dropped meanwhile this changes a bucket no one sees.
		e.Value.b.cancel(&k.rule, now, bk, 1)
		k.mu.Unlock()
	})
}

// Delay returns how long from now until Allow(key) would pass, without
// taking anything or making an entry for key: 0 if it would pass now,
// InfDuration if it never will (Limit 0 with the burst spent, or burst 0).
// Use it for a Retry-After header after Allow said no.
func (k *Keyed[K]) Delay(key K) time.Duration {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	var d int64
	if e := k.m[key]; e != nil {
		d = e.Value.b.delay(&k.rule, now, 1)
	} else {
		var b bucket
		b.fill(&k.rule, now)
		d = b.delay(&k.rule, now, 1)
	}
	if d >= maxAhead {
		return InfDuration
	}
	return time.Duration(d)
}

// Len returns the number of keys held, including idle ones not dropped yet.
func (k *Keyed[K]) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

// use returns key's entry, made if needed, as the most recently used.
func (k *Keyed[K]) use(key K, now int64) *list.Node[entry[K]] {
	e := k.m[key]
	if e != nil {
		if e != k.lru.Back() {
			k.skipCursor(e)
			k.lru.MoveToBack(e)
		}
		e.Value.last = now
		return e
	}
	if k.max > 0 && len(k.m) >= k.max {
		k.sweep(now, nil)
		if len(k.m) >= k.max {
			k.remove(k.lru.Front())
		}
	}
	e = &list.Node[entry[K]]{Value: entry[K]{key: key, last: now}}
	e.Value.b.fill(&k.rule, now)
	k.m[key] = e
	k.lru.PushBack(e)
	return e
}

// sweep looks at the next two keys in its walk and drops those that are full
// and idle, except keep. Two per call outpaces the one key a call can add,
// so every key is looked at within len/2 calls and memory stays bounded by
// the keys that are busy or not yet refilled.
func (k *Keyed[K]) sweep(now int64, keep *list.Node[entry[K]]) {
	for range 2 {
		e := k.cursor
		if e == nil {
			if e = k.lru.Front(); e == nil {
				return
			}
		}
		k.cursor = e.Next()
		if e != keep && now-e.Value.last >= k.ttl && e.Value.b.full(&k.rule, now) {
			k.remove(e)
		}
	}
}

func (k *Keyed[K]) remove(e *list.Node[entry[K]]) {
	k.skipCursor(e)
	k.lru.Remove(e)
	delete(k.m, e.Value.key)
}

// skipCursor moves the sweep's cursor past e, which is about to leave its
// place in the LRU.
func (k *Keyed[K]) skipCursor(e *list.Node[entry[K]]) {
	if k.cursor == e {
		k.cursor = e.Next()
	}
}

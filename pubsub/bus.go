package pubsub

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
)

var (
	// ErrClosed is returned by Publish and Subscribe once the Bus is closed,
	// and by Err of the subscriptions that Close ended.
	ErrClosed = errors.New("pubsub: closed")
	// ErrSlowConsumer is Err of a subscription that the Disconnect policy
	// ended because its buffer was full.
	ErrSlowConsumer = errors.New("pubsub: slow consumer disconnected")
	// ErrBadTopic is wrapped by the errors for malformed topics and patterns.
	ErrBadTopic = errors.New("pubsub: bad topic")
)

// Message is what a subscriber receives: the topic it was published to and
// the value.
type Message[T any] struct {
	Topic string
	Value T
}

// maxCachedTopics bounds the per-topic match cache so a bus that sees an
// unbounded number of distinct topics does not grow without limit.
const maxCachedTopics = 4096

// Bus delivers messages published to a topic to every subscription whose
// pattern matches it. It is safe for concurrent use and starts no goroutine.
type Bus[T any] struct {
	cfg config

	mu     sync.Mutex // serialises Subscribe, removal and Close
	closed bool       // guarded by mu
	snap   atomic.Pointer[snapshot[T]]
}

// snapshot is an immutable list of live subscriptions. Publish reads it
// without a lock; every change to the set installs a new one, which also
// throws the match cache away.
type snapshot[T any] struct {
	closed bool
	subs   []*Subscription[T]

	mu    sync.RWMutex
	cache map[string][]*Subscription[T] // topic → matching subscriptions
}

// New returns an open Bus. opts set the defaults for its subscriptions.
func New[T any](opts ...Option) *Bus[T] {
	b := &Bus[T]{cfg: defaultConfig()}
	for _, o := range opts {
		o(&b.cfg)
	}
	b.snap.Store(&snapshot[T]{})
	return b
}

// Subscribe registers a subscription for every topic that matches pattern,
// with the Bus's options overridden by opts. Messages published after
// Subscribe returns reach it. It returns ErrClosed after Close and an error
// wrapping ErrBadTopic for a malformed pattern.
func (b *Bus[T]) Subscribe(pattern string, opts ...Option) (*Subscription[T], error) {
	toks, err := parsePattern(pattern)
	if err != nil {
		return nil, err
	}
	cfg := b.cfg
	for _, o := range opts {
		o(&cfg)
	}
	s := &Subscription[T]{
		bus:     b,
		pattern: toks,
		policy:  cfg.policy,
		ch:      make(chan Message[T], cfg.buffer),
		done:    make(chan struct{}),
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	old := b.snap.Load().subs
	subs := make([]*Subscription[T], len(old), len(old)+1)
	copy(subs, old)
	b.snap.Store(&snapshot[T]{subs: append(subs, s)})
	return s, nil
}

// remove takes s out of the set of subscriptions Publish sees.
func (b *Bus[T]) remove(s *Subscription[T]) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.snap.Load()
	i := slices.Index(old.subs, s)
	if i < 0 {
		return
	}
	subs := make([]*Subscription[T], 0, len(old.subs)-1)
	subs = append(subs, old.subs[:i]...)
	subs = append(subs, old.subs[i+1:]...)
	b.snap.Store(&snapshot[T]{subs: subs})
}

// Close ends every subscription (their Err becomes ErrClosed and their
// channels are closed once the messages already queued are read) and wakes
// every Publish waiting under Block. Later Publish and Subscribe return
// ErrClosed. Close is idempotent and always returns nil.
func (b *Bus[T]) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs := b.snap.Load().subs
	b.snap.Store(&snapshot[T]{closed: true})
	b.mu.Unlock()

	for _, s := range subs {
		s.end(ErrClosed)
	}
	return nil
}

// matching returns the subscriptions whose pattern matches topic, from the
// cache when it can; a miss validates topic, matches every pattern once and
// caches the result until the set of subscriptions changes.
func (sn *snapshot[T]) matching(topic string) ([]*Subscription[T], error) {
	sn.mu.RLock()
	m, ok := sn.cache[topic]
	sn.mu.RUnlock()
	if ok {
		return m, nil
	}
	if err := validTopic(topic); err != nil {
		return nil, err
	}
	for _, s := range sn.subs {
		if match(s.pattern, topic) {
			m = append(m, s)
		}
	}
	sn.mu.Lock()
	if sn.cache == nil || len(sn.cache) >= maxCachedTopics {
		sn.cache = make(map[string][]*Subscription[T])
	}
	sn.cache[topic] = m
	sn.mu.Unlock()
	return m, nil
}

// Publish sends a message with topic and v to every matching subscription
// and returns how many received it. It holds no lock while it sends, so
// Subscribe, Unsubscribe and other Publish calls proceed meanwhile. Each
// subscription receives the messages of one publisher in publish order.
//
// A full subscription is handled by its Policy. Under Block, Publish first
// delivers to every subscription with room and then waits for the full ones
// in turn; once ctx is done it stops waiting, counts the message as dropped
// for each subscription it could not reach, and returns the count so far
// with ctx's error. A waiting Publish skips a subscription that ends.
//
// Publish returns ErrClosed after Close and an error wrapping ErrBadTopic for
// a malformed topic (empty, an empty token, white space or a wildcard).
func (b *Bus[T]) Publish(ctx context.Context, topic string, v T) (delivered int, err error) {
	sn := b.snap.Load()
	if sn.closed {
		return 0, ErrClosed
	}
	subs, err := sn.matching(topic)
	if err != nil {
		return 0, err
	}
	msg := Message[T]{Topic: topic, Value: v}

	// Indexes of Block subscriptions that were full, waited on after every
	// ready subscriber has its copy. Stays on the stack for the usual case.
	var buf [32]int32
	full := buf[:0]
	for i, s := range subs {
		switch s.offer(msg) {
		case sent:
			delivered++
		case wouldBlock:
			full = append(full, int32(i))
		}
	}
	for j, i := range full {
		switch subs[i].wait(ctx, msg) {
		case sent:
			delivered++
		case canceled:
			for _, k := range full[j:] {
				subs[k].dropped.Add(1)
			}
			return delivered, ctx.Err()
		}
	}
	return delivered, nil
}

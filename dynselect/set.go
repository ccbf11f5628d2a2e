package dynselect

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"sync"
	"sync/atomic"
)

var (
	// ErrClosed is returned by Add once Close has been called, and by Recv
	// once it has also returned the values the set had taken before Close.
	ErrClosed = errors.New("dynselect: closed")
	// ErrDuplicateKey is returned by Add for a key that is already in the set.
	ErrDuplicateKey = errors.New("dynselect: duplicate key")
)

// errEmpty ends All when the set has no channel left.
var errEmpty = errors.New("dynselect: empty")

// Event is one thing Recv observed: a value received from the channel added
// under Key, or, with Closed set, that this channel was closed (Value is then
// the zero value). A closed channel is reported once and removed from the set.
type Event[K comparable, T any] struct {
	Key    K
	Value  T
	Closed bool
}

// Sizes that pick the strategy. Up to largeAbove channels, Recv itself polls
// them and blocks in one reflect.Select, with no goroutine. Beyond that, the
// channels are split into shards of at most shardSize, each served by one
// goroutine, so that a value costs O(shardSize) however large the set, and
// reflect.Select's limit of 65536 cases never applies. smallBelow leaves a
// gap so that a set hovering around the limit does not switch back and forth.
const (
	largeAbove = 128
	smallBelow = 64
	shardSize  = 128
)

// entry is one channel in the set.
type entry[K comparable, T any] struct {
	key K
	ch  <-chan T

	// Guarded by Set.mu.
	gone     bool         // no longer in the set: removed, or closed and reported
	removed  bool         // taken out by Remove, which wants the values taken
	leftover []T          // values taken from ch after Remove began
	shard    *shard[K, T] // serving goroutine in large mode, else nil
	idx      int          // position in Set.list in small mode

	// inflight counts items of this entry a shard has offered on Set.out
	// that Recv has not yet processed; Remove waits for it to drop to zero
	// so that no taken value escapes it.
	inflight atomic.Int32
}

// item is what a shard hands to Recv.
type item[K comparable, T any] struct {
	e       *entry[K, T]
	v       T
	closed  bool
	counted bool   // in e.inflight
	epoch   uint64 // Set.epoch when the shard that took it started
}

// Set is a dynamic select: a set of receive channels, keyed by K, that
// Recv waits on all at once while other goroutines Add and Remove channels.
// All methods are safe for concurrent use. The zero Set is not usable; call
// New.
type Set[K comparable, T any] struct {
	mu      sync.Mutex
	cond    sync.Cond // signalled when stale or an entry's inflight drops
	closed  bool
	entries map[K]*entry[K, T]
	pending []item[K, T] // values taken by stopped shards, returned first

	// Small mode: list is the poll order, cache the reflect.Select cases
	// for the current generation, rebuilt lazily.
	list   []*entry[K, T]
	cursor int
	cache  *selectCache[K, T]

	// gen counts changes to the set. A Recv blocked in reflect.Select over
	// channels of generation g is active while g == gen and stale after;
	// Remove waits until no stale one remains, because it might still take a
	// value from the removed channel.
	gen     uint64
	active  int
	stale   int
	waiting int           // Recv calls blocked in a select
	wake    chan struct{} // closed on a change while someone waits

	// Large mode. epoch counts the stops of all shards (going small, or
	// Close); the values those shards held wait in pending.
	large  bool
	epoch  uint64
	shards []*shard[K, T]
	out    chan item[K, T]
	wg     sync.WaitGroup
}

// New returns an empty open Set. It starts no goroutine until the set grows
// large; Close ends those it started.
func New[K comparable, T any]() *Set[K, T] {
	s := &Set[K, T]{
		entries: make(map[K]*entry[K, T]),
		wake:    make(chan struct{}),
		out:     make(chan item[K, T]),
	}
	s.cond.L = &s.mu
	return s
}

// Add puts ch into the set under key. From then on Recv may take values from
// ch; a Recv blocked on the set starts waiting on ch too. Add returns
// ErrDuplicateKey if key is already present (ch is not added) and ErrClosed
// after Close. It panics if ch is nil, which could never be ready.
func (s *Set[K, T]) Add(key K, ch <-chan T) error {
	if ch == nil {
		panic(fmt.Sprintf("dynselect: Add called with nil channel for key %v", key))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if _, dup := s.entries[key]; dup {
		return fmt.Errorf("%w: %v", ErrDuplicateKey, key)
	}
	e := &entry[K, T]{key: key, ch: ch}
	s.entries[key] = e
	if s.large {
		s.addToShard(e)
	} else {
		e.idx = len(s.list)
		s.list = append(s.list, e)
		if len(s.list) > largeAbove {
			s.toLarge()
		}
	}
	s.changed()
	return nil
}

// Remove takes the channel under key out of the set and reports whether it
// was there. Once Remove returns, the set takes nothing more from that
// channel; values it had already taken but Recv had not yet returned are
// given back as leftover, in no particular order. Remove may wait briefly
// for a concurrent Recv to let go of the channel.
func (s *Set[K, T]) Remove(key K) (leftover []T, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok {
		return nil, false
	}
	s.drop(e)
	e.removed = true
	if e.shard != nil {
		e.leftover = append(e.leftover, e.shard.remove(e)...)
		s.shardShrunk(e.shard)
	}
	s.changed()
	// Values of e parked by shards that were stopped.
	kept := s.pending[:0]
	for _, it := range s.pending {
		if it.e != e {
			kept = append(kept, it)
		} else if !it.closed {
			e.leftover = append(e.leftover, it.v)
		}
	}
	clear(s.pending[len(kept):])
	s.pending = kept
	for s.stale > 0 || e.inflight.Load() > 0 {
		s.cond.Wait()
	}
	if s.large && !s.closed && len(s.entries) < smallBelow {
		s.toSmall()
	}
	leftover = e.leftover
	e.leftover = nil
	return leftover, true
}

// drop forgets e; the caller stops its shard, if any. A value of e that
// another Recv took before is still returned unless Remove dropped e (then
// it is leftover), so that the closing of ch never makes a value vanish.
func (s *Set[K, T]) drop(e *entry[K, T]) {
	delete(s.entries, e.key)
	e.gone = true
	if !s.large {
		last := s.list[len(s.list)-1]
		s.list[e.idx] = last
		last.idx = e.idx
		s.list[len(s.list)-1] = nil
		s.list = s.list[:len(s.list)-1]
	}
}

// changed records a change of the set and wakes blocked Recv calls so they
// wait on the new set (or notice Close or an empty set).
func (s *Set[K, T]) changed() {
	s.gen++
	s.stale += s.active
	s.active = 0
	if s.waiting > 0 {
		close(s.wake)
		s.wake = make(chan struct{})
	}
}

// Len returns the number of channels in the set.
func (s *Set[K, T]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Close removes every channel and ends the set: nothing more is taken from
// any channel, later Add calls return ErrClosed, and Recv returns ErrClosed
// once it has handed out the values the set had already taken. Only the
// shard goroutines of a set of more than 128 channels take values ahead of
// Recv, at most one each; a Recv racing with Close returns the value it
// has just taken. So Close loses nothing, and a caller that stops receiving
// at Close discards only those few values. The channels themselves are
// left as they are. Close waits for the set's goroutines to exit and is
// idempotent.
func (s *Set[K, T]) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.epoch++
	for _, sh := range s.shards {
		s.pending = append(s.pending, sh.stop()...)
	}
	s.shards = nil
	s.entries = nil
	s.list = nil
	s.changed()
	s.cond.Broadcast()
	s.mu.Unlock()
	s.wg.Wait()
}

// Recv waits until one of the channels in the set has a value or is closed,
// and returns it as an Event. Every value sent on a channel in the set is
// returned by exactly one Recv (unless Remove gives it back as leftover).
// Channels with values ready are served in turn, so none is starved. A
// closed channel is reported once, with Closed set, and removed. Calls of
// Recv from one goroutine see each channel's values in the order they were
// sent, then its closing; calls from several goroutines may return them in
// any order, as with a plain channel read by several goroutines.
//
// While the set is empty Recv blocks until Add, Close or ctx is done. It
// returns ctx's error once ctx is done. After Close it returns the values
// the set had already taken, if any, and then ErrClosed.
func (s *Set[K, T]) Recv(ctx context.Context) (Event[K, T], error) {
	return s.recv(ctx, false)
}

// All returns an iterator over the values of the set, as (key, value)
// pairs, for use in a range loop. It ends when the set becomes empty (every
// channel closed or removed), ctx is done, or the set is closed (after the
// values it had already taken, as with Recv); closed channels are removed
// silently. Breaking out of the loop leaves the set as
// it is.
func (s *Set[K, T]) All(ctx context.Context) iter.Seq2[K, T] {
	return func(yield func(K, T) bool) {
		for {
			ev, err := s.recv(ctx, true)
			if err != nil {
				return
			}
			if !ev.Closed && !yield(ev.Key, ev.Value) {
				return
			}
		}
	}
}

func (s *Set[K, T]) recv(ctx context.Context, untilEmpty bool) (Event[K, T], error) {
	var zero Event[K, T]
	for {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		s.mu.Lock()
		if len(s.pending) > 0 {
			it := s.pending[0]
			s.pending[0] = item[K, T]{}
			s.pending = s.pending[1:]
			ev, ok := s.accept(it)
			s.mu.Unlock()
			if ok {
				return ev, nil
			}
			continue
		}
		if s.closed {
			s.mu.Unlock()
			return zero, ErrClosed
		}
		if untilEmpty && len(s.entries) == 0 {
			s.mu.Unlock()
			return zero, errEmpty
		}
		if !s.large && len(s.list) > 0 {
			if ev, ok := s.poll(); ok {
				s.mu.Unlock()
				return ev, nil
			}
			ev, ok, err := s.selectSmall(ctx) // unlocks and relocks s.mu
			s.mu.Unlock()
			if ok || err != nil {
				return ev, err
			}
			continue
		}
		wake := s.wake
		s.waiting++
		s.mu.Unlock()
		select {
		case it := <-s.out:
			s.mu.Lock()
			s.waiting--
			if len(s.pending) > 0 && !it.e.removed && it.epoch == s.epoch {
				// The set went small and large again while this Recv
				// waited, and a shard started since took it: the values in
				// pending were taken before it, so they go first, or a
				// channel's values (or its closing) would come out of
				// order. An item of a stopped shard is older than pending.
				if it.counted {
					it.e.inflight.Add(-1)
					it.counted = false
				}
				s.pending = append(s.pending, it)
				s.mu.Unlock()
				continue
			}
			ev, ok := s.accept(it)
			s.mu.Unlock()
			if ok {
				return ev, nil
			}
		case <-wake:
			s.mu.Lock()
			s.waiting--
			s.mu.Unlock()
		case <-ctx.Done():
			s.mu.Lock()
			s.waiting--
			s.mu.Unlock()
			return zero, ctx.Err()
		}
	}
}

// accept turns an item a shard delivered into an event, or hands it to a
// concurrent Remove of its entry. A value taken before Close is still
// returned; a channel's closing seen after Close is not reported, as the
// set no longer holds any channel. Called with s.mu held.
func (s *Set[K, T]) accept(it item[K, T]) (Event[K, T], bool) {
	e := it.e
	if it.counted {
		e.inflight.Add(-1)
	}
	if e.removed {
		if !it.closed {
			e.leftover = append(e.leftover, it.v)
		}
		s.cond.Broadcast()
		return Event[K, T]{}, false
	}
	if it.closed {
		if e.gone || s.closed { // reported already, or the set is gone
			return Event[K, T]{}, false
		}
		s.drop(e)
		if e.shard != nil {
			s.shardShrunk(e.shard)
		}
		s.changed()
		return Event[K, T]{Key: e.key, Closed: true}, true
	}
	return Event[K, T]{Key: e.key, Value: it.v}, true
}

// poll tries every channel once, without blocking, starting after the one
// that gave the last value so that ready channels take turns. Called with
// s.mu held in small mode, so no Remove can run meanwhile.
func (s *Set[K, T]) poll() (Event[K, T], bool) {
	n := len(s.list)
	i := s.cursor
	for range n {
		if i >= n {
			i = 0
		}
		e := s.list[i]
		select {
		case v, ok := <-e.ch:
			s.cursor = i + 1
			if !ok {
				s.drop(e)
				s.changed()
				return Event[K, T]{Key: e.key, Closed: true}, true
			}
			return Event[K, T]{Key: e.key, Value: v}, true
		default:
		}
		i++
	}
	return Event[K, T]{}, false
}

// selectCache is the argument of reflect.Select for one generation of a
// small set: ctx.Done, the wake channel, then every channel of list. It is
// lent to one blocked Recv at a time; a concurrent one copies cases.
type selectCache[K comparable, T any] struct {
	gen   uint64
	cases []reflect.SelectCase
	list  []*entry[K, T]
	busy  bool
}

// selectSmall blocks in reflect.Select over every channel of the set, the
// set's wake channel and ctx. Called with s.mu held; returns with it held.
func (s *Set[K, T]) selectSmall(ctx context.Context) (ev Event[K, T], ok bool, err error) {
	c := s.cache
	if c == nil || c.gen != s.gen {
		c = &selectCache[K, T]{
			gen:   s.gen,
			cases: make([]reflect.SelectCase, 2, 2+len(s.list)),
			list:  append([]*entry[K, T](nil), s.list...),
		}
		c.cases[0].Dir = reflect.SelectRecv
		c.cases[1] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(s.wake)}
		for _, e := range c.list {
			c.cases = append(c.cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(e.ch)})
		}
		s.cache = c
	}
	cases := c.cases
	lent := !c.busy
	if lent {
		c.busy = true
	} else {
		cases = append([]reflect.SelectCase(nil), cases...)
	}
	if done := ctx.Done(); done != nil {
		cases[0].Chan = reflect.ValueOf(done)
	} else {
		cases[0].Chan = reflect.Value{}
	}
	gen := s.gen
	s.active++
	s.waiting++
	s.mu.Unlock()

	chosen, rv, recvOK := reflect.Select(cases)

	s.mu.Lock()
	s.waiting--
	if gen == s.gen {
		s.active--
	} else {
		s.stale--
		if s.stale == 0 {
			s.cond.Broadcast()
		}
	}
	if lent {
		c.busy = false
	}
	switch chosen {
	case 0:
		return ev, false, ctx.Err()
	case 1:
		return ev, false, nil
	}
	e := c.list[chosen-2]
	if !recvOK {
		if s.closed {
			return ev, false, ErrClosed
		}
		if e.gone { // reported already, or removed
			return ev, false, nil
		}
		s.drop(e)
		s.changed()
		return Event[K, T]{Key: e.key, Closed: true}, true, nil
	}
	var v T
	if x := rv.Interface(); x != nil {
		v = x.(T)
	}
	if e.removed {
		e.leftover = append(e.leftover, v)
		return ev, false, nil
	}
	// Returned even if Close came meanwhile, or another Recv reported the
	// closing of ch meanwhile: the value was taken before either.
	return Event[K, T]{Key: e.key, Value: v}, true, nil
}

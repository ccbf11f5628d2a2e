package dynselect

import "reflect"

// A shard serves up to shardSize channels of a large set from one
// goroutine: it takes one value at a time (polling its channels in turn,
// else blocking in reflect.Select over them) and offers it to Recv on
// Set.out. It holds at most one value; a Remove of that value's channel, or
// a stop, gets the value back instead of Recv.
type shard[K comparable, T any] struct {
	s     *Set[K, T]
	ctl   chan ctlMsg[K, T]
	reply chan []item[K, T]
	count int // entries assigned to it; guarded by Set.mu
	epoch uint64

	// Owned by the shard's goroutine.
	list   []*entry[K, T]
	cursor int
	cases  []reflect.SelectCase // ctl, then list; nil when list changed
}

type ctlOp int

const (
	opAdd ctlOp = iota
	opRemove
	opStop
)

type ctlMsg[K comparable, T any] struct {
	op ctlOp
	e  *entry[K, T]
}

// startShard starts a goroutine serving list. Called with Set.mu held.
func (s *Set[K, T]) startShard(list []*entry[K, T]) *shard[K, T] {
	sh := &shard[K, T]{
		s:     s,
		ctl:   make(chan ctlMsg[K, T]),
		reply: make(chan []item[K, T]),
		count: len(list),
		epoch: s.epoch,
		list:  list,
	}
	for _, e := range list {
		e.shard = sh
	}
	s.shards = append(s.shards, sh)
	s.wg.Add(1)
	go sh.run()
	return sh
}

// addToShard gives e to a shard with room, or to a new one.
func (s *Set[K, T]) addToShard(e *entry[K, T]) {
	for i := len(s.shards) - 1; i >= 0; i-- {
		if sh := s.shards[i]; sh.count < shardSize {
			sh.count++
			e.shard = sh
			sh.ctl <- ctlMsg[K, T]{op: opAdd, e: e}
			return
		}
	}
	s.startShard([]*entry[K, T]{e})
}

// shardShrunk records that one entry of sh is gone and stops sh when it has
// none left, so that no goroutine idles.
func (s *Set[K, T]) shardShrunk(sh *shard[K, T]) {
	sh.count--
	if sh.count > 0 {
		return
	}
	sh.stop()
	for i, x := range s.shards {
		if x == sh {
			s.shards = append(s.shards[:i], s.shards[i+1:]...)
			break
		}
	}
}

// toLarge moves every channel of the small set into shards.
func (s *Set[K, T]) toLarge() {
	s.large = true
	for len(s.list) > 0 {
		n := min(shardSize, len(s.list))
		s.startShard(append([]*entry[K, T](nil), s.list[:n]...))
		s.list = s.list[n:]
	}
	s.list = nil
	s.cursor = 0
	s.cache = nil
}

// toSmall stops every shard, keeps the values they held for Recv, and
// serves the set from Recv again.
func (s *Set[K, T]) toSmall() {
	s.epoch++
	for _, sh := range s.shards {
		s.pending = append(s.pending, sh.stop()...)
	}
	s.shards = nil
	s.large = false
	s.list = make([]*entry[K, T], 0, len(s.entries))
	for _, e := range s.entries {
		e.shard = nil
		e.idx = len(s.list)
		s.list = append(s.list, e)
	}
	s.changed()
}

// remove makes the shard forget e and returns the values of e it held.
func (sh *shard[K, T]) remove(e *entry[K, T]) []T {
	sh.ctl <- ctlMsg[K, T]{op: opRemove, e: e}
	var vs []T
	for _, it := range <-sh.reply {
		vs = append(vs, it.v)
	}
	return vs
}

// stop ends the shard's goroutine and returns the value it held, if any.
func (sh *shard[K, T]) stop() []item[K, T] {
	sh.ctl <- ctlMsg[K, T]{op: opStop}
	return <-sh.reply
}

func (sh *shard[K, T]) run() {
	defer sh.s.wg.Done()
	for {
		it, ok := sh.next()
		if !ok {
			return
		}
		it.counted = true
		it.epoch = sh.epoch
		it.e.inflight.Add(1)
		if !sh.offer(it) {
			return
		}
	}
}

// offer waits until Recv takes it, serving control messages meanwhile. It
// reports false once the shard is stopped.
func (sh *shard[K, T]) offer(it item[K, T]) bool {
	for {
		select {
		case sh.s.out <- it:
			return true
		case m := <-sh.ctl:
			if m.op == opStop || (m.op == opRemove && m.e == it.e) {
				it.e.inflight.Add(-1)
				it.counted = false
				sh.forget(m.e)
				var held []item[K, T]
				if !it.closed {
					held = append(held, it)
				}
				sh.reply <- held
				return m.op != opStop
			}
			sh.apply(m)
		}
	}
}

// next returns the next value or closing of one of the shard's channels,
// serving control messages while it waits. It reports false once stopped.
func (sh *shard[K, T]) next() (item[K, T], bool) {
	for {
		n := len(sh.list)
		i := sh.cursor
		for range n {
			if i >= n {
				i = 0
			}
			e := sh.list[i]
			select {
			case v, ok := <-e.ch:
				sh.cursor = i + 1
				if !ok {
					sh.forget(e) // never poll a closed channel again
					return item[K, T]{e: e, closed: true}, true
				}
				return item[K, T]{e: e, v: v}, true
			default:
			}
			i++
		}
		if sh.cases == nil {
			sh.cases = make([]reflect.SelectCase, 0, 1+len(sh.list))
			sh.cases = append(sh.cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(sh.ctl)})
			for _, e := range sh.list {
				sh.cases = append(sh.cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(e.ch)})
			}
		}
		chosen, rv, ok := reflect.Select(sh.cases)
		if chosen == 0 {
			if !sh.apply(rv.Interface().(ctlMsg[K, T])) {
				return item[K, T]{}, false
			}
			continue
		}
		e := sh.list[chosen-1]
		sh.cursor = chosen
		if !ok {
			sh.forget(e)
			return item[K, T]{e: e, closed: true}, true
		}
		var v T
		if x := rv.Interface(); x != nil {
			v = x.(T)
		}
		return item[K, T]{e: e, v: v}, true
	}
}

// apply carries out a control message received while holding no value. It
// reports false for stop.
func (sh *shard[K, T]) apply(m ctlMsg[K, T]) bool {
	switch m.op {
	case opAdd:
		sh.list = append(sh.list, m.e)
		sh.cases = nil
	case opRemove:
		sh.forget(m.e)
		sh.reply <- nil
	case opStop:
		sh.reply <- nil
		return false
	}
	return true
}

// forget stops serving e, if the shard still does.
func (sh *shard[K, T]) forget(e *entry[K, T]) {
	for i, x := range sh.list {
		if x == e {
			last := len(sh.list) - 1
			sh.list[i] = sh.list[last]
			sh.list[last] = nil
			sh.list = sh.list[:last]
			sh.cases = nil
			return
		}
	}
}

package pubsub

import (
	"context"
	"errors"
	"sync/atomic"
)

// errUnsubscribed records that a subscription ended by Unsubscribe; Err
// reports it as nil.
var errUnsubscribed = errors.New("pubsub: unsubscribed")

// Bits of Subscription.state above the count of in-flight senders.
const (
	ending   = 1 << 62 // the subscription has ended; no new sends start
	chClosed = 1 << 61 // ch has been closed
)

// Subscription receives the messages published to topics matching its
// pattern, on the channel C, until Unsubscribe, Close of its Bus, or the
// Disconnect policy ends it.
type Subscription[T any] struct {
	bus     *Bus[T]
	pattern []string
	policy  Policy
	ch      chan Message[T]
	done    chan struct{} // closed when the subscription ends: wakes waiting publishers

	// state counts publishers that may be sending on ch, plus the ending and
	// chClosed bits. ch is closed by whoever leaves the count at zero after
	// ending was set, so a send and the close can never overlap.
	state   atomic.Int64
	reason  atomic.Pointer[error]
	dropped atomic.Uint64
}

// C returns the channel the messages arrive on. It is closed when the
// subscription ends, after the messages already queued in it.
func (s *Subscription[T]) C() <-chan Message[T] { return s.ch }

// Unsubscribe ends the subscription: no new message is sent to it and C is
// closed (at once, or as soon as a concurrent Publish has finished with it).
// It is idempotent, safe during Publish, and safe to call from the goroutine
// that reads C even while a Publish under Block waits for it to read.
func (s *Subscription[T]) Unsubscribe() {
	if s.end(errUnsubscribed) {
		s.bus.remove(s)
	}
}

// Err says why the subscription ended: nil while it is active or after
// Unsubscribe, ErrClosed after Close of the Bus, ErrSlowConsumer after the
// Disconnect policy ended it. Once C is closed, Err no longer changes.
func (s *Subscription[T]) Err() error {
	p := s.reason.Load()
	if p == nil || *p == errUnsubscribed {
		return nil
	}
	return *p
}

// Dropped returns how many messages meant for this subscription were
// discarded: by DropNewest or DropOldest, the one that triggered Disconnect,
// and those a Publish under Block gave up on when its ctx was done.
func (s *Subscription[T]) Dropped() uint64 { return s.dropped.Load() }

// end marks the subscription ended for reason; the first call wins and
// reports true.
func (s *Subscription[T]) end(reason error) bool {
	if !s.reason.CompareAndSwap(nil, &reason) {
		return false
	}
	s.state.Or(ending)
	close(s.done)
	s.closeIfIdle()
	return true
}

// acquire registers a sender; it fails once the subscription has ended.
func (s *Subscription[T]) acquire() bool {
	if s.state.Add(1)&ending != 0 {
		s.release()
		return false
	}
	return true
}

func (s *Subscription[T]) release() {
	if s.state.Add(-1) == ending {
		s.closeIfIdle()
	}
}

// closeIfIdle closes ch if the subscription has ended and no sender is
// active; the CompareAndSwap makes exactly one caller do it.
func (s *Subscription[T]) closeIfIdle() {
	if s.state.CompareAndSwap(ending, ending|chClosed) {
		close(s.ch)
	}
}

type outcome int

const (
	sent       outcome = iota
	skipped            // ended, or dropped by policy
	wouldBlock         // Block policy and full: wait later
	canceled           // ctx done while waiting
)

// offer delivers msg without waiting, applying the policy when ch is full.
func (s *Subscription[T]) offer(msg Message[T]) outcome {
	if !s.acquire() {
		return skipped
	}
	select {
	case s.ch <- msg:
		s.release()
		return sent
	default:
	}
	out := skipped
	switch s.policy {
	case Block:
		out = wouldBlock
	case DropOldest:
		out = s.replaceOldest(msg)
	case Disconnect:
		s.dropped.Add(1)
		if s.end(ErrSlowConsumer) {
			// Removal takes the bus lock; it is not held while sending.
			s.bus.remove(s)
		}
	default: // DropNewest
		s.dropped.Add(1)
	}
	s.release()
	return out
}

// replaceOldest makes room by discarding queued messages. The receiver and
// other publishers race with it, so it retries; each round first tries to
// send (the receiver may have made room since the last try, and then
// nothing must be discarded) and only then discards the oldest message.
// After a few rounds of losing the race it drops msg instead so that
// Publish never spins.
func (s *Subscription[T]) replaceOldest(msg Message[T]) outcome {
	if cap(s.ch) > 0 {
		for tries := 0; ; tries++ {
			select {
			case s.ch <- msg: // a failed try on a full channel takes no lock
				return sent
			default:
			}
			if tries == 4 {
				break
			}
			select {
			case <-s.ch:
				s.dropped.Add(1)
			default:
			}
		}
	}
	s.dropped.Add(1)
	return skipped
}

// wait sends msg under the Block policy, until ctx is done or the
// subscription ends.
func (s *Subscription[T]) wait(ctx context.Context, msg Message[T]) outcome {
	if !s.acquire() {
		return skipped
	}
	defer s.release()
	select {
	case s.ch <- msg:
		return sent
	case <-s.done:
		return skipped
	case <-ctx.Done():
		return canceled
	}
}

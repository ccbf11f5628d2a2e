package pubsub

import "fmt"

// Policy says what Publish does when a subscription's buffer is full.
type Policy int

const (
	// Block makes Publish wait, bounded by its ctx, until the subscriber has
	// room. Publish first hands the message to every subscriber with room and
	// only then waits on the full ones, so one slow subscriber delays the
	// publisher but never the subscribers that keep up.
	Block Policy = iota
	// DropNewest discards the message being published for a full
	// subscription and counts it in Dropped.
	DropNewest
	// DropOldest discards the oldest queued message of a full subscription to
	// make room for the new one, and counts it in Dropped. With a zero buffer
	// there is nothing queued to discard, so it behaves as DropNewest.
	DropOldest
	// Disconnect ends a full subscription: its Err becomes ErrSlowConsumer and
	// its channel is closed once the already queued messages are read. The
	// message that did not fit is counted in Dropped. Publish never waits.
	Disconnect
)

// String returns the policy's name.
func (p Policy) String() string {
	switch p {
	case Block:
		return "Block"
	case DropNewest:
		return "DropNewest"
	case DropOldest:
		return "DropOldest"
	case Disconnect:
		return "Disconnect"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

type config struct {
	buffer int
	policy Policy
}

func defaultConfig() config { return config{buffer: 64, policy: Block} }

// Option configures a Bus (as the default for its subscriptions) or a single
// subscription; options given to Subscribe override the Bus's.
type Option func(*config)

// WithBuffer sets the capacity of a subscription's channel (default 64).
// Zero means every message is handed over directly to a waiting receiver.
// It panics if n is negative.
func WithBuffer(n int) Option {
	if n < 0 {
		panic(fmt.Sprintf("pubsub: WithBuffer called with negative size %d", n))
	}
	return func(c *config) { c.buffer = n }
}

// WithPolicy sets what Publish does when a subscription is full (default
// Block). It panics on a value that is not one of the Policy constants.
func WithPolicy(p Policy) Option {
	if p < Block || p > Disconnect {
		panic(fmt.Sprintf("pubsub: WithPolicy called with unknown policy %d", int(p)))
	}
	return func(c *config) { c.policy = p }
}

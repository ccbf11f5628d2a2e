package chat

import (
	"fmt"
	"time"

	"github.com/weavego/weave/ratelimit"
)

// Config holds the service's limits. Start from DefaultConfig and change what
// you need.
type Config struct {
	// MaxStreams caps the event streams open at once (one per browser tab);
	// one more is answered 503 Service Unavailable.
	MaxStreams int
	// Rate and Burst limit how fast each name may post: Burst messages at
	// once, then Rate per second. Past that a post is answered 429.
	Rate  ratelimit.Limit
	Burst int
	// Buffer is how many events a stream may fall behind its room before it
	// is disconnected.
	Buffer int
	// WriteTimeout bounds each write of events to a stream. (The other
	// responses are bounded by the http.Server's WriteTimeout, which main
	// sets to the same value.) It is also the longest a client that stops
	// reading keeps its connection after its room dropped it (see Buffer):
	// the handler is blocked in the write and cannot notice the drop until
	// the write fails. Until then the stream holds its goroutine, its place
	// under MaxStreams and its name in the member list.
	WriteTimeout time.Duration
	// Heartbeat is how often an event stream gets a comment line, so that
	// proxies keep it open and a vanished client is noticed. Zero sends none.
	Heartbeat time.Duration
	// MaxText is the longest message, in characters.
	MaxText int

	// OnStreamEnd, if set, is called when an event stream has ended, with
	// the reason: nil when the client left, pubsub.ErrSlowConsumer when it
	// fell too far behind (joined with the write error that ended it, if
	// any), pubsub.ErrClosed when the server closed, or the write error.
	// name and room are empty for the admin stream. It runs on the
	// stream's handler goroutine once the stream has left its room and
	// given back its subscription and its place under MaxStreams; a stream
	// refused with 4xx or 503 never started, so it is not reported.
	OnStreamEnd func(room, name string, err error)
}

// DefaultConfig returns limits that suit people chatting.
func DefaultConfig() Config {
	return Config{
		MaxStreams:   1000,
		Rate:         ratelimit.Per(1, time.Second),
		Burst:        5,
		Buffer:       64,
		WriteTimeout: 5 * time.Second,
		Heartbeat:    15 * time.Second,
		MaxText:      500,
	}
}

// Validate reports the first limit that is zero or negative (only Heartbeat
// may be zero).
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"MaxStreams", c.MaxStreams > 0},
		{"Rate", c.Rate > 0},
		{"Burst", c.Burst > 0},
		{"Buffer", c.Buffer > 0},
		{"WriteTimeout", c.WriteTimeout > 0},
		{"Heartbeat", c.Heartbeat >= 0},
		{"MaxText", c.MaxText > 0},
	} {
		if !f.ok {
			return fmt.Errorf("invalid Config.%s", f.name)
		}
	}
	return nil
}

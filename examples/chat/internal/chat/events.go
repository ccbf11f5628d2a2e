package chat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/weavego/weave/pubsub"
)

// roomEvents streams a room to one member: first the room's presence, then
// every join, leave and message, until the client leaves, falls too far
// behind, or the server closes.
func (s *Server) roomEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	room, name := q.Get("room"), q.Get("name")
	if err := checkRoom(room); err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := checkName(name); err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.serveStream(w, r, topic(room), room, name)
}

// adminEvents streams every room's events, through one wildcard
// subscription. Watching is not joining: the watcher is in no member list.
func (s *Server) adminEvents(w http.ResponseWriter, r *http.Request) {
	s.serveStream(w, r, "room.>", "", "")
}

// serveStream holds an event stream open. room and name are empty for the
// admin stream.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, pattern, room, name string) {
	opened, err := s.stream(w, r, pattern, room, name)
	if opened && s.cfg.OnStreamEnd != nil {
		// Called once the stream has let go of everything: its place in
		// the room, its subscription and its permit.
		s.cfg.OnStreamEnd(room, name, err)
	}
}

// stream serves an event stream. It reports whether the stream was opened,
// and why it ended.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, pattern, room, name string) (opened bool, err error) {
	if !s.streams.TryAcquire() {
		// Streams last minutes, so no permit is due at a known time:
		// the 10 seconds are a guess.
		w.Header().Set("Retry-After", "10")
		httpError(w, http.StatusServiceUnavailable, "too many connections, try again later")
		return false, nil
	}
	defer s.streams.Release()

	// Subscribe before joining, so that every change of the members after
	// the snapshot below reaches this stream.
	sub, err := s.bus.Subscribe(pattern)
	if err != nil { // pubsub.ErrClosed: the server is shutting down
		httpError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return false, nil
	}
	defer sub.Unsubscribe()

	out := &eventWriter{w: w, rc: http.NewResponseController(w), timeout: s.cfg.WriteTimeout}
	// The stream reads nothing more from the client, and it may outlive
	// the server's ReadTimeout, which would otherwise end it.
	if err := out.rc.SetReadDeadline(time.Time{}); err != nil {
		httpError(w, http.StatusInternalServerError, "streaming is not supported here")
		return false, nil
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")

	first := [][]byte{retryFrame}
	if room != "" {
		first = append(first, encode("presence", s.join(r.Context(), room, name)))
		defer s.leave(r.Context(), room, name)
	}
	if err := out.send(first...); err != nil {
		return true, err
	}
	return true, s.pump(r.Context(), sub, out)
}

// join counts one more stream of name in room, tells the room if name has
// just arrived, and returns the room's members.
func (s *Server) join(ctx context.Context, room, name string) Presence {
	members, arrived := s.members.join(room, name)
	if arrived {
		s.announce(ctx, "join", name, members)
	}
	return members
}

// leave counts one stream of name in room less, and tells the room if that
// was the name's last one.
func (s *Server) leave(ctx context.Context, room, name string) {
	if members, left := s.members.leave(room, name); left {
		// The request's ctx is done by now (the client left); the
		// Disconnect policy never makes Publish wait anyway.
		s.announce(context.WithoutCancel(ctx), "leave", name, members)
	}
}

// announce publishes a join or leave event. Its only possible failure is a
// closed bus, during shutdown, when there is nobody left to tell.
func (s *Server) announce(ctx context.Context, event, name string, members Presence) {
	members.Name = name
	_, _ = s.publish(ctx, members.Room, event, members)
}

// publish encodes one event and sends it to every stream of room: one
// encoding however many members the room has.
func (s *Server) publish(ctx context.Context, room, event string, v any) (delivered int, err error) {
	return s.bus.Publish(ctx, topic(room), encode(event, v))
}

// pump copies the subscription to the client until the client leaves (nil),
// the subscription ends (pubsub.ErrSlowConsumer or pubsub.ErrClosed) or a
// write fails.
//
// A client that stops reading is dropped from the room at once: the
// Disconnect policy ends its subscription as soon as its buffer is full, so
// no publisher waits for it. pump learns of it only once the write in
// progress fails, at its deadline (Config.WriteTimeout) or when the client
// hangs up; then the connection is closed and the member leaves the room.
// Noticing sooner would take a second goroutine per stream to watch the
// subscription and cut the write short: the write deadline bounds the wait
// at the cost of nothing.
func (s *Server) pump(ctx context.Context, sub *pubsub.Subscription[[]byte], out *eventWriter) error {
	// One timer, reset after each beat. With no heartbeat the channel stays
	// nil, and a nil channel never fires.
	var beat *time.Timer
	var beats <-chan time.Time
	if s.cfg.Heartbeat > 0 {
		beat = time.NewTimer(s.cfg.Heartbeat)
		defer beat.Stop()
		beats = beat.C
	}
	batch := make([][]byte, 0, s.cfg.Buffer)
	for {
		select {
		case <-ctx.Done():
			// The client left. If it had fallen behind first, that is the
			// better answer to why the stream ended.
			return sub.Err()
		case m, ok := <-sub.C():
			if !ok {
				return sub.Err()
			}
			// Under load more events are queued by now. Sending them
			// together costs one flush instead of one per event.
			batch = append(batch[:0], m.Value)
			for range len(sub.C()) {
				batch = append(batch, (<-sub.C()).Value)
			}
			if err := out.send(batch...); err != nil {
				// A client that stopped reading fills its buffer while
				// the write waits for its deadline: report the cause.
				return errors.Join(sub.Err(), err)
			}
		case <-beats:
			if err := out.send(heartbeatFrame); err != nil {
				return err
			}
			beat.Reset(s.cfg.Heartbeat)
		}
	}
}

var (
	// retryFrame tells the browser to reconnect 2s after losing the stream.
	retryFrame = []byte("retry: 2000\n\n")
	// heartbeatFrame is a comment: browsers ignore it, proxies see traffic.
	heartbeatFrame = []byte(":\n\n")
)

// encode returns one complete SSE event. JSON has no raw newlines, so the
// data fits one "data:" line.
func encode(event string, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic("chat: cannot encode " + event + " event: " + err.Error()) // only our own types are encoded
	}
	b := make([]byte, 0, len("event: \ndata: \n\n")+len(event)+len(data))
	b = append(b, "event: "...)
	b = append(b, event...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// eventWriter writes SSE frames to one client, each batch within a deadline.
type eventWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// send writes frames and flushes them. A client that stops reading makes it
// fail after the write timeout instead of blocking forever.
func (e *eventWriter) send(frames ...[]byte) error {
	if err := e.rc.SetWriteDeadline(time.Now().Add(e.timeout)); err != nil {
		return err
	}
	for _, f := range frames {
		if _, err := e.w.Write(f); err != nil {
			return err
		}
	}
	return e.rc.Flush()
}

package chat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// This file is a small Go client of the service, used by the tests and the
// load generator.

// Event is one event read from a stream.
type Event struct {
	Type string // "presence", "join", "leave" or "message"
	Data []byte // JSON of a Presence or a Message
}

// Stream reads the events of one event stream, in order.
type Stream struct {
	body  io.ReadCloser
	lines *bufio.Scanner
}

// maxLine bounds one line of a stream. A message event is one line, so this
// must exceed the server's longest message even with every character
// escaped; a longer line fails Next with bufio.ErrTooLong.
const maxLine = 1 << 20

// StatusError is a response other than 200: Error is the server's message.
type StatusError struct {
	Code       int
	RetryAfter string // the Retry-After header, if any
	Message    string
}

func (e *StatusError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Message) }

// JoinRoom opens the stream of room as name on the server at base
// ("http://host:port"). The stream lasts until Close, the server ends it, or
// ctx is done.
func JoinRoom(ctx context.Context, c *http.Client, base, room, name string) (*Stream, error) {
	return Open(ctx, c, base+"/events?"+url.Values{"room": {room}, "name": {name}}.Encode())
}

// Open opens the event stream at streamURL, such as base+"/admin/events".
// The stream lasts until Close, the server ends it, or ctx is done.
func Open(ctx context.Context, c *http.Client, streamURL string) (*Stream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, streamURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if err := statusError(resp); err != nil {
		return nil, err
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 0, 4096), maxLine)
	return &Stream{body: resp.Body, lines: lines}, nil
}

// Next returns the next event. Comments and events without data (the retry
// hint) are skipped. At the end of the stream it returns io.EOF, or
// io.ErrUnexpectedEOF if the stream ended inside an event.
func (s *Stream) Next() (Event, error) {
	var ev Event
	for s.lines.Scan() {
		line := s.lines.Bytes()
		switch {
		case len(line) == 0: // the end of an event
			if ev.Data != nil {
				return ev, nil
			}
			ev = Event{}
		case bytes.HasPrefix(line, []byte("event: ")):
			ev.Type = string(line[len("event: "):])
		case bytes.HasPrefix(line, []byte("data: ")):
			ev.Data = bytes.Clone(line[len("data: "):])
		}
	}
	if err := s.lines.Err(); err != nil {
		return Event{}, err
	}
	if ev.Type != "" || ev.Data != nil {
		return Event{}, io.ErrUnexpectedEOF
	}
	return Event{}, io.EOF
}

// Close ends the stream.
func (s *Stream) Close() error { return s.body.Close() }

// Post sends a message. A status other than 200 comes back as *StatusError.
func Post(ctx context.Context, c *http.Client, base, room, name, text string) (PostResponse, error) {
	body, err := json.Marshal(postRequest{Room: room, Name: name, Text: text})
	if err != nil {
		return PostResponse{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/messages", bytes.NewReader(body))
	if err != nil {
		return PostResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return PostResponse{}, err
	}
	defer resp.Body.Close()
	if err := statusError(resp); err != nil {
		return PostResponse{}, err
	}
	var pr PostResponse
	err = json.NewDecoder(resp.Body).Decode(&pr)
	return pr, err
}

// statusError returns nil for 200 and otherwise a *StatusError, after
// reading and closing the body.
func statusError(resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	defer resp.Body.Close()
	e := &StatusError{Code: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var body struct{ Error string }
	if json.Unmarshal(b, &body) == nil {
		e.Message = body.Error
	} else { // not from the chat handlers: ServeMux's 404 and 405 are text
		e.Message = strings.TrimSpace(string(b))
	}
	return e
}

package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is what a member says. Browsers post Room, Name and Text; the
// server adds Time and sends it to the room as a "message" event.
type Message struct {
	Room string    `json:"room"`
	Name string    `json:"name"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
}

// postRequest is the body of POST /messages. Unknown fields are an error,
// so a misspelt field is reported rather than silently ignored.
type postRequest struct {
	Room string `json:"room"`
	Name string `json:"name"`
	Text string `json:"text"`
}

// PostResponse is the body of a successful POST /messages.
type PostResponse struct {
	// Delivered is how many streams the message was queued for.
	Delivered int `json:"delivered"`
}

// postMessage checks a message and publishes it to its room. Every failure
// has its own status: 415 wrong content type, 413 too large, 400 anything
// else malformed, 429 too fast, 503 shutting down.
func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		httpError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return
	}
	var req postRequest
	if status, err := decodeJSON(w, r, &req, s.maxBody()); err != nil {
		httpError(w, status, err.Error())
		return
	}
	if err := checkRoom(req.Room); err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := checkName(req.Name); err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	text := strings.TrimSpace(req.Text)
	if text == "" {
		httpError(w, http.StatusBadRequest, "text is empty")
		return
	}
	if utf8.RuneCountInString(text) > s.cfg.MaxText {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("text is longer than %d characters", s.cfg.MaxText))
		return
	}
	// Only a valid message takes a token: a typo costs the sender nothing.
	if !s.limits.Allow(req.Name) {
		w.Header().Set("Retry-After", retryAfter(s.limits.Delay(req.Name)))
		httpError(w, http.StatusTooManyRequests, "too many messages, slow down")
		return
	}
	msg := Message{Room: req.Room, Name: req.Name, Text: text, Time: time.Now().UTC()}
	n, err := s.publish(r.Context(), req.Room, "message", msg)
	if err != nil { // pubsub.ErrClosed: the server is shutting down
		httpError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	writeJSON(w, http.StatusOK, PostResponse{Delivered: n})
}

// retryAfter formats the wait until the next token as a Retry-After value:
// whole seconds, rounded up so that a client that waits that long finds its
// token, and at least 1, since "0" would invite a retry at once (a token can
// come back between Allow saying no and Delay).
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10)
}

// maxBody bounds a request body: the longest text, even if every character
// were escaped as \uXXXX, plus room for the other fields.
func (s *Server) maxBody() int64 { return int64(6*s.cfg.MaxText + 1024) }

// decodeJSON reads exactly one JSON object of at most limit bytes into v. On
// failure it returns the status to answer with.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) (int, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Anything after the object, even a second object, is malformed.
		if _, err = dec.Token(); err == io.EOF {
			return 0, nil
		}
		if err == nil {
			err = errors.New("more than one JSON value")
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, fmt.Errorf("body is larger than %d bytes", limit)
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, errors.New("body is empty")
	default:
		return http.StatusBadRequest, fmt.Errorf("malformed JSON: %v", err)
	}
}

const (
	maxName = 24
	maxRoom = 32
)

// Names and rooms are 1 to 24 (32) letters, digits, '-' or '_': safe in a
// URL, in HTML and as a pubsub topic token.
func checkName(s string) error { return checkToken("name", s, maxName) }
func checkRoom(s string) error { return checkToken("room", s, maxRoom) }

func checkToken(what, s string, maxLen int) error {
	if s == "" {
		return fmt.Errorf("%s is missing", what)
	}
	if len(s) > maxLen {
		return fmt.Errorf("%s is longer than %d characters", what, maxLen)
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%s %q may hold only letters, digits, '-' and '_'", what, s)
		}
	}
	return nil
}

package chat

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/weavego/weave/pubsub"
	"github.com/weavego/weave/ratelimit"
	"github.com/weavego/weave/semaphore"
)

// Server is the chat service as an http.Handler. Mount it on an http.Server
// (or an httptest.Server) and call Close before shutting that down: Close
// ends the event streams, which would otherwise keep Shutdown waiting.
type Server struct {
	cfg Config

	bus     *pubsub.Bus[[]byte] // values are complete SSE frames, encoded once per publish
	limits  *ratelimit.Keyed[string]
	streams *semaphore.Semaphore
	members presence
	mux     *http.ServeMux
}

// New returns a Server with the limits in cfg. It starts no goroutine. It
// panics if cfg is not valid.
func New(cfg Config) *Server {
	if err := cfg.Validate(); err != nil {
		panic("chat: New called with " + err.Error())
	}
	s := &Server{
		cfg: cfg,
		bus: pubsub.New[[]byte](pubsub.WithPolicy(pubsub.Disconnect), pubsub.WithBuffer(cfg.Buffer)),
		// Keyed by name: in this example the name is the client's identity.
		// A public service would key by the authenticated user, or by the
		// client's IP address, since anyone can pick a new name.
		limits:  ratelimit.NewKeyed[string](cfg.Rate, cfg.Burst, ratelimit.WithIdleTTL(10*time.Minute)),
		streams: semaphore.New(cfg.MaxStreams),
		members: presence{rooms: make(map[string]map[string]int)},
		mux:     http.NewServeMux(),
	}
	// Go's ServeMux answers a known path with the wrong method by 405 and
	// an Allow header, so the handlers need not check the method.
	s.mux.HandleFunc("GET /{$}", serveIndex)
	s.mux.Handle("GET /static/", http.FileServerFS(static))
	s.mux.HandleFunc("GET /events", s.roomEvents)
	s.mux.HandleFunc("GET /admin/events", s.adminEvents)
	s.mux.HandleFunc("POST /messages", s.postMessage)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The page loads nothing from elsewhere; say so, and the browser
	// enforces it.
	h.Set("Content-Security-Policy", "default-src 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// Close ends every event stream and makes later streams and posts fail with
// 503. It does not wait for the handlers to return; http.Server.Shutdown
// does. Close is idempotent.
func (s *Server) Close() {
	s.bus.Close()
}

// topic returns the pubsub topic of a room. Room names hold no dots, so
// this is always two tokens, and "room.>" matches every room.
func topic(room string) string { return "room." + room }

// httpError answers with status and a JSON body {"error": msg}, which the
// page shows next to the send box.
func httpError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// An error here means the client is gone; there is no one to tell.
	_ = json.NewEncoder(w).Encode(v)
}

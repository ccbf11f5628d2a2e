package chat

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weavego/weave/pubsub"
	"github.com/weavego/weave/ratelimit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testConfig has no heartbeat and no rate limit, so that nothing depends on
// the clock unless a test asks for it.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.Heartbeat = 0
	cfg.Rate = ratelimit.Inf
	return cfg
}

// start serves a Server on a loopback httptest.Server. Cleanup closes the
// chat first, which ends the event streams that would keep ts.Close waiting.
func start(t *testing.T, cfg Config) (*httptest.Server, *Server) {
	t.Helper()
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	t.Cleanup(s.Close)
	return ts, s
}

func join(t *testing.T, ts *httptest.Server, room, name string) *Stream {
	t.Helper()
	st, err := JoinRoom(context.Background(), ts.Client(), ts.URL, room, name)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// next reads the next event of the given type, skipping others, and decodes
// its data into a V.
func next[V any](t *testing.T, st *Stream, typ string) V {
	t.Helper()
	for {
		ev, err := st.Next()
		require.NoError(t, err)
		if ev.Type == typ {
			var v V
			require.NoError(t, json.Unmarshal(ev.Data, &v))
			return v
		}
	}
}

// joined waits for the join event of name, skipping earlier ones (a
// member's stream starts with its own join).
func joined(t *testing.T, st *Stream, name string) Presence {
	t.Helper()
	for {
		if p := next[Presence](t, st, "join"); p.Name == name {
			return p
		}
	}
}

func post(t *testing.T, ts *httptest.Server, room, name, text string) PostResponse {
	t.Helper()
	pr, err := Post(context.Background(), ts.Client(), ts.URL, room, name, text)
	require.NoError(t, err)
	return pr
}

// TestRooms runs many members in several rooms at once over real HTTP:
// every message reaches every member of its room, each sender's messages in
// the order sent, and nothing crosses rooms.
func TestRooms(t *testing.T) {
	const (
		rooms    = 3
		clients  = 30 // members per room: clients / rooms
		messages = 5  // per client
		perRoom  = clients / rooms
	)
	cfg := testConfig()
	// Room for every event of a run, so that a client that reads only
	// after it has posted is never too slow: the test is about delivery.
	cfg.Buffer = 2 * (perRoom + perRoom*messages)
	ts, _ := start(t, cfg)

	type result struct {
		got []Message
		err error
	}
	var (
		ready, posted, done sync.WaitGroup
		begin               = make(chan struct{})
		results             = make([]result, clients)
	)
	roomOf := func(i int) string { return fmt.Sprintf("room%d", i%rooms) }
	for i := range clients {
		ready.Add(1)
		posted.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			res := &results[i]
			room, name := roomOf(i), fmt.Sprintf("client%d", i)
			// Every early return must still release the waiting test.
			readyOnce, postedOnce := sync.OnceFunc(ready.Done), sync.OnceFunc(posted.Done)
			defer readyOnce()
			defer postedOnce()
			st, err := JoinRoom(context.Background(), ts.Client(), ts.URL, room, name)
			if err != nil {
				res.err = err
				return
			}
			defer st.Close()
			// Wait until the whole room is there before anyone posts.
			for members := 0; members < perRoom; {
				ev, err := st.Next()
				if err != nil {
					res.err = err
					return
				}
				var p Presence
				if err := json.Unmarshal(ev.Data, &p); err != nil {
					res.err = err
					return
				}
				members = max(members, len(p.Members))
			}
			readyOnce()
			<-begin
			for n := range messages {
				if _, err := Post(context.Background(), ts.Client(), ts.URL, room, name, fmt.Sprintf("%s %d", name, n)); err != nil {
					res.err = err
					return
				}
			}
			postedOnce()
			// Read up to the end marker the test posts once every client
			// has posted.
			for {
				ev, err := st.Next()
				if err != nil {
					res.err = err
					return
				}
				if ev.Type != "message" {
					continue
				}
				var m Message
				if err := json.Unmarshal(ev.Data, &m); err != nil {
					res.err = err
					return
				}
				if m.Name == "end" {
					return
				}
				res.got = append(res.got, m)
			}
		}()
	}
	ready.Wait()
	close(begin)
	posted.Wait()
	for r := range rooms {
		post(t, ts, roomOf(r), "end", "end")
	}
	done.Wait()

	for i, res := range results {
		require.NoError(t, res.err, "client %d", i)
		// Exactly the room's messages, in order per sender.
		want := make(map[string][]string)
		for j := i % rooms; j < clients; j += rooms {
			for n := range messages {
				name := fmt.Sprintf("client%d", j)
				want[name] = append(want[name], fmt.Sprintf("%s %d", name, n))
			}
		}
		got := make(map[string][]string)
		for _, m := range res.got {
			require.Equal(t, roomOf(i), m.Room, "client %d got a message of another room", i)
			got[m.Name] = append(got[m.Name], m.Text)
		}
		require.Equal(t, want, got, "client %d", i)
	}
}

// TestStalledClient connects a client that never reads. The room must drop
// it and go on: the test publishes until the server reports the message
// delivered to one member less, while another member receives everything.
// Each message is larger than the stalled connection's socket buffers, so
// the handler is blocked writing the first one when the room drops it; the
// write ends when the client hangs up or reaches its deadline.
func TestStalledClient(t *testing.T) {
	for _, tc := range []struct {
		name         string
		writeTimeout time.Duration
		hangUp       bool // the stalled client closes its connection
	}{
		// Long enough that only the hang-up can end the blocked write.
		{"client hangs up", time.Hour, true},
		// The client never does anything: the deadline ends the write. The
		// other member's writes never wait, so they cannot reach it.
		{"write deadline", time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testStalledClient(t, tc.writeTimeout, tc.hangUp)
		})
	}
}

func testStalledClient(t *testing.T, writeTimeout time.Duration, hangUp bool) {
	ended := make(chan error, 1)
	cfg := testConfig()
	cfg.Buffer = 4
	cfg.MaxText = 100_000
	cfg.WriteTimeout = writeTimeout
	cfg.OnStreamEnd = func(room, name string, err error) {
		if name == "stalled" {
			ended <- err
		}
	}
	s := New(cfg)
	ts := httptest.NewUnstartedServer(s)
	// Small socket buffers, so that a client that does not read blocks the
	// server's writes after a few messages rather than megabytes.
	ts.Config.ConnState = func(c net.Conn, state http.ConnState) {
		if state == http.StateNew {
			require.NoError(t, c.(*net.TCPConn).SetWriteBuffer(4096))
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(s.Close)
	// If the test fails early, a handler may be blocked writing to the
	// stalled client for the whole WriteTimeout: cut it off.
	t.Cleanup(ts.CloseClientConnections)

	alice := join(t, ts, "r", "alice")
	next[Presence](t, alice, "presence")

	stalled := dialStalled(t, ts.Listener.Addr().String(), "/events?room=r&name=stalled")
	joined(t, alice, "stalled")

	text := strings.Repeat("x", 50_000)
	dropped := false
	for i := 0; i < 100 && !dropped; i++ {
		pr := post(t, ts, "r", "bob", text)
		require.Equal(t, text, next[Message](t, alice, "message").Text)
		dropped = pr.Delivered == 1 // alice only
	}
	require.True(t, dropped, "the stalled client was never dropped")

	// The room goes on without it.
	for i := range 3 {
		post(t, ts, "r", "bob", fmt.Sprint("after ", i))
		require.Equal(t, fmt.Sprint("after ", i), next[Message](t, alice, "message").Text)
	}

	// However the blocked write ends, the handler reports why the stream
	// really ended, and by then the member has left the room.
	if hangUp {
		require.NoError(t, stalled.Close())
	}
	err := <-ended
	require.ErrorIs(t, err, pubsub.ErrSlowConsumer)
	require.Equal(t, !hangUp, errors.Is(err, os.ErrDeadlineExceeded), "%v", err)
	carol := join(t, ts, "r", "carol")
	require.Equal(t, []string{"alice", "carol"}, next[Presence](t, carol, "presence").Members)
}

// dialStalled opens an event stream on a raw connection with a small
// receive buffer and never reads from it.
func dialStalled(t *testing.T, addr, path string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); cerr != nil {
			return cerr
		}
		return err
	}}
	conn, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr)
	require.NoError(t, err)
	return conn
}

func TestRateLimit(t *testing.T) {
	cfg := testConfig()
	cfg.Rate = ratelimit.Per(1, time.Hour) // nothing comes back during the test
	cfg.Burst = 2
	ts, _ := start(t, cfg)
	ctx := context.Background()

	for range cfg.Burst {
		post(t, ts, "r", "ann", "hi")
	}
	_, err := Post(ctx, ts.Client(), ts.URL, "r", "ann", "one too many")
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusTooManyRequests, se.Code)
	require.Equal(t, "3600", se.RetryAfter) // one token per hour
	// The limit is per name.
	post(t, ts, "r", "bob", "hi")
}

// TestRetryAfter checks that a 429's Retry-After is the time until the
// name's next token, in whole seconds rounded up, and never 0. It runs the
// handler in a synctest bubble, whose clock only moves when the test sleeps.
func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rate  ratelimit.Limit
		steps []retryStep
	}{
		{"one token per 10s", ratelimit.Per(1, 10*time.Second), []retryStep{
			{0, http.StatusOK, ""}, // the burst
			{0, http.StatusTooManyRequests, "10"},
			{3500 * time.Millisecond, http.StatusTooManyRequests, "7"}, // 6.5s rounded up
			{6400 * time.Millisecond, http.StatusTooManyRequests, "1"}, // 0.1s rounded up
			{100 * time.Millisecond, http.StatusOK, ""},
			{0, http.StatusTooManyRequests, "10"},
		}},
		{"less than a second", ratelimit.Per(4, time.Second), []retryStep{
			{0, http.StatusOK, ""},
			{0, http.StatusTooManyRequests, "1"}, // 0.25s rounded up
			{250 * time.Millisecond, http.StatusOK, ""},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Rate, cfg.Burst = tc.rate, 1
				s := New(cfg)
				defer s.Close()
				for i, step := range tc.steps {
					time.Sleep(step.after)
					req := httptest.NewRequest("POST", "/messages", strings.NewReader(`{"room":"r","name":"ann","text":"hi"}`))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					s.ServeHTTP(rec, req)
					require.Equal(t, step.status, rec.Code, "step %d: %s", i, rec.Body)
					require.Equal(t, step.retryAfter, rec.Header().Get("Retry-After"), "step %d", i)
				}
			})
		})
	}
}

// retryStep is one post of TestRetryAfter, made after sleeping for after.
type retryStep struct {
	after      time.Duration
	status     int
	retryAfter string
}

func TestConnectionCap(t *testing.T) {
	ended := make(chan struct{}, 10)
	cfg := testConfig()
	cfg.MaxStreams = 2
	cfg.OnStreamEnd = func(string, string, error) { ended <- struct{}{} }
	ts, _ := start(t, cfg)
	ctx := context.Background()

	first := join(t, ts, "r", "a")
	next[Presence](t, first, "presence")
	second, err := Open(ctx, ts.Client(), ts.URL+"/admin/events") // the admin view counts too
	require.NoError(t, err)
	defer second.Close()

	_, err = JoinRoom(ctx, ts.Client(), ts.URL, "r", "c")
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusServiceUnavailable, se.Code)
	require.NotEmpty(t, se.RetryAfter)

	// A stream that ends frees its place.
	require.NoError(t, first.Close())
	<-ended
	third := join(t, ts, "r", "c")
	require.Equal(t, []string{"c"}, next[Presence](t, third, "presence").Members)
}

func TestBadRequests(t *testing.T) {
	ts, _ := start(t, testConfig())
	long := strings.Repeat("a", 501)
	for _, tc := range []struct {
		name, method, path, contentType, body string
		status                                int
		allow                                 string // for 405
	}{
		{"get messages", "GET", "/messages", "", "", http.StatusMethodNotAllowed, "POST"},
		{"post events", "POST", "/events?room=r&name=n", "application/json", "{}", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"put page", "PUT", "/", "", "", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"unknown path", "GET", "/nope", "", "", http.StatusNotFound, ""},
		{"no content type", "POST", "/messages", "", `{"room":"r","name":"n","text":"t"}`, http.StatusUnsupportedMediaType, ""},
		{"form content type", "POST", "/messages", "application/x-www-form-urlencoded", "room=r", http.StatusUnsupportedMediaType, ""},
		{"empty body", "POST", "/messages", "application/json", "", http.StatusBadRequest, ""},
		{"malformed JSON", "POST", "/messages", "application/json", `{"room":`, http.StatusBadRequest, ""},
		{"not an object", "POST", "/messages", "application/json", `["r","n","t"]`, http.StatusBadRequest, ""},
		{"unknown field", "POST", "/messages", "application/json", `{"room":"r","name":"n","txt":"t"}`, http.StatusBadRequest, ""},
		{"two objects", "POST", "/messages", "application/json", `{"room":"r","name":"n","text":"t"}{}`, http.StatusBadRequest, ""},
		{"empty text", "POST", "/messages", "application/json", `{"room":"r","name":"n","text":""}`, http.StatusBadRequest, ""},
		{"blank text", "POST", "/messages", "application/json", `{"room":"r","name":"n","text":" \n\t"}`, http.StatusBadRequest, ""},
		{"text too long", "POST", "/messages", "application/json", `{"room":"r","name":"n","text":"` + long + `"}`, http.StatusRequestEntityTooLarge, ""},
		{"body too large", "POST", "/messages", "application/json", `{"room":"r","name":"n","text":"` + strings.Repeat("a", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, ""},
		{"missing name", "POST", "/messages", "application/json", `{"room":"r","text":"t"}`, http.StatusBadRequest, ""},
		{"bad name", "POST", "/messages", "application/json", `{"room":"r","name":"<b>","text":"t"}`, http.StatusBadRequest, ""},
		{"long name", "POST", "/messages", "application/json", `{"room":"r","name":"` + strings.Repeat("n", 25) + `","text":"t"}`, http.StatusBadRequest, ""},
		{"dotted room", "POST", "/messages", "application/json", `{"room":"a.b","name":"n","text":"t"}`, http.StatusBadRequest, ""},
		{"wildcard room", "POST", "/messages", "application/json", `{"room":">","name":"n","text":"t"}`, http.StatusBadRequest, ""},
		{"stream without room", "GET", "/events?name=n", "", "", http.StatusBadRequest, ""},
		{"stream with bad room", "GET", "/events?room=a%20b&name=n", "", "", http.StatusBadRequest, ""},
		{"stream with bad name", "GET", "/events?room=r&name=" + strings.Repeat("n", 25), "", "", http.StatusBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := ts.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, "body: %s", body)
			require.Equal(t, tc.allow, resp.Header.Get("Allow"))
			if resp.Header.Get("Content-Type") == "application/json" {
				var e struct{ Error string }
				require.NoError(t, json.Unmarshal(body, &e))
				require.NotEmpty(t, e.Error)
			}
		})
	}
}

// TestPresence follows the member list through joins and leaves. A name
// with two streams open is one member.
func TestPresence(t *testing.T) {
	ended := make(chan string, 10)
	cfg := testConfig()
	cfg.OnStreamEnd = func(_, name string, _ error) { ended <- name }
	ts, _ := start(t, cfg)

	ann := join(t, ts, "r", "ann")
	p := next[Presence](t, ann, "presence")
	require.Equal(t, []string{"ann"}, p.Members)

	bob := join(t, ts, "r", "bob")
	require.Equal(t, []string{"ann", "bob"}, next[Presence](t, bob, "presence").Members)
	bobJoined := joined(t, ann, "bob")
	require.Equal(t, []string{"ann", "bob"}, bobJoined.Members)
	require.Greater(t, bobJoined.Version, p.Version)

	// A second tab of bob's: no join, and closing it is no leave.
	tab := join(t, ts, "r", "bob")
	require.Equal(t, []string{"ann", "bob"}, next[Presence](t, tab, "presence").Members)
	require.NoError(t, tab.Close())
	require.Equal(t, "bob", <-ended)

	require.NoError(t, bob.Close())
	require.Equal(t, "bob", <-ended)
	left := next[Presence](t, ann, "leave")
	require.Equal(t, "bob", left.Name)
	require.Equal(t, []string{"ann"}, left.Members)
	require.Greater(t, left.Version, bobJoined.Version)

	// The first event ann saw after bob's join is his leave: the tab
	// changed nothing. A message proves nothing else is queued before it.
	post(t, ts, "r", "ann", "still here")
	ev, err := ann.Next()
	require.NoError(t, err)
	require.Equal(t, "message", ev.Type)
}

func TestAdminSeesEveryRoom(t *testing.T) {
	ts, _ := start(t, testConfig())
	admin, err := Open(context.Background(), ts.Client(), ts.URL+"/admin/events")
	require.NoError(t, err)
	defer admin.Close()
	// The admin stream sends no presence, so its subscription is known to
	// be in place only once an event arrives: a member's join.
	ann := join(t, ts, "one", "ann")
	joined(t, admin, "ann")
	next[Presence](t, ann, "presence")

	post(t, ts, "one", "ann", "in one")
	post(t, ts, "two", "bob", "in two")
	m1 := next[Message](t, admin, "message")
	m2 := next[Message](t, admin, "message")
	require.Equal(t, []string{"one", "in one", "two", "in two"}, []string{m1.Room, m1.Text, m2.Room, m2.Text})
}

// TestClose: closing the chat ends every stream, and the server refuses new
// streams and posts with 503.
func TestClose(t *testing.T) {
	ended := make(chan error, 1)
	cfg := testConfig()
	cfg.OnStreamEnd = func(_, _ string, err error) { ended <- err }
	ts, s := start(t, cfg)
	ann := join(t, ts, "r", "ann")
	next[Presence](t, ann, "presence")

	s.Close()
	require.ErrorIs(t, <-ended, pubsub.ErrClosed)
	for {
		_, err := ann.Next()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
	}
	var se *StatusError
	_, err := Post(context.Background(), ts.Client(), ts.URL, "r", "ann", "hi")
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusServiceUnavailable, se.Code)
	_, err = JoinRoom(context.Background(), ts.Client(), ts.URL, "r", "ann")
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusServiceUnavailable, se.Code)
}

func TestPage(t *testing.T) {
	ts, _ := start(t, testConfig())
	for _, tc := range []struct{ path, contentType, contains string }{
		{"/", "text/html; charset=utf-8", `<script src="/static/app.js"`},
		{"/static/app.js", "text/javascript; charset=utf-8", "new EventSource("},
		{"/static/style.css", "text/css; charset=utf-8", "#members"},
	} {
		resp, err := ts.Client().Get(ts.URL + tc.path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, tc.path)
		require.Equal(t, tc.contentType, resp.Header.Get("Content-Type"), tc.path)
		require.Equal(t, "default-src 'self'", resp.Header.Get("Content-Security-Policy"))
		require.Contains(t, string(body), tc.contains)
		// No external assets: nothing is loaded from another origin.
		require.NotContains(t, string(body), "http://", tc.path)
		require.NotContains(t, string(body), "https://", tc.path)
	}
}

// TestHeartbeat checks that an idle stream gets comments, which the client
// skips. It uses the real clock but asserts no duration.
func TestHeartbeat(t *testing.T) {
	cfg := testConfig()
	cfg.Heartbeat = time.Millisecond
	ts, _ := start(t, cfg)
	resp, err := ts.Client().Get(ts.URL + "/events?room=r&name=ann")
	require.NoError(t, err)
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if line == ":\n" {
			return
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		field  string
		change func(*Config)
	}{
		{"MaxStreams", func(c *Config) { c.MaxStreams = 0 }},
		{"Rate", func(c *Config) { c.Rate = 0 }},
		{"Burst", func(c *Config) { c.Burst = -1 }},
		{"Buffer", func(c *Config) { c.Buffer = 0 }},
		{"WriteTimeout", func(c *Config) { c.WriteTimeout = 0 }},
		{"Heartbeat", func(c *Config) { c.Heartbeat = -time.Second }},
		{"MaxText", func(c *Config) { c.MaxText = 0 }},
	} {
		cfg := DefaultConfig()
		tc.change(&cfg)
		require.PanicsWithValue(t, "chat: New called with invalid Config."+tc.field, func() { New(cfg) })
	}
}

// TestLongMessage sends the longest message, in characters that JSON
// escapes: its event line is far longer than a bufio.Reader's default
// buffer, and the client must still read it.
func TestLongMessage(t *testing.T) {
	cfg := testConfig()
	cfg.MaxText = 5000
	ts, _ := start(t, cfg)
	ann := join(t, ts, "r", "ann")
	next[Presence](t, ann, "presence")
	text := strings.Repeat("<", cfg.MaxText) // each one is \u003c on the wire
	post(t, ts, "r", "ann", text)
	require.Equal(t, text, next[Message](t, ann, "message").Text)
}

func TestStatusError(t *testing.T) {
	err := error(&StatusError{Code: 429, Message: "slow down"})
	require.EqualError(t, err, "429 slow down")
	require.False(t, errors.Is(err, io.EOF))
}

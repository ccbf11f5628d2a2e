// Command ratelimit shows per-client HTTP rate limiting: a middleware gives
// each client its own token bucket (ratelimit.Keyed) and answers
// 429 Too Many Requests, with a Retry-After header, once a client has spent
// its burst.
//
// The demo starts a server on a loopback port, fires a burst of concurrent
// requests from two clients, prints how many each got through and exits.
// Both clients really connect from 127.0.0.1, so they tell themselves apart
// with an X-Forwarded-For header, as they would behind a reverse proxy.
//
//	go run ./examples/ratelimit
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/weavego/weave/ratelimit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// Each client may make 5 requests at once, then one a minute. The slow
// refill keeps the demo's counts the same on every run.
const (
	burst = 5
	every = time.Minute
)

// run serves a rate-limited handler on 127.0.0.1:0, sends 8 concurrent
// requests as "alice" and 3 as "bob", and reports the status codes.
func run(ctx context.Context, out io.Writer) error {
	perClient := ratelimit.NewKeyed[string](ratelimit.Every(every), burst,
		ratelimit.WithIdleTTL(10*time.Minute), // keep returning clients' entries
		ratelimit.WithMaxKeys(100_000))        // bound memory under a flood of addresses
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})
	// trustProxy: only read X-Forwarded-For when a proxy you run sets it;
	// otherwise any client can pick its own key and dodge the limit.
	handler := limitPerClient(perClient, clientIP(true), hello)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	url := "http://" + ln.Addr().String() + "/"
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	results := make(map[string]*tally)
	var wg sync.WaitGroup
	for _, c := range []struct {
		name     string
		ip       string
		requests int
	}{{"alice", "203.0.113.7", 8}, {"bob", "198.51.100.23", 3}} {
		t := &tally{}
		results[c.name] = t
		for range c.requests {
			wg.Go(func() { t.add(get(ctx, client, url, c.ip)) })
		}
	}
	wg.Wait()
	client.CloseIdleConnections()

	// Shutdown lets in-flight requests finish; if ctx is done first, Close
	// drops them. Either way Serve has returned before run does.
	shutdownErr := srv.Shutdown(ctx)
	if shutdownErr != nil {
		srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if shutdownErr != nil {
		return shutdownErr
	}
	for _, name := range []string{"alice", "bob"} {
		t := results[name]
		if t.err != nil {
			return fmt.Errorf("%s: %w", name, t.err)
		}
		fmt.Fprintf(out, "%-5s 200: %d  429: %d", name, t.ok, t.limited)
		if t.retryAfter != "" {
			fmt.Fprintf(out, "  Retry-After: %ss", t.retryAfter)
		}
		fmt.Fprintln(out)
	}
	return nil
}

// limitPerClient lets a request through if its client has a token, and
// otherwise answers 429 with Retry-After: the whole seconds until the next
// token, as RFC 9110 asks.
func limitPerClient(perClient *ratelimit.Keyed[string], key func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := key(r)
		if perClient.Allow(k) {
			next.ServeHTTP(w, r)
			return
		}
		secs := math.Ceil(perClient.Delay(k).Seconds())
		w.Header().Set("Retry-After", strconv.Itoa(int(min(max(secs, 1), 86400))))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
	})
}

// clientIP returns the function that names a request's client: its remote
// IP, or, if trustProxy, the first address in X-Forwarded-For (the client as
// the proxy saw it).
func clientIP(trustProxy bool) func(*http.Request) string {
	return func(r *http.Request) string {
		if trustProxy {
			if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
				first, _, _ := strings.Cut(xff, ",")
				return strings.TrimSpace(first)
			}
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
}

// tally counts one client's responses.
type tally struct {
	mu         sync.Mutex
	ok         int
	limited    int
	retryAfter string
	err        error
}

func (t *tally) add(status int, retryAfter string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case err != nil:
		t.err = errors.Join(t.err, err)
	case status == http.StatusOK:
		t.ok++
	case status == http.StatusTooManyRequests:
		t.limited++
		t.retryAfter = retryAfter
	default:
		t.err = errors.Join(t.err, fmt.Errorf("unexpected status %d", status))
	}
}

// get sends one request as the client at ip.
func get(ctx context.Context, client *http.Client, url, ip string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), nil
}

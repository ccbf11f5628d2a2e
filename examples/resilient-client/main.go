// Command resilient-client calls a flaky HTTP service through three layers:
// retry (backoff, honouring Retry-After) outside, then a client-side rate
// limit on every attempt, then a circuit breaker around the request.
// It starts its own deliberately flaky server on 127.0.0.1, makes a few
// calls, and prints what each layer did.
//
//	go run ./examples/resilient-client
//
// The layering is the point: the retry loop wraps the breaker, so every
// attempt is seen by the breaker, and once the breaker opens the retry loop
// stops at once (the breaker's ErrOpen is made Permanent) instead of waiting
// out its remaining attempts against a service that is down.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weavego/weave/breaker"
	"github.com/weavego/weave/ratelimit"
	"github.com/weavego/weave/retry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// script is what the flaky server answers to its 1st, 2nd, ... request;
// after the script it answers 200. A fixed script, and a client that makes
// one request at a time, make the demo print the same thing on every run.
var script = []int{
	503, 503, // overloaded: "come back later" (with Retry-After)
	200,
	500, 500, 500, // down
}

// Timing of the demo, short so that it finishes at once. In a service you
// would keep the library defaults (retry: Exponential(100ms, 10s) with
// jitter; breaker: 30s open timeout) and a longer cap on Retry-After.
const (
	backoff       = 10 * time.Millisecond // fixed, so the printed waits are the same every run
	maxRetryAfter = 20 * time.Millisecond // never wait longer than this for a Retry-After hint
	openTimeout   = 100 * time.Millisecond
)

func run(ctx context.Context, w io.Writer) error {
	// The flaky server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: &flakyServer{script: script}}
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.Serve(ln) })
	transport := &http.Transport{}
	defer func() {
		transport.CloseIdleConnections()
		_ = srv.Shutdown(context.Background())
		wg.Wait()
	}()

	c := newClient(&http.Client{Transport: transport}, "http://"+ln.Addr().String(), w)
	say := func(call int, body string, err error) {
		if err != nil {
			fmt.Fprintf(w, "call %d: failed: %v\n", call, err)
		} else {
			fmt.Fprintf(w, "call %d: ok: %s\n", call, body)
		}
	}

	// 1: the server is overloaded twice, then answers.
	// 2: the server is down; the breaker opens after 3 failures and the
	//    retry loop stops at once instead of making its 4th attempt.
	// 3: the breaker fails fast, without touching the server.
	for call := 1; call <= 3; call++ {
		body, err := c.Get(ctx, "/hello")
		say(call, body, err)
	}
	// After the open timeout, one probe is let through; it succeeds and
	// closes the breaker.
	fmt.Fprintf(w, "... %v later\n", openTimeout)
	t := time.NewTimer(openTimeout)
	select {
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	case <-t.C:
	}
	for call := 4; call <= 5; call++ {
		body, err := c.Get(ctx, "/hello")
		say(call, body, err)
	}
	fmt.Fprintf(w, "limiter admitted %d attempts; server saw %d requests; breaker rejected %d attempts locally\n",
		c.limited.Load(), c.sent.Load(), c.rejected.Load())
	return ctx.Err()
}

// client is an HTTP client for one dependency: one rate limit, one breaker
// and one retry budget shared by all its calls.
type client struct {
	http  *http.Client
	base  string
	out   io.Writer
	limit *ratelimit.Limiter
	br    *breaker.Breaker
	retry []retry.Option // built once, shared by every call

	// What the demo prints; a service would export metrics.
	limited, sent, rejected atomic.Int64
}

func newClient(hc *http.Client, base string, out io.Writer) *client {
	c := &client{http: hc, base: base, out: out}
	// Be polite: at most 50 attempts a second (retries included), in bursts
	// of up to 10. The demo stays within it, so the limiter never waits here.
	c.limit = ratelimit.New(ratelimit.Per(50, time.Second), 10)
	c.br = breaker.New(
		breaker.WithFailureThreshold(3),
		breaker.WithOpenTimeout(openTimeout),
		// A 4xx is the request's fault, not a sign that the server is down.
		breaker.WithIsFailure(func(err error) bool {
			var se *statusError
			if errors.As(err, &se) {
				return se.code >= 500
			}
			return err != nil && !errors.Is(err, context.Canceled)
		}),
		breaker.WithOnStateChange(func(from, to breaker.State) {
			fmt.Fprintf(out, "  breaker: %v -> %v\n", from, to)
		}),
	)
	c.retry = []retry.Option{
		retry.WithMaxAttempts(4),
		retry.WithBackoff(retry.Constant(backoff)),
		retry.WithAttemptTimeout(2 * time.Second),
		// Retries may add at most 20% to the traffic (at least 10 a second).
		retry.WithBudget(retry.NewBudget(0.2, 10)),
		retry.WithOnRetry(func(attempt int, err error, delay time.Duration) {
			fmt.Fprintf(out, "  retry: attempt %d failed (%v), next in %v\n", attempt, err, delay)
		}),
	}
	return c
}

// Get fetches path and returns the body of a 200 response.
func (c *client) Get(ctx context.Context, path string) (string, error) {
	return retry.DoValue(ctx, func(ctx context.Context) (string, error) {
		if err := c.limit.Wait(ctx); err != nil {
			return "", retry.Permanent(err) // ctx is done or would be before a token comes
		}
		c.limited.Add(1)
		body, err := breaker.Call(ctx, c.br, func(ctx context.Context) (string, error) {
			return c.fetch(ctx, path)
		})
		if errors.Is(err, breaker.ErrOpen) || errors.Is(err, breaker.ErrTooManyProbes) {
			c.rejected.Add(1)
			return "", retry.Permanent(err) // retrying now would only be rejected again
		}
		return body, err
	}, c.retry...)
}

// fetch makes one request and turns the answer into an error the retry
// loop understands: a 503 with Retry-After becomes a hint, a 4xx is
// permanent.
func (c *client) fetch(ctx context.Context, path string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return "", retry.Permanent(err)
	}
	c.sent.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return string(body), nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return "", retry.Permanent(&statusError{resp.StatusCode})
	}
	err = &statusError{resp.StatusCode}
	if secs, convErr := strconv.Atoi(resp.Header.Get("Retry-After")); convErr == nil && secs >= 0 {
		return "", retry.After(min(time.Duration(secs)*time.Second, maxRetryAfter), err)
	}
	return "", err
}

type statusError struct{ code int }

func (e *statusError) Error() string {
	return "server: " + strconv.Itoa(e.code) + " " + http.StatusText(e.code)
}

// flakyServer answers by script, then recovers.
type flakyServer struct {
	mu     sync.Mutex
	n      int
	script []int
}

func (s *flakyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.n++
	n := s.n
	code := http.StatusOK
	if n <= len(s.script) {
		code = s.script[n-1]
	}
	s.mu.Unlock()
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(code)
	fmt.Fprintf(w, "hello from request %d", n)
}

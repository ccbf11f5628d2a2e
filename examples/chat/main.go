// Command chat serves a chat web page: rooms, live messages and who is
// online, over Server-Sent Events.
//
//	go run ./examples/chat              # then open http://localhost:8080
//	go run ./examples/chat -addr 127.0.0.1:0   # any free port; the address is printed
//
// It is where weave's patterns meet in one service: rooms are pubsub topics
// whose subscribers are disconnected when they fall behind, posts are rate
// limited per name, a semaphore caps the open streams, and an errgroup runs
// the server next to its shutdown, which SIGINT or SIGTERM starts. The
// service itself is in internal/chat; this file is its lifecycle.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/weavego/weave/errgroup"
	"github.com/weavego/weave/examples/chat/internal/chat"
	"github.com/weavego/weave/ratelimit"
)

func main() {
	cfg := config{addr: "localhost:8080", grace: 5 * time.Second, chat: chat.DefaultConfig()}
	rate := float64(cfg.chat.Rate)
	flag.StringVar(&cfg.addr, "addr", cfg.addr, "listen `address`; port 0 picks a free port")
	flag.DurationVar(&cfg.grace, "grace", cfg.grace, "how long shutdown waits for requests to finish")
	flag.IntVar(&cfg.chat.MaxStreams, "max-conns", cfg.chat.MaxStreams, "most event streams open at once")
	flag.Float64Var(&rate, "rate", rate, "messages per second each name may post")
	flag.IntVar(&cfg.chat.Burst, "burst", cfg.chat.Burst, "messages a name may post at once")
	flag.Parse()
	cfg.chat.Rate = ratelimit.Limit(rate)
	if err := cfg.chat.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "chat: flags:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

type config struct {
	addr  string
	grace time.Duration // for requests in flight at shutdown
	chat  chat.Config
}

// run serves the chat on cfg.addr until ctx is done, then shuts down: the
// event streams end, requests in flight get cfg.grace to finish, and run
// returns once every connection is closed. It prints the address it serves
// on to out.
func run(ctx context.Context, cfg config, out io.Writer) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	// Serve closes ln, but it is never called if ctx is already done.
	defer ln.Close()
	app := chat.New(cfg.chat)
	srv := &http.Server{
		Handler: app,
		// Every read and write has a deadline. Event streams set their own
		// per write and lift the read one, as they read nothing.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      cfg.chat.WriteTimeout,
		IdleTimeout:       time.Minute,
	}
	fmt.Fprintf(out, "chat: serving on http://%s\n", ln.Addr())

	g, _ := errgroup.New(ctx)
	g.Go(func(ctx context.Context) error {
		<-ctx.Done() // a signal, or Serve failed
		// Shutdown waits for active requests, and an event stream stays
		// active until its subscription ends: closing the chat ends them
		// all. (RegisterOnShutdown would run Close on a goroutine of its
		// own, which could outlive run.)
		app.Close()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.grace)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			// Past the grace period: cut the connections still open.
			return errors.Join(err, srv.Close())
		}
		fmt.Fprintln(out, "chat: stopped")
		return nil
	})
	g.Go(func(context.Context) error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	// If ctx was done before the tasks started, the group skipped them and
	// reports ctx's cause: a stop as asked for, with nothing to shut down.
	if err := g.Wait(); err != nil && !errors.Is(err, context.Cause(ctx)) {
		return err
	}
	return nil
}

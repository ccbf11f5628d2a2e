// Command future renders a product page from several backend calls made
// at once: one call depends on another (Then), a set is needed in full
// (All), two replicas race for the same answer (Any), and one slow call is
// waited for only so long (Get with a timeout).
//
// The backend is served by the program itself on 127.0.0.1 so that it runs
// anywhere.
//
//	go run ./examples/future
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/weavego/weave/future"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, 100*time.Millisecond); err != nil {
		fmt.Fprintln(os.Stderr, "product page:", err)
		os.Exit(1)
	}
}

type product struct {
	Name string `json:"name"`
	SKU  string `json:"sku"`
}

type price struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

type review struct {
	Stars int `json:"stars"`
}

// run starts the demo backend, builds the page from it and writes it to w.
// The stock service is only waited for stockWait. Every call started here
// has finished when run returns.
func run(ctx context.Context, w io.Writer, stockWait time.Duration) error {
	base, shutdown, err := startBackend()
	if err != nil {
		return err
	}
	defer shutdown()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &client{http: &http.Client{Transport: tr}, base: base}

	// Every call runs under ctx; cancelling it on return (and waiting for
	// the futures, below) ends the calls nobody waits for any more.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Start everything first, wait later.
	prod := future.Go(ctx, func(ctx context.Context) (product, error) {
		return get[product](ctx, c, "/products/42")
	})
	// The price needs the product's SKU: chain it instead of waiting here.
	cost := future.Then(ctx, prod, func(ctx context.Context, p product) (price, error) {
		return get[price](ctx, c, "/prices/"+p.SKU)
	})
	var shards []*future.Future[[]review]
	for i := range 3 {
		shards = append(shards, future.Go(ctx, func(ctx context.Context) ([]review, error) {
			return get[[]review](ctx, c, fmt.Sprintf("/reviews/42?shard=%d", i))
		}))
	}
	replicas := []*future.Future[[]string]{
		future.Go(ctx, func(ctx context.Context) ([]string, error) {
			return get[[]string](ctx, c, "/primary/recommendations/42")
		}),
		future.Go(ctx, func(ctx context.Context) ([]string, error) {
			return get[[]string](ctx, c, "/replica/recommendations/42")
		}),
	}
	stock := future.Go(ctx, func(ctx context.Context) (int, error) {
		return get[int](ctx, c, "/stock/42")
	})
	defer func() {
		cancel()
		for _, d := range []<-chan struct{}{prod.Done(), cost.Done(), stock.Done(), replicas[0].Done(), replicas[1].Done()} {
			<-d
		}
		for _, s := range shards {
			<-s.Done()
		}
	}()

	p, err := prod.Get(ctx)
	if err != nil {
		return fmt.Errorf("product: %w", err) // the page is useless without it
	}
	fmt.Fprintf(w, "product: %s (sku %s)\n", p.Name, p.SKU)

	if pr, err := cost.Get(ctx); err != nil {
		fmt.Fprintf(w, "price:   unavailable (%v)\n", err)
	} else {
		fmt.Fprintf(w, "price:   %.2f %s\n", pr.Amount, pr.Currency)
	}

	// All or nothing: an average over some shards would mislead.
	if parts, err := future.All(ctx, shards...); err != nil {
		fmt.Fprintf(w, "reviews: unavailable (%v)\n", err)
	} else {
		n, sum := 0, 0
		for _, part := range parts {
			for _, r := range part {
				n, sum = n+1, sum+r.Stars
			}
		}
		fmt.Fprintf(w, "reviews: %d from %d shards, average %.1f\n", n, len(parts), float64(sum)/float64(n))
	}

	// Whichever replica answers first; one being down is fine.
	if recs, err := future.Any(ctx, replicas...); err != nil {
		fmt.Fprintf(w, "also:    none (%v)\n", strings.ReplaceAll(err.Error(), "\n", "; "))
	} else {
		fmt.Fprintf(w, "also:    %s\n", strings.Join(recs, ", "))
	}

	// A slow dependency gets a bounded wait; giving up on it does not
	// change the future, which the deferred cancel then ends.
	waitCtx, cancelWait := context.WithTimeout(ctx, stockWait)
	defer cancelWait()
	if n, err := stock.Get(waitCtx); err != nil {
		fmt.Fprintf(w, "stock:   unknown (%v)\n", err)
	} else {
		fmt.Fprintf(w, "stock:   %d left\n", n)
	}
	return ctx.Err()
}

type client struct {
	http *http.Client
	base string
}

var errStatus = errors.New("unexpected status")

// get fetches path and decodes its JSON body into a T.
func get[T any](ctx context.Context, c *client, path string) (T, error) {
	var v T
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return v, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return v, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return v, fmt.Errorf("GET %s: %w %d", req.URL.Path, errStatus, resp.StatusCode)
	}
	return v, json.NewDecoder(resp.Body).Decode(&v)
}

// startBackend serves the demo services on a loopback port and returns the
// base URL and a function that shuts the server down.
func startBackend() (base string, shutdown func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	reply := func(v any) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(v)
		}
	}
	shardReviews := map[string][]review{
		"0": {{Stars: 5}, {Stars: 4}},
		"1": {{Stars: 3}},
		"2": {{Stars: 5}, {Stars: 4}},
	}
	mux := http.NewServeMux()
	mux.Handle("GET /products/42", reply(product{Name: "Gopher plush", SKU: "GPH-1"}))
	mux.Handle("GET /prices/GPH-1", reply(price{Amount: 12.5, Currency: "EUR"}))
	mux.HandleFunc("GET /reviews/42", func(w http.ResponseWriter, r *http.Request) {
		reply(shardReviews[r.URL.Query().Get("shard")])(w, r)
	})
	mux.HandleFunc("GET /primary/recommendations/42", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	})
	mux.Handle("GET /replica/recommendations/42", reply([]string{"Gopher mug", "Gopher socks"}))
	mux.HandleFunc("GET /stock/42", func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the stock service hangs until the client gives up
	})

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln) // returns ErrServerClosed after Shutdown
	}()
	shutdown = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
	}
	return "http://" + ln.Addr().String(), shutdown, nil
}

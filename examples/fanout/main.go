// Command fanout shows the fanout package in three small jobs: checking a
// list of URLs with at most three requests in flight, merging the readings
// of several sensors into one stream, and broadcasting one stream of events
// to several independent consumers.
//
//	go run ./examples/fanout
//
// The "requests" are simulated so the program needs no network.
package main

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"

	"github.com/weavego/weave/fanout"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	steps := []func(context.Context, io.Writer) error{checkURLs, mergeSensors, broadcastEvents}
	for i, step := range steps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := step(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

var errNotFound = errors.New("not found")

// fetch stands in for an HTTP GET: it honours ctx and derives a fake size
// from the URL.
func fetch(ctx context.Context, url string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if strings.HasSuffix(url, "/missing") {
		return 0, fmt.Errorf("%s: %w", url, errNotFound)
	}
	return int(crc32.ChecksumIEEE([]byte(url)) % 10_000), nil
}

type status struct {
	URL  string
	Size int
	Err  error
}

// checkURLs fetches every URL with at most 3 in flight. A missing page is a
// result to report, not a reason to stop the others, so fn returns it in
// the value; only a cancelled ctx stops Map early.
func checkURLs(ctx context.Context, w io.Writer) error {
	urls := []string{
		"https://example.com/",
		"https://example.com/about",
		"https://example.com/missing",
		"https://example.com/blog",
		"https://example.com/contact",
	}
	results, err := fanout.Map(ctx, urls, 3, func(ctx context.Context, url string) (status, error) {
		size, err := fetch(ctx, url)
		if errors.Is(err, errNotFound) {
			return status{URL: url, Err: err}, nil
		}
		return status{URL: url, Size: size}, err
	})
	if err != nil {
		return err
	}
	for _, r := range results { // same order as urls
		if r.Err != nil {
			fmt.Fprintf(w, "%-30s error: %v\n", r.URL, errNotFound)
			continue
		}
		fmt.Fprintf(w, "%-30s %5d bytes\n", r.URL, r.Size)
	}
	return nil
}

type reading struct {
	Sensor string
	Value  int
}

// sensor produces n readings on its own goroutine until done or ctx ends.
func sensor(ctx context.Context, name string, n, step int) <-chan reading {
	ch := make(chan reading)
	go func() {
		defer close(ch)
		for i := 1; i <= n; i++ {
			select {
			case ch <- reading{name, i * step}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// mergeSensors gathers three sensors into one stream and totals it.
func mergeSensors(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the sensors and Merge if we return early
	all := fanout.Merge(ctx,
		sensor(ctx, "north", 4, 10),
		sensor(ctx, "south", 3, 7),
		sensor(ctx, "east", 5, 1),
	)
	totals := map[string]int{}
	count := 0
	for r := range all {
		totals[r.Sensor] += r.Value
		count++
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	names := make([]string, 0, len(totals))
	for name := range totals {
		names = append(names, name)
	}
	slices.Sort(names) // readings interleave; print in a stable order
	fmt.Fprintf(w, "merged %d readings\n", count)
	for _, name := range names {
		fmt.Fprintf(w, "  %-5s total %d\n", name, totals[name])
	}
	return nil
}

// broadcastEvents sends every event to an auditor, a counter and a
// "slowest event" tracker; each sees the whole stream in order.
func broadcastEvents(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type event struct {
		Name string
		Ms   int
	}
	events := make(chan event)
	go func() {
		defer close(events)
		for _, e := range []event{{"login", 12}, {"search", 48}, {"checkout", 230}, {"logout", 5}} {
			select {
			case events <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	outs := fanout.Broadcast(ctx, events, 3)

	var wg sync.WaitGroup
	var audit []string
	var count, slowest int
	var slowName string
	wg.Go(func() {
		for e := range outs[0] {
			audit = append(audit, e.Name)
		}
	})
	wg.Go(func() {
		for range outs[1] {
			count++
		}
	})
	wg.Go(func() {
		for e := range outs[2] {
			if e.Ms > slowest {
				slowest, slowName = e.Ms, e.Name
			}
		}
	})
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(w, "audit log: %s\n", strings.Join(audit, " → "))
	fmt.Fprintf(w, "events: %d\n", count)
	fmt.Fprintf(w, "slowest: %s (%d ms)\n", slowName, slowest)
	return nil
}

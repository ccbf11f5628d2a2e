// Command workerpool processes a batch of jobs on a bounded worker pool,
// collects their results and errors, and stops cleanly on Ctrl-C: no new job
// is started, running ones see their context cancelled, and the summary
// still accounts for every job.
//
//	go run ./examples/workerpool
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/weavego/weave/workerpool"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// documents stands in for a job queue: each job counts the words of one
// document. "missing" fails, "corrupt" panics (a bug in the job).
var documents = []string{
	"the quick brown fox", "jumps over", "the lazy dog",
	"missing", "a worker pool bounds concurrency", "and memory",
	"corrupt", "shutdown drains the queue", "close cancels the rest",
	"every job is counted", "exactly once", "done",
}

var errMissing = errors.New("document not found")

// wordCount is the job: a little simulated I/O, then the work. It gives up
// when its context is cancelled.
func wordCount(ctx context.Context, doc string) (int, error) {
	t := time.NewTimer(20 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-t.C:
	}
	switch doc {
	case "missing":
		return 0, errMissing
	case "corrupt":
		panic("unexpected byte in " + doc)
	}
	return len(strings.Fields(doc)), nil
}

func run(ctx context.Context, w io.Writer) error {
	var mu sync.Mutex
	var failures []string
	// The handler runs on the worker goroutine, possibly on several at once.
	p := workerpool.New(4, workerpool.WithQueueSize(4), workerpool.WithErrorHandler(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, err.Error())
	}))

	counts := make([]int, len(documents)) // each job writes only its own slot
	for i, doc := range documents {
		err := p.Submit(ctx, func(ctx context.Context) error {
			n, err := wordCount(ctx, doc)
			if err != nil {
				return fmt.Errorf("job %d (%q): %w", i, doc, err)
			}
			counts[i] = n
			return nil
		})
		if err != nil { // ctx ended while the queue was full: stop taking jobs
			fmt.Fprintf(w, "interrupted: %v\n", err)
			break
		}
	}

	// Drain what was accepted, but give up (and cancel) after a grace period
	// even if ctx is already done: shutting down must not wait forever.
	grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := p.Shutdown(grace); err != nil {
		fmt.Fprintf(w, "shutdown: %v\n", err)
	}

	s := p.Stats()
	total := 0
	for _, n := range counts {
		total += n
	}
	slices.Sort(failures) // the handler saw them in completion order
	fmt.Fprintf(w, "words counted: %d\n", total)
	for _, f := range failures {
		fmt.Fprintf(w, "failed: %s\n", f)
	}
	fmt.Fprintf(w, "submitted %d: completed %d, failed %d, panicked %d, skipped %d\n",
		s.Submitted, s.Completed, s.Failed, s.Panicked, s.Skipped)
	return nil
}

// Command semaphore bounds the memory a batch of image-resize jobs may use at
// once. Each job holds as many permits as the megabytes it needs, so small
// jobs run side by side while a big one waits for room — and, because the
// semaphore is FIFO, the big one is not starved by the small ones behind it.
//
//	go run ./examples/semaphore
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weavego/weave/semaphore"
)

// Job is one unit of work and the memory it needs while it runs.
type Job struct {
	Name string
	MB   int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	jobs := []Job{
		{"thumbnail-a", 1}, {"poster", 6}, {"thumbnail-b", 1}, {"banner", 3},
		{"panorama", 8}, {"thumbnail-c", 1}, {"gigapixel", 12}, {"avatar", 2},
	}
	if err := run(ctx, os.Stdout, jobs, 8); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run processes jobs concurrently within a memory budget of budgetMB and
// reports, in job order, what happened to each.
func run(ctx context.Context, w io.Writer, jobs []Job, budgetMB int) error {
	mem := semaphore.New(budgetMB)

	// inUse/peak check the semaphore's promise from the outside.
	var inUse, peak atomic.Int64
	results := make([]string, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := mem.AcquireN(ctx, job.MB); err != nil {
				// ErrTooLarge comes back at once: the job can never fit, so
				// it must not sit in the queue blocking everyone behind it.
				results[i] = fmt.Sprintf("%-12s %2d MB  rejected: %v", job.Name, job.MB, err)
				return
			}
			defer mem.ReleaseN(job.MB)

			now := inUse.Add(int64(job.MB))
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			err := resize(ctx, job)
			inUse.Add(-int64(job.MB))
			if err != nil {
				results[i] = fmt.Sprintf("%-12s %2d MB  failed: %v", job.Name, job.MB, err)
				return
			}
			results[i] = fmt.Sprintf("%-12s %2d MB  done", job.Name, job.MB)
		}()
	}
	wg.Wait()

	fmt.Fprintf(w, "memory budget %d MB, %d jobs\n", budgetMB, len(jobs))
	for _, r := range results {
		fmt.Fprintln(w, r)
	}
	fmt.Fprintf(w, "peak within budget: %t\n", peak.Load() <= int64(budgetMB))

	// Shutting down: Close turns away late work while holders drain.
	mem.Close()
	fmt.Fprintf(w, "late job admitted after Close: %t\n", mem.TryAcquire())
	fmt.Fprintf(w, "stats: %+v\n", mem.Stats())
	return ctx.Err()
}

// resize stands in for the real work: it takes a little time in proportion
// to the job's size and stops early if ctx ends.
func resize(ctx context.Context, job Job) error {
	t := time.NewTimer(time.Duration(job.MB) * 2 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

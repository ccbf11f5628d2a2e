// Command barrier runs a phased simulation: heat spreading along a metal rod.
// The rod is split between workers; in every step each worker computes the
// next temperature of its own cells from the current ones, and nobody may
// start step n+1 until every worker has finished step n — that is the
// barrier. The barrier's action, run once per step after the last worker
// arrives, swaps the buffers and prints the rod.
//
//	go run ./examples/barrier
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/weavego/weave/barrier"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, 4, 16, 12); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run simulates steps steps of a rod of cells cells shared by workers
// workers, printing the rod after each step.
func run(ctx context.Context, w io.Writer, workers, cells, steps int) error {
	if workers < 1 || cells < workers {
		return fmt.Errorf("need 1 <= workers <= cells, got %d workers for %d cells", workers, cells)
	}
	cur := make([]float64, cells)
	next := make([]float64, cells)
	// A hot spot in the middle; the ends are held at 0 degrees.
	for i := cells/2 - 1; i <= cells/2; i++ {
		cur[i] = 100
	}
	fmt.Fprintf(w, "step  0 %s\n", render(cur))

	step := 0
	b := barrier.New(workers, barrier.WithAction(func() error {
		// Every worker has written its part of next and none has started
		// reading cur again, so swapping here is race-free.
		cur, next = next, cur
		step++
		fmt.Fprintf(w, "step %2d %s\n", step, render(cur))
		return nil
	}))

	errs := make([]error, workers)
	var wg sync.WaitGroup
	for id := range workers {
		lo, hi := id*cells/workers, (id+1)*cells/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range steps {
				for i := lo; i < hi; i++ {
					next[i] = diffuse(cur, i)
				}
				if err := b.Wait(ctx); err != nil {
					errs[id] = err
					return
				}
			}
		}()
	}
	wg.Wait()

	if err := ctx.Err(); err != nil {
		return err // the workers' ErrBroken only echoes this
	}
	return errors.Join(errs...)
}

// diffuse is one explicit finite-difference step for cell i (stable for a
// coefficient up to 0.5), with the rod's ends fixed at 0.
func diffuse(t []float64, i int) float64 {
	if i == 0 || i == len(t)-1 {
		return 0
	}
	return t[i] + 0.4*(t[i-1]-2*t[i]+t[i+1])
}

// render draws temperatures 0..100 as a strip of characters, cold to hot,
// followed by the total heat still in the rod.
func render(t []float64) string {
	const shades = " .:-=+*#%@"
	var sb strings.Builder
	sb.WriteByte('|')
	var total float64
	for _, v := range t {
		total += v
		i := int(v / 100 * float64(len(shades)-1))
		sb.WriteByte(shades[max(0, min(i, len(shades)-1))])
	}
	fmt.Fprintf(&sb, "| heat %6.1f", total)
	return sb.String()
}

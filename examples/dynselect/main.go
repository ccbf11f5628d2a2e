// Command dynselect shows one goroutine serving a changing population of
// producers: sensors join, stream readings, and leave by closing their
// channel or by being removed, and the collector waits on all of them at
// once with a dynselect.Set.
//
//	go run ./examples/dynselect
package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/signal"
	"slices"
	"sync"

	"github.com/weavego/weave/dynselect"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, 6); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// sensor sends readings 1..n on its own channel, then closes it. It stops
// early when ctx is cancelled, which is how the collector retires it.
func sensor(ctx context.Context, wg *sync.WaitGroup, n int) <-chan int {
	ch := make(chan int)
	wg.Go(func() {
		defer close(ch)
		for i := 1; i <= n; i++ {
			select {
			case ch <- i:
			case <-ctx.Done():
				return
			}
		}
	})
	return ch
}

type stats struct {
	readings, sum int
	how           string
}

// run starts with two sensors; every time one finishes, a new one joins
// until total sensors have run. A "noisy" sensor would never stop by
// itself, so the collector removes it after three readings. The summary is
// printed in key order, so the output does not depend on scheduling.
func run(ctx context.Context, w io.Writer, total int) error {
	set := dynselect.New[string, int]()
	defer set.Close()

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: every sensor goroutine has returned
	defer cancel()

	retire := map[string]context.CancelFunc{}
	add := func(name string, n int) error {
		sctx, stop := context.WithCancel(ctx)
		retire[name] = stop
		return set.Add(name, sensor(sctx, &wg, n))
	}
	started := 0
	startNext := func() error {
		if started == total {
			return nil
		}
		started++
		return add(fmt.Sprintf("sensor-%d", started), started+1)
	}

	if err := add("noisy", math.MaxInt); err != nil {
		return err
	}
	for range 2 {
		if err := startNext(); err != nil {
			return err
		}
	}

	seen := map[string]*stats{}
	for set.Len() > 0 {
		ev, err := set.Recv(ctx)
		if err != nil {
			return err
		}
		st := seen[ev.Key]
		if st == nil {
			st = &stats{}
			seen[ev.Key] = st
		}
		if ev.Closed { // reported once; the set has already dropped it
			st.how = "closed its channel"
			retire[ev.Key]()
			if err := startNext(); err != nil {
				return err
			}
			continue
		}
		st.readings++
		st.sum += ev.Value
		if ev.Key == "noisy" && st.readings == 3 {
			// Values the set took but did not return yet come back here.
			leftover, _ := set.Remove("noisy")
			retire["noisy"]()
			st.how = fmt.Sprintf("removed, %d reading(s) left over", len(leftover))
		}
	}

	for _, k := range slices.Sorted(maps.Keys(seen)) {
		st := seen[k]
		fmt.Fprintf(w, "%-8s %2d readings, sum %3d, %s\n", k, st.readings, st.sum, st.how)
	}
	return nil
}

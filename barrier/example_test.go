package barrier_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/weavego/weave/barrier"
)

// Three workers each fill their slot of a shared slice, step by step. The
// action runs once per step, after every worker has written and before any
// goes on, so it sees a complete, stable row.
func Example() {
	const workers, steps = 3, 3
	row := make([]int, workers)
	b := barrier.New(workers, barrier.WithAction(func() error {
		fmt.Println("step done:", row)
		return nil
	}))

	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for step := 1; step <= steps; step++ {
				row[w] = step * (w + 1)
				if err := b.Wait(context.Background()); err != nil {
					fmt.Println(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// Output:
	// step done: [1 2 3]
	// step done: [2 4 6]
	// step done: [3 6 9]
}

// When the action fails, the party that ran it learns why; the others are
// released with ErrBroken, and the barrier stays broken until Reset.
func ExampleWithAction_failure() {
	errDiverged := errors.New("solution diverged")
	b := barrier.New(2, barrier.WithAction(func() error { return errDiverged }))

	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- b.Wait(context.Background()) }()
	}
	var diverged, broken int
	for range 2 {
		err := <-errs
		if errors.Is(err, errDiverged) {
			diverged++
		} else if errors.Is(err, barrier.ErrBroken) {
			broken++
		}
	}
	fmt.Println("diverged:", diverged, "broken:", broken, "barrier broken:", b.Broken())
	b.Reset()
	fmt.Println("after Reset:", b.Broken())
	// Output:
	// diverged: 1 broken: 1 barrier broken: true
	// after Reset: false
}

// A panic in the action is not turned into an error: it breaks the round, so
// the other parties are released with ErrBroken, and then goes on up the
// goroutine of the party that ran the action, with its original value.
func ExampleWithAction_panic() {
	b := barrier.New(2, barrier.WithAction(func() error { panic("bad state") }))

	outcomes := make(chan string, 2)
	for range 2 {
		go func() {
			defer func() {
				if v := recover(); v != nil {
					outcomes <- fmt.Sprint("panicked: ", v) // the party that ran the action
				}
			}()
			outcomes <- fmt.Sprint("returned: ", b.Wait(context.Background()))
		}()
	}
	got := []string{<-outcomes, <-outcomes}
	slices.Sort(got)
	fmt.Println(strings.Join(got, "\n"))
	fmt.Println("broken:", b.Broken(), "waiting:", b.Waiting())
	// Output:
	// panicked: bad state
	// returned: barrier: broken
	// broken: true waiting: 0
}

// A party that gives up (its ctx ends) breaks the round, so no one waits
// forever for it.
func ExampleBarrier_Wait_cancel() {
	b := barrier.New(2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // this party has already given up

	fmt.Println(b.Wait(ctx))
	fmt.Println(b.Wait(context.Background()))
	// Output:
	// context canceled
	// barrier: broken
}

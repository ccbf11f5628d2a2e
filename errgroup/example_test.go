package errgroup_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/weavego/weave/errgroup"
)

func Example() {
	g, ctx := errgroup.New(context.Background(), errgroup.WithLimit(2))
	words := []string{"alpha", "beta", "gamma"}
	lengths := make([]int, len(words))
	for i, w := range words {
		g.Go(func(ctx context.Context) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			lengths[i] = len(w) // each task writes its own slot
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(lengths, ctx.Err())
	// Output: [5 4 5] context canceled
}

func ExampleNewResults() {
	r, _ := errgroup.NewResults[string](context.Background())
	for _, w := range []string{"x", "y", "z"} {
		r.Go(func(context.Context) (string, error) {
			return strings.ToUpper(w), nil
		})
	}
	upper, err := r.Wait()
	fmt.Println(upper, err)
	// Output: [X Y Z] <nil>
}

func ExampleWithCollectAll() {
	g, _ := errgroup.New(context.Background(), errgroup.WithCollectAll())
	for _, name := range []string{"db", "cache", "queue"} {
		g.Go(func(context.Context) error {
			if name == "queue" {
				return nil
			}
			return fmt.Errorf("%s: unreachable", name)
		})
	}
	err := g.Wait()
	// Every error is kept; the order is that of completion, so sort to print.
	var msgs []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		msgs = append(msgs, e.Error())
	}
	fmt.Println(len(msgs), strings.Contains(err.Error(), "db: unreachable"), strings.Contains(err.Error(), "cache: unreachable"))
	// Output: 2 true true
}

func ExampleGroup_Go_panic() {
	g, ctx := errgroup.New(context.Background())
	g.Go(func(context.Context) error {
		var names []string
		fmt.Println(names[3]) // panics: index out of range
		return nil
	})
	err := g.Wait()
	var perr *errgroup.PanicError
	fmt.Println(errors.As(err, &perr), context.Cause(ctx) == err)
	fmt.Println(err)
	// Output:
	// true true
	// panic: runtime error: index out of range [3] with length 0
}

func ExampleGroup_Skipped() {
	parent, cancel := context.WithCancel(context.Background())
	g, _ := errgroup.New(parent)
	cancel() // e.g. the request was abandoned
	for range 3 {
		g.Go(func(context.Context) error { return nil })
	}
	err := g.Wait()
	fmt.Println(g.Skipped(), err)
	// Output: 3 context canceled
}

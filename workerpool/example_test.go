package workerpool_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/weavego/weave/workerpool"
)

func Example() {
	var failures atomic.Int32
	p := workerpool.New(4, workerpool.WithErrorHandler(func(err error) {
		failures.Add(1) // runs on the worker goroutine: keep it short
	}))
	ctx := context.Background()
	var total atomic.Int64
	for i := range 10 {
		_ = p.Submit(ctx, func(ctx context.Context) error {
			if i == 7 {
				return errors.New("job 7 failed")
			}
			total.Add(int64(i))
			return nil
		})
	}
	if err := p.Shutdown(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
	s := p.Stats()
	fmt.Println("total:", total.Load(), "failures:", failures.Load())
	fmt.Printf("submitted %d, completed %d, failed %d\n", s.Submitted, s.Completed, s.Failed)
	// Output:
	// total: 38 failures: 1
	// submitted 10, completed 9, failed 1
}

func ExampleGroup() {
	p := workerpool.New(3)
	defer p.Close()

	g, _ := workerpool.NewGroup[string](context.Background(), p)
	for _, w := range []string{"weave", "pool", "group"} {
		_ = g.Submit(func(ctx context.Context) (string, error) {
			return strings.ToUpper(w), nil
		})
	}
	words, err := g.Wait()
	fmt.Println(words, err)
	// Output: [WEAVE POOL GROUP] <nil>
}

func ExamplePool_TrySubmit() {
	p := workerpool.New(1, workerpool.WithQueueSize(0))
	release := make(chan struct{})
	fmt.Println(p.TrySubmit(func(context.Context) error { <-release; return nil }))
	fmt.Println(p.TrySubmit(func(context.Context) error { return nil }))
	close(release)
	_ = p.Shutdown(context.Background())
	// Output:
	// <nil>
	// workerpool: queue full
}

func ExamplePool_Shutdown() {
	p := workerpool.New(2)
	for range 4 {
		_ = p.Submit(context.Background(), func(context.Context) error { return nil })
	}
	_ = p.Shutdown(context.Background())
	fmt.Println(p.Submit(context.Background(), func(context.Context) error { return nil }))
	s := p.Stats()
	fmt.Println("completed:", s.Completed, "goroutines left:", s.Active)
	// Output:
	// workerpool: closed
	// completed: 4 goroutines left: 0
}

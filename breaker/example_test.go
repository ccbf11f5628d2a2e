package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/weavego/weave/breaker"
)

func Example() {
	b := breaker.New(
		breaker.WithFailureThreshold(2),
		breaker.WithOnStateChange(func(from, to breaker.State) {
			fmt.Printf("breaker: %v -> %v\n", from, to)
		}),
	)
	down := errors.New("service down")
	for i := 1; i <= 4; i++ {
		err := b.Do(context.Background(), func(context.Context) error {
			fmt.Println("call", i, "reaches the service")
			return down
		})
		fmt.Println("call", i, "error:", err)
	}
	// Output:
	// call 1 reaches the service
	// call 1 error: service down
	// call 2 reaches the service
	// breaker: closed -> open
	// call 2 error: service down
	// call 3 error: breaker: open
	// call 4 error: breaker: open
}

func ExampleCall() {
	b := breaker.New()
	n, err := breaker.Call(context.Background(), b, func(context.Context) (int, error) {
		return 42, nil
	})
	fmt.Println(n, err, b.State())
	// Output: 42 <nil> closed
}

func ExampleBreaker_Allow() {
	b := breaker.New(breaker.WithFailureThreshold(1))
	// The two-step form, for code that cannot be wrapped in a function.
	done, err := b.Allow()
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	done(errors.New("timeout")) // report the outcome once the call has finished
	_, err = b.Allow()
	fmt.Println("next call:", err)
	// Output: next call: breaker: open
}

func ExampleWithFailureRate() {
	// Open when at least half of the calls over the last minute failed,
	// once there were at least 4 of them.
	b := breaker.New(breaker.WithFailureRate(0.5, 4, time.Minute))
	for _, failed := range []bool{false, true, false, true} {
		_ = b.Do(context.Background(), func(context.Context) error {
			if failed {
				return errors.New("failed")
			}
			return nil
		})
	}
	fmt.Println(b.State())
	// Output: open
}

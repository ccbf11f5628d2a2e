package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/weavego/weave/retry"
)

func Example() {
	calls := 0
	err := retry.Do(context.Background(), func(context.Context) error {
		calls++
		if calls < 3 {
			return errors.New("connection reset")
		}
		return nil
	},
		retry.WithBackoff(retry.Constant(time.Millisecond)),
		retry.WithOnRetry(func(attempt int, err error, delay time.Duration) {
			fmt.Printf("attempt %d failed (%v), retrying in %v\n", attempt, err, delay)
		}),
	)
	fmt.Println("err:", err, "after", calls, "calls")
	// Output:
	// attempt 1 failed (connection reset), retrying in 1ms
	// attempt 2 failed (connection reset), retrying in 1ms
	// err: <nil> after 3 calls
}

func ExamplePermanent() {
	errNotFound := errors.New("not found")
	calls := 0
	err := retry.Do(context.Background(), func(context.Context) error {
		calls++
		return retry.Permanent(errNotFound) // retrying will not help
	})
	fmt.Println(err == errNotFound, calls)
	// Output: true 1
}

func ExampleAfter() {
	calls := 0
	err := retry.Do(context.Background(), func(context.Context) error {
		calls++
		if calls == 1 {
			// The server said "Retry-After": wait that long, whatever the backoff says.
			return retry.After(2*time.Millisecond, errors.New("503 service unavailable"))
		}
		return nil
	}, retry.WithOnRetry(func(attempt int, err error, delay time.Duration) {
		fmt.Println("waiting", delay)
	}))
	fmt.Println(err)
	// Output:
	// waiting 2ms
	// <nil>
}

func ExampleDoValue() {
	calls := 0
	v, err := retry.DoValue(context.Background(), func(context.Context) (string, error) {
		calls++
		if calls < 2 {
			return "", errors.New("busy")
		}
		return "hello", nil
	}, retry.WithBackoff(retry.Constant(0)))
	fmt.Println(v, err)
	// Output: hello <nil>
}

func ExampleWithMaxAttempts() {
	err := retry.Do(context.Background(), func(context.Context) error {
		return errors.New("down")
	}, retry.WithMaxAttempts(3), retry.WithBackoff(retry.Constant(0)))
	fmt.Println(err)
	fmt.Println(errors.Is(err, retry.ErrExhausted))
	// Output:
	// retry: exhausted: no attempts left after 3 attempts: down
	// true
}

func ExampleNewBudget() {
	// Shared by every call to one dependency: retries may add 10% to the
	// calls, and at least 1 retry a second is always allowed.
	budget := retry.NewBudget(0.1, 1)
	down := func(context.Context) error { return errors.New("down") }
	opts := []retry.Option{retry.WithBudget(budget), retry.WithBackoff(retry.Constant(0))}

	err := retry.Do(context.Background(), down, opts...)
	fmt.Println(err)
	fmt.Println(errors.Is(err, retry.ErrBudget), errors.Is(err, retry.ErrExhausted))
	// Output:
	// retry: budget spent: retry refused after 2 attempts: down
	// true true
}

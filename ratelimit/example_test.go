package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/weavego/weave/ratelimit"
)

// Shed load: a request either has a token now or is turned away.
func ExampleLimiter_Allow() {
	lim := ratelimit.New(1, 3) // one a second, bursts of three
	for i := range 5 {
		fmt.Println(i, lim.Allow())
	}
	// Output:
	// 0 true
	// 1 true
	// 2 true
	// 3 false
	// 4 false
}

// Pace outgoing work: each Wait returns when its token is there.
func ExampleLimiter_Wait() {
	lim := ratelimit.New(ratelimit.Every(10*time.Millisecond), 1)
	start := time.Now()
	for range 3 {
		if err := lim.Wait(context.Background()); err != nil {
			fmt.Println(err)
			return
		}
	}
	// The first call spent the burst; the next two waited 10ms each.
	fmt.Println(time.Since(start) >= 20*time.Millisecond)
	// Output: true
}

// A wait that cannot end before the deadline fails at once and takes nothing.
func ExampleLimiter_WaitN_deadline() {
	lim := ratelimit.New(ratelimit.Every(time.Minute), 1)
	lim.Allow()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := lim.Wait(ctx)
	fmt.Println(errors.Is(err, ratelimit.ErrWouldExceedDeadline))
	// Output: true
}

// Reserve books tokens for later; Cancel gives them back.
func ExampleLimiter_Reserve() {
	lim := ratelimit.New(10, 1)
	lim.Allow()
	r := lim.Reserve(1)
	fmt.Println(r.OK(), r.Delay() > 50*time.Millisecond)
	r.Cancel() // changed our mind: the token goes back
	fmt.Printf("%.0f\n", lim.Tokens())
	// Output:
	// true true
	// 0
}

// One bucket per client: a busy client does not use up another's budget.
func ExampleKeyed() {
	perClient := ratelimit.NewKeyed[string](ratelimit.Per(60, time.Minute), 2,
		ratelimit.WithIdleTTL(10*time.Minute), ratelimit.WithMaxKeys(10_000))
	for _, client := range []string{"alice", "alice", "alice", "bob"} {
		fmt.Println(client, perClient.Allow(client))
	}
	fmt.Println(perClient.Len(), "clients")
	// Output:
	// alice true
	// alice true
	// alice false
	// bob true
	// 2 clients
}

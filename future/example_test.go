package future_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/weavego/weave/future"
)

func Example() {
	ctx := context.Background()
	name := future.Go(ctx, func(context.Context) (string, error) {
		return "gopher", nil // e.g. a database lookup
	})
	greeting := future.Then(ctx, name, func(_ context.Context, n string) (string, error) {
		return "hello, " + n, nil
	})
	// ... other work while both run ...
	msg, err := greeting.Get(ctx)
	fmt.Println(msg, err)
	// Output: hello, gopher <nil>
}

func ExampleAll() {
	ctx := context.Background()
	var parts []*future.Future[string]
	for _, w := range []string{"a", "b", "c"} {
		parts = append(parts, future.Go(ctx, func(context.Context) (string, error) {
			return strings.ToUpper(w), nil
		}))
	}
	vals, err := future.All(ctx, parts...)
	fmt.Println(vals, err)
	// Output: [A B C] <nil>
}

func ExampleAny() {
	ctx := context.Background()
	primary := future.Rejected[string](errors.New("primary: down"))
	replica := future.Go(ctx, func(context.Context) (string, error) { return "from replica", nil })
	v, err := future.Any(ctx, primary, replica)
	fmt.Println(v, err)

	_, err = future.Any(ctx, primary, future.Rejected[string](errors.New("replica: down")))
	fmt.Println(err)
	// Output:
	// from replica <nil>
	// primary: down
	// replica: down
}

func ExamplePromise() {
	p := future.NewPromise[int]()
	// Hand p to callback-style code; it settles the future once.
	go func() { p.Resolve(42) }()
	v, _ := p.Future().Get(context.Background())
	fmt.Println(v, p.Resolve(7)) // a second settle is refused
	// Output: 42 false
}

func ExampleFuture_Get_timeout() {
	p := future.NewPromise[string]()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the caller gave up waiting...
	_, err := p.Future().Get(ctx)
	fmt.Println(err)
	p.Resolve("done") // ...but the future still settles for others
	v, err := p.Future().Get(context.Background())
	fmt.Println(v, err)
	// Output:
	// context canceled
	// done <nil>
}

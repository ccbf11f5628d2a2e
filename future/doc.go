// Package future holds values that will arrive later: the result of a
// function running on its own goroutine (Go), or one settled by hand
// (Promise), and ways to combine them (Then, All, Any).
//
//	user := future.Go(ctx, func(ctx context.Context) (User, error) { return loadUser(ctx, id) })
//	orders := future.Then(ctx, user, func(ctx context.Context, u User) ([]Order, error) {
//		return loadOrders(ctx, u.AccountID)
//	})
//	// ... other work ...
//	list, err := orders.Get(ctx) // waits, bounded by ctx
//
// A Future settles exactly once, with a value or an error, and every Get
// afterwards returns the same result. A panic in a function run by Go or
// Then settles its future with a *PanicError instead of crashing the
// process. Waiting never changes a future: a Get that times out leaves it to
// settle later for other callers.
//
// Nothing in this package keeps a goroutine waiting: Go runs one goroutine
// for the function and Then starts one only once its input has settled; All,
// Any and a Then still waiting for its input are woken by the input itself
// (or by their context), so a chain whose context ends leaves nothing
// behind.
//
// # When to use, when not
//
// Use a future when a caller wants to start something now, do other work,
// and pick up the result later, or to pass "a result that will arrive" to
// code that may wait for it from several goroutines. Use a Promise to bridge
// callback-style code.
//
// For a batch of tasks awaited together, an errgroup is simpler (one Wait,
// one cancel). For a stream of values, use a channel or a pipeline: a future
// settles once.
package future

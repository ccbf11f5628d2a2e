// Package errgroup runs a group of goroutines that work on parts of one task
// and reports the first error (or every error) when they are all done.
//
//	g, ctx := errgroup.New(ctx, errgroup.WithLimit(8))
//	for _, url := range urls {
//		g.Go(func(ctx context.Context) error {
//			return fetch(ctx, url)
//		})
//	}
//	err := g.Wait() // first error; ctx was cancelled when it happened
//
// It follows golang.org/x/sync/errgroup and adds what a service usually ends
// up writing around it:
//
//   - every task receives the group's context, so a task cannot forget to
//     use it;
//   - a panicking task does not crash the process: its panic arrives from
//     Wait as a *PanicError (value and stack) and cancels the group; a task
//     that calls runtime.Goexit fails it with ErrGoexit;
//   - once the group is cancelled, tasks passed to Go are skipped instead of
//     started, and a Go waiting for a slot under the limit gives up; skipped
//     tasks are counted (Group.Skipped) and never make Wait report success;
//   - WithCollectAll keeps going after errors and returns all of them;
//   - Results gathers the values of the tasks in the order Go was called;
//   - SetLimit may be called while tasks run, and every running task counts
//     toward the new limit.
//
// Where x/sync's Wait returns nil because no task failed although the parent
// context ended and work was skipped, this Wait returns the parent's error:
// skipped work never reads as success.
//
// # When to use, when not
//
// Use errgroup for a fixed batch of related work started by one caller and
// awaited by that caller: fetching the parts of a page, crawling to a depth,
// running a server next to its shutdown watcher. Each task gets its own
// goroutine, so it suits tens to a few thousand tasks.
//
// For a long-lived stream of independent jobs, use a worker pool with a
// bounded queue instead; for a single value computed in the background, a
// future; for a staged flow of items, a pipeline.
package errgroup

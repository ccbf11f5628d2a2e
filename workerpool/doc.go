// Package workerpool runs tasks on a bounded number of goroutines, with a
// bounded queue in front of them, and ends cleanly.
//
//	p := workerpool.New(8, workerpool.WithErrorHandler(func(err error) {
//		log.Print(err) // task errors and *PanicError, on the worker goroutine
//	}))
//	for _, j := range jobs {
//		if err := p.Submit(ctx, j.Run); err != nil { // waits for room; ctx bounds the wait
//			break
//		}
//	}
//	err := p.Shutdown(ctx) // run what is queued, then return; Close at ctx's end
//
// To gather results of a batch of tasks, use a Group on the pool:
//
//	g, gctx := workerpool.NewGroup[int](ctx, p)
//	for _, u := range urls {
//		g.Submit(func(ctx context.Context) (int, error) { return fetch(ctx, u) })
//	}
//	sizes, err := g.Wait() // in submission order; the first error cancels gctx
//
// Guarantees: at most Workers tasks run at once; workers take tasks in the
// order they were accepted; a full queue makes Submit wait (TrySubmit fails
// with ErrQueueFull), so memory stays bounded; every accepted task is counted
// exactly once in Stats as completed, failed, panicked or skipped (a task
// whose context is done before a worker takes it is skipped: counted, not run,
// not reported to the error handler); a panicking task never takes a worker
// or the program down. Workers are goroutines started on demand; one with
// nothing to do waits for more only while other tasks run, so a Pool with no
// task in flight holds no goroutine, and after Shutdown or Close none is
// left. A task may Close or Shutdown its own pool: the call waits for the
// other workers, not for the task making it.
//
// # When to use
//
// A long-lived component that takes work from many places (requests, a
// consumer loop) and must cap how much of it runs at once, push back on
// producers when it falls behind, and drain on shutdown.
//
// # When not to
//
// For one batch with a known end, errgroup with a limit or fanout.Map is
// simpler. To cap concurrency of work that runs on the caller's goroutine, use
// a semaphore. For tasks that take well under a microsecond, batch them: any
// hand-off between goroutines costs about that much.
package workerpool

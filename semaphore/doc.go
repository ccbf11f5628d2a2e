// Package semaphore bounds how much of a scarce resource is in use at once:
// a weighted counting semaphore that serves requests in FIFO order, can be
// resized while in use, and can be closed.
//
//	sem := semaphore.New(10) // e.g. 10 MB of buffer memory, in 1 MB units
//
//	if err := sem.AcquireN(ctx, job.SizeMB); err != nil {
//		return err // ctx.Err(), ErrTooLarge or ErrClosed
//	}
//	defer sem.ReleaseN(job.SizeMB)
//	process(job)
//
// A request that has to wait blocks everything queued after it, even
// requests small enough to fit in the free permits, so a large request is
// never starved by a stream of small ones. When nobody waits, Acquire and
// Release are one atomic compare-and-swap and do not allocate.
//
// # When to use it, and when not
//
// Use a semaphore when the limit is on something held for a while — open
// connections, memory, file handles, GPU slots — especially when requests
// differ in size or the limit changes at run time (Resize). To cap the
// number of goroutines running a batch of tasks, an errgroup with a limit or
// a worker pool says that more directly. To cap a rate (events per second)
// rather than a level, use a rate limiter. For a fixed, unweighted limit
// that never changes and never needs closing, a buffered channel is just as
// good.
package semaphore

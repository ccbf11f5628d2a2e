// Package barrier lets a fixed number of goroutines wait for one another at
// a point in their work, round after round (a cyclic barrier).
//
//	b := barrier.New(len(workers), barrier.WithAction(swapBuffers))
//	for step := range steps {
//		compute(step)              // each worker, its own share
//		if err := b.Wait(ctx); err != nil {
//			return err // ctx.Err() for this worker, ErrBroken for the others
//		}
//	}
//
// Each round has its own generation, so a worker that leaves Wait and comes
// straight back joins the next round without disturbing the slow ones still
// waking from this one. If any party gives up (its ctx ends) or the action
// fails, the round breaks: everyone in it is released with an error instead
// of waiting forever for a party that will not come, and the barrier stays
// broken until Reset. The action runs on the last arriver's goroutine, so a
// panic in it is not turned into an error: the round breaks first, then the
// panic goes on up that goroutine.
//
// # When to use it, and when not
//
// Use a barrier for phased, lock-step computation — simulations, iterative
// solvers, parallel tests that must line up — where every worker must
// finish step n before any starts step n+1. To wait once for a group of
// goroutines to finish, use sync.WaitGroup or an errgroup; to hand data from
// one stage to the next, use channels or a pipeline. A barrier needs an exact
// party count known up front; for a changing set of workers it is the wrong
// tool.
package barrier

// Package fanout spreads work out over goroutines and gathers it back: over
// channels (Merge, Distribute, Broadcast) or over a slice with a bound on
// concurrency (Map, ForEach).
//
//	sizes, err := fanout.Map(ctx, files, 8, func(ctx context.Context, name string) (int64, error) {
//		fi, err := os.Stat(name)
//		if err != nil {
//			return 0, err
//		}
//		return fi.Size(), nil
//	}) // sizes[i] belongs to files[i]; the first error cancels the rest
//
// Merge, Distribute and Broadcast each start goroutines that close their
// output channels when their input is closed (all inputs, for Merge) and
// return once ctx is done even if nobody reads the outputs: cancel ctx to
// abandon them. Their outputs are unbuffered, so values are never queued
// out of sight.
//
// Map and ForEach block until done. They run at most workers calls at a
// time, stop starting items at the first error, and return panics as
// *PanicError.
//
// When to use: one step of parallel work over a known slice, or plumbing
// between channels you already have.
//
// When not: for several steps chained together, use pipeline; for tasks that
// arrive over time, use workerpool or errgroup.
package fanout

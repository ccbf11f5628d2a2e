// Package pipeline builds staged, concurrent processing with one lifecycle:
// a Pipeline owns every goroutine of its stages, the first error cancels them
// all, and nothing is left running when the consumer stops early.
//
//	p := pipeline.New(ctx)
//	nums := pipeline.FromSlice(p, []int{1, 2, 3, 4})
//	squares := pipeline.Map(nums, func(_ context.Context, n int) (int, error) { return n * n, nil })
//	even := pipeline.Filter(squares, func(_ context.Context, n int) (bool, error) { return n%2 == 0, nil })
//	out, err := pipeline.Collect(even) // [4 16], nil
//
// A source (From, FromSlice, FromChan) starts a Stream; a stage (Map,
// Filter, FlatMap, Batch) turns one Stream into another; a sink (Collect,
// ForEach, Reduce, or Chan and All for the caller's own loop) consumes the
// last one. Each Stream is consumed exactly once.
//
// Lifecycle: every stage runs under the Pipeline's context. A stage error,
// a panic (as *PanicError), or the parent context's cancellation cancels
// every stage and source; Stop does the same without an error. Every
// hand-off between stages also waits on that context, so no goroutine blocks
// forever on a consumer that went away. Wait returns once all goroutines have
// returned; Collect, ForEach and Reduce call it for you.
//
// Stages run one goroutine each by default and keep order. WithWorkers runs a
// stage's function on several goroutines; WithOrdered keeps the input order
// with at most one item per worker in flight. Items travel between stages in
// chunks of up to 64, which makes a long pipeline of cheap stages several
// times faster than one channel operation per item. Chunking never holds an
// item for more input: a stage hands on what it has before it waits for
// input, and at the latest after the call that follows the item (see
// Stream).
//
// When to use: a sequence of steps over a stream of items, where steps differ
// in cost (parse in parallel, write in batches) and you want one error path
// and one cancel for the lot.
//
// When not: for one parallel step over a slice, fanout.Map is simpler; for
// independent tasks without a flow between them use errgroup or workerpool.
package pipeline

// Package contract_test pins the exported API that ../../shared/DESIGN.md
// promises. Other code is compiled against those signatures, so a change to
// any of them must fail here, at compile time, before it reaches a user.
package contract_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weavego/weave/barrier"
	"github.com/weavego/weave/breaker"
	"github.com/weavego/weave/dynselect"
	"github.com/weavego/weave/errgroup"
	"github.com/weavego/weave/fanout"
	"github.com/weavego/weave/future"
	"github.com/weavego/weave/internal/panics"
	"github.com/weavego/weave/pipeline"
	"github.com/weavego/weave/pubsub"
	"github.com/weavego/weave/ratelimit"
	"github.com/weavego/weave/retry"
	"github.com/weavego/weave/semaphore"
	"github.com/weavego/weave/workerpool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type (
	ctx  = context.Context
	task = func(context.Context) error
)

// Each assignment below fails to compile if the named identifier's type
// drifts from the contract.
var (
	// pipeline
	_ func(ctx) *pipeline.Pipeline                                                                                    = pipeline.New
	_ func(*pipeline.Pipeline) ctx                                                                                    = (*pipeline.Pipeline).Context
	_ func(*pipeline.Pipeline)                                                                                        = (*pipeline.Pipeline).Stop
	_ func(*pipeline.Pipeline) error                                                                                  = (*pipeline.Pipeline).Wait
	_ func(*pipeline.Pipeline, iter.Seq[int]) *pipeline.Stream[int]                                                   = pipeline.From[int]
	_ func(*pipeline.Pipeline, []int) *pipeline.Stream[int]                                                           = pipeline.FromSlice[int]
	_ func(*pipeline.Pipeline, <-chan int) *pipeline.Stream[int]                                                      = pipeline.FromChan[int]
	_ func(*pipeline.Stream[int], func(ctx, int) (string, error), ...pipeline.StageOption) *pipeline.Stream[string]   = pipeline.Map[int, string]
	_ func(*pipeline.Stream[int], func(ctx, int) (bool, error), ...pipeline.StageOption) *pipeline.Stream[int]        = pipeline.Filter[int]
	_ func(*pipeline.Stream[int], func(ctx, int) ([]string, error), ...pipeline.StageOption) *pipeline.Stream[string] = pipeline.FlatMap[int, string]
	_ func(*pipeline.Stream[int], int, time.Duration) *pipeline.Stream[[]int]                                         = pipeline.Batch[int]
	_ func(*pipeline.Stream[int]) ([]int, error)                                                                      = pipeline.Collect[int]
	_ func(*pipeline.Stream[int], func(ctx, int) error, ...pipeline.StageOption) error                                = pipeline.ForEach[int]
	_ func(*pipeline.Stream[int], string, func(string, int) string) (string, error)                                   = pipeline.Reduce[int, string]
	_ func(*pipeline.Stream[int]) <-chan int                                                                          = (*pipeline.Stream[int]).Chan
	_ func(*pipeline.Stream[int]) iter.Seq[int]                                                                       = (*pipeline.Stream[int]).All
	_ func(int) pipeline.StageOption                                                                                  = pipeline.WithWorkers
	_ func() pipeline.StageOption                                                                                     = pipeline.WithOrdered
	_ func(int) pipeline.StageOption                                                                                  = pipeline.WithBuffer

	// fanout
	_ func(ctx, ...<-chan int) <-chan int                                     = fanout.Merge[int]
	_ func(ctx, <-chan int, int) []<-chan int                                 = fanout.Distribute[int]
	_ func(ctx, <-chan int, int) []<-chan int                                 = fanout.Broadcast[int]
	_ func(ctx, []int, int, func(ctx, int) (string, error)) ([]string, error) = fanout.Map[int, string]
	_ func(ctx, []int, int, func(ctx, int) error) error                       = fanout.ForEach[int]

	// workerpool
	_ error                                                      = workerpool.ErrClosed
	_ error                                                      = workerpool.ErrQueueFull
	_ func(int, ...workerpool.Option) *workerpool.Pool           = workerpool.New
	_ func(int) workerpool.Option                                = workerpool.WithQueueSize
	_ func(func(error)) workerpool.Option                        = workerpool.WithErrorHandler
	_ func(*workerpool.Pool, ctx, task) error                    = (*workerpool.Pool).Submit
	_ func(*workerpool.Pool, task) error                         = (*workerpool.Pool).TrySubmit
	_ func(*workerpool.Pool, int)                                = (*workerpool.Pool).Resize
	_ func(*workerpool.Pool) workerpool.Stats                    = (*workerpool.Pool).Stats
	_ func(*workerpool.Pool, ctx) error                          = (*workerpool.Pool).Shutdown
	_ func(*workerpool.Pool) error                               = (*workerpool.Pool).Close
	_ func(ctx, *workerpool.Pool) (*workerpool.Group[int], ctx)  = workerpool.NewGroup[int]
	_ func(*workerpool.Group[int], func(ctx) (int, error)) error = (*workerpool.Group[int]).Submit
	_ func(*workerpool.Group[int]) ([]int, error)                = (*workerpool.Group[int]).Wait
	_                                                            = workerpool.Stats{Workers: 0, Running: 0, Queued: 0, Submitted: uint64(0), Completed: uint64(0), Failed: uint64(0), Panicked: uint64(0), Skipped: uint64(0)}

	// ratelimit
	_ ratelimit.Limit                                                               = ratelimit.Inf
	_ func(time.Duration) ratelimit.Limit                                           = ratelimit.Every
	_ func(int, time.Duration) ratelimit.Limit                                      = ratelimit.Per
	_ error                                                                         = ratelimit.ErrExceedsBurst
	_ error                                                                         = ratelimit.ErrWouldExceedDeadline
	_ func(ratelimit.Limit, int) *ratelimit.Limiter                                 = ratelimit.New
	_ func(*ratelimit.Limiter) bool                                                 = (*ratelimit.Limiter).Allow
	_ func(*ratelimit.Limiter, int) bool                                            = (*ratelimit.Limiter).AllowN
	_ func(*ratelimit.Limiter, ctx) error                                           = (*ratelimit.Limiter).Wait
	_ func(*ratelimit.Limiter, ctx, int) error                                      = (*ratelimit.Limiter).WaitN
	_ func(*ratelimit.Limiter, int) *ratelimit.Reservation                          = (*ratelimit.Limiter).Reserve
	_ func(*ratelimit.Reservation) bool                                             = (*ratelimit.Reservation).OK
	_ func(*ratelimit.Reservation) time.Duration                                    = (*ratelimit.Reservation).Delay
	_ func(*ratelimit.Reservation)                                                  = (*ratelimit.Reservation).Cancel
	_ func(*ratelimit.Limiter, ratelimit.Limit)                                     = (*ratelimit.Limiter).SetLimit
	_ func(*ratelimit.Limiter, int)                                                 = (*ratelimit.Limiter).SetBurst
	_ func(*ratelimit.Limiter) float64                                              = (*ratelimit.Limiter).Tokens
	_ func(ratelimit.Limit, int, ...ratelimit.KeyedOption) *ratelimit.Keyed[string] = ratelimit.NewKeyed[string]
	_ func(time.Duration) ratelimit.KeyedOption                                     = ratelimit.WithIdleTTL
	_ func(int) ratelimit.KeyedOption                                               = ratelimit.WithMaxKeys
	_ func(*ratelimit.Keyed[string], string) bool                                   = (*ratelimit.Keyed[string]).Allow
	_ func(*ratelimit.Keyed[string], ctx, string) error                             = (*ratelimit.Keyed[string]).Wait
	_ func(*ratelimit.Keyed[string]) int                                            = (*ratelimit.Keyed[string]).Len

	// breaker
	_                                                                  = [3]breaker.State{breaker.Closed, breaker.Open, breaker.HalfOpen}
	_ func(breaker.State) string                                       = breaker.State.String
	_ error                                                            = breaker.ErrOpen
	_ error                                                            = breaker.ErrTooManyProbes
	_ func(...breaker.Option) *breaker.Breaker                         = breaker.New
	_ func(int) breaker.Option                                         = breaker.WithFailureThreshold
	_ func(float64, int, time.Duration) breaker.Option                 = breaker.WithFailureRate
	_ func(time.Duration) breaker.Option                               = breaker.WithOpenTimeout
	_ func(int) breaker.Option                                         = breaker.WithHalfOpenProbes
	_ func(int) breaker.Option                                         = breaker.WithSuccessThreshold
	_ func(func(error) bool) breaker.Option                            = breaker.WithIsFailure
	_ func(func(from, to breaker.State)) breaker.Option                = breaker.WithOnStateChange
	_ func(*breaker.Breaker, ctx, task) error                          = (*breaker.Breaker).Do
	_ func(ctx, *breaker.Breaker, func(ctx) (int, error)) (int, error) = breaker.Call[int]
	_ func(*breaker.Breaker) (func(error), error)                      = (*breaker.Breaker).Allow
	_ func(*breaker.Breaker) breaker.State                             = (*breaker.Breaker).State
	_ func(*breaker.Breaker) breaker.Counts                            = (*breaker.Breaker).Counts
	_ func(*breaker.Breaker)                                           = (*breaker.Breaker).Trip
	_ func(*breaker.Breaker)                                           = (*breaker.Breaker).Reset
	_                                                                  = breaker.Counts{Requests: uint64(0), Successes: uint64(0), Failures: uint64(0), ConsecutiveFailures: uint64(0), Rejected: uint64(0)}

	// semaphore
	_ error                                      = semaphore.ErrClosed
	_ error                                      = semaphore.ErrTooLarge
	_ func(int) *semaphore.Semaphore             = semaphore.New
	_ func(*semaphore.Semaphore, ctx) error      = (*semaphore.Semaphore).Acquire
	_ func(*semaphore.Semaphore, ctx, int) error = (*semaphore.Semaphore).AcquireN
	_ func(*semaphore.Semaphore) bool            = (*semaphore.Semaphore).TryAcquire
	_ func(*semaphore.Semaphore, int) bool       = (*semaphore.Semaphore).TryAcquireN
	_ func(*semaphore.Semaphore)                 = (*semaphore.Semaphore).Release
	_ func(*semaphore.Semaphore, int)            = (*semaphore.Semaphore).ReleaseN
	_ func(*semaphore.Semaphore, int)            = (*semaphore.Semaphore).Resize
	_ func(*semaphore.Semaphore)                 = (*semaphore.Semaphore).Close
	_ func(*semaphore.Semaphore) semaphore.Stats = (*semaphore.Semaphore).Stats
	_                                            = semaphore.Stats{Size: 0, InUse: 0, Waiters: 0}

	// errgroup
	_ func(ctx) (*errgroup.Group, ctx)                            = errgroup.WithContext
	_ func(ctx, ...errgroup.Option) (*errgroup.Group, ctx)        = errgroup.New
	_ func(int) errgroup.Option                                   = errgroup.WithLimit
	_ func() errgroup.Option                                      = errgroup.WithCollectAll
	_ func(*errgroup.Group, task)                                 = (*errgroup.Group).Go
	_ func(*errgroup.Group, task) bool                            = (*errgroup.Group).TryGo
	_ func(*errgroup.Group, int)                                  = (*errgroup.Group).SetLimit
	_ func(*errgroup.Group) error                                 = (*errgroup.Group).Wait
	_ func(ctx, ...errgroup.Option) (*errgroup.Results[int], ctx) = errgroup.NewResults[int]
	_ func(*errgroup.Results[int], func(ctx) (int, error))        = (*errgroup.Results[int]).Go
	_ func(*errgroup.Results[int]) ([]int, error)                 = (*errgroup.Results[int]).Wait

	// retry
	_ error                                                                = retry.ErrExhausted
	_ func(ctx, task, ...retry.Option) error                               = retry.Do
	_ func(ctx, func(ctx) (int, error), ...retry.Option) (int, error)      = retry.DoValue[int]
	_ func(int) retry.Option                                               = retry.WithMaxAttempts
	_ func(time.Duration) retry.Option                                     = retry.WithMaxElapsed
	_ func(retry.Backoff) retry.Option                                     = retry.WithBackoff
	_ func(func(error) bool) retry.Option                                  = retry.WithRetryIf
	_ func(func(attempt int, err error, delay time.Duration)) retry.Option = retry.WithOnRetry
	_ func(time.Duration) retry.Option                                     = retry.WithAttemptTimeout
	_ func(*retry.Budget) retry.Option                                     = retry.WithBudget
	_ func(int) time.Duration                                              = retry.Backoff(nil)
	_ func(time.Duration) retry.Backoff                                    = retry.Constant
	_ func(time.Duration, time.Duration) retry.Backoff                     = retry.Exponential
	_ func(error) error                                                    = retry.Permanent
	_ func(time.Duration, error) error                                     = retry.After
	_ func(float64, int) *retry.Budget                                     = retry.NewBudget

	// barrier
	_ error                                         = barrier.ErrBroken
	_ func(int, ...barrier.Option) *barrier.Barrier = barrier.New
	_ func(func() error) barrier.Option             = barrier.WithAction
	_ func(*barrier.Barrier, ctx) error             = (*barrier.Barrier).Wait
	_ func(*barrier.Barrier)                        = (*barrier.Barrier).Reset
	_ func(*barrier.Barrier) bool                   = (*barrier.Barrier).Broken
	_ func(*barrier.Barrier) int                    = (*barrier.Barrier).Parties
	_ func(*barrier.Barrier) int                    = (*barrier.Barrier).Waiting

	// future
	_ func(ctx, func(ctx) (int, error)) *future.Future[int]                                 = future.Go[int]
	_ func(*future.Future[int], ctx) (int, error)                                           = (*future.Future[int]).Get
	_ func(*future.Future[int]) <-chan struct{}                                             = (*future.Future[int]).Done
	_ func() *future.Promise[int]                                                           = future.NewPromise[int]
	_ func(*future.Promise[int], int) bool                                                  = (*future.Promise[int]).Resolve
	_ func(*future.Promise[int], error) bool                                                = (*future.Promise[int]).Reject
	_ func(*future.Promise[int]) *future.Future[int]                                        = (*future.Promise[int]).Future
	_ func(int) *future.Future[int]                                                         = future.Resolved[int]
	_ func(error) *future.Future[int]                                                       = future.Rejected[int]
	_ func(ctx, *future.Future[int], func(ctx, int) (string, error)) *future.Future[string] = future.Then[int, string]
	_ func(ctx, ...*future.Future[int]) ([]int, error)                                      = future.All[int]
	_ func(ctx, ...*future.Future[int]) (int, error)                                        = future.Any[int]

	// pubsub
	_                                                                                     = [4]pubsub.Policy{pubsub.Block, pubsub.DropNewest, pubsub.DropOldest, pubsub.Disconnect}
	_ error                                                                               = pubsub.ErrClosed
	_ error                                                                               = pubsub.ErrSlowConsumer
	_ error                                                                               = pubsub.ErrBadTopic
	_                                                                                     = pubsub.Message[int]{Topic: "", Value: 0}
	_ func(...pubsub.Option) *pubsub.Bus[int]                                             = pubsub.New[int]
	_ func(int) pubsub.Option                                                             = pubsub.WithBuffer
	_ func(pubsub.Policy) pubsub.Option                                                   = pubsub.WithPolicy
	_ func(*pubsub.Bus[int], string, ...pubsub.Option) (*pubsub.Subscription[int], error) = (*pubsub.Bus[int]).Subscribe
	_ func(*pubsub.Bus[int], ctx, string, int) (int, error)                               = (*pubsub.Bus[int]).Publish
	_ func(*pubsub.Bus[int]) error                                                        = (*pubsub.Bus[int]).Close
	_ func(*pubsub.Subscription[int]) <-chan pubsub.Message[int]                          = (*pubsub.Subscription[int]).C
	_ func(*pubsub.Subscription[int])                                                     = (*pubsub.Subscription[int]).Unsubscribe
	_ func(*pubsub.Subscription[int]) error                                               = (*pubsub.Subscription[int]).Err
	_ func(*pubsub.Subscription[int]) uint64                                              = (*pubsub.Subscription[int]).Dropped

	// dynselect
	_ error                                                                        = dynselect.ErrClosed
	_ error                                                                        = dynselect.ErrDuplicateKey
	_                                                                              = dynselect.Event[string, int]{Key: "", Value: 0, Closed: false}
	_ func() *dynselect.Set[string, int]                                           = dynselect.New[string, int]
	_ func(*dynselect.Set[string, int], string, <-chan int) error                  = (*dynselect.Set[string, int]).Add
	_ func(*dynselect.Set[string, int], string) ([]int, bool)                      = (*dynselect.Set[string, int]).Remove
	_ func(*dynselect.Set[string, int]) int                                        = (*dynselect.Set[string, int]).Len
	_ func(*dynselect.Set[string, int], ctx) (dynselect.Event[string, int], error) = (*dynselect.Set[string, int]).Recv
	_ func(*dynselect.Set[string, int], ctx) iter.Seq2[string, int]                = (*dynselect.Set[string, int]).All
	_ func(*dynselect.Set[string, int])                                            = (*dynselect.Set[string, int]).Close
)

// TestPanicErrorIsShared checks that every package that reports panics uses
// the one type from internal/panics, so errors.As works across packages.
func TestPanicErrorIsShared(t *testing.T) {
	tests := []struct {
		name string
		err  any
	}{
		{"pipeline", (*pipeline.PanicError)(nil)},
		{"fanout", (*fanout.PanicError)(nil)},
		{"workerpool", (*workerpool.PanicError)(nil)},
		{"errgroup", (*errgroup.PanicError)(nil)},
		{"future", (*future.PanicError)(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.IsType(t, (*panics.Error)(nil), tt.err)
		})
	}
}

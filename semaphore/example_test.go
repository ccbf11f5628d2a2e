package semaphore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/weavego/weave/semaphore"
)

// Weighted jobs share a memory budget: each holds as many permits as the
// megabytes it needs, so at most 8 MB are in use at any moment.
func Example() {
	ctx := context.Background()
	budget := semaphore.New(8) // MB

	sizes := []int{3, 5, 2, 6, 1}
	results := make([]string, len(sizes))
	var wg sync.WaitGroup
	for i, mb := range sizes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := budget.AcquireN(ctx, mb); err != nil {
				results[i] = err.Error()
				return
			}
			defer budget.ReleaseN(mb)
			results[i] = fmt.Sprintf("job %d used %d MB", i, mb)
		}()
	}
	wg.Wait()
	for _, r := range results {
		fmt.Println(r)
	}
	fmt.Printf("%+v\n", budget.Stats())
	// Output:
	// job 0 used 3 MB
	// job 1 used 5 MB
	// job 2 used 2 MB
	// job 3 used 6 MB
	// job 4 used 1 MB
	// {Size:8 InUse:0 Waiters:0}
}

// A request larger than the whole semaphore fails at once instead of
// waiting forever.
func ExampleSemaphore_AcquireN_tooLarge() {
	sem := semaphore.New(4)
	err := sem.AcquireN(context.Background(), 5)
	fmt.Println(errors.Is(err, semaphore.ErrTooLarge))
	// Output: true
}

// TryAcquire is for work that is worth doing only if a slot is free now,
// such as an opportunistic cache refresh.
func ExampleSemaphore_TryAcquire() {
	sem := semaphore.New(1)
	fmt.Println(sem.TryAcquire())
	fmt.Println(sem.TryAcquire())
	sem.Release()
	fmt.Println(sem.TryAcquire())
	// Output:
	// true
	// false
	// true
}

// Resize changes the limit while the semaphore is in use. Shrinking never
// takes permits away: holders finish, and InUse drops below the new size as
// they release.
func ExampleSemaphore_Resize() {
	sem := semaphore.New(4)
	sem.TryAcquireN(4)
	sem.Resize(2)
	fmt.Printf("%+v\n", sem.Stats())
	sem.ReleaseN(3)
	fmt.Println(sem.TryAcquire())
	// Output:
	// {Size:2 InUse:4 Waiters:0}
	// true
}

// Close turns away new work while what is running drains.
func ExampleSemaphore_Close() {
	sem := semaphore.New(2)
	sem.TryAcquire()
	sem.Close()
	fmt.Println(sem.Acquire(context.Background()))
	sem.Release() // still fine after Close
	fmt.Printf("%+v\n", sem.Stats())
	// Output:
	// semaphore: closed
	// {Size:2 InUse:0 Waiters:0}
}

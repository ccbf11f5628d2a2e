package fanout_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/weavego/weave/fanout"
)

func ExampleMap() {
	words := []string{"alpha", "beta", "gamma", "delta"}
	upper, err := fanout.Map(context.Background(), words, 2, func(_ context.Context, w string) (string, error) {
		return strings.ToUpper(w), nil
	})
	fmt.Println(upper, err)
	// Output: [ALPHA BETA GAMMA DELTA] <nil>
}

func ExampleForEach() {
	var mu sync.Mutex
	total := 0
	err := fanout.ForEach(context.Background(), []int{1, 2, 3, 4}, 3, func(_ context.Context, n int) error {
		mu.Lock()
		defer mu.Unlock()
		total += n
		return nil
	})
	fmt.Println(total, err)
	// Output: 10 <nil>
}

func ExampleMerge() {
	ctx := context.Background()
	gen := func(vals ...string) <-chan string {
		ch := make(chan string)
		go func() {
			defer close(ch)
			for _, v := range vals {
				ch <- v
			}
		}()
		return ch
	}
	var got []string
	for v := range fanout.Merge(ctx, gen("a", "b"), gen("c"), gen("d", "e")) {
		got = append(got, v)
	}
	slices.Sort(got) // inputs interleave as they arrive
	fmt.Println(got)
	// Output: [a b c d e]
}

func ExampleBroadcast() {
	ctx := context.Background()
	in := make(chan int)
	go func() {
		defer close(in)
		for i := 1; i <= 3; i++ {
			in <- i
		}
	}()
	outs := fanout.Broadcast(ctx, in, 2)
	sums := make([]int, len(outs))
	var wg sync.WaitGroup
	for i, out := range outs {
		wg.Go(func() {
			for v := range out {
				sums[i] += v
			}
		})
	}
	wg.Wait()
	fmt.Println(sums)
	// Output: [6 6]
}

func ExampleDistribute() {
	ctx := context.Background()
	in := make(chan int)
	go func() {
		defer close(in)
		for i := range 100 {
			in <- i
		}
	}()
	outs := fanout.Distribute(ctx, in, 3)
	counts := make([]int, len(outs))
	var wg sync.WaitGroup
	for i, out := range outs {
		wg.Go(func() {
			for range out {
				counts[i]++
			}
		})
	}
	wg.Wait()
	fmt.Println(counts[0] + counts[1] + counts[2]) // each value went to exactly one reader
	// Output: 100
}

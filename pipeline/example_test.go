package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/weavego/weave/pipeline"
)

func Example() {
	p := pipeline.New(context.Background())
	nums := pipeline.FromSlice(p, []int{1, 2, 3, 4, 5, 6})
	squares := pipeline.Map(nums, func(_ context.Context, n int) (int, error) { return n * n, nil })
	even := pipeline.Filter(squares, func(_ context.Context, n int) (bool, error) { return n%2 == 0, nil })
	out, err := pipeline.Collect(even)
	fmt.Println(out, err)
	// Output: [4 16 36] <nil>
}

func ExampleMap_parallel() {
	p := pipeline.New(context.Background())
	words := pipeline.FromSlice(p, strings.Fields("one two three four five"))
	// Four workers, results still in input order.
	lengths := pipeline.Map(words, func(_ context.Context, w string) (string, error) {
		return w + "=" + strconv.Itoa(len(w)), nil
	}, pipeline.WithWorkers(4), pipeline.WithOrdered())
	out, err := pipeline.Collect(lengths)
	fmt.Println(out, err)
	// Output: [one=3 two=3 three=5 four=4 five=4] <nil>
}

func ExampleBatch() {
	p := pipeline.New(context.Background())
	batches := pipeline.Batch(pipeline.FromSlice(p, []int{1, 2, 3, 4, 5, 6, 7}), 3, time.Second)
	err := pipeline.ForEach(batches, func(_ context.Context, b []int) error {
		fmt.Println("write", b)
		return nil
	})
	fmt.Println(err)
	// Output:
	// write [1 2 3]
	// write [4 5 6]
	// write [7]
	// <nil>
}

func ExampleStream_All() {
	p := pipeline.New(context.Background())
	naturals := pipeline.From(p, func(yield func(int) bool) {
		for i := 1; yield(i); i++ { // endless: breaking out stops it
		}
	})
	for n := range pipeline.Map(naturals, func(_ context.Context, n int) (int, error) { return n * 10, nil }).All() {
		fmt.Println(n)
		if n == 30 {
			break
		}
	}
	fmt.Println(p.Wait())
	// Output:
	// 10
	// 20
	// 30
	// <nil>
}

func ExamplePipeline_Wait() {
	errBad := errors.New("bad record")
	p := pipeline.New(context.Background())
	parsed := pipeline.Map(pipeline.FromSlice(p, []string{"1", "2", "x", "4"}), func(_ context.Context, s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%q: %w", s, errBad)
		}
		return n, nil
	})
	sum, err := pipeline.Reduce(parsed, 0, func(acc, n int) int { return acc + n })
	// The error cancelled every stage; the sum covers only what got through.
	fmt.Println(errors.Is(err, errBad), err, sum <= 3)
	// Output: true "x": bad record true
}

package dynselect_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/weavego/weave/dynselect"
)

func Example() {
	set := dynselect.New[string, int]()
	defer set.Close()

	for _, name := range []string{"a", "b"} {
		ch := make(chan int, 2)
		ch <- 1
		ch <- 2
		close(ch)
		_ = set.Add(name, ch)
	}
	var lines []string
	for set.Len() > 0 {
		ev, err := set.Recv(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		if ev.Closed {
			lines = append(lines, ev.Key+" closed")
			continue
		}
		lines = append(lines, fmt.Sprint(ev.Key, " sent ", ev.Value))
	}
	slices.Sort(lines) // channels take turns; sort for a stable output
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// a closed
	// a sent 1
	// a sent 2
	// b closed
	// b sent 1
	// b sent 2
}

func ExampleSet_All() {
	set := dynselect.New[int, string]()
	defer set.Close()
	ch := make(chan string, 3)
	ch <- "x"
	ch <- "y"
	close(ch)
	_ = set.Add(7, ch)
	// All ends once every channel has closed (or was removed).
	for key, v := range set.All(context.Background()) {
		fmt.Println(key, v)
	}
	// Output:
	// 7 x
	// 7 y
}

func ExampleSet_Remove() {
	set := dynselect.New[string, int]()
	defer set.Close()
	ch := make(chan int, 3)
	ch <- 1
	ch <- 2
	_ = set.Add("worker", ch)

	ev, _ := set.Recv(context.Background())
	fmt.Println("received", ev.Value)
	// Values the set took but did not return come back; the rest stay in ch.
	leftover, ok := set.Remove("worker")
	fmt.Println(ok, len(leftover)+len(ch), "value(s) not received")
	// Output:
	// received 1
	// true 1 value(s) not received
}

package pubsub_test

import (
	"context"
	"fmt"

	"github.com/weavego/weave/pubsub"
)

func Example() {
	bus := pubsub.New[string]()
	defer bus.Close()

	all, _ := bus.Subscribe("chat.>")
	room1, _ := bus.Subscribe("chat.room1")

	ctx := context.Background()
	n, _ := bus.Publish(ctx, "chat.room1", "hi room 1")
	fmt.Println("delivered to", n)
	n, _ = bus.Publish(ctx, "chat.room2", "hi room 2")
	fmt.Println("delivered to", n)

	fmt.Println((<-room1.C()).Value)
	fmt.Println((<-all.C()).Value)
	fmt.Println((<-all.C()).Value)
	// Output:
	// delivered to 2
	// delivered to 1
	// hi room 1
	// hi room 1
	// hi room 2
}

func ExamplePolicy() {
	bus := pubsub.New[int](pubsub.WithBuffer(2))
	defer bus.Close()

	newest, _ := bus.Subscribe("n", pubsub.WithPolicy(pubsub.DropNewest))
	oldest, _ := bus.Subscribe("n", pubsub.WithPolicy(pubsub.DropOldest))
	cut, _ := bus.Subscribe("n", pubsub.WithPolicy(pubsub.Disconnect))

	for i := 1; i <= 4; i++ {
		_, _ = bus.Publish(context.Background(), "n", i)
	}
	fmt.Println("DropNewest keeps", <-newest.C(), <-newest.C(), "dropped", newest.Dropped())
	fmt.Println("DropOldest keeps", <-oldest.C(), <-oldest.C(), "dropped", oldest.Dropped())
	for m := range cut.C() {
		fmt.Println("Disconnect queued", m.Value)
	}
	fmt.Println("Disconnect:", cut.Err())
	// Output:
	// DropNewest keeps {n 1} {n 2} dropped 2
	// DropOldest keeps {n 3} {n 4} dropped 2
	// Disconnect queued 1
	// Disconnect queued 2
	// Disconnect: pubsub: slow consumer disconnected
}

func ExampleSubscription_Unsubscribe() {
	bus := pubsub.New[int]()
	defer bus.Close()
	sub, _ := bus.Subscribe("ticks")
	_, _ = bus.Publish(context.Background(), "ticks", 1)
	sub.Unsubscribe()
	for m := range sub.C() { // the queued message, then the channel is closed
		fmt.Println(m.Value)
	}
	fmt.Println(sub.Err())
	// Output:
	// 1
	// <nil>
}

// Package pubsub is an in-process publish/subscribe bus with topic
// wildcards and an explicit policy for subscribers that fall behind.
//
//	bus := pubsub.New[string]()
//	defer bus.Close()
//	sub, _ := bus.Subscribe("chat.>", pubsub.WithPolicy(pubsub.Disconnect))
//	go func() {
//		for m := range sub.C() {
//			fmt.Println(m.Topic, m.Value)
//		}
//		// sub.Err() says why it ended: nil, ErrClosed or ErrSlowConsumer.
//	}()
//	bus.Publish(ctx, "chat.room1", "hello")
//
// Topics are dot-separated tokens ("chat.room1"). A pattern may use "*" for
// exactly one token ("chat.*") and, as its last token, ">" for one or more
// tokens ("chat.>"). Each subscription has its own buffered channel and a
// Policy that decides what Publish does when that buffer is full: wait
// (Block), drop the new or the oldest message (DropNewest, DropOldest), or
// end the subscription (Disconnect). Every discarded message is counted in
// Subscription.Dropped.
//
// Publish reads an immutable snapshot of the subscriptions and holds no lock
// while sending, caches which subscriptions match each topic, and allocates
// nothing when every subscriber has room. The Bus starts no goroutines.
//
// When to use: fan out events inside one process to a changing set of
// listeners that may be slow, where you must choose what slowness costs.
// When not: for delivery that must survive a crash or cross processes (use a
// broker), or for a fixed set of consumers of one stream (a channel, or
// fanout.Broadcast, is simpler).
package pubsub

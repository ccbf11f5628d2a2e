// Package dynselect is a select statement over a set of channels that
// changes while you wait on it.
//
//	set := dynselect.New[string, Msg]()
//	defer set.Close()
//	set.Add("alice", aliceCh)
//	set.Add("bob", bobCh)
//	for {
//		ev, err := set.Recv(ctx)
//		if err != nil {
//			return err // ctx done or set closed
//		}
//		if ev.Closed {
//			log.Printf("%s left", ev.Key) // reported once, already removed
//			continue
//		}
//		handle(ev.Key, ev.Value)
//	}
//
// Channels are added and removed by key at any time, from any goroutine,
// also while Recv is blocked. Every value is delivered exactly once, ready
// channels take turns, and a closed channel is reported once and dropped.
//
// A small set (up to about a hundred channels) is served by Recv itself:
// it polls the channels without blocking and, if none is ready, blocks in
// one reflect.Select; no goroutine runs. A larger set is split into shards
// of about a hundred channels, each served by one goroutine that hands
// values to Recv, so the cost of a value does not grow with the size of the
// set and reflect.Select's limit of 65536 cases never applies. Close ends
// those goroutines; they also stop by themselves as their channels close or
// are removed, and the set returns to the goroutine-free strategy when it
// shrinks.
//
// When to use: a consumer of a changing population of producers — client
// connections, subscriptions, workers — each with its own channel. When
// not: a fixed, small number of channels known at compile time (a plain
// select statement is simpler and faster), or producers that can share one
// channel (fan-in by sending to it directly).
package dynselect

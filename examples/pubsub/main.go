// Command pubsub shows a topic bus inside one process: an order service
// publishes events, and listeners with different needs subscribe with
// wildcards and the slow-subscriber policy that suits them.
//
//	go run ./examples/pubsub
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/weavego/weave/pubsub"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run publishes a fixed script of order events and prints what each
// listener saw, in a fixed order so the output is the same on every run.
func run(ctx context.Context, w io.Writer) error {
	bus := pubsub.New[string]()
	defer bus.Close()

	// The audit log must see everything: Block makes the publisher wait for it.
	audit, err := bus.Subscribe("orders.>", pubsub.WithPolicy(pubsub.Block), pubsub.WithBuffer(16))
	if err != nil {
		return err
	}
	// Shipping only cares about paid orders in any region: "*" is one token.
	shipping, err := bus.Subscribe("orders.*.paid", pubsub.WithBuffer(16))
	if err != nil {
		return err
	}
	// A dashboard only wants the latest state: with a tiny buffer and
	// DropOldest it keeps the newest events and counts what it skipped.
	dashboard, err := bus.Subscribe("orders.>", pubsub.WithPolicy(pubsub.DropOldest), pubsub.WithBuffer(2))
	if err != nil {
		return err
	}
	// A best-effort metrics sink never holds anyone up: DropNewest.
	metrics, err := bus.Subscribe("orders.eu.>", pubsub.WithPolicy(pubsub.DropNewest), pubsub.WithBuffer(1))
	if err != nil {
		return err
	}
	// A stalled websocket client is cut off rather than slowing the bus.
	client, err := bus.Subscribe("orders.us.*", pubsub.WithPolicy(pubsub.Disconnect), pubsub.WithBuffer(1))
	if err != nil {
		return err
	}

	if _, err := bus.Subscribe("orders.>.paid"); err != nil {
		fmt.Fprintln(w, "rejected pattern:", err)
	}

	events := []struct{ topic, value string }{
		{"orders.eu.created", "#1"},
		{"orders.eu.paid", "#1"},
		{"orders.us.created", "#2"},
		{"orders.us.paid", "#2"},
		{"orders.eu.shipped", "#1"},
	}
	for _, e := range events {
		n, err := bus.Publish(ctx, e.topic, e.value)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "published %-18s %s to %d subscribers\n", e.topic, e.value, n)
	}
	// Close ends every subscription; each channel still yields what was
	// queued before it is closed.
	if err := bus.Close(); err != nil {
		return err
	}

	for _, l := range []struct {
		name string
		sub  *pubsub.Subscription[string]
	}{{"audit", audit}, {"shipping", shipping}, {"dashboard", dashboard}, {"metrics", metrics}, {"client", client}} {
		fmt.Fprintf(w, "%-9s got", l.name)
		for m := range l.sub.C() {
			fmt.Fprintf(w, " %s:%s", m.Topic, m.Value)
		}
		fmt.Fprintf(w, "; dropped %d; ended: %v\n", l.sub.Dropped(), l.sub.Err())
	}
	return nil
}

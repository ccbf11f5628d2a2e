package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out bytes.Buffer
	// The stock service never answers, so any wait ends the same way.
	require.NoError(t, run(context.Background(), &out, 10*time.Millisecond))
	require.Equal(t, `product: Gopher plush (sku GPH-1)
price:   12.50 EUR
reviews: 5 from 3 shards, average 4.2
also:    Gopher mug, Gopher socks
stock:   unknown (context deadline exceeded)
`, out.String())
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := run(ctx, &out, time.Second)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, out.String())
}

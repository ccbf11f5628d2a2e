package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	tests := []struct {
		name         string
		depth, limit int
		want         string
	}{
		{name: "depth 3", depth: 3, limit: 3, want: `crawled 9 pages (depth 3, 3 requests at a time)
  200 /              links: 3
  200 /about         links: 2
  200 /archive       links: 1
  200 /blog          links: 2
  200 /blog/post-1   links: 2
  200 /blog/post-2   links: 2
  200 /contact       links: 1
  404 /old-post      broken, linked from /blog/post-1
  200 /team          links: 1
broken: 1, not followed (deeper than 3): 1
`},
		{name: "depth 1, one at a time", depth: 1, limit: 1, want: `crawled 4 pages (depth 1, 1 requests at a time)
  200 /              links: 3
  200 /about         links: 2
  200 /blog          links: 2
  200 /contact       links: 1
broken: 0, not followed (deeper than 1): 3
`},
		{name: "depth 0", depth: 0, limit: 2, want: `crawled 1 pages (depth 0, 2 requests at a time)
  200 /              links: 3
broken: 0, not followed (deeper than 0): 3
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), &out, tt.depth, tt.limit))
			require.Equal(t, tt.want, out.String())
		})
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := run(ctx, &out, 3, 3)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, out.String())
}

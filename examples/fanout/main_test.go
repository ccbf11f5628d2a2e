package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const want = `https://example.com/            1236 bytes
https://example.com/about       7201 bytes
https://example.com/missing    error: not found
https://example.com/blog        5272 bytes
https://example.com/contact      526 bytes

merged 12 readings
  east  total 15
  north total 100
  south total 42

audit log: login → search → checkout → logout
events: 4
slowest: checkout (230 ms)
`

func TestRun(t *testing.T) {
	for range 3 {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out))
		require.Equal(t, want, out.String())
	}
}

func TestStepsStopOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		step func(context.Context, io.Writer) error
	}{
		{"checkURLs", checkURLs},
		{"mergeSensors", mergeSensors},
		{"broadcastEvents", broadcastEvents},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, tt.step(ctx, io.Discard), context.Canceled)
		})
	}
}

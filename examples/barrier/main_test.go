package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	want := `step  0 |   @@   | heat  200.0
step  1 |  -++-  | heat  200.0
step  2 | .:==:. | heat  200.0
step  3 | .----. | heat  187.2
`
	for _, workers := range []int{1, 2, 3, 8} {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out, workers, 8, 3))
		// However the rod is split, the barrier makes the result identical.
		require.Equal(t, want, out.String(), "%d workers", workers)
	}
}

func TestRunBadArgs(t *testing.T) {
	tests := []struct{ workers, cells int }{{0, 8}, {9, 8}, {-1, 4}}
	for _, tt := range tests {
		var out bytes.Buffer
		require.Error(t, run(context.Background(), &out, tt.workers, tt.cells, 3))
		require.Empty(t, out.String())
	}
}

// cancelAfter cancels a context once the output holds n lines, which here
// happens inside the barrier's action, between two steps.
type cancelAfter struct {
	bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	n, err := c.Buffer.Write(p)
	if strings.Count(c.String(), "\n") >= c.n {
		c.cancel()
	}
	return n, err
}

func TestRunCancelled(t *testing.T) {
	tests := []struct {
		name      string
		lines     int // cancel once this many lines are out
		wantLines int
	}{
		{"before the first step", 1, 1},
		{"between steps", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &cancelAfter{n: tt.lines, cancel: cancel}
			err := run(ctx, out, 4, 16, 50)
			require.ErrorIs(t, err, context.Canceled)
			require.Equal(t, tt.wantLines, strings.Count(out.String(), "\n"), out.String())
		})
	}
}

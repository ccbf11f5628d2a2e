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
	want := `noisy     3 readings, sum   6, removed, 0 reading(s) left over
sensor-1  2 readings, sum   3, closed its channel
sensor-2  3 readings, sum   6, closed its channel
sensor-3  4 readings, sum  10, closed its channel
`
	for range 20 { // the output must not depend on scheduling
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, 3))
		require.Equal(t, want, out.String())
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out bytes.Buffer
	require.ErrorIs(t, run(ctx, &out, 3), context.Canceled)
	require.Empty(t, out.String())
}

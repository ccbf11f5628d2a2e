package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 11)
	require.Contains(t, lines[0], "rejected pattern: pubsub: bad topic")
	require.Equal(t, "audit     got orders.eu.created:#1 orders.eu.paid:#1 orders.us.created:#2 orders.us.paid:#2 orders.eu.shipped:#1; dropped 0; ended: pubsub: closed", lines[6])
	require.Equal(t, "shipping  got orders.eu.paid:#1 orders.us.paid:#2; dropped 0; ended: pubsub: closed", lines[7])
	require.Equal(t, "dashboard got orders.us.paid:#2 orders.eu.shipped:#1; dropped 3; ended: pubsub: closed", lines[8])
	require.Equal(t, "metrics   got orders.eu.created:#1; dropped 2; ended: pubsub: closed", lines[9])
	require.Equal(t, "client    got orders.us.created:#2; dropped 1; ended: pubsub: slow consumer disconnected", lines[10])

	var again bytes.Buffer
	require.NoError(t, run(t.Context(), &again))
	require.Equal(t, out.String(), again.String(), "output must be deterministic")
}

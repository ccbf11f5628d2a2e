package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestLoad runs a tiny load in-process: every message reaches every member
// of its room, and nothing is left running. It asserts counts, not speed.
func TestLoad(t *testing.T) {
	cfg := config{clients: 6, rooms: 2, rate: 200, duration: 50 * time.Millisecond, drain: time.Minute, senders: 3}
	base, stop := serve(cfg.clients)
	defer stop()
	res, err := load(context.Background(), cfg, base)
	require.NoError(t, err)
	require.Equal(t, 10, res.sent) // 200/s for 50ms
	require.Zero(t, res.limited+res.failed+res.disconnected)
	require.EqualValues(t, 10*3, res.expected) // 3 members per room
	require.Equal(t, res.expected, res.delivered)
	require.Len(t, res.publish, 30)
	require.Len(t, res.send, 30)
}

func TestRunPrintsReport(t *testing.T) {
	var out strings.Builder
	cfg := config{clients: 4, rooms: 2, rate: 100, duration: 20 * time.Millisecond, drain: time.Minute, senders: 2}
	require.NoError(t, run(context.Background(), cfg, &out))
	for _, want := range []string{"4 clients in 2 rooms", "sent 2 messages", "delivered 4 of 4", "deliveries/s", "p50", "p99", "disconnected by the server: 0"} {
		require.Contains(t, out.String(), want)
	}
}

func TestRunRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  config
		err  string
	}{
		{"more rooms than clients", config{clients: 1, rooms: 2, rate: 1, duration: time.Second, senders: 1}, "need clients"},
		{"no rate", config{clients: 1, rooms: 1, duration: time.Second, senders: 1}, "need clients"},
		{"not loopback", config{addr: "http://192.0.2.1:8080", clients: 1, rooms: 1, rate: 1, duration: time.Second, senders: 1}, "not a loopback address"},
		{"not loopback, no scheme", config{addr: "192.0.2.1:8080", clients: 1, rooms: 1, rate: 1, duration: time.Second, senders: 1}, "not a loopback address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, run(context.Background(), tc.cfg, &strings.Builder{}), tc.err)
		})
	}
}

func TestStamps(t *testing.T) {
	data := []byte(`{"room":"r","name":"n","text":"1700000000000000001","time":"2023-11-14T22:13:20.5Z"}`)
	published, sent, ok := stamps(data)
	require.True(t, ok)
	require.Equal(t, time.Date(2023, 11, 14, 22, 13, 20, 5e8, time.UTC), published.UTC())
	require.Equal(t, int64(1700000000000000001), sent.UnixNano())
	_, _, ok = stamps([]byte(`{"text":"hello","time":"2023-11-14T22:13:20Z"}`))
	require.False(t, ok)
}

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
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	require.Equal(t, `  retry: attempt 1 failed (server: 503 Service Unavailable), next in 20ms
  retry: attempt 2 failed (server: 503 Service Unavailable), next in 20ms
call 1: ok: hello from request 3
  retry: attempt 1 failed (server: 500 Internal Server Error), next in 10ms
  retry: attempt 2 failed (server: 500 Internal Server Error), next in 10ms
  breaker: closed -> open
  retry: attempt 3 failed (server: 500 Internal Server Error), next in 10ms
call 2: failed: breaker: open
call 3: failed: breaker: open
... 100ms later
  breaker: open -> half-open
  breaker: half-open -> closed
call 4: ok: hello from request 7
call 5: ok: hello from request 8
limiter admitted 10 attempts; server saw 8 requests; breaker rejected 2 attempts locally
`, out.String())
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	require.ErrorIs(t, run(ctx, &out), context.Canceled)
	require.Contains(t, out.String(), "call 1: failed: context canceled")
}

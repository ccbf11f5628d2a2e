package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weavego/weave/examples/chat/internal/chat"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun starts the program on a free port, chats through it, and stops it
// the way SIGINT does, with a stream still open: run must return nil with
// the stream ended, and goleak checks that no goroutine is left.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	cfg := config{addr: "127.0.0.1:0", grace: time.Minute, chat: chat.DefaultConfig()}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, cfg, w)
		w.CloseWithError(err)
		done <- err
	}()

	lines := bufio.NewScanner(out)
	require.True(t, lines.Scan())
	base, ok := strings.CutPrefix(lines.Text(), "chat: serving on ")
	require.True(t, ok, lines.Text())

	client := &http.Client{}
	defer client.CloseIdleConnections()
	// The client's requests have their own context: the server must end
	// the stream when it stops.
	st, err := chat.JoinRoom(context.Background(), client, base, "lobby", "ann")
	require.NoError(t, err)
	defer st.Close()
	ev, err := st.Next()
	require.NoError(t, err)
	require.Equal(t, "presence", ev.Type)

	pr, err := chat.Post(context.Background(), client, base, "lobby", "bob", "hello")
	require.NoError(t, err)
	require.Equal(t, 1, pr.Delivered)
	for ev.Type != "message" {
		ev, err = st.Next()
		require.NoError(t, err)
	}
	require.Contains(t, string(ev.Data), `"text":"hello"`)

	cancel() // as SIGINT or SIGTERM would
	require.True(t, lines.Scan())
	require.Equal(t, "chat: stopped", lines.Text())
	require.NoError(t, <-done)
	// The open stream was ended by the server, not cut.
	for err == nil {
		_, err = st.Next()
	}
	require.ErrorIs(t, err, io.EOF)
}

func TestRunFailsOnBusyAddress(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, config{addr: "127.0.0.1:0", grace: time.Minute, chat: chat.DefaultConfig()}, w)
		w.CloseWithError(err)
		done <- err
	}()
	lines := bufio.NewScanner(out)
	require.True(t, lines.Scan())
	addr := strings.TrimPrefix(lines.Text(), "chat: serving on http://")

	err := run(ctx, config{addr: addr, grace: time.Minute, chat: chat.DefaultConfig()}, io.Discard)
	require.ErrorContains(t, err, "address already in use")

	cancel()
	go io.Copy(io.Discard, out)
	require.NoError(t, <-done)
}

// TestRunStoppedBeforeStart: a signal that arrives before the server starts
// is a clean stop too.
func TestRunStoppedBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out strings.Builder
	require.NoError(t, run(ctx, config{addr: "127.0.0.1:0", grace: time.Minute, chat: chat.DefaultConfig()}, &out))
	require.Contains(t, out.String(), "chat: serving on http://127.0.0.1:")
}

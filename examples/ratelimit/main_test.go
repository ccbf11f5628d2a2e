package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weavego/weave/ratelimit"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out))
	require.Equal(t, ""+
		"alice 200: 5  429: 3  Retry-After: 60s\n"+
		"bob   200: 3  429: 0\n", out.String())
}

func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.Error(t, run(ctx, &strings.Builder{}))
}

func TestMiddleware(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		perClient := ratelimit.NewKeyed[string](ratelimit.Every(10*time.Second), 2)
		ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
		tests := []struct {
			name       string
			trust      bool
			remote     string
			xff        string
			sleep      time.Duration
			want       int
			retryAfter string
		}{
			{"first", false, "10.0.0.1:1234", "", 0, 200, ""},
			{"second", false, "10.0.0.1:5678", "", 0, 200, ""},
			{"same IP, other port, over burst", false, "10.0.0.1:9999", "", 0, 429, "10"},
			{"header ignored unless trusted", false, "10.0.0.1:1", "1.2.3.4", 0, 429, "10"},
			{"trusted header names the client", true, "10.0.0.1:1", "1.2.3.4, 10.0.0.9", 0, 200, ""},
			{"retry after rounds up", false, "10.0.0.1:1", "", 500 * time.Millisecond, 429, "10"},
			{"one token back after 10s", false, "10.0.0.1:1", "", 9500 * time.Millisecond, 200, ""},
			{"and used", false, "10.0.0.1:1", "", 0, 429, "10"},
		}
		for _, tt := range tests {
			time.Sleep(tt.sleep)
			h := limitPerClient(perClient, clientIP(tt.trust), ok)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.remote
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tt.want, rec.Code, tt.name)
			require.Equal(t, tt.retryAfter, rec.Header().Get("Retry-After"), tt.name)
		}
	})
}

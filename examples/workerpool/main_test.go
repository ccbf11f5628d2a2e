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
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"all jobs", context.Background(), `words counted: 31
failed: job 3 ("missing"): document not found
failed: panic: unexpected byte in corrupt
submitted 12: completed 10, failed 1, panicked 1, skipped 0
`},
		{"interrupted before the first job", cancelled, `interrupted: context canceled
words counted: 0
submitted 0: completed 0, failed 0, panicked 0, skipped 0
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(tt.ctx, &out))
			require.Equal(t, tt.want, out.String())
		})
	}
}

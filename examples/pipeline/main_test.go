package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const want = `1
4
9
16
25

batch 1: A-001 A-002 A-003 A-004 (123.99)
batch 2: A-006 A-007 A-008 A-009 (67.94)
batch 3: A-011 A-012 A-013 (67.13)
imported 11 orders in 3 batches, skipped 2 malformed lines
`

func TestRun(t *testing.T) {
	for range 3 { // the parallel parse must keep the order every time
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out))
		require.Equal(t, want, out.String())
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, io.Discard)
	require.ErrorIs(t, err, context.Canceled)
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestImportReadError(t *testing.T) {
	boom := errors.New("disk gone")
	err := importOrders(context.Background(), io.Discard, io.MultiReader(strings.NewReader("A-1,1.00,x\n"), failingReader{boom}), 2)
	require.ErrorIs(t, err, boom)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestImportWriteError(t *testing.T) {
	boom := errors.New("db down")
	err := importOrders(context.Background(), failingWriter{boom}, strings.NewReader(orders), 3)
	require.ErrorIs(t, err, boom)
}

func TestParseOrder(t *testing.T) {
	tests := []struct {
		line  string
		cents int64
		bad   bool
	}{
		{"A,12.50,x", 1250, false},
		{"A,7.5,x", 750, false},
		{"A,100,x", 10000, false},
		{"A,0.99,x", 99, false},
		{"A,1.234,x", 0, true},
		{"A,oops,x", 0, true},
		{"A,1.00", 0, true},
		{"A,-1.50,x", 0, true},
		{"A,1.-5,x", 0, true},
		{"A,+3,x", 0, true},
		{"A,.,x", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			o, err := parseOrder(tt.line)
			if tt.bad {
				require.ErrorIs(t, err, errMalformed)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.cents, o.Cents)
		})
	}
}

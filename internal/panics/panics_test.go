package panics

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTry(t *testing.T) {
	tests := []struct {
		name      string
		fn        func()
		wantNil   bool
		wantMsg   string
		wantIsEOF bool
	}{
		{name: "no panic", fn: func() {}, wantNil: true},
		{name: "string", fn: func() { panic("boom") }, wantMsg: "panic: boom"},
		{name: "error", fn: func() { panic(io.EOF) }, wantMsg: "panic: EOF", wantIsEOF: true},
		{name: "multi-line value", fn: func() { panic("a\nb") }, wantMsg: `panic: a\nb`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			perr := Try(tt.fn)
			if tt.wantNil {
				require.Nil(t, perr)
				return
			}
			require.NotNil(t, perr)
			require.Equal(t, tt.wantMsg, perr.Error())
			require.NotContains(t, perr.Error(), "\n")
			require.Equal(t, tt.wantIsEOF, errors.Is(perr, io.EOF))
			require.True(t, strings.Contains(string(perr.Stack), "panics.Try"), "stack should show where the panic was recovered")
		})
	}
}

func TestUnwrapNonError(t *testing.T) {
	require.NoError(t, (&Error{Value: 42}).Unwrap())
}

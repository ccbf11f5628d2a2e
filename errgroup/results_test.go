package errgroup

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestResults(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		reverse bool
		fail    map[int]bool
		want    []int
		wantErr bool
	}{
		{name: "in Go order", reverse: true, want: []int{0, 10, 20, 30, 40}},
		{name: "limit", opts: []Option{WithLimit(2)}, want: []int{0, 10, 20, 30, 40}},
		{name: "failed slot is zero", opts: []Option{WithCollectAll()}, fail: map[int]bool{1: true, 3: true}, want: []int{0, 0, 20, 0, 40}, wantErr: true},
		{name: "none", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := NewResults[int](context.Background(), tt.opts...)
			n := len(tt.want)
			// With reverse, each task waits for the one after it: they
			// finish in reverse Go order.
			gates := make([]chan struct{}, n+1)
			for i := range gates {
				gates[i] = make(chan struct{})
			}
			close(gates[n])
			for i := range n {
				r.Go(func(context.Context) (int, error) {
					defer close(gates[i])
					if tt.reverse {
						<-gates[i+1]
					}
					if tt.fail[i] {
						return 99, errA
					}
					return i * 10, nil
				})
			}
			got, err := r.Wait()
			if tt.wantErr {
				require.ErrorIs(t, err, errA)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, 0, r.Skipped())
		})
	}
}

func TestZeroResults(t *testing.T) {
	var r Results[int]
	r.SetLimit(1)
	for i := range 3 {
		r.Go(func(context.Context) (int, error) { return i, nil })
	}
	got, err := r.Wait()
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, 2}, got)
}

func TestResultsSkippedAndPanics(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	r, _ := NewResults[string](parent)
	r.SetLimit(1)
	r.Go(func(context.Context) (string, error) { return "a", nil })
	cancel()
	r.Go(func(context.Context) (string, error) { return "b", nil })
	got, err := r.Wait()
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, []string{"a", ""}, got)
	require.Equal(t, 1, r.Skipped())

	r, _ = NewResults[string](context.Background())
	r.Go(func(context.Context) (string, error) { panic("boom") })
	got, err = r.Wait()
	var perr *PanicError
	require.ErrorAs(t, err, &perr)
	require.Equal(t, []string{""}, got)
}

func TestResultsConcurrentGo(t *testing.T) {
	// Go calls from many goroutines each get their own slot: every value
	// lands once, and the slice the caller gets is its own.
	r, _ := NewResults[int](context.Background(), WithLimit(3))
	const callers, each = 4, 25
	done := make(chan struct{})
	for c := range callers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range each {
				r.Go(func(context.Context) (int, error) { return c*each + i, nil })
			}
		}()
	}
	for range callers {
		<-done
	}
	got, err := r.Wait()
	require.NoError(t, err)
	require.Len(t, got, callers*each)
	seen := make(map[int]bool)
	for _, v := range got {
		seen[v] = true
	}
	require.Len(t, seen, callers*each)
	require.Equal(t, len(got), cap(got), "appending to the result must not write into the group's storage")
}

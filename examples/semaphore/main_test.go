package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	tests := []struct {
		name   string
		jobs   []Job
		budget int
		want   string
	}{
		{
			name:   "mixed sizes",
			jobs:   []Job{{"a", 1}, {"b", 6}, {"c", 3}, {"huge", 9}, {"d", 8}},
			budget: 8,
			want: `memory budget 8 MB, 5 jobs
a             1 MB  done
b             6 MB  done
c             3 MB  done
huge          9 MB  rejected: semaphore: request larger than size
d             8 MB  done
peak within budget: true
late job admitted after Close: false
stats: {Size:8 InUse:0 Waiters:0}
`,
		},
		{
			name:   "no jobs",
			budget: 2,
			want: `memory budget 2 MB, 0 jobs
peak within budget: true
late job admitted after Close: false
stats: {Size:2 InUse:0 Waiters:0}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), &out, tt.jobs, tt.budget))
			require.Equal(t, tt.want, out.String())
		})
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := run(ctx, &out, []Job{{"a", 1}, {"b", 2}}, 4)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 2, strings.Count(out.String(), "rejected: context canceled"), out.String())
}

package benchmarks

import (
	"context"
	"testing"

	"github.com/cenkalti/backoff/v5"
	"github.com/weavego/weave/retry"
)

// BenchmarkRetry measures what a retry wrapper costs when the operation
// succeeds at once, the common case it should add nothing to.
func BenchmarkRetry(b *testing.B) {
	ctx := context.Background()
	b.Run("weave", func(b *testing.B) {
		fn := func(context.Context) error { return nil }
		b.ReportAllocs()
		for b.Loop() {
			if err := retry.Do(ctx, fn); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("backoff", func(b *testing.B) {
		fn := func() (struct{}, error) { return struct{}{}, nil }
		b.ReportAllocs()
		for b.Loop() {
			if _, err := backoff.Retry(ctx, fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}

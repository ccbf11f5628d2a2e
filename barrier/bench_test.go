package barrier

import (
	"context"
	"sync"
	"testing"
)

func BenchmarkWaitSingleParty(b *testing.B) {
	ctx := context.Background()
	br := New(1)
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Wait(ctx)
	}
}

// BenchmarkRound measures one full round of 4 parties; each op is one round.
func BenchmarkRound(b *testing.B) {
	benchRound(b, context.Background())
}

// BenchmarkRoundCancellable is BenchmarkRound with a ctx that can be
// cancelled, so every party selects on its round's channel.
func BenchmarkRoundCancellable(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	benchRound(b, ctx)
}

// benchRound runs b.N rounds of 4 parties that all wait with ctx; which
// kind of ctx decides how a party sleeps.
func benchRound(b *testing.B, ctx context.Context) {
	const parties = 4
	br := New(parties)
	b.ReportAllocs()
	var wg sync.WaitGroup
	for range parties - 1 {
		wg.Go(func() {
			for range b.N {
				_ = br.Wait(ctx)
			}
		})
	}
	for range b.N {
		_ = br.Wait(ctx)
	}
	wg.Wait()
}

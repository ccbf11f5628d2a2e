package pubsub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, topic string
		want           bool
	}{
		{"a", "a", true},
		{"a", "b", false},
		{"a", "a.b", false},
		{"a.b", "a", false},
		{"a.b", "a.b", true},
		{"a.*", "a.b", true},
		{"a.*", "a", false},
		{"a.*", "a.b.c", false},
		{"*.b", "a.b", true},
		{"*.*", "a.b", true},
		{"*", "a", true},
		{"a.>", "a", false},
		{"a.>", "a.b", true},
		{"a.>", "a.b.c", true},
		{">", "a", true},
		{">", "a.b.c", true},
		{"a.*.c.>", "a.x.c.d.e", true},
		{"a.*.c.>", "a.x.c", false},
		{"a.*.c", "a.x.d", false},
		{"chat.room1", "chat.room10", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"|"+tt.topic, func(t *testing.T) {
			toks, err := parsePattern(tt.pattern)
			require.NoError(t, err)
			require.NoError(t, validTopic(tt.topic))
			require.Equal(t, tt.want, match(toks, tt.topic))
		})
	}
}

func TestBadTopic(t *testing.T) {
	bus := New[int]()
	defer bus.Close()
	badPatterns := []string{"", ".", "a.", ".a", "a..b", "a.>.b", "a*", "a.b>", "a b", "a.\t", "> .a"}
	for _, p := range badPatterns {
		t.Run("pattern "+p, func(t *testing.T) {
			_, err := bus.Subscribe(p)
			require.ErrorIs(t, err, ErrBadTopic)
		})
	}
	badTopics := []string{"", ".", "a.", ".a", "a..b", "a.*", "a.>", "*", ">", "a b", "a\n"}
	for _, topic := range badTopics {
		t.Run("topic "+topic, func(t *testing.T) {
			n, err := bus.Publish(context.Background(), topic, 1)
			require.ErrorIs(t, err, ErrBadTopic)
			require.Zero(t, n)
		})
	}
}

func TestWildcardDelivery(t *testing.T) {
	bus := New[string]()
	defer bus.Close()
	patterns := []string{"chat.room1", "chat.*", "chat.>", ">", "news.*"}
	subs := map[string]*Subscription[string]{}
	for _, p := range patterns {
		s, err := bus.Subscribe(p)
		require.NoError(t, err)
		subs[p] = s
	}
	publish := []struct {
		topic string
		want  int
	}{
		{"chat.room1", 4},
		{"chat.room2", 3},
		{"chat.room1.thread", 2},
		{"news.sport", 2},
		{"other", 1},
		{"chat.room1", 4}, // from the cache this time
	}
	for _, p := range publish {
		n, err := bus.Publish(context.Background(), p.topic, p.topic)
		require.NoError(t, err)
		require.Equal(t, p.want, n, p.topic)
	}
	got := func(p string) []string {
		var out []string
		for {
			select {
			case m := <-subs[p].C():
				require.Equal(t, m.Topic, m.Value)
				out = append(out, m.Topic)
			default:
				return out
			}
		}
	}
	require.Equal(t, []string{"chat.room1", "chat.room1"}, got("chat.room1"))
	require.Equal(t, []string{"chat.room1", "chat.room2", "chat.room1"}, got("chat.*"))
	require.Equal(t, []string{"chat.room1", "chat.room2", "chat.room1.thread", "chat.room1"}, got("chat.>"))
	require.Equal(t, []string{"chat.room1", "chat.room2", "chat.room1.thread", "news.sport", "other", "chat.room1"}, got(">"))
	require.Equal(t, []string{"news.sport"}, got("news.*"))
}

func TestCacheInvalidation(t *testing.T) {
	bus := New[int]()
	defer bus.Close()
	a, _ := bus.Subscribe("t.*")
	n, _ := bus.Publish(context.Background(), "t.x", 1)
	require.Equal(t, 1, n)
	b, _ := bus.Subscribe("t.x")
	n, _ = bus.Publish(context.Background(), "t.x", 2)
	require.Equal(t, 2, n, "new subscription must be seen despite the cache")
	a.Unsubscribe()
	n, _ = bus.Publish(context.Background(), "t.x", 3)
	require.Equal(t, 1, n, "unsubscribed one must be gone from the cache")
	require.Equal(t, 2, (<-b.C()).Value)
	require.Equal(t, 3, (<-b.C()).Value)
}

func drain[T any](s *Subscription[T]) []T {
	var out []T
	for m := range s.C() {
		out = append(out, m.Value)
	}
	return out
}

func TestPolicies(t *testing.T) {
	tests := []struct {
		policy    Policy
		buffer    int
		publish   int
		delivered []int // delivered count per Publish
		received  []int
		dropped   uint64
		err       error
	}{
		{DropNewest, 2, 4, []int{1, 1, 0, 0}, []int{0, 1}, 2, ErrClosed},
		{DropOldest, 2, 4, []int{1, 1, 1, 1}, []int{2, 3}, 2, ErrClosed},
		{DropOldest, 0, 2, []int{0, 0}, nil, 2, ErrClosed},
		{Disconnect, 2, 4, []int{1, 1, 0, 0}, []int{0, 1}, 1, ErrSlowConsumer},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%d", tt.policy, tt.buffer), func(t *testing.T) {
			bus := New[int]()
			s, err := bus.Subscribe("t", WithPolicy(tt.policy), WithBuffer(tt.buffer))
			require.NoError(t, err)
			var delivered []int
			for i := range tt.publish {
				n, err := bus.Publish(context.Background(), "t", i)
				require.NoError(t, err)
				delivered = append(delivered, n)
			}
			require.Equal(t, tt.delivered, delivered)
			require.NoError(t, bus.Close())
			require.Equal(t, tt.received, drain(s))
			require.Equal(t, tt.dropped, s.Dropped())
			require.ErrorIs(t, s.Err(), tt.err)
		})
	}
}

func TestPerSubscriptionOverridesBus(t *testing.T) {
	bus := New[int](WithPolicy(DropNewest), WithBuffer(1))
	defer bus.Close()
	def, _ := bus.Subscribe("t")
	big, _ := bus.Subscribe("t", WithBuffer(3))
	for i := range 3 {
		_, err := bus.Publish(context.Background(), "t", i)
		require.NoError(t, err)
	}
	require.Equal(t, 1, len(def.C()))
	require.Equal(t, uint64(2), def.Dropped())
	require.Equal(t, 3, len(big.C()))
	require.Zero(t, big.Dropped())
}

func TestBlockDeliversToReadyFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := New[int](WithBuffer(1))
		defer bus.Close()
		slow, _ := bus.Subscribe("t")
		fast, _ := bus.Subscribe("t")
		_, err := bus.Publish(t.Context(), "t", 0)
		require.NoError(t, err)
		<-fast.C() // fast has room again, slow is full

		ctx, cancel := context.WithCancel(t.Context())
		var n int
		done := make(chan struct{})
		go func() {
			defer close(done)
			n, err = bus.Publish(ctx, "t", 1)
		}()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Publish returned although slow is full")
		default:
		}
		require.Equal(t, 1, (<-fast.C()).Value, "ready subscriber must get it while slow blocks")
		cancel()
		<-done
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, 1, n)
		require.Equal(t, uint64(1), slow.Dropped())
		require.Zero(t, fast.Dropped())
	})
}

func TestBlockWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := New[int](WithBuffer(0))
		defer bus.Close()
		s, _ := bus.Subscribe("t")
		var got []int
		done := make(chan struct{})
		go func() {
			defer close(done)
			for m := range s.C() {
				got = append(got, m.Value)
			}
		}()
		for i := range 5 {
			n, err := bus.Publish(t.Context(), "t", i)
			require.NoError(t, err)
			require.Equal(t, 1, n)
		}
		s.Unsubscribe()
		<-done
		require.Equal(t, []int{0, 1, 2, 3, 4}, got)
		require.NoError(t, s.Err())
	})
}

func TestUnsubscribeWakesBlockedPublish(t *testing.T) {
	for _, byClose := range []bool{false, true} {
		t.Run(fmt.Sprint("byClose=", byClose), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bus := New[int](WithBuffer(0))
				s, _ := bus.Subscribe("t")
				var n int
				var err error
				done := make(chan struct{})
				go func() {
					defer close(done)
					n, err = bus.Publish(t.Context(), "t", 1)
				}()
				synctest.Wait()
				if byClose {
					require.NoError(t, bus.Close())
				} else {
					s.Unsubscribe()
				}
				<-done
				require.NoError(t, err)
				require.Zero(t, n)
				_, open := <-s.C()
				require.False(t, open)
				if byClose {
					require.ErrorIs(t, s.Err(), ErrClosed)
				} else {
					require.NoError(t, s.Err())
				}
				require.NoError(t, bus.Close())
			})
		})
	}
}

func TestUnsubscribeFromReceiver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := New[int](WithBuffer(0))
		defer bus.Close()
		s, _ := bus.Subscribe("t")
		received := make(chan int, 10)
		go func() {
			for m := range s.C() {
				received <- m.Value
				if m.Value == 2 {
					s.Unsubscribe()
					s.Unsubscribe() // idempotent
				}
			}
			close(received)
		}()
		total := 0
		for i := range 10 {
			n, err := bus.Publish(t.Context(), "t", i)
			require.NoError(t, err)
			total += n
		}
		var got []int
		for v := range received {
			got = append(got, v)
		}
		require.Equal(t, []int{0, 1, 2}, got[:3])
		require.Equal(t, len(got), total, "delivered count must match what arrived")
		require.NoError(t, s.Err())
	})
}

func TestClose(t *testing.T) {
	bus := New[int]()
	s1, _ := bus.Subscribe("a")
	s2, _ := bus.Subscribe("b.>")
	_, err := bus.Publish(context.Background(), "a", 7)
	require.NoError(t, err)
	require.NoError(t, bus.Close())
	require.NoError(t, bus.Close())
	require.Equal(t, []int{7}, drain(s1))
	require.Empty(t, drain(s2))
	require.ErrorIs(t, s1.Err(), ErrClosed)
	require.ErrorIs(t, s2.Err(), ErrClosed)
	s1.Unsubscribe()
	require.ErrorIs(t, s1.Err(), ErrClosed, "Unsubscribe after Close keeps the reason")

	_, err = bus.Subscribe("a")
	require.ErrorIs(t, err, ErrClosed)
	n, err := bus.Publish(context.Background(), "a", 1)
	require.ErrorIs(t, err, ErrClosed)
	require.Zero(t, n)
}

func TestDisconnectRemovesSubscription(t *testing.T) {
	bus := New[int](WithPolicy(Disconnect), WithBuffer(1))
	defer bus.Close()
	slow, _ := bus.Subscribe("t")
	for i := range 3 {
		_, err := bus.Publish(context.Background(), "t", i)
		require.NoError(t, err)
	}
	require.Len(t, bus.snap.Load().subs, 0)
	require.Equal(t, []int{0}, drain(slow))
	require.ErrorIs(t, slow.Err(), ErrSlowConsumer)
	require.Equal(t, uint64(1), slow.Dropped())
}

func TestOptionPanics(t *testing.T) {
	require.PanicsWithValue(t, "pubsub: WithBuffer called with negative size -1", func() { WithBuffer(-1) })
	require.PanicsWithValue(t, "pubsub: WithPolicy called with unknown policy 9", func() { WithPolicy(9) })
}

func TestPolicyString(t *testing.T) {
	require.Equal(t, "Block", Block.String())
	require.Equal(t, "DropNewest", DropNewest.String())
	require.Equal(t, "DropOldest", DropOldest.String())
	require.Equal(t, "Disconnect", Disconnect.String())
	require.Equal(t, "Policy(9)", Policy(9).String())
}

func TestPublishNoAllocs(t *testing.T) {
	bus := New[int](WithBuffer(1))
	defer bus.Close()
	var subs []*Subscription[int]
	for _, p := range []string{"a.b", "a.*", "a.>", "x"} {
		s, _ := bus.Subscribe(p)
		subs = append(subs, s)
	}
	ctx := context.Background()
	_, _ = bus.Publish(ctx, "a.b", 0) // fill the cache
	for _, s := range subs {
		for len(s.C()) > 0 {
			<-s.C()
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		n, _ := bus.Publish(ctx, "a.b", 1)
		if n != 3 {
			panic(n)
		}
		for _, s := range subs[:3] {
			<-s.C()
		}
	})
	require.Zero(t, allocs)
}

// TestStress runs publishers, subscribers that come and go, and Close at
// once, under every policy: no send on a closed channel, no deadlock, and
// every message sent is either received or counted as dropped.
func TestStress(t *testing.T) {
	for _, policy := range []Policy{Block, DropNewest, DropOldest, Disconnect} {
		t.Run(policy.String(), func(t *testing.T) {
			bus := New[int](WithBuffer(2), WithPolicy(policy))
			ctx := context.Background()
			var wg sync.WaitGroup
			type result struct {
				received int
				s        *Subscription[int]
			}
			results := make(chan result, 64)
			for r := range 16 {
				s, err := bus.Subscribe([]string{"t.*", "t.>", ">", "t.a"}[r%4])
				require.NoError(t, err)
				wg.Go(func() {
					n := 0
					for range s.C() {
						n++
						if r%3 == 0 && n == 20 {
							s.Unsubscribe()
						}
					}
					results <- result{n, s}
				})
			}
			var pubWG sync.WaitGroup
			var deliveredMu sync.Mutex
			delivered := 0
			for p := range 4 {
				pubWG.Go(func() {
					for i := range 200 {
						n, err := bus.Publish(ctx, "t.a", p*1000+i)
						if errors.Is(err, ErrClosed) {
							return
						}
						require.NoError(t, err)
						deliveredMu.Lock()
						delivered += n
						deliveredMu.Unlock()
					}
				})
			}
			pubWG.Wait()
			require.NoError(t, bus.Close())
			wg.Wait()
			close(results)
			received, dropped := 0, 0
			for r := range results {
				received += r.received
				dropped += int(r.s.Dropped())
				if policy != Disconnect {
					require.NotErrorIs(t, r.s.Err(), ErrSlowConsumer)
				}
			}
			if policy == DropOldest {
				// A delivered message may later be discarded to make room.
				require.LessOrEqual(t, received, delivered)
				require.LessOrEqual(t, delivered, received+dropped)
			} else {
				require.Equal(t, delivered, received)
			}
		})
	}
}

// TestOrderPerPublisher checks that each subscriber sees every publisher's
// messages in the order that publisher sent them.
func TestOrderPerPublisher(t *testing.T) {
	bus := New[[2]int](WithBuffer(4))
	const pubs, msgs = 3, 300
	var wg sync.WaitGroup
	for range 4 {
		s, _ := bus.Subscribe(">")
		wg.Go(func() {
			next := make([]int, pubs)
			for m := range s.C() {
				p, i := m.Value[0], m.Value[1]
				if next[p] != i {
					t.Errorf("publisher %d: got %d, want %d", p, i, next[p])
				}
				next[p] = i + 1
			}
			for p := range pubs {
				if next[p] != msgs {
					t.Errorf("publisher %d: got %d messages", p, next[p])
				}
			}
		})
	}
	var pubWG sync.WaitGroup
	for p := range pubs {
		pubWG.Go(func() {
			for i := range msgs {
				if _, err := bus.Publish(context.Background(), "x.y", [2]int{p, i}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	pubWG.Wait()
	require.NoError(t, bus.Close())
	wg.Wait()
}

// TestDropOldestConcurrentReceiver publishes to a small DropOldest
// subscription while its receiver reads: every message is received or
// counted as dropped, the receiver sees them in publish order, and the last
// message is never the one discarded.
func TestDropOldestConcurrentReceiver(t *testing.T) {
	const msgs = 3000
	bus := New[int](WithPolicy(DropOldest), WithBuffer(4))
	s, err := bus.Subscribe("t")
	require.NoError(t, err)
	var got []int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range s.C() {
			got = append(got, m.Value)
		}
	}()
	for i := range msgs {
		n, err := bus.Publish(context.Background(), "t", i)
		require.NoError(t, err)
		require.Equal(t, 1, n, "DropOldest always takes the new message")
	}
	require.NoError(t, bus.Close())
	<-done
	require.Equal(t, msgs, len(got)+int(s.Dropped()), "received + dropped")
	require.True(t, slices.IsSorted(got), "publish order")
	require.Equal(t, msgs-1, got[len(got)-1], "the newest message is kept")
}

// TestCloseDuringBlockWaits closes the bus while many publishers wait under
// Block for subscribers that do not read: every Publish returns, every
// channel closes, and what was delivered is exactly what is queued.
func TestCloseDuringBlockWaits(t *testing.T) {
	for _, buffer := range []int{0, 2} {
		t.Run(fmt.Sprint("buffer=", buffer), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bus := New[int](WithBuffer(buffer))
				subs := make([]*Subscription[int], 6)
				for i := range subs {
					subs[i], _ = bus.Subscribe([]string{"a.b", "a.*", ">"}[i%3])
				}
				var delivered atomic.Int64
				var wg sync.WaitGroup
				for p := range 8 {
					wg.Go(func() {
						for i := 0; ; i++ {
							n, err := bus.Publish(context.Background(), "a.b", p*1000+i)
							delivered.Add(int64(n))
							if err != nil {
								require.ErrorIs(t, err, ErrClosed)
								return
							}
						}
					})
				}
				synctest.Wait() // every publisher is blocked on a full subscription
				require.NoError(t, bus.Close())
				wg.Wait()
				queued := 0
				for _, s := range subs {
					queued += len(drain(s))
					require.ErrorIs(t, s.Err(), ErrClosed)
					require.Zero(t, s.Dropped(), "a wait ended by Close is not a drop")
				}
				require.Equal(t, int(delivered.Load()), queued)
			})
		})
	}
}

// TestCloseMidStream closes the bus while publishers run and subscribers
// read, come and go, or stall, under every policy: every Publish returns,
// and each message a Publish counted as delivered is received (or, under
// DropOldest, received or counted as dropped). Close comes after 2000
// publishes, or once a subscriber stalls (under Block nothing moves then).
func TestCloseMidStream(t *testing.T) {
	for _, policy := range []Policy{Block, DropNewest, DropOldest, Disconnect} {
		t.Run(policy.String(), func(t *testing.T) {
			bus := New[int](WithBuffer(1), WithPolicy(policy))
			trigger, closing := make(chan struct{}), make(chan struct{})
			var once sync.Once
			fire := func() { once.Do(func() { close(trigger) }) }
			var received, dropped atomic.Int64
			var subWG sync.WaitGroup
			for r := range 12 {
				s, err := bus.Subscribe([]string{"t.*", "t.>", ">"}[r%3])
				require.NoError(t, err)
				subWG.Go(func() {
					n := 0
					for range s.C() {
						n++
						switch {
						case r%4 == 0 && n == 50:
							s.Unsubscribe()
						case r%4 == 1 && n == 20:
							fire()
							<-closing // stall until Close has ended it
						}
					}
					received.Add(int64(n))
					dropped.Add(int64(s.Dropped()))
				})
			}
			var delivered, published atomic.Int64
			var pubWG sync.WaitGroup
			for p := range 4 {
				pubWG.Go(func() {
					for i := 0; ; i++ {
						n, err := bus.Publish(context.Background(), "t.a", p*100000+i)
						delivered.Add(int64(n))
						if err != nil {
							require.ErrorIs(t, err, ErrClosed)
							return
						}
						if published.Add(1) == 2000 {
							fire()
						}
					}
				})
			}
			<-trigger
			require.NoError(t, bus.Close())
			close(closing)
			pubWG.Wait()
			subWG.Wait()
			if policy == DropOldest {
				require.LessOrEqual(t, received.Load(), delivered.Load())
				require.LessOrEqual(t, delivered.Load(), received.Load()+dropped.Load())
			} else {
				require.Equal(t, delivered.Load(), received.Load())
			}
		})
	}
}

// TestPublishNoAllocsEveryPolicy checks the hot path for each policy: a
// Publish to subscribers that have room allocates nothing.
func TestPublishNoAllocsEveryPolicy(t *testing.T) {
	for _, policy := range []Policy{Block, DropNewest, DropOldest, Disconnect} {
		t.Run(policy.String(), func(t *testing.T) {
			bus := New[string](WithBuffer(1), WithPolicy(policy))
			defer bus.Close()
			subs := make([]*Subscription[string], 8)
			for i := range subs {
				subs[i], _ = bus.Subscribe("a.>")
			}
			ctx := context.Background()
			allocs := testing.AllocsPerRun(100, func() {
				if n, err := bus.Publish(ctx, "a.b.c", "v"); n != len(subs) || err != nil {
					panic(fmt.Sprint(n, err))
				}
				for _, s := range subs {
					<-s.C()
				}
			})
			require.Zero(t, allocs)
		})
	}
}

// TestCloseFromReceiver closes the bus from the goroutine that reads a
// subscription while a Publish under Block waits for that goroutine.
func TestCloseFromReceiver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := New[int](WithBuffer(0))
		s, _ := bus.Subscribe("t")
		done := make(chan []int)
		go func() {
			var got []int
			for m := range s.C() {
				got = append(got, m.Value)
				if m.Value == 2 {
					synctest.Wait() // the next Publish is now waiting for us
					require.NoError(t, bus.Close())
					require.NoError(t, bus.Close())
				}
			}
			done <- got
		}()
		var err error
		total := 0
		for i := 0; err == nil; i++ {
			var n int
			n, err = bus.Publish(t.Context(), "t", i)
			total += n
		}
		require.ErrorIs(t, err, ErrClosed)
		got := <-done
		require.Equal(t, []int{0, 1, 2}, got)
		require.Equal(t, 3, total)
		require.ErrorIs(t, s.Err(), ErrClosed)
	})
}

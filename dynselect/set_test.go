package dynselect

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fill returns n closed channels, channel i holding perChan values
// i*perChan .. i*perChan+perChan-1.
func fill(n, perChan int) []chan int {
	chs := make([]chan int, n)
	for i := range chs {
		chs[i] = make(chan int, perChan)
		for j := range perChan {
			chs[i] <- i*perChan + j
		}
		close(chs[i])
	}
	return chs
}

// TestExactlyOnce drains sets of several sizes, on both sides of the
// switch to shards, and checks every value and every close arrives exactly
// once and each channel's values in order.
func TestExactlyOnce(t *testing.T) {
	tests := []struct{ n, perChan int }{
		{1, 5}, {10, 20}, {largeAbove, 3}, {largeAbove + 1, 3}, {1000, 4}, {100_000, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d", tt.n), func(t *testing.T) {
			s := New[int, int]()
			defer s.Close()
			for i, ch := range fill(tt.n, tt.perChan) {
				require.NoError(t, s.Add(i, ch))
			}
			require.Equal(t, tt.n, s.Len())
			next := make([]int, tt.n)
			closed := make([]bool, tt.n)
			for range tt.n * (tt.perChan + 1) {
				ev, err := s.Recv(t.Context())
				require.NoError(t, err)
				require.False(t, closed[ev.Key], "event after close of %d", ev.Key)
				if ev.Closed {
					require.Equal(t, tt.perChan, next[ev.Key], "closed before all values of %d", ev.Key)
					closed[ev.Key] = true
					continue
				}
				require.Equal(t, ev.Key*tt.perChan+next[ev.Key], ev.Value)
				next[ev.Key]++
			}
			require.Zero(t, s.Len())
			s.mu.Lock()
			require.Empty(t, s.shards, "no shard goroutine may idle")
			s.mu.Unlock()
		})
	}
}

func TestAddErrors(t *testing.T) {
	s := New[string, int]()
	ch := make(chan int)
	require.NoError(t, s.Add("a", ch))
	require.ErrorIs(t, s.Add("a", make(chan int)), ErrDuplicateKey)
	require.Equal(t, 1, s.Len())
	require.PanicsWithValue(t, "dynselect: Add called with nil channel for key b", func() { _ = s.Add("b", nil) })
	s.Close()
	s.Close()
	require.ErrorIs(t, s.Add("c", ch), ErrClosed)
	_, err := s.Recv(context.Background())
	require.ErrorIs(t, err, ErrClosed)
	require.Zero(t, s.Len())
}

// TestRecvWakes checks each way a blocked Recv returns, for an empty set
// and for a set of silent channels, small and large.
func TestRecvWakes(t *testing.T) {
	for _, silent := range []int{0, 3, largeAbove + 10} {
		for _, how := range []string{"add", "send", "cancel", "close", "closech"} {
			t.Run(fmt.Sprintf("%s/silent=%d", how, silent), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					s := New[int, int]()
					defer s.Close()
					quiet := make([]chan int, silent)
					for i := range quiet {
						quiet[i] = make(chan int)
						require.NoError(t, s.Add(i, quiet[i]))
					}
					ctx, cancel := context.WithCancel(t.Context())
					defer cancel()
					var ev Event[int, int]
					var err error
					done := make(chan struct{})
					go func() {
						defer close(done)
						ev, err = s.Recv(ctx)
					}()
					synctest.Wait()
					select {
					case <-done:
						t.Fatal("Recv returned with nothing to receive")
					default:
					}
					switch how {
					case "add":
						ch := make(chan int, 1)
						ch <- 42
						require.NoError(t, s.Add(-1, ch))
						<-done
						require.NoError(t, err)
						require.Equal(t, Event[int, int]{Key: -1, Value: 42}, ev)
					case "send":
						if silent == 0 {
							return
						}
						quiet[silent-1] <- 7
						<-done
						require.NoError(t, err)
						require.Equal(t, Event[int, int]{Key: silent - 1, Value: 7}, ev)
					case "cancel":
						cancel()
						<-done
						require.ErrorIs(t, err, context.Canceled)
					case "close":
						s.Close()
						<-done
						require.ErrorIs(t, err, ErrClosed)
					case "closech":
						if silent == 0 {
							return
						}
						close(quiet[0])
						<-done
						require.NoError(t, err)
						require.Equal(t, Event[int, int]{Key: 0, Closed: true}, ev)
						require.Equal(t, silent-1, s.Len())
					}
					if how == "send" || how == "add" || how == "closech" {
						// The set stays usable after the wake-up.
						s.Close()
					}
				})
			})
		}
	}
}

// TestRemoveLeftover checks Remove hands back what the set had taken and
// leaves the rest in the channel.
func TestRemoveLeftover(t *testing.T) {
	for _, n := range []int{1, largeAbove + 1} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := New[int, int]()
				defer s.Close()
				chs := make([]chan int, n)
				for i := range chs {
					chs[i] = make(chan int, 3)
					for j := range 3 {
						chs[i] <- j
					}
					require.NoError(t, s.Add(i, chs[i]))
				}
				synctest.Wait() // shards, if any, now hold one value each
				leftover, ok := s.Remove(0)
				require.True(t, ok)
				require.Equal(t, 3, len(leftover)+len(chs[0]), "every value is back or still queued")
				for i, v := range leftover {
					require.Equal(t, i, v, "leftover comes first, in order")
				}
				_, ok = s.Remove(0)
				require.False(t, ok)
				// Nothing more is taken from the removed channel.
				before := len(chs[0])
				for range 3 * (n - 1) {
					ev, err := s.Recv(t.Context())
					require.NoError(t, err)
					require.NotZero(t, ev.Key)
				}
				synctest.Wait()
				require.Equal(t, before, len(chs[0]))
				require.Equal(t, n-1, s.Len())
			})
		})
	}
}

// TestRemoveDuringRecv stresses Remove against concurrent Recv calls with
// producers that keep sending: every value sent is received, given back as
// leftover, or still in its channel; none twice.
func TestRemoveDuringRecv(t *testing.T) {
	for _, n := range []int{8, 2 * largeAbove} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			const perChan = 50
			s := New[int, int]()
			chs := make([]chan int, n)
			var producers sync.WaitGroup
			for i := range chs {
				chs[i] = make(chan int, 2)
				require.NoError(t, s.Add(i, chs[i]))
				producers.Go(func() {
					for j := range perChan {
						chs[i] <- i*perChan + j
					}
				})
			}
			seen := make([]int, n*perChan)
			var seenMu sync.Mutex
			mark := func(v int) {
				seenMu.Lock()
				seen[v]++
				seenMu.Unlock()
			}
			ctx, cancel := context.WithCancel(context.Background())
			var receivers sync.WaitGroup
			for range 3 {
				receivers.Go(func() {
					for {
						ev, err := s.Recv(ctx)
						if err != nil {
							return
						}
						mark(ev.Value)
					}
				})
			}
			// Remove every channel in random order while values flow, then
			// drain what is still queued in them.
			order := rand.Perm(n)
			for _, k := range order {
				leftover, ok := s.Remove(k)
				require.True(t, ok)
				for _, v := range leftover {
					mark(v)
				}
			}
			drained := make(chan struct{})
			go func() {
				defer close(drained)
				for _, ch := range chs {
					for {
						select {
						case v := <-ch:
							mark(v)
							continue
						default:
						}
						break
					}
				}
			}()
			// Producers may still be blocked on full channels: keep draining.
			producersDone := make(chan struct{})
			go func() { producers.Wait(); close(producersDone) }()
			<-drained
			for done := false; !done; {
				select {
				case <-producersDone:
					done = true
				default:
					for _, ch := range chs {
						select {
						case v := <-ch:
							mark(v)
						default:
						}
					}
				}
			}
			for _, ch := range chs {
				for len(ch) > 0 {
					mark(<-ch)
				}
			}
			cancel()
			receivers.Wait()
			s.Close()
			for v, c := range seen {
				require.Equal(t, 1, c, "value %d seen %d times", v, c)
			}
		})
	}
}

// TestRandomChurn adds and removes channels at random, across the switch
// between small and large mode, while a receiver drains the set.
func TestRandomChurn(t *testing.T) {
	const rounds = 3000
	rng := rand.New(rand.NewPCG(1, 2))
	s := New[int, int]()
	defer s.Close()
	got := make(map[int]int)
	var gotMu sync.Mutex
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			ev, err := s.Recv(ctx)
			if err != nil {
				return
			}
			if !ev.Closed {
				gotMu.Lock()
				got[ev.Value]++
				gotMu.Unlock()
			}
		}
	})
	live := map[int]chan int{}
	var all []chan int
	next := 0
	key := 0
	for r := range rounds {
		grow := r < rounds/2
		if len(live) == 0 || rng.IntN(10) < map[bool]int{true: 7, false: 3}[grow] {
			ch := make(chan int, 3)
			for range rng.IntN(4) {
				ch <- next
				next++
			}
			if rng.IntN(4) == 0 {
				close(ch)
			}
			all = append(all, ch)
			live[key] = ch
			require.NoError(t, s.Add(key, ch))
			key++
			continue
		}
		for k := range live { // a random live key
			leftover, ok := s.Remove(k)
			if ok {
				gotMu.Lock()
				for _, v := range leftover {
					got[v]++
				}
				gotMu.Unlock()
			}
			delete(live, k)
			break
		}
	}
	for k := range live {
		leftover, _ := s.Remove(k)
		gotMu.Lock()
		for _, v := range leftover {
			got[v]++
		}
		gotMu.Unlock()
	}
	require.Zero(t, s.Len())
	cancel()
	wg.Wait()
	for _, ch := range all {
		for len(ch) > 0 {
			if v, ok := <-ch; ok {
				got[v]++
			}
		}
	}
	for v := range next {
		require.Equal(t, 1, got[v], "value %d", v)
	}
}

func TestAll(t *testing.T) {
	for _, n := range []int{3, 300} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			s := New[int, int]()
			defer s.Close()
			for i, ch := range fill(n, 2) {
				require.NoError(t, s.Add(i, ch))
			}
			sum, count := 0, 0
			for k, v := range s.All(t.Context()) {
				require.Equal(t, k, v/2)
				sum += v
				count++
			}
			require.Equal(t, 2*n, count)
			require.Equal(t, (2*n-1)*2*n/2, sum)
			require.Zero(t, s.Len())
		})
	}
}

func TestAllStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New[int, int]()
		ch := make(chan int, 10)
		for i := range 10 {
			ch <- i
		}
		require.NoError(t, s.Add(1, ch))
		n := 0
		for range s.All(t.Context()) {
			n++
			if n == 3 {
				break
			}
		}
		require.Equal(t, 3, n)

		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan int)
		go func() {
			m := 0
			for range s.All(ctx) {
				m++
			}
			done <- m
		}()
		synctest.Wait()
		cancel()
		require.Equal(t, 7, <-done, "the rest, then stop at cancel")
		s.Close()
		for range s.All(t.Context()) {
			t.Fatal("All after Close yielded")
		}
	})
}

// TestFair checks that two always-ready channels take turns.
func TestFair(t *testing.T) {
	s := New[string, int]()
	defer s.Close()
	a, b := make(chan int, 100), make(chan int, 100)
	for i := range 100 {
		a <- i
		b <- i
	}
	require.NoError(t, s.Add("a", a))
	require.NoError(t, s.Add("b", b))
	counts := map[string]int{}
	for range 100 {
		ev, err := s.Recv(t.Context())
		require.NoError(t, err)
		counts[ev.Key]++
	}
	require.Equal(t, 50, counts["a"])
	require.Equal(t, 50, counts["b"])
}

// TestInterfaceValues checks nil values of an interface type come through.
func TestInterfaceValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New[int, error]()
		defer s.Close()
		ch := make(chan error)
		require.NoError(t, s.Add(1, ch))
		go func() { ch <- nil; ch <- context.Canceled }()
		ev, err := s.Recv(t.Context())
		require.NoError(t, err)
		require.Nil(t, ev.Value)
		ev, err = s.Recv(t.Context())
		require.NoError(t, err)
		require.ErrorIs(t, ev.Value, context.Canceled)
	})
}

// TestRemoveRacesRecv hands a value to a blocked Recv and removes its
// channel at once: the value must come out exactly once, either from Recv
// or as leftover, whichever side wins.
func TestRemoveRacesRecv(t *testing.T) {
	for _, n := range []int{1, largeAbove + 1} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			fromRecv, fromLeftover := 0, 0
			for range 50 {
				s := New[int, int]()
				chs := make([]chan int, n)
				for i := range chs {
					chs[i] = make(chan int)
					require.NoError(t, s.Add(i, chs[i]))
				}
				got := make(chan Event[int, int], 1)
				go func() {
					ev, err := s.Recv(context.Background())
					if err == nil {
						got <- ev
					}
					close(got)
				}()
				chs[0] <- 42 // taken by the blocked Recv (or its shard)
				leftover, ok := s.Remove(0)
				require.True(t, ok)
				s.Close()
				ev, received := <-got
				switch {
				case received && len(leftover) == 0:
					require.Equal(t, 42, ev.Value)
					fromRecv++
				case !received && len(leftover) == 1:
					require.Equal(t, []int{42}, leftover)
					fromLeftover++
				default:
					t.Fatalf("received %v (%v) and leftover %v", received, ev, leftover)
				}
			}
			t.Logf("from Recv %d, from leftover %d", fromRecv, fromLeftover)
		})
	}
}

// TestCloseAfterTake closes the set right after a blocked Recv has taken a
// value from a channel: that Recv must return the value, not lose it.
func TestCloseAfterTake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for range 100 {
			s := New[int, int]()
			ch := make(chan int)
			require.NoError(t, s.Add(1, ch))
			type result struct {
				ev  Event[int, int]
				err error
			}
			got := make(chan result, 1)
			go func() {
				ev, err := s.Recv(context.Background())
				got <- result{ev, err}
			}()
			synctest.Wait() // Recv is blocked in its select
			ch <- 42        // returns once that select has taken it
			s.Close()
			r := <-got
			require.NoError(t, r.err)
			require.Equal(t, Event[int, int]{Key: 1, Value: 42}, r.ev)
		}
	})
}

// TestCloseKeepsTaken closes sets whose channels all hold values, small and
// large (where each shard goroutine has taken one value): Recv after Close
// returns what was taken, then ErrClosed, and every value is either
// returned or still in its channel.
func TestCloseKeepsTaken(t *testing.T) {
	for _, n := range []int{3, largeAbove + 1, 5 * shardSize} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := New[int, int]()
				chs := make([]chan int, n)
				for i := range chs {
					chs[i] = make(chan int, 2)
					chs[i] <- 2 * i
					chs[i] <- 2*i + 1
					require.NoError(t, s.Add(i, chs[i]))
				}
				synctest.Wait() // shards, if any, hold one value each
				s.Close()
				seen := make([]bool, 2*n)
				taken := 0
				for {
					ev, err := s.Recv(t.Context())
					if err != nil {
						require.ErrorIs(t, err, ErrClosed)
						break
					}
					require.Equal(t, ev.Key, ev.Value/2)
					require.False(t, seen[ev.Value])
					seen[ev.Value] = true
					taken++
				}
				left := 0
				for i, ch := range chs {
					for len(ch) > 0 {
						v := <-ch
						require.Equal(t, i, v/2)
						require.False(t, seen[v], "value %d both returned and left", v)
						seen[v] = true
						left++
					}
				}
				require.Equal(t, 2*n, taken+left)
				require.LessOrEqual(t, taken, (n+shardSize-1)/shardSize, "at most one per shard")
				if n <= largeAbove {
					require.Zero(t, taken, "a small set takes nothing ahead of Recv")
				}
				_, err := s.Recv(t.Context())
				require.ErrorIs(t, err, ErrClosed)
			})
		})
	}
}

// TestThresholdChurn moves a set back and forth across both mode switches
// (above largeAbove it goes to shards, below smallBelow back to Recv) while
// producers keep sending and then close their channels. Removed channels
// are added again later under the same key. Every value must come out
// exactly once (from Recv or as leftover), every channel's closing exactly
// once and after all its values, and one receiver must see each channel's
// values in order.
func TestThresholdChurn(t *testing.T) {
	for _, receivers := range []int{1, 3} {
		t.Run(fmt.Sprint("receivers=", receivers), func(t *testing.T) {
			const chans, perChan = 200, 30
			s := New[int, int]()
			defer s.Close()
			chs := make([]chan int, chans)
			var producers sync.WaitGroup
			for i := range chs {
				chs[i] = make(chan int, i%2) // unbuffered and buffered
				producers.Go(func() {
					for j := range perChan {
						chs[i] <- i*perChan + j
					}
					close(chs[i])
				})
			}
			var mu sync.Mutex
			seen := make([]int, chans*perChan)
			closes := make([]int, chans)
			last := make([]int, chans) // per key, 1 + last value seen by Recv
			allClosed := make(chan struct{})
			nClosed := 0
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range receivers {
				wg.Go(func() {
					for {
						ev, err := s.Recv(ctx)
						if err != nil {
							return
						}
						mu.Lock()
						if ev.Closed {
							closes[ev.Key]++
							if closes[ev.Key] > 1 {
								t.Errorf("closing of %d reported twice", ev.Key)
							}
							if nClosed++; nClosed == chans {
								close(allClosed)
							}
						} else {
							seen[ev.Value]++
							// With several receivers, one may record a value
							// after another recorded the closing that followed.
							if receivers == 1 && closes[ev.Key] > 0 {
								t.Errorf("value %d of %d after its close", ev.Value, ev.Key)
							}
							if receivers == 1 && ev.Value < last[ev.Key] {
								t.Errorf("key %d: value %d after %d", ev.Key, ev.Value, last[ev.Key]-1)
							}
							last[ev.Key] = ev.Value + 1
						}
						mu.Unlock()
					}
				})
			}
			rng := rand.New(rand.NewPCG(uint64(receivers), 7))
			var in, out []int // keys the churner added / removed (to add again)
			next := 0
			add := func() {
				var k int
				if next < chans && (len(out) == 0 || rng.IntN(2) == 0) {
					k, next = next, next+1
				} else {
					k, out = out[len(out)-1], out[:len(out)-1]
				}
				require.NoError(t, s.Add(k, chs[k]))
				in = append(in, k)
			}
			for range 8 {
				for s.Len() <= largeAbove+10 && (next < chans || len(out) > 0) {
					add()
				}
				for s.Len() >= smallBelow-10 && len(in) > 0 {
					i := rng.IntN(len(in))
					k := in[i]
					in[i] = in[len(in)-1]
					in = in[:len(in)-1]
					leftover, ok := s.Remove(k)
					if !ok { // closed and reported meanwhile
						require.Empty(t, leftover)
						continue
					}
					out = append(out, k)
					for _, v := range leftover {
						require.Equal(t, k, v/perChan)
					}
					mu.Lock()
					for _, v := range leftover {
						seen[v]++
					}
					mu.Unlock()
				}
			}
			for next < chans || len(out) > 0 {
				add()
			}
			<-allClosed
			cancel()
			wg.Wait()
			producers.Wait()
			for v, c := range seen {
				require.Equal(t, 1, c, "value %d", v)
			}
			for k, c := range closes {
				require.Equal(t, 1, c, "closes of %d", k)
			}
			require.Zero(t, s.Len())
		})
	}
}

// TestManyReceivers drains small and large sets of channels that producers
// fill and close, with several Recv calls at once. A Recv may take a
// channel's last value while another one reports that channel closed; the
// value must still come out.
func TestManyReceivers(t *testing.T) {
	for _, n := range []int{50, 3 * largeAbove} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			const perChan = 30
			s := New[int, int]()
			defer s.Close()
			var producers sync.WaitGroup
			for i := range n {
				ch := make(chan int, i%2)
				require.NoError(t, s.Add(i, ch))
				producers.Go(func() {
					for j := range perChan {
						ch <- i*perChan + j
					}
					close(ch)
				})
			}
			var mu sync.Mutex
			seen := make([]int, n*perChan)
			var wg sync.WaitGroup
			for range 3 {
				wg.Go(func() {
					for k, v := range s.All(context.Background()) {
						if k != v/perChan {
							t.Errorf("value %d under key %d", v, k)
						}
						mu.Lock()
						seen[v]++
						mu.Unlock()
					}
				})
			}
			// All ends once every channel is closed and reported.
			wg.Wait()
			producers.Wait()
			for v, c := range seen {
				require.Equal(t, 1, c, "value %d", v)
			}
			require.Zero(t, s.Len())
		})
	}
}

// TestCloseMidStream closes small and large sets while producers send and
// several goroutines receive: the receivers get every value the set took
// (then ErrClosed), so what was sent is exactly what was received plus what
// is still buffered in the channels.
func TestCloseMidStream(t *testing.T) {
	for _, n := range []int{20, 3 * shardSize} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			s := New[int, int]()
			stop := make(chan struct{})
			chs := make([]chan int, n)
			sent := make([]int, n)
			var producers sync.WaitGroup
			for i := range chs {
				chs[i] = make(chan int, i%3)
				require.NoError(t, s.Add(i, chs[i]))
				producers.Go(func() {
					for j := 0; ; j++ {
						select {
						case chs[i] <- j:
							sent[i]++
						case <-stop:
							return
						}
					}
				})
			}
			received := make([]int, n)
			var mu sync.Mutex
			var total atomic.Int64
			enough := make(chan struct{})
			var receivers sync.WaitGroup
			for range 3 {
				receivers.Go(func() {
					for {
						ev, err := s.Recv(context.Background())
						if err != nil {
							if !errors.Is(err, ErrClosed) {
								t.Error(err)
							}
							return
						}
						mu.Lock()
						received[ev.Key]++
						mu.Unlock()
						if total.Add(1) == 2000 {
							close(enough)
						}
					}
				})
			}
			<-enough
			s.Close()
			receivers.Wait()
			close(stop)
			producers.Wait()
			for i, ch := range chs {
				require.Equal(t, sent[i], received[i]+len(ch), "channel %d", i)
			}
		})
	}
}

package benchmarks

import (
	"context"
	"reflect"
	"testing"

	"github.com/weavego/weave/dynselect"
)

// benchDynselect receives from n channels that are always ready: each holds
// one value, and the benchmark puts a value back into the channel it just
// received from. The peer is reflect.Select over the same channels, the
// usual way to select over a number of channels known only at run time.
func benchDynselect(b *testing.B, n int) {
	newChans := func() []chan int {
		chs := make([]chan int, n)
		for i := range chs {
			chs[i] = make(chan int, 1)
			chs[i] <- i
		}
		return chs
	}
	b.Run("weave", func(b *testing.B) {
		chs := newChans()
		s := dynselect.New[int, int]()
		defer s.Close()
		for i, ch := range chs {
			if err := s.Add(i, ch); err != nil {
				b.Fatal(err)
			}
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			ev, err := s.Recv(ctx)
			if err != nil || ev.Closed || ev.Value != ev.Key {
				b.Fatal(ev, err)
			}
			chs[ev.Key] <- ev.Value
		}
	})
	b.Run("reflect", func(b *testing.B) {
		chs := newChans()
		cases := make([]reflect.SelectCase, n)
		for i, ch := range chs {
			cases[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)}
		}
		b.ReportAllocs()
		for b.Loop() {
			chosen, v, ok := reflect.Select(cases)
			if !ok || v.Interface().(int) != chosen {
				b.Fatal(chosen, v, ok)
			}
			chs[chosen] <- chosen
		}
	})
}

func BenchmarkDynselect10(b *testing.B)   { benchDynselect(b, 10) }
func BenchmarkDynselect1000(b *testing.B) { benchDynselect(b, 1000) }

package dynselect

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkRecvReady receives from n channels that always have a value.
func BenchmarkRecvReady(b *testing.B) {
	for _, n := range []int{1, 10, 1000, 100_000} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			s := New[int, int]()
			defer s.Close()
			chs := make([]chan int, n)
			for i := range chs {
				chs[i] = make(chan int, 1)
				chs[i] <- i
				_ = s.Add(i, chs[i])
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				ev, _ := s.Recv(ctx)
				chs[ev.Key] <- ev.Value
			}
		})
	}
}

// BenchmarkRecvSparse receives from n channels of which only one has
// values: the cost of finding it and of blocking.
func BenchmarkRecvSparse(b *testing.B) {
	for _, n := range []int{10, 200, 10_000} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			s := New[int, int]()
			defer s.Close()
			for i := range n - 1 {
				_ = s.Add(i, make(chan int))
			}
			hot := make(chan int)
			_ = s.Add(-1, hot)
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					select {
					case hot <- 1:
					case <-stop:
						return
					}
				}
			}()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if ev, _ := s.Recv(ctx); ev.Key != -1 {
					b.Fatal(ev)
				}
			}
		})
	}
}

func BenchmarkAddRemove(b *testing.B) {
	s := New[int, int]()
	defer s.Close()
	for i := range 100 {
		_ = s.Add(i, make(chan int))
	}
	ch := make(chan int)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Add(-1, ch)
		_, _ = s.Remove(-1)
	}
}

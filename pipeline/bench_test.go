package pipeline

import (
	"context"
	"testing"
)

func benchItems(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// BenchmarkStages measures the per-item cost of a three-stage pipeline.
func BenchmarkStages(b *testing.B) {
	items := benchItems(10_000)
	b.ReportAllocs()
	for b.Loop() {
		p := New(context.Background())
		sq := Map(FromSlice(p, items), square)
		n, err := Reduce(Filter(sq, even), 0, func(a, v int) int { return a + 1 })
		if err != nil || n != 5000 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkWorkers measures the hand-off cost of a multi-worker stage.
func BenchmarkWorkers(b *testing.B) {
	items := benchItems(10_000)
	for _, bc := range []struct {
		name string
		opts []StageOption
	}{
		{"unordered", []StageOption{WithWorkers(4)}},
		{"ordered", []StageOption{WithWorkers(4), WithOrdered()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p := New(context.Background())
				out, err := Collect(Map(FromSlice(p, items), square, bc.opts...))
				if err != nil || len(out) != len(items) {
					b.Fatal(len(out), err)
				}
			}
		})
	}
}

// BenchmarkFrom measures an iterator source, which hands values on through
// a goroutine of its own.
func BenchmarkFrom(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p := New(context.Background())
		src := From(p, func(yield func(int) bool) {
			for i := 0; i < 10_000 && yield(i); i++ {
			}
		})
		n, err := Reduce(src, 0, func(a, v int) int { return a + 1 })
		if err != nil || n != 10_000 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkChan measures the item-by-item escape hatch.
func BenchmarkChan(b *testing.B) {
	items := benchItems(10_000)
	b.ReportAllocs()
	for b.Loop() {
		p := New(context.Background())
		n := 0
		for range FromSlice(p, items).Chan() {
			n++
		}
		if err := p.Wait(); err != nil || n != len(items) {
			b.Fatal(n, err)
		}
	}
}

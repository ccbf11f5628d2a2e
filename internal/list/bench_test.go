package list

import "testing"

// BenchmarkQueue is the waiter-queue pattern: push, leave from the middle,
// pop the rest.
func BenchmarkQueue(b *testing.B) {
	b.ReportAllocs()
	var l List[int]
	nodes := make([]Node[int], 4)
	for b.Loop() {
		for i := range nodes {
			l.PushBack(&nodes[i])
		}
		l.Remove(&nodes[1])
		for l.PopFront() != nil {
		}
	}
}

// BenchmarkMoveToBack is the LRU pattern: touch the least recently used.
func BenchmarkMoveToBack(b *testing.B) {
	b.ReportAllocs()
	var l List[int]
	nodes := make([]Node[int], 64)
	for i := range nodes {
		l.PushBack(&nodes[i])
	}
	for b.Loop() {
		l.MoveToBack(l.Front())
	}
}

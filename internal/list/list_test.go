package list

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// values walks l both ways, checks that the links, Len and the nodes' list
// agree, and returns the values front to back.
func values(t *testing.T, l *List[int]) []int {
	t.Helper()
	var fwd []int
	var last *Node[int]
	for n := l.Front(); n != nil; n = n.Next() {
		require.Same(t, last, n.Prev(), "prev of %d", n.Value)
		fwd = append(fwd, n.Value)
		last = n
	}
	require.Same(t, last, l.Back())
	var back []int
	for n := l.Back(); n != nil; n = n.Prev() {
		back = append([]int{n.Value}, back...)
	}
	require.Equal(t, fwd, back, "forward and backward walks differ")
	require.Equal(t, len(fwd), l.Len())
	return fwd
}

func TestOps(t *testing.T) {
	// Each op names a node by its value (nodes 0..4 exist, none linked at
	// the start); pop checks what PopFront returned.
	type op struct {
		kind string // push, remove, back, pop
		v    int    // node for push/remove/back; expected value for pop, -1 for nil
	}
	tests := []struct {
		name string
		ops  []op
		want []int
	}{
		{name: "empty", want: nil},
		{name: "push keeps order", ops: []op{{"push", 0}, {"push", 1}, {"push", 2}}, want: []int{0, 1, 2}},
		{name: "remove only", ops: []op{{"push", 0}, {"remove", 0}}, want: nil},
		{name: "remove front", ops: []op{{"push", 0}, {"push", 1}, {"push", 2}, {"remove", 0}}, want: []int{1, 2}},
		{name: "remove middle", ops: []op{{"push", 0}, {"push", 1}, {"push", 2}, {"remove", 1}}, want: []int{0, 2}},
		{name: "remove back", ops: []op{{"push", 0}, {"push", 1}, {"push", 2}, {"remove", 2}}, want: []int{0, 1}},
		{name: "push again after remove", ops: []op{{"push", 0}, {"push", 1}, {"remove", 0}, {"push", 0}}, want: []int{1, 0}},
		{name: "pop empty", ops: []op{{"pop", -1}}, want: nil},
		{name: "pop in order", ops: []op{{"push", 2}, {"push", 0}, {"push", 1}, {"pop", 2}, {"pop", 0}}, want: []int{1}},
		{name: "pop to empty then push", ops: []op{{"push", 3}, {"pop", 3}, {"pop", -1}, {"push", 3}}, want: []int{3}},
		{name: "move front to back", ops: []op{{"push", 0}, {"push", 1}, {"push", 2}, {"back", 0}}, want: []int{1, 2, 0}},
		{name: "move middle to back", ops: []op{{"push", 0}, {"push", 1}, {"push", 2}, {"back", 1}}, want: []int{0, 2, 1}},
		{name: "move back stays", ops: []op{{"push", 0}, {"push", 1}, {"push", 2}, {"back", 2}}, want: []int{0, 1, 2}},
		{name: "move only node", ops: []op{{"push", 4}, {"back", 4}}, want: []int{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l List[int]
			nodes := make([]Node[int], 5)
			for i := range nodes {
				nodes[i].Value = i
			}
			for _, o := range tt.ops {
				switch o.kind {
				case "push":
					l.PushBack(&nodes[o.v])
				case "remove":
					l.Remove(&nodes[o.v])
					require.Nil(t, nodes[o.v].Next())
					require.Nil(t, nodes[o.v].Prev())
				case "back":
					l.MoveToBack(&nodes[o.v])
				case "pop":
					n := l.PopFront()
					if o.v < 0 {
						require.Nil(t, n)
					} else {
						require.Same(t, &nodes[o.v], n)
						require.Nil(t, n.Next())
						require.Nil(t, n.Prev())
					}
				default:
					t.Fatalf("unknown op %q", o.kind)
				}
				values(t, &l)
			}
			require.Equal(t, tt.want, values(t, &l))
		})
	}
}

func TestMisusePanics(t *testing.T) {
	tests := []struct {
		name  string
		do    func(a, b *List[int], n *Node[int])
		want  string
		wantB []int // b's values after; a always holds 7 first
	}{
		{
			name: "push twice",
			do:   func(a, _ *List[int], n *Node[int]) { a.PushBack(n); a.PushBack(n) },
			want: "list: PushBack called with a node already in a list",
		},
		{
			name: "push into a second list",
			do:   func(a, b *List[int], n *Node[int]) { a.PushBack(n); b.PushBack(n) },
			want: "list: PushBack called with a node already in a list",
		},
		{
			name:  "push the only node of a list again",
			do:    func(_, b *List[int], n *Node[int]) { b.PushBack(n); b.PushBack(n) },
			want:  "list: PushBack called with a node already in a list",
			wantB: []int{1},
		},
		{
			name: "remove unlinked",
			do:   func(a, _ *List[int], n *Node[int]) { a.Remove(n) },
			want: "list: Remove called with a node not in the list",
		},
		{
			name: "remove twice",
			do:   func(a, _ *List[int], n *Node[int]) { a.PushBack(n); a.Remove(n); a.Remove(n) },
			want: "list: Remove called with a node not in the list",
		},
		{
			name: "remove popped",
			do:   func(_, b *List[int], n *Node[int]) { b.PushBack(n); b.PopFront(); b.Remove(n) },
			want: "list: Remove called with a node not in the list",
		},
		{
			name: "move unlinked",
			do:   func(a, _ *List[int], n *Node[int]) { a.MoveToBack(n) },
			want: "list: MoveToBack called with a node not in the list",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b List[int]
			other := &Node[int]{Value: 7}
			a.PushBack(other)
			n := &Node[int]{Value: 1}
			require.PanicsWithValue(t, tt.want, func() { tt.do(&a, &b, n) })
			// The refused call changed nothing.
			require.Equal(t, tt.wantB, values(t, &b))
			got := values(t, &a)
			require.Equal(t, 7, got[0])
		})
	}
}

func TestZeroAllocs(t *testing.T) {
	var l List[int]
	nodes := make([]Node[int], 3)
	allocs := testing.AllocsPerRun(100, func() {
		for i := range nodes {
			l.PushBack(&nodes[i])
		}
		l.MoveToBack(&nodes[0])
		l.Remove(&nodes[2])
		for l.PopFront() != nil {
		}
	})
	require.Zero(t, allocs)
	require.Zero(t, l.Len())
}

// TestNodeSize guards the reason Node has no pointer to its List: a node
// costs its value plus two links and no more.
func TestNodeSize(t *testing.T) {
	type entry [6]int64 // the size of a ratelimit key's entry
	var p uintptr = unsafe.Sizeof(uintptr(0))
	require.Equal(t, unsafe.Sizeof(entry{})+2*p, unsafe.Sizeof(Node[entry]{}))
	require.Equal(t, unsafe.Sizeof(0)+2*p, unsafe.Sizeof(Node[int]{}))
}

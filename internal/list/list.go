// Package list is a doubly linked list whose nodes carry their value inline.
//
// It exists for the queues and LRUs that several weave packages keep under a
// mutex: waiters that must leave from the middle in O(1) when their context
// ends, or keys moved to the back on every use. Unlike container/list, the
// caller allocates the Node (typically as the waiter or entry itself, with
// its state in Value), so linking, unlinking and moving never allocate and
// values need no type assertion.
//
// A List is not safe for concurrent use; its owner guards it with its own
// lock. A Node belongs to at most one List at a time.
package list

// Node is an element of a List, with the caller's data in Value. The zero
// Node is ready to be pushed. Keep a *Node to remove or move it later; the
// list never copies or frees nodes.
//
// A Node holds no pointer to its List, to stay two words larger than its
// Value (ratelimit keeps one per key): so the misuse checks below catch a
// node linked twice or removed when unlinked, but not a node handed to the
// wrong List.
type Node[T any] struct {
	Value T

	prev, next *Node[T]
}

// Next returns the node after n, or nil if n is the last or in no list.
func (n *Node[T]) Next() *Node[T] { return n.next }

// Prev returns the node before n, or nil if n is the first or in no list.
func (n *Node[T]) Prev() *Node[T] { return n.prev }

// List is a doubly linked list of Nodes. The zero List is empty and ready to
// use. Every method runs in O(1) and none allocates.
type List[T any] struct {
	head, tail *Node[T]
	len        int
}

// Len returns the number of nodes in l.
func (l *List[T]) Len() int { return l.len }

// Front returns the first node of l, or nil if l is empty.
func (l *List[T]) Front() *Node[T] { return l.head }

// Back returns the last node of l, or nil if l is empty.
func (l *List[T]) Back() *Node[T] { return l.tail }

// PushBack appends n to l. It panics if n is already in l, or linked to
// other nodes in another list: linking it twice would silently corrupt both.
func (l *List[T]) PushBack(n *Node[T]) {
	if l.linked(n) {
		panic("list: PushBack called with a node already in a list")
	}
	l.linkBack(n)
}

// Remove unlinks n, which must be in l, after which n's Next and Prev are
// nil and n may be pushed again. It panics if n is in no list.
func (l *List[T]) Remove(n *Node[T]) {
	if !l.linked(n) {
		panic("list: Remove called with a node not in the list")
	}
	l.unlink(n)
}

// PopFront removes and returns the first node of l, or returns nil if l is
// empty.
func (l *List[T]) PopFront() *Node[T] {
	n := l.head
	if n != nil {
		l.unlink(n)
	}
	return n
}

// MoveToBack moves n, which must be in l, to the end of l, keeping the
// order of the others. It panics if n is in no list.
func (l *List[T]) MoveToBack(n *Node[T]) {
	if !l.linked(n) {
		panic("list: MoveToBack called with a node not in the list")
	}
	if n == l.tail {
		return
	}
	l.unlink(n)
	l.linkBack(n)
}

// linked reports whether n is in l, or has neighbours in any list: only the
// single node of another list passes for unlinked.
func (l *List[T]) linked(n *Node[T]) bool {
	return n.prev != nil || n.next != nil || l.head == n
}

func (l *List[T]) linkBack(n *Node[T]) {
	n.prev, n.next = l.tail, nil
	if l.tail == nil {
		l.head = n
	} else {
		l.tail.next = n
	}
	l.tail = n
	l.len++
}

func (l *List[T]) unlink(n *Node[T]) {
	if n.prev == nil {
		l.head = n.next
	} else {
		n.prev.next = n.next
	}
	if n.next == nil {
		l.tail = n.prev
	} else {
		n.next.prev = n.prev
	}
	n.prev, n.next = nil, nil
	l.len--
}

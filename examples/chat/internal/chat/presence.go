package chat

import (
	"maps"
	"slices"
	"sync"
)

// Presence says who is in a room. It is the data of "presence" (the first
// event on every stream), "join" and "leave" events.
type Presence struct {
	Room string `json:"room"`
	// Name is who joined or left; empty in a "presence" event.
	Name    string   `json:"name,omitempty"`
	Members []string `json:"members"` // sorted
	// Version grows with every change of any room's members. Events from
	// different publishers may arrive out of order, so a client keeps the
	// list with the highest version it has seen.
	Version uint64 `json:"version"`
}

// presence counts the open streams of each name in each room. A name with
// two tabs open is one member; it leaves when its last stream ends.
type presence struct {
	mu      sync.Mutex
	version uint64
	rooms   map[string]map[string]int // room → name → open streams
}

// join counts one more stream of name in room. It returns the room's
// members afterwards, and whether name has just arrived.
func (p *presence) join(room, name string) (Presence, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := p.rooms[room]
	if names == nil {
		names = make(map[string]int)
		p.rooms[room] = names
	}
	names[name]++
	arrived := names[name] == 1
	if arrived {
		p.version++
	}
	return p.snapshot(room), arrived
}

// leave counts one stream of name in room less. It returns the room's
// members afterwards, and whether name has just left.
func (p *presence) leave(room, name string) (Presence, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := p.rooms[room]
	names[name]--
	left := names[name] == 0
	if left {
		p.version++
		delete(names, name)
		if len(names) == 0 {
			delete(p.rooms, room)
		}
	}
	return p.snapshot(room), left
}

// snapshot must be called with p.mu held.
func (p *presence) snapshot(room string) Presence {
	members := slices.Sorted(maps.Keys(p.rooms[room]))
	if members == nil {
		members = []string{} // JSON [] rather than null
	}
	return Presence{Room: room, Members: members, Version: p.version}
}

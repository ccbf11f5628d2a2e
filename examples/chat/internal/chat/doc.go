// Package chat is the service behind examples/chat: a chat server whose rooms
// are pubsub topics.
//
// A browser opens one Server-Sent Events stream per room,
//
//	GET /events?room=lobby&name=ann
//
// and posts what it says as JSON:
//
//	POST /messages  {"room":"lobby","name":"ann","text":"hi"}
//
// The events on a stream are "presence" (who is in the room, always first),
// "join", "leave" and "message"; each carries one JSON object in its data line.
// GET /admin/events streams every room's events through the wildcard "room.>".
//
// Each pattern guards one resource:
//
//   - pubsub: room R is the topic "room.R". Subscriptions use the Disconnect
//     policy: a client that falls Config.Buffer events behind loses its stream
//     (the browser reconnects) instead of slowing down the room.
//   - ratelimit: posts are limited per name (Config.Rate and Config.Burst);
//     past the limit a post gets 429, with Retry-After set to the seconds
//     until that name's next token (Keyed.Delay, rounded up).
//   - semaphore: at most Config.MaxStreams streams are open; one more gets 503.
//
// Every write to a client has a deadline (Config.WriteTimeout, 5s by
// default), so a client that stops reading holds its handler, its connection
// and its place in the room for at most that long after its last write
// began.
//
// The files: server.go wires the routes, events.go holds the streams,
// messages.go the posts and input checks, presence.go who is online, web.go
// and static/ the page; client.go is a Go client for tests and load tests.
package chat

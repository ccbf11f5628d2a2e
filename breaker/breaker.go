package breaker

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Breaker is a circuit breaker. It is safe for concurrent use; create it
// with New (the zero Breaker is not usable).
//
// Admission and the recording of an outcome are a few atomic operations in
// the closed state, on counters spread over several cache lines so that
// concurrent callers rarely write the same one (with WithFailureRate,
// recording also takes the window's lock for a few additions); the
// protected function always runs with no lock held, so a Breaker never
// serialises the calls it protects.
type Breaker struct {
	cfg   config
	epoch time.Time // origin of the monotonic clock readings in now

	// cur is the generation the breaker is in. A call keeps the generation
	// that admitted it and records its outcome there, so a call admitted
	// before a state change cannot count toward the state after it.
	cur atomic.Pointer[generation]
	mu  sync.Mutex // serialises state changes

	cbMu       sync.Mutex // guards pending and delivering
	pending    []change
	delivering bool
}

// generation is one stay in one state, with the counts for that stay.
type generation struct {
	state State
	until int64 // Open: the now() at which it turns half-open

	// HalfOpen: the now() of the stay's start or of its latest probe
	// report, whichever is later; see probesLost.
	lastReport atomic.Int64

	// consecutive must be exact, so it is not striped; a closed breaker's
	// success only reads it, which keeps its line shared, not contended.
	consecutive atomic.Uint64
	rejected    atomic.Uint64
	probes      atomic.Int64 // HalfOpen: probes in flight

	win *window // Closed with WithFailureRate only

	_ [cacheLine]byte // keeps the fields above off stripes[0]'s line

	// stripes hold requests, successes and failures, summed by Counts. A
	// closed call counts on the stripe of the P it runs on (stripeIndex),
	// so callers on different cores seldom write the same cache line, where
	// one shared counter made every call move its line between cores.
	// Half-open calls all count on stripes[0], which keeps the success
	// count the successThreshold test reads exact.
	stripes [nStripes]stripe
}

// cacheLine is the size of a cache line on common CPUs.
const cacheLine = 64

// nStripes is how many stripes a generation has: enough that callers on a
// few cores seldom pick the same one, few enough that a generation, which
// every state change allocates, stays near a kilobyte.
const nStripes = 8

// stripeHints holds pointers into stripeIDs. sync.Pool keeps a private slot
// per P, so a Get followed at once by a Put hands the same index to every
// call on one P, and New gives each P that asks the next index. The choice
// must be stable per core, not merely spread: a stripe picked at random
// each call is as likely as not to have last been written by another core,
// which measured slower than one shared counter.
var stripeHints = sync.Pool{New: func() any { return &stripeIDs[nextHint.Add(1)%nStripes] }}

var (
	nextHint  atomic.Uint32
	stripeIDs = func() (ids [nStripes]int) {
		for i := range ids {
			ids[i] = i
		}
		return ids
	}()
)

// stripeIndex returns the stripe index of the caller's P. It never
// allocates: the pool holds pointers to stripeIDs.
func stripeIndex() int {
	p := stripeHints.Get().(*int)
	stripeHints.Put(p)
	return *p
}

// stripe is two lines long so that the counters of two stripes are never on
// one line however the generation is aligned: the allocator gives no
// 64-byte alignment (large objects with pointers start 8 bytes past it).
type stripe struct {
	requests  atomic.Uint64
	successes atomic.Uint64
	failures  atomic.Uint64
	_         [2*cacheLine - 3*8]byte
}

type change struct{ from, to State }

// New returns a closed Breaker. Without options it trips after 5
// consecutive failures, stays open for 30s, then lets one probe through and
// closes on its success.
func New(opts ...Option) *Breaker {
	b := &Breaker{cfg: defaultConfig(), epoch: time.Now()}
	for _, o := range opts {
		o(&b.cfg)
	}
	if b.cfg.rate > 0 && !b.cfg.failureThresholdSet {
		b.cfg.failureThreshold = 0
	}
	b.cur.Store(b.newGeneration(Closed))
	return b
}

// Do runs fn if the breaker admits the call and records its outcome. When
// the breaker is open it returns ErrOpen, and when it is half-open with
// every probe slot busy it returns ErrTooManyProbes, in both cases without
// calling fn. If ctx is already done, Do returns ctx.Err() without calling
// fn or counting anything. Otherwise it returns fn's error as is.
//
// A panic in fn is recorded as a failure and then continues up the stack of
// the caller of Do. Do panics if fn is nil.
func (b *Breaker) Do(ctx context.Context, fn func(context.Context) error) error {
	if fn == nil {
		panic("breaker: Do called with nil fn")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	g, s, err := b.admit()
	if err != nil {
		return err
	}
	return b.run(ctx, g, s, fn)
}

// Call is Do for a function that returns a value. On rejection it returns
// the zero T with ErrOpen or ErrTooManyProbes. It panics if fn is nil.
func Call[T any](ctx context.Context, b *Breaker, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		panic("breaker: Call called with nil fn")
	}
	var v T
	err := b.Do(ctx, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	return v, err
}

// Allow is the two-step form of Do, for code that cannot be wrapped in a
// function. If the call is admitted, err is nil and the caller must call
// done with the call's error (nil for success) once it has finished; until
// then it holds a probe slot in the half-open state. Only the first call of
// done counts; later calls do nothing. If the call is rejected, err is
// ErrOpen or ErrTooManyProbes and done does nothing.
//
// A done that is never called, or called late, cannot wedge the breaker:
// once every probe slot is taken and no probe has reported for the open
// timeout, the probes are taken as failed and the breaker opens again (their
// late outcomes then count nowhere).
//
// Unlike Do, Allow allocates the done function.
func (b *Breaker) Allow() (done func(err error), err error) {
	g, s, err := b.admit()
	if err != nil {
		return noop, err
	}
	t := &ticket{b: b, g: g, s: s}
	return t.done, nil
}

func noop(error) {}

type ticket struct {
	b    *Breaker
	g    *generation
	s    *stripe
	used atomic.Bool
}

func (t *ticket) done(err error) {
	if t.used.Swap(true) {
		return
	}
	t.b.record(t.g, t.s, t.b.judge(err))
}

// State returns the breaker's state. An open breaker whose open timeout has
// passed is reported, and becomes, half-open at this call; a half-open one
// whose probes are lost (see Allow) is reported, and becomes, open.
func (b *Breaker) State() State {
	return b.current().state
}

// Counts returns the counters of the current state (see Counts). Like
// State, it first turns an expired open breaker half-open.
//
// The counters are read one after another while calls may be counting, so
// under load they need not all be from one instant.
func (b *Breaker) Counts() Counts {
	g := b.current()
	c := Counts{
		ConsecutiveFailures: g.consecutive.Load(),
		Rejected:            g.rejected.Load(),
	}
	for i := range g.stripes {
		s := &g.stripes[i]
		c.Requests += s.requests.Load()
		c.Successes += s.successes.Load()
		c.Failures += s.failures.Load()
	}
	return c
}

// Trip opens the breaker now, whatever its state, and starts a new open
// timeout. Calls still running keep running; their outcomes are not counted.
func (b *Breaker) Trip() {
	b.mu.Lock()
	b.setLocked(Open)
	b.mu.Unlock()
	b.deliver()
}

// Reset closes the breaker now, whatever its state, with all counts at
// zero. Calls still running keep running; their outcomes are not counted.
func (b *Breaker) Reset() {
	b.mu.Lock()
	b.setLocked(Closed)
	b.mu.Unlock()
	b.deliver()
}

// admit decides whether a call may run and, if so, returns the generation
// it belongs to and the stripe its counts go to.
func (b *Breaker) admit() (*generation, *stripe, error) {
	for {
		g := b.cur.Load()
		switch g.state {
		case Closed:
			s := &g.stripes[stripeIndex()]
			s.requests.Add(1)
			return g, s, nil
		case HalfOpen:
			if g.probes.Add(1) > int64(b.cfg.probes) {
				g.probes.Add(-1)
				if b.probesLost(g, b.now()) {
					b.transition(g, Open)
					continue
				}
				g.rejected.Add(1)
				return nil, nil, ErrTooManyProbes
			}
			s := &g.stripes[0]
			s.requests.Add(1)
			return g, s, nil
		default: // Open
			if b.now() < g.until {
				g.rejected.Add(1)
				return nil, nil, ErrOpen
			}
			b.transition(g, HalfOpen)
		}
	}
}

// run calls fn and records its outcome in g and s, also when fn panics.
func (b *Breaker) run(ctx context.Context, g *generation, s *stripe, fn func(context.Context) error) error {
	returned := false
	defer func() {
		if !returned {
			b.record(g, s, failure)
		}
	}()
	err := fn(ctx)
	returned = true
	b.record(g, s, b.judge(err))
	return err
}

// outcome is how a finished call counts.
type outcome uint8

const (
	success outcome = iota
	failure
	ignored // context.Canceled not judged a failure: counts neither way
)

// judge tells how err counts. A call whose caller gave up (context.Canceled)
// proved nothing about the service, so unless WithIsFailure calls it a
// failure it is ignored rather than counted as a success: it must not break
// a run of failures, nor close a half-open breaker.
func (b *Breaker) judge(err error) outcome {
	var failed bool
	if b.cfg.isFailure != nil {
		failed = b.cfg.isFailure(err)
	} else {
		failed = defaultIsFailure(err)
	}
	switch {
	case failed:
		return failure
	case err != nil && errors.Is(err, context.Canceled):
		return ignored
	}
	return success
}

// record counts one outcome of a call admitted in g on stripe s (the one
// admit returned) and changes state when a rule says so. Outcomes in a
// generation that is no longer current land in counters nobody reads and
// never change the state.
func (b *Breaker) record(g *generation, s *stripe, o outcome) {
	switch g.state {
	case Closed:
		if o == ignored {
			return
		}
		if o == success {
			s.successes.Add(1)
			// The Load spares a write to a shared line on the common path.
			// A failure's Add landing between it and the Store is simply
			// ordered before this success: the run it extended ends here,
			// as if the outcomes had come one after the other. A failure
			// whose Add returns n had n-1 failures before it since the last
			// reset, so a trip is never spurious and never lost.
			if g.consecutive.Load() != 0 {
				g.consecutive.Store(0)
			}
			if g.win != nil {
				g.win.record(b.now(), false)
			}
			return
		}
		s.failures.Add(1)
		n := g.consecutive.Add(1)
		trip := b.cfg.failureThreshold > 0 && n >= uint64(b.cfg.failureThreshold)
		if g.win != nil {
			calls, fails := g.win.record(b.now(), true)
			trip = trip || calls >= uint64(b.cfg.minCalls) && float64(fails) >= b.cfg.rate*float64(calls)
		}
		if trip {
			b.transition(g, Open)
		}
	case HalfOpen:
		// The slot is freed after the state change so that no new probe is
		// admitted into a generation this outcome is about to end.
		defer g.probes.Add(-1)
		g.lastReport.Store(b.now())
		if o == ignored {
			return
		}
		if o == failure {
			s.failures.Add(1)
			g.consecutive.Add(1)
			b.transition(g, Open)
			return
		}
		g.consecutive.Store(0)
		if s.successes.Add(1) >= uint64(b.cfg.successThreshold) {
			b.transition(g, Closed)
		}
	}
}

// current returns the current generation after turning an expired open
// breaker half-open, and a half-open one with lost probes open.
func (b *Breaker) current() *generation {
	g := b.cur.Load()
	switch g.state {
	case Open:
		if b.now() >= g.until {
			b.transition(g, HalfOpen)
			g = b.cur.Load()
		}
	case HalfOpen:
		if b.probesLost(g, b.now()) {
			b.transition(g, Open)
			g = b.cur.Load()
		}
	}
	return g
}

// probesLost reports whether half-open generation g is stuck: every probe
// slot is taken and no probe has reported for a whole open timeout. A probe
// that slow is taken as failed (its done may never be called, and then its
// slot would never come back), so the breaker opens again, and the next
// open timeout brings fresh slots.
func (b *Breaker) probesLost(g *generation, now int64) bool {
	return g.probes.Load() >= int64(b.cfg.probes) && now-g.lastReport.Load() >= int64(b.cfg.openTimeout)
}

// transition moves the breaker from generation from to state to, unless
// another caller has already moved it on from that generation.
func (b *Breaker) transition(from *generation, to State) {
	b.mu.Lock()
	if b.cur.Load() != from {
		b.mu.Unlock()
		return
	}
	b.setLocked(to)
	b.mu.Unlock()
	b.deliver()
}

// setLocked starts a new generation in state to and queues the callbacks.
// b.mu must be held, which keeps the queue in the order of the changes.
func (b *Breaker) setLocked(to State) {
	old := b.cur.Load()
	from := old.state
	now := b.now()
	switch {
	case from == Open && now >= old.until:
		// The open timeout has passed, so observers may already have seen
		// half-open; report the change they would otherwise miss.
		b.enqueue(Open, HalfOpen)
		from = HalfOpen
	case from == HalfOpen && b.probesLost(old, now):
		// Likewise, observers may already have seen it open again.
		b.enqueue(HalfOpen, Open)
		from = Open
	}
	b.cur.Store(b.newGeneration(to))
	if from != to {
		b.enqueue(from, to)
	}
}

func (b *Breaker) newGeneration(s State) *generation {
	g := &generation{state: s}
	switch s {
	case Open:
		g.until = b.now() + int64(b.cfg.openTimeout)
	case HalfOpen:
		g.lastReport.Store(b.now())
	case Closed:
		if b.cfg.rate > 0 {
			g.win = newWindow(int64(b.cfg.window))
		}
	}
	return g
}

func (b *Breaker) enqueue(from, to State) {
	if b.cfg.onStateChange == nil {
		return
	}
	b.cbMu.Lock()
	b.pending = append(b.pending, change{from, to})
	b.cbMu.Unlock()
}

// deliver runs the queued callbacks in order. Only one goroutine delivers at
// a time; a caller that finds another one delivering leaves its changes to
// it, which keeps the callbacks ordered and never run concurrently. A
// callback that calls back into the Breaker finds delivery busy and returns.
func (b *Breaker) deliver() {
	if b.cfg.onStateChange == nil {
		return
	}
	b.cbMu.Lock()
	if b.delivering {
		b.cbMu.Unlock()
		return
	}
	b.delivering = true
	finished := false
	defer func() {
		if !finished { // the callback panicked: let the next change deliver
			b.cbMu.Lock()
			b.delivering = false
			b.cbMu.Unlock()
		}
	}()
	for len(b.pending) > 0 {
		c := b.pending[0]
		b.pending = append(b.pending[:0], b.pending[1:]...)
		b.cbMu.Unlock()
		b.cfg.onStateChange(c.from, c.to)
		b.cbMu.Lock()
	}
	b.delivering = false
	b.cbMu.Unlock()
	finished = true
}

// now reads the monotonic clock as nanoseconds since New.
func (b *Breaker) now() int64 {
	return int64(time.Since(b.epoch))
}

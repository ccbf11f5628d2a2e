// Command loadtest measures examples/chat under load: it connects many event
// streams over loopback, spread across rooms, posts messages at a set rate,
// and prints deliveries per second and the latency from publish to receive.
//
//	go run ./examples/chat/loadtest -clients 1000 -rooms 10 -rate 1000 -duration 10s
//
// With no -addr it serves the chat in-process on 127.0.0.1 (rate limit off,
// stream cap above -clients); with -addr it loads a running server, which
// must be on this machine: the tool refuses any address but loopback. It
// stops by itself after -duration plus at most -drain.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weavego/weave/errgroup"
	"github.com/weavego/weave/examples/chat/internal/chat"
	"github.com/weavego/weave/ratelimit"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "", "chat server to load, e.g. 127.0.0.1:8080 (loopback only); empty: serve one in-process")
	flag.IntVar(&cfg.clients, "clients", 1000, "event streams to open")
	flag.IntVar(&cfg.rooms, "rooms", 10, "rooms to spread the clients over")
	flag.Float64Var(&cfg.rate, "rate", 1000, "messages per second, over all clients")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to send")
	flag.DurationVar(&cfg.drain, "drain", 5*time.Second, "how long to wait for deliveries after the last send")
	flag.IntVar(&cfg.senders, "senders", 32, "concurrent posts at most")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run (server included when in-process) to `file`")
	flag.Parse()

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

type config struct {
	addr            string
	clients, rooms  int
	rate            float64 // messages per second
	duration, drain time.Duration
	senders         int
}

// result is what one run measured.
type result struct {
	sent, limited, failed int           // posts: accepted, answered 429, failed otherwise
	expected, delivered   int64         // message events due to streams, and received
	disconnected          int           // streams the server ended during the run
	sending               time.Duration // first send to last
	elapsed               time.Duration // first send to last delivery
	publish, send         []time.Duration
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.clients < 1 || cfg.rooms < 1 || cfg.rooms > cfg.clients || cfg.rate <= 0 || cfg.duration <= 0 || cfg.senders < 1 {
		return fmt.Errorf("need clients ≥ rooms ≥ 1, rate > 0, duration > 0 and senders ≥ 1")
	}
	base := cfg.addr
	if base == "" {
		var stop func()
		base, stop = serve(cfg.clients)
		defer stop()
	} else {
		if !strings.Contains(base, "://") {
			base = "http://" + base
		}
		if err := checkLoopback(base); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "loading %s: %d clients in %d rooms, %.0f messages/s for %s\n",
		base, cfg.clients, cfg.rooms, cfg.rate, cfg.duration)

	res, err := load(ctx, cfg, base)
	if err != nil {
		return err
	}
	secs := res.elapsed.Seconds()
	fmt.Fprintf(out, "sent %d messages in %.2fs (%.0f/s); %d rate-limited, %d failed\n",
		res.sent, res.sending.Seconds(), float64(res.sent)/res.sending.Seconds(), res.limited, res.failed)
	fmt.Fprintf(out, "delivered %d of %d message events in %.2fs: %.0f deliveries/s\n",
		res.delivered, res.expected, secs, float64(res.delivered)/secs)
	fmt.Fprintf(out, "publish→receive latency: p50 %s  p99 %s  max %s\n", pct(res.publish, 50), pct(res.publish, 99), pct(res.publish, 100))
	fmt.Fprintf(out, "send→receive latency:    p50 %s  p99 %s  max %s\n", pct(res.send, 50), pct(res.send, 99), pct(res.send, 100))
	fmt.Fprintf(out, "streams disconnected by the server: %d\n", res.disconnected)
	return nil
}

// serve starts a chat server for clients streams on 127.0.0.1, with no rate
// limit: the tool measures delivery, not the limiter. stop ends it.
func serve(clients int) (base string, stop func()) {
	c := chat.DefaultConfig()
	c.MaxStreams = clients + 1
	c.Rate = ratelimit.Inf
	srv := chat.New(c)
	ts := httptest.NewServer(srv)
	return ts.URL, func() {
		srv.Close() // first: ends the streams, which ts.Close waits for
		ts.Close()
	}
}

// checkLoopback refuses targets other than this machine.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	ips, err := net.DefaultResolver.LookupIPAddr(context.Background(), u.Hostname())
	if err != nil {
		return err
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address", u.Hostname())
		}
	}
	return nil
}

// pct returns the p-th percentile of sorted ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, len(ds)*p/100)].Round(10 * time.Microsecond)
}

// load connects the clients, sends for cfg.duration, waits for the
// deliveries (at most cfg.drain), then closes everything it opened.
func load(ctx context.Context, cfg config, base string) (*result, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.senders}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		res       result
		members   = make([]int64, cfg.rooms) // clients per room
		readers   = make([]*reader, cfg.clients)
		done      = make(chan struct{}) // closed when every due delivery arrived
		sentAll   atomic.Bool
		closeDone = sync.OnceFunc(func() { close(done) })
		delivered atomic.Int64
		expected  atomic.Int64
	)
	// Deliveries are complete when sending is over and the counts match.
	check := func() {
		if sentAll.Load() && delivered.Load() >= expected.Load() {
			closeDone()
		}
	}

	// Connect, 64 at a time. Each stream is read from as soon as it is
	// open: a stream left unread while the others join would fall behind
	// on join events and be disconnected.
	var reading sync.WaitGroup
	defer reading.Wait()
	defer cancel() // before reading.Wait: ends the streams
	g, _ := errgroup.New(ctx, errgroup.WithLimit(64))
	for i := range cfg.clients {
		room := i % cfg.rooms
		members[room]++
		// The stream takes the run's ctx, not the group's: the group's
		// ends when connecting is over, and the stream must go on.
		g.Go(func(context.Context) error {
			st, err := chat.JoinRoom(ctx, client, base, roomName(room), clientName(i))
			if err != nil {
				return fmt.Errorf("client %d: %w", i, err)
			}
			r := &reader{st: st, ctx: ctx}
			readers[i] = r
			reading.Add(1)
			go func() {
				defer reading.Done()
				r.read(func() { delivered.Add(1); check() })
			}()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// Send: message j is due at start + j/rate, from client j mod clients.
	start := time.Now()
	total := int(cfg.rate * cfg.duration.Seconds())
	var sent, limited, failed atomic.Int64
	g, _ = errgroup.New(ctx)
	for k := range cfg.senders {
		g.Go(func(ctx context.Context) error {
			timer := time.NewTimer(0)
			defer timer.Stop()
			for j := k; j < total; j += cfg.senders {
				timer.Reset(time.Until(start.Add(time.Duration(float64(j) / cfg.rate * float64(time.Second)))))
				select {
				case <-ctx.Done():
					return nil
				case <-timer.C:
				}
				i := j % cfg.clients
				room := i % cfg.rooms
				text := strconv.FormatInt(time.Now().UnixNano(), 10)
				_, err := chat.Post(ctx, client, base, roomName(room), clientName(i), text)
				var se *chat.StatusError
				switch {
				case err == nil:
					sent.Add(1)
					expected.Add(members[room])
				case errors.As(err, &se) && se.Code == http.StatusTooManyRequests:
					limited.Add(1)
				case ctx.Err() != nil:
					return nil
				default:
					failed.Add(1)
				}
			}
			return nil
		})
	}
	_ = g.Wait() // the senders return no error
	res.sending = time.Since(start)
	sentAll.Store(true)
	check()

	drain := time.NewTimer(cfg.drain)
	defer drain.Stop()
	select {
	case <-done:
	case <-drain.C:
	case <-ctx.Done():
	}
	cancel()
	reading.Wait()

	res.sent, res.limited, res.failed = int(sent.Load()), int(limited.Load()), int(failed.Load())
	res.expected, res.delivered = expected.Load(), delivered.Load()
	var last time.Time
	for _, r := range readers {
		res.publish = append(res.publish, r.publish...)
		res.send = append(res.send, r.send...)
		if r.disconnected {
			res.disconnected++
		}
		if r.last.After(last) {
			last = r.last
		}
	}
	res.elapsed = max(last.Sub(start), time.Millisecond)
	slices.Sort(res.publish)
	slices.Sort(res.send)
	return &res, nil
}

func roomName(i int) string   { return "load" + strconv.Itoa(i) }
func clientName(i int) string { return "c" + strconv.Itoa(i) }

// reader reads one stream and records the latency of each message.
type reader struct {
	st            *chat.Stream
	ctx           context.Context // done when the run is over
	publish, send []time.Duration
	last          time.Time // when the last message arrived
	disconnected  bool      // the server ended the stream before the run was over
}

func (r *reader) read(onMessage func()) {
	defer r.st.Close()
	for {
		ev, err := r.st.Next()
		if err != nil {
			r.disconnected = r.ctx.Err() == nil
			return
		}
		if ev.Type != "message" {
			continue
		}
		now := time.Now()
		published, sentAt, ok := stamps(ev.Data)
		if !ok {
			continue
		}
		r.publish = append(r.publish, now.Sub(published))
		r.send = append(r.send, now.Sub(sentAt))
		r.last = now
		onMessage()
	}
}

// stamps picks the server's publish time and the sender's time (the text)
// out of a message event's JSON. It is a shortcut for this tool's own
// messages, cheaper than decoding, so that the load generator, which shares
// the machine with the server, takes as little CPU as it can.
func stamps(data []byte) (published, sent time.Time, ok bool) {
	text, ok1 := field(data, `"text":"`)
	ts, ok2 := field(data, `"time":"`)
	if !ok1 || !ok2 {
		return time.Time{}, time.Time{}, false
	}
	ns, err1 := strconv.ParseInt(string(text), 10, 64)
	published, err2 := time.Parse(time.RFC3339Nano, string(ts))
	return published, time.Unix(0, ns), err1 == nil && err2 == nil
}

// field returns the string value after key, which must hold no escapes.
func field(data []byte, key string) ([]byte, bool) {
	_, after, ok := bytes.Cut(data, []byte(key))
	if !ok {
		return nil, false
	}
	v, _, ok := bytes.Cut(after, []byte(`"`))
	return v, ok
}

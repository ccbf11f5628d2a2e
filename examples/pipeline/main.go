// Command pipeline shows the pipeline package twice: the textbook
// generate → square → print chain, then an import job that reads records,
// parses them in parallel without losing their order, and writes them in
// batches.
//
//	go run ./examples/pipeline
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weavego/weave/pipeline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	if err := squares(ctx, w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return importOrders(ctx, w, strings.NewReader(orders), 4)
}

// squares is the classic three-step pipeline: one goroutine per stage, one
// error path, nothing left running when it returns.
func squares(ctx context.Context, w io.Writer) error {
	p := pipeline.New(ctx)
	gen := pipeline.From(p, func(yield func(int) bool) {
		for i := 1; i <= 5; i++ {
			if !yield(i) {
				return
			}
		}
	})
	sq := pipeline.Map(gen, func(_ context.Context, n int) (int, error) { return n * n, nil })
	return pipeline.ForEach(sq, func(_ context.Context, n int) error {
		_, err := fmt.Fprintln(w, n)
		return err
	})
}

// order is one parsed input line.
type order struct {
	ID     string
	Cents  int64
	Client string
}

var errMalformed = errors.New("malformed order")

// parseOrder parses "id,amount,client", e.g. "A-001,12.50,acme".
func parseOrder(line string) (order, error) {
	f := strings.Split(line, ",")
	if len(f) != 3 {
		return order{}, fmt.Errorf("%w: %q", errMalformed, line)
	}
	units, cents, _ := strings.Cut(f[1], ".")
	// Digits only: ParseInt would accept a sign in either part, and
	// "-1.50" must not become -50 cents.
	if len(cents) > 2 || !digits(units) || !digits(cents) {
		return order{}, fmt.Errorf("%w: bad amount %q", errMalformed, f[1])
	}
	u, err1 := strconv.ParseInt(units, 10, 64)
	c, err2 := strconv.ParseInt(cents+"00"[len(cents):], 10, 64)
	if err1 != nil || err2 != nil {
		return order{}, fmt.Errorf("%w: bad amount %q", errMalformed, f[1])
	}
	return order{ID: f[0], Cents: u*100 + c, Client: f[2]}, nil
}

// digits reports whether s is made of ASCII digits only.
func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// lines yields the lines of r; a read error stops the pipeline through fail.
func lines(r io.Reader, fail func(error)) iter.Seq[string] {
	return func(yield func(string) bool) {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if !yield(sc.Text()) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			fail(err)
		}
	}
}

// importOrders reads orders from r, parses them on parseWorkers goroutines
// (keeping file order), and "writes" them to w in batches of 4. Malformed
// lines are skipped but counted, so nothing disappears silently.
func importOrders(ctx context.Context, w io.Writer, r io.Reader, parseWorkers int) error {
	p := pipeline.New(ctx)
	var readErr error
	src := pipeline.From(p, lines(r, func(err error) { readErr = err; p.Stop() }))

	var skipped atomic.Int64
	parsed := pipeline.FlatMap(src, func(_ context.Context, line string) ([]order, error) {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			return nil, nil
		}
		o, err := parseOrder(line)
		if errors.Is(err, errMalformed) {
			skipped.Add(1)
			return nil, nil // skip it, count it
		}
		return []order{o}, err
	}, pipeline.WithWorkers(parseWorkers), pipeline.WithOrdered())

	// A batch goes out when it is full or a second after its first order,
	// so a slow trickle of input is still written promptly.
	batches := pipeline.Batch(parsed, 4, time.Second)

	written, nBatches := 0, 0
	err := pipeline.ForEach(batches, func(ctx context.Context, b []order) error {
		nBatches++
		var total int64
		ids := make([]string, len(b))
		for i, o := range b {
			total += o.Cents
			ids[i] = o.ID
		}
		written += len(b)
		_, err := fmt.Fprintf(w, "batch %d: %s (%d.%02d)\n", nBatches, strings.Join(ids, " "), total/100, total%100)
		return err
	})
	if err == nil {
		err = readErr
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "imported %d orders in %d batches, skipped %d malformed lines\n", written, nBatches, skipped.Load())
	return err
}

const orders = `# id,amount,client
A-001,12.50,acme
A-002,3.99,globex
A-003,100,initech
A-004,7.5,acme
A-005,oops,globex
A-006,42.00,umbrella
A-007,0.99,acme
A-008,19.95,initech
A-009,5.00,globex
A-010,8.25
A-011,64.10,acme
A-012,1.01,umbrella
A-013,2.02,initech
`

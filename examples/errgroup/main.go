// Command errgroup crawls a small web site with a bounded number of
// requests in flight, level by level up to a depth, and prints what it
// found in sorted order.
//
// The site is served by the program itself on 127.0.0.1 so that it runs
// anywhere; point crawl at a real site to use it for real. One errgroup runs
// the server, its shutdown, and the crawl; one errgroup.Results per level
// fetches pages with a concurrency limit.
//
//	go run ./examples/errgroup -depth 3 -limit 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/weavego/weave/errgroup"
)

func main() {
	depth := flag.Int("depth", 3, "follow links this many hops from the start page")
	limit := flag.Int("limit", 3, "requests in flight at most")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *depth, *limit); err != nil {
		fmt.Fprintln(os.Stderr, "crawl:", err)
		os.Exit(1)
	}
}

// run serves the demo site on a loopback port, crawls it, prints the
// report to w, and shuts the server down. It returns when all three are
// done; cancelling ctx ends the crawl and the server early.
func run(ctx context.Context, w io.Writer, depth, limit int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close() // Serve closes it too, unless the group never started it
	srv := &http.Server{Handler: newSite(), ReadHeaderTimeout: 5 * time.Second}

	g, gctx := errgroup.New(ctx)
	crawlCtx, crawlDone := context.WithCancel(gctx)
	defer crawlDone()

	g.Go(func(context.Context) error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func(context.Context) error {
		<-crawlCtx.Done() // the crawl finished or the group was cancelled
		shutdownCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	})
	g.Go(func(ctx context.Context) error {
		defer crawlDone()
		tr := &http.Transport{MaxIdleConnsPerHost: limit}
		defer tr.CloseIdleConnections()
		c := &crawler{client: &http.Client{Transport: tr, Timeout: 5 * time.Second}, limit: limit}
		res, err := c.crawl(ctx, "http://"+ln.Addr().String()+"/", depth)
		if err != nil {
			return err
		}
		res.print(w, depth, limit)
		return nil
	})
	return g.Wait()
}

// page is what the crawler learned about one URL.
type page struct {
	path   string
	status int
	links  []string // absolute URLs on the same host, in page order
	from   string   // path of the page that first linked here
}

type crawler struct {
	client *http.Client
	limit  int
}

type result struct {
	pages   []page
	tooDeep int // links found on the last level, not followed
}

// crawl fetches start, then every new page it links to, one level at a
// time, until depth levels below start. Pages of one level are fetched
// concurrently, at most c.limit at once. A transport error ends the crawl
// (and cancels the requests in flight); a page that answers with an error
// status is recorded as broken.
func (c *crawler) crawl(ctx context.Context, start string, depth int) (result, error) {
	var res result
	seen := map[string]bool{start: true}
	level := []page{{path: "/"}}
	urls := []string{start}
	for d := 0; len(urls) > 0; d++ {
		r, _ := errgroup.NewResults[page](ctx, errgroup.WithLimit(c.limit))
		for i, u := range urls {
			from := level[i].from
			r.Go(func(ctx context.Context) (page, error) {
				p, err := c.fetch(ctx, u)
				p.from = from
				return p, err
			})
		}
		got, err := r.Wait()
		if err != nil {
			return res, err
		}
		res.pages = append(res.pages, got...)

		// Results keeps Go-call order, so the next level (and which page
		// "first" linked to another) is the same on every run.
		level, urls = nil, nil
		for _, p := range got {
			for _, l := range p.links {
				if seen[l] {
					continue
				}
				seen[l] = true
				if d == depth {
					res.tooDeep++
					continue
				}
				level = append(level, page{from: p.path})
				urls = append(urls, l)
			}
		}
	}
	slices.SortFunc(res.pages, func(a, b page) int { return strings.Compare(a.path, b.path) })
	return res, nil
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

func (c *crawler) fetch(ctx context.Context, rawURL string) (page, error) {
	base, err := url.Parse(rawURL)
	if err != nil {
		return page{}, err
	}
	p := page{path: base.Path}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return p, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return p, err
	}
	defer resp.Body.Close()
	p.status = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return p, err
	}
	if resp.StatusCode != http.StatusOK {
		return p, nil
	}
	for _, m := range hrefRE.FindAllSubmatch(body, -1) {
		ref, err := url.Parse(string(m[1]))
		if err != nil {
			continue
		}
		link := base.ResolveReference(ref)
		if link.Host != base.Host {
			continue // stay on this site
		}
		link.Fragment = ""
		p.links = append(p.links, link.String())
	}
	return p, nil
}

func (r result) print(w io.Writer, depth, limit int) {
	fmt.Fprintf(w, "crawled %d pages (depth %d, %d requests at a time)\n", len(r.pages), depth, limit)
	broken := 0
	for _, p := range r.pages {
		if p.status == http.StatusOK {
			fmt.Fprintf(w, "  %d %-14s links: %d\n", p.status, p.path, len(p.links))
			continue
		}
		broken++
		fmt.Fprintf(w, "  %d %-14s broken, linked from %s\n", p.status, p.path, p.from)
	}
	fmt.Fprintf(w, "broken: %d, not followed (deeper than %d): %d\n", broken, depth, r.tooDeep)
}

// newSite returns the demo site: a few linked pages and one broken link
// (/old-post). /archive/2019 sits four hops from the start page.
func newSite() http.Handler {
	pages := map[string][]string{
		"/":             {"/about", "/blog", "/contact"},
		"/about":        {"/", "/team"},
		"/team":         {"/about"},
		"/contact":      {"/"},
		"/blog":         {"/blog/post-1", "/blog/post-2"},
		"/blog/post-1":  {"/blog", "/old-post", "https://example.com/elsewhere"},
		"/blog/post-2":  {"/blog", "/archive"},
		"/archive":      {"/archive/2019"},
		"/archive/2019": {"/archive"},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		links, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body><h1>%s</h1>\n", r.URL.Path)
		for _, l := range links {
			fmt.Fprintf(w, "<a href=\"%s\">%s</a>\n", l, l)
		}
		fmt.Fprintln(w, "</body></html>")
	})
}

package benchmarks

import (
	"context"
	"sync"
	"testing"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/weavego/weave/workerpool"
)

// BenchmarkWorkerpool: one op submits a batch of 100k tiny tasks to a pool
// of 8 workers and waits for all of them with one sync.WaitGroup (the tasks
// call Done). Every pool is made once, outside the timed loop, with its
// library's defaults: weave's queue holds 8 tasks (its default, = workers) and
// so does the bare channel's buffer; ants blocks Submit while its 8 workers are
// busy; pond's queue is unbounded, so its producer never waits.
func BenchmarkWorkerpool(b *testing.B) {
	const (
		workers = 8
		tasks   = 100_000
	)
	b.Run("weave", func(b *testing.B) {
		p := workerpool.New(workers)
		defer p.Close()
		var wg sync.WaitGroup
		task := func(context.Context) error { wg.Done(); return nil }
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			wg.Add(tasks)
			for range tasks {
				if err := p.Submit(ctx, task); err != nil {
					b.Fatal(err)
				}
			}
			wg.Wait()
		}
	})
	b.Run("ants", func(b *testing.B) {
		p, err := ants.NewPool(workers)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Release()
		var wg sync.WaitGroup
		task := func() { wg.Done() }
		b.ReportAllocs()
		for b.Loop() {
			wg.Add(tasks)
			for range tasks {
				if err := p.Submit(task); err != nil {
					b.Fatal(err)
				}
			}
			wg.Wait()
		}
	})
	b.Run("pond", func(b *testing.B) {
		p := pond.NewPool(workers)
		defer p.StopAndWait()
		var wg sync.WaitGroup
		task := func() { wg.Done() }
		b.ReportAllocs()
		for b.Loop() {
			wg.Add(tasks)
			for range tasks {
				if err := p.Go(task); err != nil {
					b.Fatal(err)
				}
			}
			wg.Wait()
		}
	})
	b.Run("channels", func(b *testing.B) {
		jobs := make(chan func(), workers)
		var workersDone sync.WaitGroup
		for range workers {
			workersDone.Add(1)
			go func() {
				defer workersDone.Done()
				for job := range jobs {
					job()
				}
			}()
		}
		defer func() { close(jobs); workersDone.Wait() }()
		var wg sync.WaitGroup
		task := func() { wg.Done() }
		b.ReportAllocs()
		for b.Loop() {
			wg.Add(tasks)
			for range tasks {
				jobs <- task
			}
			wg.Wait()
		}
	})
}

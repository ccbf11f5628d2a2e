module github.com/weavego/weave/benchmarks

go 1.25.0

require (
	github.com/alitto/pond/v2 v2.7.1
	github.com/cenkalti/backoff/v5 v5.0.3
	github.com/cskr/pubsub/v2 v2.0.2
	github.com/panjf2000/ants/v2 v2.12.1
	github.com/sony/gobreaker/v2 v2.4.0
	github.com/sourcegraph/conc v0.3.0
	github.com/weavego/weave v0.0.0
	golang.org/x/sync v0.22.0
	golang.org/x/time v0.15.0
)

require (
	go.uber.org/atomic v1.7.0 // indirect
	go.uber.org/multierr v1.9.0 // indirect
)

replace github.com/weavego/weave => ../

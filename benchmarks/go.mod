module github.com/weavego/weave/benchmarks

go 1.25.0

require github.com/weavego/weave v0.0.0

require (
	github.com/alitto/pond/v2 v2.7.1 // indirect
	github.com/cenkalti/backoff/v5 v5.0.3 // indirect
	github.com/cskr/pubsub/v2 v2.0.2 // indirect
	github.com/panjf2000/ants/v2 v2.12.1 // indirect
	github.com/sony/gobreaker/v2 v2.4.0 // indirect
	github.com/sourcegraph/conc v0.3.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/time v0.15.0 // indirect
)

replace github.com/weavego/weave => ../

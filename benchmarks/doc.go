// Package benchmarks compares each weave pattern with the library people
// use for it today. It is a separate module so that the peers never become
// dependencies of weave itself. See README.md for how to run and compare.
package benchmarks

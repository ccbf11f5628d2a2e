package workerpool

import "runtime"

// goid returns the id of the calling goroutine, read from the first line of
// its stack trace ("goroutine 18 [running]:"). It costs a microsecond or two,
// so it is called only when a worker goroutine starts and in Close and
// Shutdown, which use it to tell whether they were called from one of the
// pool's own tasks: such a call must not wait for the task that made it.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

package ratelimit

// LockedOnly keeps limiters made or changed from now on on the locked
// bucket (on) or lets whole-nanosecond limits book lock-free again (off).
func LockedOnly(on bool) { lockedOnly.Store(on) }

// IsLockFree reports whether l books Allow with a CAS.
func IsLockFree(l *Limiter) bool { return l.fast.Load() != nil }

package cloud

import (
	"math"
	"sync"
	"time"
)

// Rate is a token bucket: PerSecond tokens are added each second up to Burst. A zero Rate
// means no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// limiter keeps one bucket per key (a client IP or an office id).
type limiter struct {
	rate    Rate
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the memory a flood of addresses can take; beyond it, full buckets are
// dropped (they would behave the same as new ones).
const maxBuckets = 100_000

func newLimiter(r Rate, now func() time.Time) *limiter {
	return &limiter{rate: r, now: now, buckets: map[string]*bucket{}}
}

// allow takes one token for key, or returns how long until one is available.
func (l *limiter) allow(key string) (ok bool, retryAfter time.Duration) {
	if l.rate.PerSecond <= 0 || l.rate.Burst <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.evict(now)
		}
		b = &bucket{tokens: float64(l.rate.Burst), last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(float64(l.rate.Burst), b.tokens+el*l.rate.PerSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := (1 - b.tokens) / l.rate.PerSecond
	return false, time.Duration(wait * float64(time.Second))
}

func (l *limiter) evict(now time.Time) {
	full := time.Duration(float64(l.rate.Burst) / l.rate.PerSecond * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, k)
		}
	}
}

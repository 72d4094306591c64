package cloud

import (
	"net"
	"sync"
)

// MaxConnsPerIP is how many connections one client address (an IPv6 /64) may hold open at
// once. Browsers open six per host; a relay in front of a whole office behind one NAT address
// needs more. A client holding connections open with slow headers or bodies (the read timeouts
// bound each) cannot take the relay's file descriptors beyond this.
const MaxConnsPerIP = 64

// LimitListener caps the connections open at once per client address at max (0 means
// MaxConnsPerIP): a connection beyond it is closed as soon as it is accepted.
func LimitListener(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		max = MaxConnsPerIP
	}
	return &connLimiter{Listener: ln, max: max, open: map[string]int{}}
}

type connLimiter struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := connKey(c.RemoteAddr())
		l.mu.Lock()
		if l.open[key] >= l.max {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.open[key]++
		l.mu.Unlock()
		return &limitedConn{Conn: c, release: func() { l.release(key) }}, nil
	}
}

func (l *connLimiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// connKey is the address's per-client key: the IPv4 address or the IPv6 /64.
func connKey(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if ta.IP.To4() != nil {
		return ta.IP.String()
	}
	return ta.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

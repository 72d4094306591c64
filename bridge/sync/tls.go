package relaysync

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrNoCA is returned by [TLSConfig] when caPEM holds no certificate.
var ErrNoCA = errors.New("relay CA: no PEM certificate")

// TLSConfig is the ONE outgoing TLS policy for the relay: minimum TLS 1.2; the server
// certificate must chain to a certificate in caPEM (the enrolled relay's CA) and nothing else —
// the system roots are not consulted; client, when not nil, is presented for mutual TLS.
func TLSConfig(caPEM []byte, client *tls.Certificate) (*tls.Config, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := caPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("relay CA: %w", err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, ErrNoCA
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	if client != nil {
		cfg.Certificates = []tls.Certificate{*client}
	}
	return cfg, nil
}

// httpClient is an HTTP client with cfg as its only TLS policy.
func httpClient(cfg *tls.Config, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			TLSClientConfig:     cfg,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: 15 * time.Second,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
		},
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("the relay may not redirect")
		},
	}
}

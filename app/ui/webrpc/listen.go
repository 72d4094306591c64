package webrpc

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ListenLoopback serves h on a free port of 127.0.0.1 and returns its base URL
// ("http://127.0.0.1:PORT") and a function that stops the server (waiting up to five seconds
// for calls in progress). It never listens on another interface.
func ListenLoopback(h http.Handler) (url string, closeFn func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listening on loopback: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Serve returns ErrServerClosed after closeFn; any other error means the listener broke,
		// which the caller sees as failing requests.
		_ = srv.Serve(l)
	}()
	closeFn = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
		<-done
	}
	return "http://" + l.Addr().String(), closeFn, nil
}

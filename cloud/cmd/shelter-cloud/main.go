// Command shelter-cloud is the MyNumber Shelter relay: it stores and forwards ciphertext only.
//
//	shelter-cloud serve --cert server.pem --key server-key.pem \
//	    --client-ca client-ca.pem --client-ca-key client-ca-key.pem \
//	    [--db sqlite:relay.db | --db postgres://…] [--addr :8443]
//	shelter-cloud dev-cert DIR
//	shelter-cloud enrol-token --office NAME [--office-id ID] [--ttl 24h] [--db …]
//	shelter-cloud revoke --office-id ID [--db …]
//	shelter-cloud restore-code --office-id ID [--db …]
//
// serve answers TLS only (1.2 or later). dev-cert writes a development PKI (see
// cloud.DevPKI), never for production. enrol-token prints a one-time token for an office's
// bridge; only its hash is stored. Logs are JSON lines on stderr. Exit status 2 is a usage
// error, 1 any other failure.
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mynumber-shelter/shelter/cloud"
	"github.com/mynumber-shelter/shelter/cloud/store"
)

const usage = `usage:
  shelter-cloud serve --cert FILE --key FILE --client-ca FILE --client-ca-key FILE [--db sqlite:PATH|postgres://…] [--addr :8443]
  shelter-cloud dev-cert DIR
  shelter-cloud enrol-token --office NAME [--office-id ID] [--ttl 24h] [--db sqlite:PATH|postgres://…]
  shelter-cloud revoke --office-id ID [--db sqlite:PATH|postgres://…]      (refuse every client certificate of the office)
  shelter-cloud restore-code --office-id ID [--db sqlite:PATH|postgres://…] (a one-time code for restoring the office onto a new PC, valid 24 h)
`

const defaultDB = "sqlite:shelter-cloud.db"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stderr)
	case "dev-cert":
		err = devCert(args[1:], stdout)
	case "enrol-token":
		err = enrolToken(ctx, args[1:], stdout)
	case "restore-code":
		err = restoreCode(ctx, args[1:], stdout)
	case "revoke":
		err = revoke(ctx, args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = errUsage
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stderr, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "shelter-cloud: %v\n", err)
		return 1
	}
}

var errUsage = errors.New("usage")

func parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return nil
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", ":8443", "listen address")
	certFile := fs.String("cert", "", "server certificate (PEM)")
	keyFile := fs.String("key", "", "server key (PEM)")
	caFile := fs.String("client-ca", "", "client CA certificate (PEM)")
	caKeyFile := fs.String("client-ca-key", "", "client CA key (PEM), issues bridge certificates")
	db := fs.String("db", defaultDB, "sqlite:PATH or postgres://…")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *certFile == "" || *keyFile == "" || *caFile == "" || *caKeyFile == "" || fs.NArg() != 0 {
		return errUsage
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		return fmt.Errorf("server certificate: %w", err)
	}
	ca, caKey, err := cloud.LoadCA(*caFile, *caKeyFile)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	srv := (&cloud.Server{Store: st, ClientCA: ca, ClientCAKey: caKey, Log: log}).HTTPServer(*addr, cert)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	errc := make(chan error, 1)
	// At most cloud.MaxConnsPerIP connections open at once per client address.
	go func() { errc <- srv.ServeTLS(cloud.LimitListener(ln, 0), "", "") }()
	log.Info("serving", slog.String("addr", *addr))
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func devCert(args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		return errUsage
	}
	p, err := cloud.NewDevPKI(rand.Reader, time.Now())
	if err != nil {
		return err
	}
	if err := p.WriteFiles(args[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a development PKI to %s (%s, %s, %s, %s, %s, %s); not for production\n", args[0],
		cloud.FileCA, cloud.FileCAKey, cloud.FileServer, cloud.FileServerKey, cloud.FileClientCA, cloud.FileClientCAKey)
	return nil
}

// officeCommand parses "--office-id ID [--db …]" for the command name and runs do on the
// opened store.
func officeCommand(ctx context.Context, name, what string, args []string, do func(st store.Store, id string) error) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	id := fs.String("office-id", "", what)
	db := fs.String("db", defaultDB, "sqlite:PATH or postgres://…")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" || fs.NArg() != 0 {
		return errUsage
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	return do(st, *id)
}

// revoke refuses every client certificate of an office from now on (a stolen or retired
// bridge); the office enrols again with a new token to get a new one.
func revoke(ctx context.Context, args []string, stdout io.Writer) error {
	return officeCommand(ctx, "revoke", "the office whose certificates to revoke", args, func(st store.Store, id string) error {
		n, err := st.RevokeClientCerts(ctx, id, [32]byte{}, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %d certificate(s) of office %s\n", n, id)
		return nil
	})
}

// restoreCode prints a one-time code with which a new PC of the office fetches the office's
// replica snapshot once (the office's Recovery Kit opens it there); only its hash is stored.
func restoreCode(ctx context.Context, args []string, stdout io.Writer) error {
	return officeCommand(ctx, "restore-code", "the office to restore", args, func(st store.Store, id string) error {
		code, expires, err := cloud.NewRestoreCode(ctx, st, id, nil, nil)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no office %s on this relay", id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "office  %s\ncode    %s\nexpires %s\n", id, code, expires.Format(time.RFC3339))
		return nil
	})
}

func enrolToken(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("enrol-token", flag.ContinueOnError)
	name := fs.String("office", "", "office name")
	id := fs.String("office-id", "", "office id (new random id when empty; an existing id re-enrols that office)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	db := fs.String("db", defaultDB, "sqlite:PATH or postgres://…")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" || *ttl <= 0 || fs.NArg() != 0 {
		return errUsage
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	token, o, err := cloud.NewEnrolToken(ctx, st, store.Office{ID: *id, Name: *name}, *ttl, nil, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "office %s\ntoken  %s\n", o.ID, token)
	return nil
}

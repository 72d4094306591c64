package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud"
	"github.com/mynumber-shelter/shelter/cloud/store"
)

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"nope"}, {"serve"}, {"dev-cert"}, {"enrol-token"}, {"serve", "--bogus"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 || !strings.Contains(errb.String(), "usage:") {
			t.Errorf("run(%q) = %d, stderr %q", args, code, errb.String())
		}
	}
}

// dev-cert, enrol-token and serve together, as an operator runs them.
func TestDevCertEnrolServe(t *testing.T) {
	dir := t.TempDir()
	pki := filepath.Join(dir, "pki")
	db := "sqlite:" + filepath.Join(dir, "relay.db")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"dev-cert", pki}, &out, &errb); code != 0 {
		t.Fatalf("dev-cert: %d %s", code, errb.String())
	}
	if fi, err := os.Stat(filepath.Join(pki, cloud.FileClientCAKey)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("client CA key: %v %v", fi, err)
	}
	if code := run(context.Background(), []string{"dev-cert", pki}, &out, &errb); code != 1 {
		t.Fatalf("dev-cert over existing files: %d, want 1", code)
	}
	out.Reset()
	if code := run(context.Background(), []string{"enrol-token", "--db", db, "--office", "Sato Office"}, &out, &errb); code != 0 {
		t.Fatalf("enrol-token: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "token  shelter-enrol-") {
		t.Fatalf("enrol-token printed %q", out.String())
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--db", db,
			"--cert", filepath.Join(pki, cloud.FileServer), "--key", filepath.Join(pki, cloud.FileServerKey),
			"--client-ca", filepath.Join(pki, cloud.FileClientCA), "--client-ca-key", filepath.Join(pki, cloud.FileClientCAKey)}, &out, &logs)
	}()
	caPEM, _ := os.ReadFile(filepath.Join(pki, cloud.FileCA))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	var resp *http.Response
	for range 100 {
		if resp, err = c.Get("https://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestRestoreCodeAndRevoke: the operator's restore-code prints a one-time code the relay
// accepts once for that office (an unknown office is refused), and revoke answers for an office.
func TestRestoreCodeAndRevoke(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "relay.db")
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"enrol-token", "--db", db, "--office", "Sato Office", "--office-id", "office-sato"}, &out, &errb); code != 0 {
		t.Fatalf("enrol-token: %d %s", code, errb.String())
	}
	out.Reset()
	if code := run(ctx, []string{"restore-code", "--db", db, "--office-id", "office-nobody"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no office") {
		t.Fatalf("restore-code for an unknown office: %d %q", code, errb.String())
	}
	if code := run(ctx, []string{"restore-code", "--db", db}, &out, &errb); code != 2 {
		t.Fatalf("restore-code without an office: %d", code)
	}
	if code := run(ctx, []string{"restore-code", "--db", db, "--office-id", "office-sato"}, &out, &errb); code != 0 {
		t.Fatalf("restore-code: %d %s", code, errb.String())
	}
	m := regexp.MustCompile(`(?m)^code\s+(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("restore-code printed %q", out.String())
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if office, err := st.UseRestoreCode(ctx, store.HashToken(strings.ReplaceAll(m[1], "-", "")), time.Now()); err != nil || office != "office-sato" {
		t.Fatalf("the printed code: %q %v", office, err)
	}
	out.Reset()
	if code := run(ctx, []string{"revoke", "--db", db, "--office-id", "office-sato"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "revoked 0 certificate(s) of office office-sato") {
		t.Fatalf("revoke: %d %q %q", code, out.String(), errb.String())
	}
}

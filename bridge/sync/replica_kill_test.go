//go:build unix

package relaysync_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud"
	"github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestReplicaRelayKilledMidUpload kills the relay process (SIGKILL) while a snapshot is half
// uploaded: the relay's database holds no part of it, the bridge keeps it, and once the relay
// is started again on the same database the next round delivers it whole, once.
func TestReplicaRelayKilledMidUpload(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "shelter-cloud")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mynumber-shelter/shelter/cloud/cmd/shelter-cloud").CombinedOutput(); err != nil {
		t.Fatalf("building shelter-cloud: %v\n%s", err, out)
	}
	pkiDir := t.TempDir()
	if out, err := exec.Command(bin, "dev-cert", pkiDir).CombinedOutput(); err != nil {
		t.Fatalf("dev-cert: %v\n%s", err, out)
	}
	dbFile := filepath.Join(t.TempDir(), "relay.db")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	var relay *exec.Cmd
	start := func() {
		relay = exec.Command(bin, "serve", "--addr", addr, "--db", "sqlite:"+dbFile,
			"--cert", filepath.Join(pkiDir, cloud.FileServer), "--key", filepath.Join(pkiDir, cloud.FileServerKey),
			"--client-ca", filepath.Join(pkiDir, cloud.FileClientCA), "--client-ca-key", filepath.Join(pkiDir, cloud.FileClientCAKey))
		if err := relay.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); ; {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the relay did not start")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t0 := time.Now()
	start()
	t.Logf("relay started: %v", time.Since(t0))
	t.Cleanup(func() { relay.Process.Kill(); relay.Wait() })
	out, err := exec.Command(bin, "enrol-token", "--office", "kill test", "--db", "sqlite:"+dbFile).CombinedOutput()
	m := regexp.MustCompile(`(?m)^token\s+(\S+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("enrol-token: %v\n%s", err, out)
	}

	// A proxy in front of the relay counts what the bridge sends; armed, it kills the relay
	// once half of the snapshot has gone through.
	var sent, killAt atomic.Int64
	var killOnce sync.Once
	proxy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	go func() {
		for {
			c, err := proxy.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { io.Copy(c, up); c.Close() }() // the relay's end of the connection ends the bridge's
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if at := killAt.Load(); at > 0 && sent.Add(int64(n)) > at {
							killOnce.Do(func() { relay.Process.Kill() })
						}
						if _, werr := up.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	caPEM, _ := os.ReadFile(filepath.Join(pkiDir, cloud.FileCA))
	ctx := context.Background()
	s := newSyncer(t, &keychain.Mem{})
	rel, err := s.Enrol(ctx, "https://"+proxy.Addr().String(), string(caPEM), string(m[1]))
	if err != nil {
		t.Fatal(err)
	}

	sealed := make([]byte, 8<<20)
	rand.Read(sealed)
	const id = "20261205T101500.000000000Z-kill"
	if err := s.StageSnapshot(ctx, id, bytes.NewReader(sealed), 1<<30, nil); err != nil {
		t.Fatal(err)
	}
	sent.Store(0)
	killAt.Store(4 << 20)
	t0 = time.Now()
	if _, err := s.SyncNow(ctx); err == nil {
		t.Fatal("the round succeeded although the relay was killed mid-upload")
	}
	t.Logf("round with the kill: %v", time.Since(t0))
	relay.Wait()
	st, err := store.OpenSQLite(ctx, dbFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SnapshotInfo(ctx, rel.Office); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the killed relay's database holds a snapshot: %v", err)
	}
	if w := s.ReplicaStatus(); w.Waiting != id {
		t.Fatalf("the bridge dropped the snapshot: %+v", w)
	}

	killAt.Store(0)
	start()
	t0 = time.Now()
	if _, err := s.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("round after the restart: %v", time.Since(t0))
	sn, err := st.LatestSnapshot(ctx, rel.Office)
	st.Close()
	if err != nil || sn.ID != id || !bytes.Equal(sn.Body, sealed) {
		t.Fatalf("after the restart the relay holds %q (%d bytes) %v", sn.ID, len(sn.Body), err)
	}
	if w := s.ReplicaStatus(); w.Waiting != "" || w.LastID != id {
		t.Fatalf("after the restart: %+v", w)
	}
}

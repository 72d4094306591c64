package daemon

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// TestInboxTakeKilledAtEveryStep kills the hot-folder take of a three-page TIFF at each of its
// durable steps (the goroutine stops there, nothing after it runs, as with kill -9), starts a
// new bridge on the same state and folder, and checks that the file ends up in the inbox
// exactly once: three pages, each opening to its own page, the original gone, no take record
// left. At one step the app has consumed a page before the kill: it must not come back.
func TestInboxTakeKilledAtEveryStep(t *testing.T) {
	steps := []string{"box 1", "box 2", "box 3", "record", "sidecar 1", "sidecar 2", "sidecar 3", "removed", ""}
	shades := []byte{20, 120, 240}
	for _, step := range steps {
		name := step
		if name == "" {
			name = "no kill"
		}
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			ctx := context.Background()
			state, folder := t.TempDir(), t.TempDir()
			killed := make(chan struct{})
			crashAt = func(at string) {
				if at == step {
					crashAt = nil
					close(killed)
					runtime.Goexit()
				}
			}
			t.Cleanup(func() { crashAt = nil })

			_, c, stop := scanServerAt(t, state, nil)
			key := newInboxKey(t)
			if err := c.SetInboxKey(ctx, key.PublicKey().Bytes()); err != nil {
				t.Fatal(err)
			}
			if err := c.SetConfig(ctx, bridge.Config{HotFolder: folder}); err != nil {
				t.Fatal(err)
			}
			src := filepath.Join(folder, "scan.tif")
			if err := os.WriteFile(src, grayTIFF(48, 32, shades...), 0o600); err != nil {
				t.Fatal(err)
			}
			want, gone := 3, -1
			if step == "" {
				waitInbox(t, c, 3)
			} else {
				<-killed
				if step == "sidecar 3" {
					// Every page is listed but the original is still in the folder: the app
					// takes page 1 into a person's file before the bridge dies.
					items, err := c.Inbox(ctx)
					if err != nil || len(items) != 3 {
						t.Fatalf("inbox before the kill: %v %+v", err, items)
					}
					gone = int(shade(t, c, key, items[0]))
					if err := c.DeleteInboxItem(ctx, items[0].ID); err != nil {
						t.Fatal(err)
					}
					want = 2
				}
			}
			stop()

			_, c, _ = scanServerAt(t, state, nil)
			waitFor(t, "the original to leave the folder", func() bool { return !exists(src) })
			waitFor(t, "the take record to go", func() bool {
				m, _ := filepath.Glob(filepath.Join(inboxDir(), "*"+takeExt))
				return len(m) == 0
			})
			items, err := c.Inbox(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != want {
				t.Fatalf("inbox holds %d items after a kill at %q, want %d: %+v", len(items), name, want, items)
			}
			var got, wantShades []byte
			for _, it := range items {
				got = append(got, shade(t, c, key, it))
			}
			for _, sh := range shades {
				if int(sh) != gone {
					wantShades = append(wantShades, sh)
				}
			}
			slices.Sort(got)
			if !bytes.Equal(got, wantShades) {
				t.Errorf("pages %v, want %v (each page once, a consumed one not again)", got, wantShades)
			}
			// Nothing half-done is left in the inbox: every box has its sidecar and back.
			entries, _ := os.ReadDir(inboxDir())
			if len(entries) != 2*want {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("inbox directory holds %v, want %d items' box and sidecar", names, want)
			}
		})
	}
}

// shade opens inbox item it and returns the grey of its first pixels (grayTIFF's pages differ
// only by it).
func shade(t *testing.T, c *bridge.Client, key *ecdh.PrivateKey, it bridge.InboxItem) byte {
	t.Helper()
	box, err := c.InboxBox(context.Background(), it.ID)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := sealbox.Open(key, []byte(bridge.InboxAAD+it.ID), box)
	if err != nil {
		t.Fatalf("%s does not open: %v", it.Name, err)
	}
	img, err := png.Decode(bytes.NewReader(pt))
	if err != nil {
		t.Fatalf("%s: %v", it.Name, err)
	}
	r, _, _, _ := img.At(1, 1).RGBA()
	return byte(r >> 8)
}

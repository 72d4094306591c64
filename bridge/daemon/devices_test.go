package daemon

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/internal/testenv"
)

func configTestCAPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestValidateConfig(t *testing.T) {
	ca := configTestCAPEM(t)
	scanner := func(name, url string) []bridge.ScannerConfig { return []bridge.ScannerConfig{{Name: name, URL: url}} }
	tests := []struct {
		name string
		cfg  bridge.Config
		ok   bool
	}{
		{"empty", bridge.Config{}, true},
		{"by-id port", bridge.Config{VeinPort: "/dev/serial/by-id/usb-Vendor_Vein-if00"}, true},
		{"COM port", bridge.Config{VeinPort: "COM3"}, true},
		{"com port lower case", bridge.Config{VeinPort: "com12"}, true},
		{"relative port", bridge.Config{VeinPort: "ttyUSB0"}, false},
		{"COM0", bridge.Config{VeinPort: "COM0"}, false},
		{"port with newline", bridge.Config{VeinPort: "/dev/ttyUSB0\n"}, false},
		{"https scanner", bridge.Config{Scanners: scanner("desk", "https://192.0.2.10/eSCL")}, true},
		{"http scanner with port", bridge.Config{Scanners: scanner("desk", "http://scanner.local:8080/eSCL")}, true},
		{"scanner with CA", bridge.Config{Scanners: []bridge.ScannerConfig{{Name: "desk", URL: "https://192.0.2.10/eSCL", CAPEM: ca}}}, true},
		{"scanner with bad CA", bridge.Config{Scanners: []bridge.ScannerConfig{{Name: "desk", URL: "https://192.0.2.10/eSCL", CAPEM: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}}}, false},
		{"ftp scanner", bridge.Config{Scanners: scanner("desk", "ftp://192.0.2.10/")}, false},
		{"scanner without host", bridge.Config{Scanners: scanner("desk", "https:///eSCL")}, false},
		{"scanner with password", bridge.Config{Scanners: scanner("desk", "https://u:p@192.0.2.10/eSCL")}, false},
		{"scanner without name", bridge.Config{Scanners: scanner(" ", "https://192.0.2.10/eSCL")}, false},
		{"two scanners, one name", bridge.Config{Scanners: []bridge.ScannerConfig{{Name: "a", URL: "http://h/"}, {Name: "a", URL: "http://g/"}}}, false},
		{"absolute hot folder", bridge.Config{HotFolder: "/srv/scans"}, true},
		{"windows hot folder", bridge.Config{HotFolder: `C:\Scans`}, true},
		{"relative hot folder", bridge.Config{HotFolder: "scans"}, false},
		{"relay", bridge.Config{Relay: &bridge.RelayConfig{URL: "https://relay.example/"}}, true},
		{"relay without host", bridge.Config{Relay: &bridge.RelayConfig{URL: "https://"}}, false},
	}
	for _, tt := range tests {
		err := ValidateConfig(tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: %v does not wrap ErrBadConfig", tt.name, err)
		}
	}
}

func TestConfigRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "bridge.json")
	// The file's config is applied at start.
	if err := SaveConfig(path, bridge.Config{HotFolder: "/srv/in"}); err != nil {
		t.Fatal(err)
	}
	c := startTemp(t, &Server{OpenPCSC: noPCSC, ConfigPath: path})
	ctx := context.Background()
	got, err := c.Config(ctx)
	if err != nil || got.HotFolder != "/srv/in" {
		t.Fatalf("config at start: %+v, %v", got, err)
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "absent" })

	want := bridge.Config{
		Scanners:  []bridge.ScannerConfig{{Name: "desk", URL: "https://192.0.2.10/eSCL"}},
		HotFolder: "/srv/scans",
	}
	if err := c.SetConfig(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Config(ctx); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("config after PUT: %+v, %v", got, err)
	}
	if saved, err := LoadConfig(path); err != nil || !reflect.DeepEqual(saved, want) {
		t.Fatalf("saved config: %+v, %v", saved, err)
	}

	// A bad config is refused and changes nothing.
	if err := c.SetConfig(ctx, bridge.Config{VeinPort: "ttyUSB0"}); code(err) != "bad_config" {
		t.Fatalf("bad config: %v", err)
	}
	if saved, _ := LoadConfig(path); !reflect.DeepEqual(saved, want) {
		t.Fatalf("refused config reached the file: %+v", saved)
	}
}

// TestConfigFullDisk: with a full disk PUT /v1/config answers an error (it once answered 204
// and left bridge.json empty), and the file keeps the config it had.
func TestConfigFullDisk(t *testing.T) {
	dir := testenv.Tmpfs(t, 64<<10)
	path := filepath.Join(dir, "bridge.json")
	old := bridge.Config{HotFolder: "/srv/in"}
	if err := SaveConfig(path, old); err != nil {
		t.Fatal(err)
	}
	c := startTemp(t, &Server{OpenPCSC: noPCSC, ConfigPath: path})
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for _, n := range []int{4096, 256, 1} {
		for {
			if _, err := filler.Write(chunk[:n]); err != nil {
				break
			}
		}
	}
	filler.Close()
	err = c.SetConfig(context.Background(), bridge.Config{HotFolder: "/srv/scans", Scanners: []bridge.ScannerConfig{{Name: "desk", URL: "https://192.0.2.10/eSCL"}}})
	if code(err) != "config_not_saved" {
		t.Fatalf("PUT /v1/config on a full disk: %v", err)
	}
	if saved, err := LoadConfig(path); err != nil || !reflect.DeepEqual(saved, old) {
		t.Fatalf("bridge.json after the failed write: %+v %v", saved, err)
	}
}

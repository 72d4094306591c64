package simcard_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/devices/card"
	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// TestOpenSC reads the virtual card with standard middleware, as an office's other software
// would read a real card: Debian's OpenSC (its "jpki" card driver and PKCS#15 emulation,
// src/libopensc/card-jpki.c and pkcs15-jpki.c) through pcscd and the vpcd reader. It skips
// without pcscd or OpenSC, and fails instead under SHELTER_REQUIRE_PCSCD=1 or
// SHELTER_REQUIRE_OPENSC=1 (make test sets the first). Run it with
//
//	scripts/with-pcscd.sh go test ./devices/sim/card/ -run OpenSC -v
//
// The PINs are the virtual card's test PINs; they go to the tools as arguments and are never
// logged.
func TestOpenSC(t *testing.T) {
	tools := testenv.OpenSC(t)
	addr, reader := testenv.VPCDSlot(t, 1) // the slot app/ui and bridge use, held exclusively
	p := openReader(t, reader)

	keys, err := simcard.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simcard.New(simcard.Config{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	slot, err := sim.Insert(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		slot.Pull()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := p.WaitForRemoval(ctx, reader); err != nil {
			t.Errorf("card removal not seen: %v", err)
		}
	})
	if _, err := p.WaitForCard(ctx, reader); err != nil {
		t.Fatalf("card insertion not seen: %v", err)
	}

	o := &openSC{t: t, tools: tools, reader: reader, dir: t.TempDir()}
	o.configure()

	t.Run("opensc-tool name", func(t *testing.T) {
		out := o.run(t, tools.OpenSCTool, "--reader", reader, "--name")
		if strings.TrimSpace(out) != "jpki" {
			t.Fatalf("opensc-tool --name = %q, want the JPKI driver's name \"jpki\"", out)
		}
	})

	t.Run("opensc-tool atr", func(t *testing.T) {
		out := o.run(t, tools.OpenSCTool, "--reader", reader, "--atr")
		if strings.TrimSpace(out) != "3b:e0:00:ff:81:31:fe:45:14" {
			t.Fatalf("opensc-tool --atr = %q, want the real card's 3b:e0:00:ff:81:31:fe:45:14", out)
		}
	})

	t.Run("pkcs15-tool dump", func(t *testing.T) {
		out := o.run(t, tools.PKCS15Tool, "--reader", reader, "--dump")
		for _, want := range []string{"PKCS#15 Card [JPKI]", "Private RSA Key [User Authentication Key]",
			"Private RSA Key [Digital Signature Key]", "sign, nonRepudiation", "ModLength      : 2048"} {
			if !strings.Contains(out, want) {
				t.Errorf("no %q in:\n%s", want, out)
			}
		}
	})

	t.Run("pkcs15-tool list certificates", func(t *testing.T) {
		out := o.run(t, tools.PKCS15Tool, "--reader", reader, "--list-certificates")
		for _, label := range []string{"User Authentication Certificate", "Digital Signature Certificate",
			"User Authentication Certificate CA", "Digital Signature Certificate CA"} {
			if !strings.Contains(out, label) {
				t.Errorf("no %q in:\n%s", label, out)
			}
		}
	})

	t.Run("pkcs15-tool read certificates", func(t *testing.T) {
		// IDs of pkcs15-jpki.c: 01 auth (EF 000A), 03 auth CA (000B), 04 signing CA (0002).
		for id, want := range map[string]*x509.Certificate{"01": sim.AuthCertificate(), "03": sim.CACertificate(),
			"04": sim.SignCACertificate()} {
			out := o.run(t, tools.PKCS15Tool, "--reader", reader, "--read-certificate", id)
			b, _ := pem.Decode([]byte(out))
			if b == nil || !bytes.Equal(b.Bytes, want.Raw) {
				t.Errorf("certificate %s differs from the card's", id)
			}
		}
	})

	t.Run("signing certificate needs the password", func(t *testing.T) {
		// EF 0001 of the JPKI AP holds the holder's name and address: no read without the
		// signing password (the card answers 69 82).
		cmd := exec.Command(tools.PKCS15Tool, "--reader", reader, "--read-certificate", "02")
		cmd.Env = o.env
		if out, err := cmd.Output(); err == nil || bytes.Contains(out, []byte("BEGIN CERTIFICATE")) {
			t.Fatalf("signing certificate read without the password: %v\n%s", err, out)
		}
	})

	t.Run("pkcs15-tool list PINs", func(t *testing.T) {
		out := o.run(t, tools.PKCS15Tool, "--reader", reader, "--list-pins")
		// The tries left come from the card: VERIFY without data answers 63 Cx.
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`(?s)PIN \[User Authentication PIN\].*?min_len:4, max_len:4.*?Tries left\s*:\s*3\n`),
			regexp.MustCompile(`(?s)PIN \[Digital Signature PIN\].*?min_len:6, max_len:16.*?Tries left\s*:\s*5\n`),
		} {
			if !want.MatchString(out) {
				t.Errorf("no match for %s in:\n%s", want, out)
			}
		}
	})

	t.Run("pkcs11-tool sign", func(t *testing.T) {
		msg := []byte("MyNumber Shelter: OpenSC signs with the virtual card")
		for _, k := range []struct {
			name, id, pin string
			cert          *x509.Certificate
		}{
			{"auth key", "01", simcard.DefaultAuthPIN, sim.AuthCertificate()},
			{"signing key", "02", simcard.DefaultSignPIN, sim.SignCertificate()},
		} {
			in, sigFile := filepath.Join(o.dir, "msg"), filepath.Join(o.dir, "sig-"+k.id)
			if err := os.WriteFile(in, msg, 0o600); err != nil {
				t.Fatal(err)
			}
			o.runSecret(t, k.pin, tools.PKCS11Tool, "--module", tools.PKCS11Module, "--slot", o.slot(t, k.id),
				"--login", "--pin", k.pin, "--id", k.id, "--sign", "--mechanism", "SHA256-RSA-PKCS",
				"--input-file", in, "--output-file", sigFile)
			sig, err := os.ReadFile(sigFile)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256(msg)
			if err := rsa.VerifyPKCS1v15(k.cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, h[:], sig); err != nil {
				t.Errorf("%s: the signature from pkcs11-tool does not verify with the card's certificate: %v", k.name, err)
			}
		}
		if n := sim.AuthPINTries(); n != simcard.MaxAuthPINTries {
			t.Errorf("auth PIN tries left %d after the right PIN", n)
		}
	})

	t.Run("pkcs11-tool wrong PIN", func(t *testing.T) {
		// The card's 63 C2 reaches PKCS#11 as CKR_PIN_INCORRECT, and pkcs15-tool reads the
		// counter back with an empty VERIFY.
		cmd := exec.Command(tools.PKCS11Tool, "--module", tools.PKCS11Module, "--slot", o.slot(t, "01"),
			"--login", "--pin", "0000", "--list-objects")
		cmd.Env = o.env
		out, err := cmd.CombinedOutput()
		if err == nil || !bytes.Contains(out, []byte("CKR_PIN_INCORRECT")) {
			t.Fatalf("wrong PIN: %v\n%s", err, out)
		}
		if n := sim.AuthPINTries(); n != simcard.MaxAuthPINTries-1 {
			t.Fatalf("auth PIN tries left %d after a wrong PIN, want %d", n, simcard.MaxAuthPINTries-1)
		}
		pins := o.run(t, tools.PKCS15Tool, "--reader", reader, "--list-pins")
		if !regexp.MustCompile(`(?s)PIN \[User Authentication PIN\].*?Tries left\s*:\s*2\n`).MatchString(pins) {
			t.Errorf("tries left not 2 in:\n%s", pins)
		}
	})

	t.Run("pkcs11-tool read signing certificate", func(t *testing.T) {
		// EF 0001 is private: OpenSC reads it after the signing password.
		out := filepath.Join(o.dir, "sign.der")
		o.runSecret(t, simcard.DefaultSignPIN, tools.PKCS11Tool, "--module", tools.PKCS11Module, "--slot", o.slot(t, "02"),
			"--login", "--pin", simcard.DefaultSignPIN, "--read-object", "--type", "cert", "--id", "02", "--output-file", out)
		der, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(der, sim.SignCertificate().Raw) {
			t.Errorf("signing certificate differs from the card's")
		}
	})
}

// openReader connects to pcscd and checks that reader is there; it skips, or fails under
// SHELTER_REQUIRE_PCSCD=1 or SHELTER_REQUIRE_OPENSC=1 (OpenSC cannot be checked without it).
func openReader(t *testing.T, reader string) *card.PCSC {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		for _, env := range []string{"SHELTER_REQUIRE_PCSCD", "SHELTER_REQUIRE_OPENSC"} {
			if os.Getenv(env) == "1" {
				t.Fatalf(format+" ("+env+"=1)", args...)
			}
		}
		t.Skipf(format+" (run under scripts/with-pcscd.sh)", args...)
	}
	p, err := card.OpenPCSC()
	if err != nil {
		fail("no PC/SC service: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	readers, err := p.Readers()
	if err != nil || !slices.Contains(readers, reader) {
		fail("reader %q not found (readers %q, %v)", reader, readers, err)
	}
	return p
}

// openSC runs the OpenSC tools with a private configuration: no file cache (the JPKI
// emulation gives every card the serial 00000000, so a cache would mix up cards), a private
// HOME.
type openSC struct {
	t      *testing.T
	tools  testenv.OpenSCTools
	reader string
	dir    string
	env    []string
}

func (o *openSC) configure() {
	conf := filepath.Join(o.dir, "opensc.conf")
	err := os.WriteFile(conf, []byte(`app default {
	debug = 0;
	framework pkcs15 {
		use_file_caching = no;
	}
}
`), 0o600)
	if err != nil {
		o.t.Fatal(err)
	}
	o.env = append(os.Environ(), "OPENSC_CONF="+conf, "HOME="+o.dir)
}

// run runs a tool and returns its standard output; a failure shows the command and both
// outputs.
func (o *openSC) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	return o.runSecret(t, "", name, args...)
}

// runSecret is run for a command line that holds secret (a test PIN): it is masked wherever
// the command or its output is shown.
func (o *openSC) runSecret(t *testing.T, secret, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = o.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	mask := func(s string) string {
		if secret == "" {
			return s
		}
		return strings.ReplaceAll(s, secret, "****")
	}
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), mask(strings.Join(args, " ")), err,
			mask(stdout.String()), mask(stderr.String()))
	}
	return stdout.String()
}

// slot finds the PKCS#11 slot of the virtual card whose PIN guards key id. OpenSC makes one
// slot per PIN of the JPKI emulation, its token labelled "JPKI (<PIN label>)", and describes
// the slot by the reader's name: matching both keeps a card in another vpcd reader (tests of
// other packages run at the same time) from being used.
func (o *openSC) slot(t *testing.T, id string) string {
	t.Helper()
	out := o.run(t, o.tools.PKCS11Tool, "--module", o.tools.PKCS11Module, "--list-token-slots")
	want := map[string]string{"01": "JPKI (User Authentication PIN)", "02": "JPKI (Digital Signature PIN)"}[id]
	var slot string
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "Slot "); ok {
			slot = ""
			if _, desc, ok := strings.Cut(rest, ": "); ok && strings.TrimSpace(desc) == o.reader {
				if i, j := strings.Index(rest, "("), strings.Index(rest, ")"); i >= 0 && j > i {
					slot = rest[i+1 : j]
				}
			}
			continue
		}
		if _, label, ok := strings.Cut(line, "token label"); ok && slot != "" &&
			strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(label), ":")) == want {
			return slot
		}
	}
	t.Fatalf("no slot with token %q in reader %q in:\n%s", want, o.reader, out)
	return ""
}

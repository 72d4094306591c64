package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/bridge/daemon"
	"github.com/mynumber-shelter/shelter/devices/card"
	simescl "github.com/mynumber-shelter/shelter/devices/sim/escl"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// deskBridge runs a real bridge (no PC/SC) with its state in a temp directory and points the
// app at its socket. It returns the socket path.
func deskBridge(t *testing.T, a *App) string {
	t.Helper()
	state := t.TempDir()
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	dir := filepath.Join(t.TempDir(), "run")
	sock := bridge.SocketIn(dir)
	serveBridgeAt(t, dir, state)
	pointAt(a, sock)
	return sock
}

// serveBridgeAt serves a bridge on dir until cleanup or the returned stop.
func serveBridgeAt(t *testing.T, dir, state string) (stop func()) {
	t.Helper()
	return serveBridgeWith(t, dir, state, "")
}

// serveBridgeWith is serveBridgeAt with the bridge's vein drivers in driverDir ("" = the
// bridge's default).
func serveBridgeWith(t *testing.T, dir, state, driverDir string) (stop func()) {
	t.Helper()
	l, err := daemon.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := &daemon.Server{Keychain: &keychain.Mem{}, ConfigPath: filepath.Join(state, "bridge.json"), DriverDir: driverDir,
		OpenPCSC: func() (*card.PCSC, error) { return nil, errors.New("no smart card service in this test") }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// pointAt makes the app's device services use the bridge at sock.
func pointAt(a *App, sock string) {
	a.sup.socket = sock
	a.sup.client = &bridge.Client{Path: sock}
}

// simScanner serves the eSCL simulator over TLS and returns its bridge settings.
func simScanner(t *testing.T, name string, sim *simescl.Scanner) DeviceScanner {
	t.Helper()
	ts := httptest.NewTLSServer(sim)
	t.Cleanup(ts.Close)
	p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	return DeviceScanner{Name: name, URL: ts.URL + "/eSCL", CAPEM: string(p)}
}

// documentBytes opens the person_documents row id with the person's key.
func documentBytes(t *testing.T, a *App, companyID, personID, id int64) []byte {
	t.Helper()
	keys := a.session().Keys()
	var pt []byte
	err := a.DB.View(context.Background(), func(tx *store.Tx) error {
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		pk, err := ck.Person(tx, personID)
		if err != nil {
			return err
		}
		defer pk.Close()
		var ct []byte
		if err := tx.QueryRow(`SELECT ciphertext FROM person_documents WHERE id = ?`, id).Scan(&ct); err != nil {
			return err
		}
		pt, err = pk.Open(collect.DocumentAAD(id), ct)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

// assertNotInVault fails when any file of the vault directory holds a 48-byte run of page.
func assertNotInVault(t *testing.T, f *collectFixture, page []byte) {
	t.Helper()
	chunk := page[len(page)/2-24 : len(page)/2+24]
	for name, b := range f.vaultBytes(t) {
		if bytes.Contains(b, chunk) {
			t.Fatalf("%s holds page bytes in clear", filepath.Base(name))
		}
	}
}

var mcCheck = CollectSubmission{Channel: "in_person", NumberDoc: "mynumber_card"}

// TestScanIntoCheck: the administrator sets up the simulator and a hot folder; tanaka scans a
// duplex sheet for E001 and records the check: the two documents decrypt to the pages the
// simulator served, nothing of them is in the vault files in clear, and the references are
// spent. A page dropped into the folder is sealed by the bridge, opened, attached to E002's
// check and gone from the inbox afterwards. Discard, logout and expiry drop held pages.
func TestScanIntoCheck(t *testing.T) {
	f := newCollectFixture(t)
	a := f.app
	deskBridge(t, a)
	sim := &simescl.Scanner{Sheets: 1}
	sc := simScanner(t, "受付スキャナー", sim)
	folder := t.TempDir()

	// Settings: administrators only, checked field by field, recorded.
	f.login("tanaka", collectPW)
	if _, err := a.Devices.SetConfig(DeviceConfig{HotFolder: folder}); code(t, err) != "forbidden" {
		t.Fatalf("a handler changed device settings: %v", err)
	}
	f.login("admin", adminPW)
	for _, c := range []struct {
		in    DeviceConfig
		field string
	}{
		{DeviceConfig{VeinPort: "ttyUSB0"}, "veinPort"},
		{DeviceConfig{HotFolder: "scans"}, "hotFolder"},
		{DeviceConfig{Scanners: []DeviceScanner{{Name: "", URL: sc.URL}}}, "scanners.0.name"},
		{DeviceConfig{Scanners: []DeviceScanner{sc, {Name: "b", URL: "ftp://192.0.2.1/eSCL"}}}, "scanners.1.url"},
		{DeviceConfig{Scanners: []DeviceScanner{{Name: "b", URL: sc.URL, CAPEM: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}}}, "scanners.0.caPem"},
		{DeviceConfig{Scanners: []DeviceScanner{sc, sc}}, "scanners.1.name"},
	} {
		_, err := a.Devices.SetConfig(c.in)
		if code(t, err) != "invalid" || field(err) != c.field {
			t.Errorf("%+v: %v, want invalid on %s", c.in, err, c.field)
		}
	}
	if _, err := a.Devices.SetConfig(DeviceConfig{VeinPort: "", Scanners: []DeviceScanner{sc}, HotFolder: folder}); err != nil {
		t.Fatal(err)
	}
	cfg, err := a.Devices.Config()
	if err != nil || len(cfg.Scanners) != 1 || cfg.Scanners[0].Name != sc.Name || cfg.HotFolder != folder {
		t.Fatalf("config after save: %+v %v", cfg, err)
	}
	hist, err := a.History.Query(HistoryFilter{Action: "setting_change"})
	if err != nil || len(hist.Entries) == 0 || !strings.Contains(hist.Entries[0].Detail, "1 scanner(s)") || strings.Contains(hist.Entries[0].Detail, "CERTIFICATE") {
		t.Fatalf("history: %+v %v", hist.Entries, err)
	}

	// Roles: another company's handler and the unassigned administrator are refused everywhere.
	refusals := func(who string) {
		t.Helper()
		calls := map[string]error{}
		_, calls["Scanners"] = a.Scan.Scanners(f.c1)
		_, calls["Scan"] = a.Scan.Scan(f.c1, f.e1, ScanInput{})
		_, calls["Inbox"] = a.Scan.Inbox(f.c1)
		_, calls["OpenInbox"] = a.Scan.OpenInbox(f.c1, "aaaaaaaaaaaaaaaaaaaaaaaaaa")
		calls["Discard"] = a.Scan.Discard(f.c1, "x")
		for name, err := range calls {
			if code(t, err) != "forbidden" {
				t.Errorf("%s: %s(c1) = %v, want forbidden", who, name, err)
			}
		}
	}
	refusals("admin")
	f.login("sato", collectPW)
	refusals("sato")

	// The device list (any logged-in user): the scanner and the folder.
	list, err := a.Devices.List()
	if err != nil || !list.Bridge.Connected || list.State.JA != "接続中" {
		t.Fatalf("list: %+v %v", list, err)
	}
	kinds := map[string]DeviceRow{}
	for _, d := range list.Devices {
		kinds[d.Kind.Code] = d
	}
	if kinds["scanner"].Name != sc.Name || kinds["scanner"].Kind.JA != "スキャナー" || kinds["hotfolder"].Kind.JA != "取り込みフォルダ" {
		t.Fatalf("devices: %+v", list.Devices)
	}

	// Scan and record.
	f.login("tanaka", collectPW)
	if _, err := a.Collect.CreateRequest(CollectRequestInput{CompanyID: f.c1, Title: "入社時", EmployeeIDs: []int64{f.e1, f.e2},
		Purposes: []string{"TAX-WH"}, InPerson: "本社"}); err != nil {
		t.Fatal(err)
	}
	ss, err := a.Scan.Scanners(f.c1)
	if err != nil || len(ss) != 1 || ss[0].Name != sc.Name {
		t.Fatalf("scanners: %+v %v", ss, err)
	}
	if _, err := a.Scan.Scan(f.c2, f.e1, ScanInput{}); code(t, err) != "forbidden" {
		t.Fatalf("tanaka scanned for C002: %v", err)
	}
	if _, err := a.Scan.Scan(f.c1, f.e1, ScanInput{Source: "Roof"}); code(t, err) != "invalid" {
		t.Fatalf("bad source: %v", err)
	}
	res, err := a.Scan.Scan(f.c1, f.e1, ScanInput{Scanner: sc.Name, Source: "Feeder", Duplex: true, Color: "RGB24"})
	if err != nil || len(res.Pages) != 2 {
		t.Fatalf("scan: %+v %v", res, err)
	}
	for _, p := range res.Pages {
		if !strings.HasPrefix(p.Preview, "data:image/jpeg;base64,") || p.ContentType != "image/jpeg" || !strings.HasPrefix(p.Ref, "scan:"+res.Handle+"/") {
			t.Fatalf("page: %+v", p)
		}
	}
	served := sim.Served()
	if len(served) != 2 {
		t.Fatalf("simulator served %d pages", len(served))
	}
	chk, err := a.Collect.RecordCheck(CollectCheckInput{CompanyID: f.c1, PersonID: f.e1, CollectSubmission: mcCheck,
		Images: []CollectImage{{Kind: "mynumber_card", Data: res.Pages[0].Ref}, {Kind: "mynumber_card", Data: res.Pages[1].Ref}}})
	if err != nil || len(chk.DocumentIDs) != 2 {
		t.Fatalf("record: %+v %v", chk, err)
	}
	for i, id := range chk.DocumentIDs {
		page := documentBytes(t, a, f.c1, f.e1, id)
		if sha256.Sum256(page) != served[i].SHA256 {
			t.Fatalf("document %d is not the page the scanner served", i)
		}
		assertNotInVault(t, f, page)
	}
	if _, err := a.Collect.RecordCheck(CollectCheckInput{CompanyID: f.c1, PersonID: f.e1, CollectSubmission: mcCheck,
		Images: []CollectImage{{Kind: "mynumber_card", Data: res.Pages[0].Ref}}}); code(t, err) != "invalid" || field(err) != "images" {
		t.Fatalf("a spent reference was accepted again: %v", err)
	}

	// The folder: a page dropped there is sealed by the bridge (the key was registered above).
	page := jpegPage(t)
	if err := os.WriteFile(filepath.Join(folder, "scan0001.jpg"), page, 0o600); err != nil {
		t.Fatal(err)
	}
	var items []InboxEntry
	for deadline := time.Now().Add(20 * time.Second); len(items) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the dropped page never reached the inbox")
		}
		if items, err = a.Scan.Inbox(f.c1); err != nil {
			t.Fatal(err)
		}
	}
	if items[0].Name != "scan0001.jpg" || items[0].Size != int64(len(page)) {
		t.Fatalf("inbox: %+v", items)
	}
	if _, err := os.Stat(filepath.Join(folder, "scan0001.jpg")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the page is still in the folder: %v", err)
	}
	opened, err := a.Scan.OpenInbox(f.c1, items[0].ID)
	if err != nil || len(opened.Pages) != 1 || opened.Pages[0].Name != "scan0001.jpg" || opened.Pages[0].Preview == "" {
		t.Fatalf("open inbox: %+v %v", opened, err)
	}
	// A sent-back check keeps no image and leaves the page in the inbox.
	if _, err := a.Collect.RecordCheck(CollectCheckInput{CompanyID: f.c1, PersonID: f.e2, CollectSubmission: mcCheck, SendBack: true,
		Reason: "不鮮明", Images: []CollectImage{{Kind: "mynumber_card", Data: opened.Pages[0].Ref}}}); err != nil {
		t.Fatal(err)
	}
	if left, _ := a.Scan.Inbox(f.c1); len(left) != 1 {
		t.Fatalf("a send-back removed the inbox page: %+v", left)
	}
	opened, err = a.Scan.OpenInbox(f.c1, items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	chk, err = a.Collect.RecordCheck(CollectCheckInput{CompanyID: f.c1, PersonID: f.e2, CollectSubmission: mcCheck,
		Images: []CollectImage{{Kind: "mynumber_card", Data: opened.Pages[0].Ref}}})
	if err != nil || len(chk.DocumentIDs) != 1 {
		t.Fatalf("record from the folder: %+v %v", chk, err)
	}
	if !bytes.Equal(documentBytes(t, a, f.c1, f.e2, chk.DocumentIDs[0]), page) {
		t.Fatal("the folder page did not arrive intact")
	}
	assertNotInVault(t, f, page)
	if left, err := a.Scan.Inbox(f.c1); err != nil || len(left) != 0 {
		t.Fatalf("inbox after the check: %+v %v", left, err)
	}
	boxes, _ := filepath.Glob(filepath.Join(os.Getenv("SHELTER_BRIDGE_STATE"), "inbox", "*"))
	if len(boxes) != 0 {
		t.Fatalf("the bridge still holds %v", boxes)
	}

	// Dropped: on Discard, at logout, after the time limit.
	spent := func(ref, why string) {
		t.Helper()
		if _, err := a.Collect.RecordCheck(CollectCheckInput{CompanyID: f.c1, PersonID: f.e1, CollectSubmission: mcCheck,
			Images: []CollectImage{{Kind: "mynumber_card", Data: ref}}}); code(t, err) != "invalid" {
			t.Fatalf("%s: the page was still held (%v)", why, err)
		}
	}
	sim.LoadSheets(1)
	res, err = a.Scan.Scan(f.c1, f.e1, ScanInput{Source: "Platen"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Scan.Discard(f.c1, res.Handle); err != nil {
		t.Fatal(err)
	}
	spent(res.Pages[0].Ref, "discard")
	res, _ = a.Scan.Scan(f.c1, f.e1, ScanInput{})
	f.login("tanaka", collectPW)
	spent(res.Pages[0].Ref, "logout")
	if res, err = a.Scan.Scan(f.c1, f.e1, ScanInput{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(a.held.ttl - time.Second)
	held := res.Pages[0].Ref
	if res, err = a.Scan.Scan(f.c1, f.e1, ScanInput{}); err != nil { // the session is not idle
		t.Fatal(err)
	}
	f.clock.Add(time.Second)
	spent(held, "expiry")
	if n := a.held.count(); n != 1 {
		t.Fatalf("%d handles held, want the one not expired", n)
	}
	if err := a.Scan.Discard(f.c1, res.Handle); err != nil {
		t.Fatal(err)
	}
	if n := a.held.count(); n != 0 {
		t.Fatalf("%d handles still held", n)
	}
}

// jpegPage is a small JPEG with noise, so that a run of its bytes is unique.
func jpegPage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	seed := uint32(2463534242)
	for i := range img.Pix {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		img.Pix[i] = uint8(seed)
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestScanCancel: a feeder batch is cancelled while the scanner holds its second page: the
// scan answers "cancelled" at once, nothing is held, the bridge ends the scanner's job, a
// second scan meanwhile is refused as busy, and the next scan works.
func TestScanCancel(t *testing.T) {
	f := newCollectFixture(t)
	a := f.app
	deskBridge(t, a)
	reached, release := make(chan struct{}), make(chan struct{})
	var reachedOnce, releaseOnce sync.Once
	sim := &simescl.Scanner{Sheets: 3, BeforePage: func(n int) {
		if n == 2 {
			reachedOnce.Do(func() { close(reached) })
			<-release
		}
	}}
	sc := simScanner(t, "受付スキャナー", sim)
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // before the server's Close
	f.login("admin", adminPW)
	if _, err := a.Devices.SetConfig(DeviceConfig{Scanners: []DeviceScanner{sc}}); err != nil {
		t.Fatal(err)
	}
	f.login("tanaka", collectPW)
	done := make(chan error, 1)
	go func() {
		_, err := a.Scan.Scan(f.c1, f.e1, ScanInput{Scanner: sc.Name, Source: "Feeder"})
		done <- err
	}()
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the scan never reached its second page")
	}
	if _, err := a.Scan.Scan(f.c1, f.e1, ScanInput{Scanner: sc.Name}); code(t, err) != "scanner_busy" {
		t.Errorf("a second scan while one runs: %v", err)
	}
	if err := a.Scan.Cancel(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if code(t, err) != "scan_cancelled" {
			t.Fatalf("the cancelled scan answered %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cancelled scan did not return while the scanner held its page")
	}
	waitFor(t, "the scanner's job to be cancelled", func() bool { return len(sim.Canceled()) == 1 })
	releaseOnce.Do(func() { close(release) })
	if held := a.held.count(); held != 0 {
		t.Errorf("%d scans held after a cancel", held)
	}
	sim.LoadSheets(1)
	res, err := a.Scan.Scan(f.c1, f.e1, ScanInput{Scanner: sc.Name, Source: "Feeder"})
	if err != nil || len(res.Pages) != 1 {
		t.Fatalf("the next scan: %+v %v", res, err)
	}
}

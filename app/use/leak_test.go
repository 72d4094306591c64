package use

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// scanForNumbers fails the test for every file under root that holds a check-digit-valid
// 12-digit run, and returns how many files it read.
func scanForNumbers(t *testing.T, root string) int {
	t.Helper()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		files++
		if off, hit := mynumber.ContainsValidIndividual(b); hit {
			t.Errorf("%s holds a check-digit-valid 12-digit string at byte %d", path, off)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestNoNumberInFiles reveals, copies and downloads numbers, writes the downloads where the test
// chooses, and then finds no number in any file of the vault directory (vault.db, its WAL, the
// key store) nor in the temporary directory, while the vault is open and after it is closed.
func TestNoNumberInFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("SQLITE_TMPDIR", tmp)
	out := t.TempDir()
	f := newFixture(t)
	ctx := context.Background()
	h := f.sess["handler"]
	for _, c := range []struct {
		person          int64
		purpose, reason string
	}{{f.yamada, "TAX-WH", ""}, {f.yamada, "OTHER", "番号の照合 " + f.numbers[f.yamada]}, {f.hanako, "TAX-WH", ""}, {f.sato, "SI-KENPO", ""}} {
		r, err := f.svc.Reveal(ctx, h, c.person, c.purpose, c.reason)
		if err != nil || r.Number != f.numbers[c.person] {
			t.Fatalf("reveal: %v", err)
		}
		if err := f.svc.RecordCopy(ctx, h.Principal, c.person); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.CorporateNumber(ctx, h.Principal, f.a); err != nil {
		t.Fatal(err)
	}
	saved, err := f.svc.SaveFormat(ctx, h.Principal, f.a, Format{Name: "全項目", Spec: Spec{Columns: []Column{{Field: FieldEmployeeCode},
		{Field: FieldName}, {Field: FieldNumber}, {Field: FieldBirthDate}}, Encoding: UTF8BOM, Header: true, Dates: DatesWareki}})
	if err != nil {
		t.Fatal(err)
	}
	downloads := map[string]DownloadRequest{
		"yayoi.csv": {Preset: PresetYayoi, FileType: FileCSV},
		"all.csv":   {FormatID: saved.ID, FileType: FileCSV},
		"all.xlsx":  {FormatID: saved.ID, FileType: FileXLSX, FilePassword: "a file passphrase"},
	}
	for name, req := range downloads {
		req.Purpose, req.Password, req.All = "TAX-WH", handlerPW, true
		file, err := f.download(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(out, name), file.Data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The downloads themselves hold numbers (except the encrypted workbook): the scanner works.
	for name := range downloads {
		b, _ := os.ReadFile(filepath.Join(out, name))
		if _, hit := mynumber.ContainsValidIndividual(b); hit != (filepath.Ext(name) == ".csv") {
			t.Errorf("%s: number found = %v", name, hit)
		}
	}
	if _, err := os.Stat(filepath.Join(f.dir, "vault.db-wal")); err != nil {
		t.Fatalf("no WAL to scan: %v", err)
	}
	if n := scanForNumbers(t, f.dir) + scanForNumbers(t, tmp); n < 2 {
		t.Fatalf("scanned %d files", n)
	}
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	scanForNumbers(t, f.dir)
	scanForNumbers(t, tmp)
}

// FuzzParseSpec: stored or sent format settings never panic the parser, and what it accepts
// survives a round trip.
func FuzzParseSpec(f *testing.F) {
	for _, p := range Presets() {
		b, _ := json.Marshal(p.Spec)
		f.Add(b)
	}
	f.Add([]byte(`{"columns":[{"field":"number"}]}`))
	f.Add([]byte(`{"columns":[{"field":"number","title":"番号\n"}],"encoding":"cp932"}`))
	f.Add([]byte(`{"columns":[{"field":"name","title":"𠮷"},{"field":"number"}],"encoding":"cp932"}`))
	f.Add([]byte(`{"columns":null,"encoding":"utf16"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sp, err := ParseSpec(b)
		if err != nil {
			return
		}
		again, err := json.Marshal(sp)
		if err != nil {
			t.Fatal(err)
		}
		sp2, err := ParseSpec(again)
		if err != nil {
			t.Fatalf("accepted spec does not parse again: %v", err)
		}
		b2, _ := json.Marshal(sp2)
		if string(b2) != string(again) {
			t.Fatalf("round trip changed the spec: %s → %s", again, b2)
		}
	})
}

package csvimport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// An import writes two files: the key store (person keys) and vault.db (people and their sealed
// numbers). These tests break it between, and inside, the two commits and check what the
// store promises (app/store "Two files"): no number is ever left without its key, and a retry
// imports what did not arrive.

// depNumberBase offsets the numbers of dependents in importCSV: employee i's dependent holds
// testNumber(depNumberBase+i).
const depNumberBase = 500_000

// importCSV is n employees, each with a number, and a dependent with a number for every odd
// employee (扶養親族1 columns): importNumbers(n) numbers in all.
func importCSV(n int) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(header, "\n") + ",扶養親族1氏名,扶養親族1フリガナ,扶養親族1続柄,扶養親族1生年月日,扶養親族1個人番号\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "E%04d,従業員 %d,,1985-01-02,男,,2024-04-01,,,%s", i, i, testNumber(i))
		if i%2 == 1 {
			fmt.Fprintf(&b, ",家族 %d,カゾク,子,H27.4.1,%s\n", i, testNumber(depNumberBase+i))
		} else {
			b.WriteString(",,,,,\n")
		}
	}
	return b.String()
}

// importNumbers is how many numbers importCSV(n) holds.
func importNumbers(n int) int { return n + (n+1)/2 }

// checkNumbers opens every stored number of company a (a ciphertext without its key fails) and
// returns how many there are; every one must be the number the file gave that employee or
// dependent.
func (f *fixture) checkNumbers() int {
	f.t.Helper()
	n, err := f.eachNumber(func(kind, code string, pt []byte) error {
		i, _ := strconv.Atoi(strings.TrimPrefix(code, "E"))
		if kind == "dependent" {
			i += depNumberBase
		}
		if string(pt) != testNumber(i) {
			return fmt.Errorf("a %s of %s holds another number", kind, code)
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// openNumbers opens every stored number of company a, employees' and dependents', each under
// its own person's key, and returns how many there are.
func (f *fixture) openNumbers() int {
	f.t.Helper()
	n, err := f.eachNumber(func(string, string, []byte) error { return nil })
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// eachNumber opens every stored number of company a and calls fn with the person's kind, their
// (or their employee's) code and the plaintext, cleared afterwards.
func (f *fixture) eachNumber(fn func(kind, code string, pt []byte) error) (int, error) {
	n := 0
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		ck, err := f.keys.Company(tx, f.a)
		if err != nil {
			return err
		}
		defer ck.Close()
		rows, err := tx.Query(`SELECT p.id, p.kind, COALESCE(p.employee_code, e.employee_code), n.ciphertext FROM person_numbers n
			JOIN persons p ON p.id = n.person_id LEFT JOIN persons e ON e.id = p.employee_id WHERE p.company_id = ?`, f.a)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var kind, code string
			var ct []byte
			if err := rows.Scan(&id, &kind, &code, &ct); err != nil {
				return err
			}
			pk, err := ck.Person(tx, id)
			if err != nil {
				return fmt.Errorf("%s of %s: the number's key: %w", kind, code, err)
			}
			pt, err := pk.Open(roster.NumberAAD(id), ct)
			pk.Close()
			if err != nil {
				return fmt.Errorf("%s of %s: the number does not open: %w", kind, code, err)
			}
			err = fn(kind, code, pt)
			clear(pt)
			if err != nil {
				return err
			}
			n++
		}
		return rows.Err()
	})
	return n, err
}

// reopen closes and opens the vault again, as the next start of the app does.
func (f *fixture) reopen() error {
	f.t.Helper()
	f.db.Close()
	db, err := store.Open(context.Background(), filepath.Join(f.dir, store.FileName))
	if err != nil {
		return err
	}
	f.t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return testNow }
	f.db, f.im.DB, f.roster.DB = db, db, db
	return nil
}

// retryAndCheck imports the file again and checks that every number (n, employees' and
// dependents') is there and opens, and that the history chain verifies.
func (f *fixture) retryAndCheck(data string, n int) {
	f.t.Helper()
	if rep, err := f.commit(data, Mapping{}); err != nil || !rep.Committed {
		f.t.Fatalf("retrying the import: %+v %v", rep.Problems, err)
	}
	if got := f.checkNumbers(); got != n {
		f.t.Fatalf("%d numbers open after the retry, want %d", got, n)
	}
	res, err := audit.Verify(context.Background(), f.db, f.im.Audit.Key)
	if err != nil || !res.OK {
		f.t.Fatalf("history after the retry: %+v %v", res, err)
	}
}

// moveToFullDisk moves the named file of the vault (keys.db or vault.db) onto a small tmpfs,
// leaving a symlink in its place, and returns a function that fills that disk to the last byte.
func (f *fixture) moveToFullDisk(name string) (fill func(), free func()) {
	f.t.Helper()
	mnt := testenv.Tmpfs(f.t, 8<<20)
	f.db.Close()
	src := filepath.Join(f.dir, name)
	b, err := os.ReadFile(src)
	if err != nil {
		f.t.Fatal(err)
	}
	dst := filepath.Join(mnt, name)
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Remove(src); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Symlink(dst, src); err != nil {
		f.t.Fatal(err)
	}
	if err := f.reopen(); err != nil {
		f.t.Fatal(err)
	}
	filler := filepath.Join(mnt, "filler")
	fill = func() {
		fh, err := os.OpenFile(filler, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			f.t.Fatal(err)
		}
		defer fh.Close()
		chunk := make([]byte, 4096)
		for {
			if _, err := fh.Write(chunk); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					f.t.Fatal(err)
				}
				break
			}
		}
		for _, c := range []int{512, 64, 1} { // the last bytes too
			for {
				if _, err := fh.Write(chunk[:c]); err != nil {
					break
				}
			}
		}
	}
	free = func() { os.Remove(filler) }
	return fill, free
}

// TestImportFullDisk: the disk fills up while an import commits, under the key store (the old
// order committed vault.db first and lost every number here) and under vault.db. Nothing is
// half written: no number without its key, and once there is room the retry imports them all.
func TestImportFullDisk(t *testing.T) {
	const n = 60
	data := importCSV(n)
	for _, full := range []string{store.KeysFileName, store.FileName} {
		t.Run(full, func(t *testing.T) {
			f := newFixture(t)
			fill, free := f.moveToFullDisk(full)
			// The app's connections are open (with their shared-memory files) before the
			// disk fills: what fails is the import's commit.
			if err := f.db.Update(context.Background(), func(tx *store.Tx) error { return tx.SetMeta("warm", "1") }); err != nil {
				t.Fatal(err)
			}
			f.count(`SELECT count(*) FROM persons`)
			fill()
			if rep, err := f.commit(data, Mapping{}); err == nil || rep.Committed {
				t.Fatalf("an import onto a full disk committed: %+v", rep)
			}
			// In this process (the app keeps running) and after a restart.
			if got := f.checkNumbers(); got != 0 {
				t.Logf("%d numbers arrived before the disk filled", got)
			}
			free()
			if err := f.reopen(); err != nil {
				t.Fatalf("reopening after the full disk: %v", err)
			}
			f.checkNumbers()
			f.retryAndCheck(data, importNumbers(n))
		})
	}
}

// TestImportLostVaultCommit: the state a power cut leaves between the two commits — the key
// store has the import's keys, vault.db has none of it — made exactly, by putting back the
// vault.db of before the import. The next start removes the unused keys, and the retry
// imports everything.
func TestImportLostVaultCommit(t *testing.T) {
	const n = 40
	data := importCSV(n)
	f := newFixture(t)
	f.db.Close()
	before, err := os.ReadFile(filepath.Join(f.dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.reopen(); err != nil {
		t.Fatal(err)
	}
	if rep, err := f.commit(data, Mapping{}); err != nil || !rep.Committed {
		t.Fatalf("import: %v", err)
	}
	f.db.Close()
	os.Remove(filepath.Join(f.dir, store.FileName+"-wal"))
	if err := os.WriteFile(filepath.Join(f.dir, store.FileName), before, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.reopen(); err != nil {
		t.Fatalf("opening after the lost commit: %v", err)
	}
	if keys := f.count(`SELECT count(*) FROM keys.person_keys WHERE company_id = ?`, f.a); keys != 0 {
		t.Errorf("%d keys of people vault.db does not hold are left", keys)
	}
	f.retryAndCheck(data, importNumbers(n))
}

// TestOpenRefusesKeysMissing: the state the old commit order left after a crash (vault.db
// holds people and numbers, the key store lost their keys), and a key store that is gone or
// belongs to another vault: Open stops with a clear error instead of showing every number as
// destroyed, and never makes an empty key store in place of a lost one.
func TestOpenRefusesKeysMissing(t *testing.T) {
	const n = 5
	data := importCSV(n)
	f := newFixture(t)
	if rep, err := f.commit(data, Mapping{}); err != nil || !rep.Committed {
		t.Fatalf("import: %v", err)
	}
	f.db.Close()
	keysFile := filepath.Join(f.dir, store.KeysFileName)
	saved, err := os.ReadFile(keysFile)
	if err != nil {
		t.Fatal(err)
	}

	// Gone.
	os.Remove(keysFile)
	if _, err := store.Open(context.Background(), filepath.Join(f.dir, store.FileName)); !errors.Is(err, store.ErrKeyStoreMissing) {
		t.Fatalf("vault without keys.db: %v", err)
	}
	if _, err := os.Stat(keysFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Open made a new key store in place of the lost one")
	}

	// Present, without the keys of the stored numbers.
	os.WriteFile(keysFile, saved, 0o600)
	if err := f.reopen(); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM keys.person_keys`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f.db.Close()
	_, err = store.Open(context.Background(), filepath.Join(f.dir, store.FileName))
	if !errors.Is(err, store.ErrKeysMissing) || !strings.Contains(err.Error(), fmt.Sprintf("%d people", importNumbers(n))) {
		t.Fatalf("key store without the numbers' keys: %v", err)
	}
}

// fileKeychain is the fixture's OS keychain: a JSON file in the test's directory, so that a
// child process opens the same vault (test data only; the app uses the real keychain).
type fileKeychain struct{ path string }

var _ keychain.Keychain = fileKeychain{}

func (k fileKeychain) load() map[string][]byte {
	m := map[string][]byte{}
	if b, err := os.ReadFile(k.path); err == nil {
		json.Unmarshal(b, &m)
	}
	return m
}

func (k fileKeychain) Get(account string) ([]byte, error) {
	if v, ok := k.load()[account]; ok {
		return v, nil
	}
	return nil, keychain.ErrNotFound
}

func (k fileKeychain) Set(account string, secret []byte) error {
	m := k.load()
	m[account] = secret
	b, _ := json.Marshal(m)
	return os.WriteFile(k.path, b, 0o600)
}

func (k fileKeychain) Delete(account string) error {
	m := k.load()
	delete(m, account)
	b, _ := json.Marshal(m)
	return os.WriteFile(k.path, b, 0o600)
}

// progressWatch reads the child's output and closes ch at the first line for which hit is true.
type progressWatch struct {
	buf  []byte
	hit  func(line string) bool
	ch   chan struct{}
	done bool
}

func (w *progressWatch) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		if !w.done && w.hit(line) {
			w.done = true
			close(w.ch)
		}
	}
}

// crashChild is the child process of TestImportKilled: it opens the vault in dir and imports
// import.csv, printing its progress, until it is killed.
func crashChild(t *testing.T, dir string) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return testNow }
	v := &vault.Vault{Keychain: fileKeychain{filepath.Join(dir, keychainFile)}, KDF: fixtureKDF}
	var keys *vault.Keys
	log := &audit.Log{Workstation: "test"}
	err = db.View(ctx, func(tx *store.Tx) error {
		var err error
		if keys, err = v.Unlock(tx, 1, fixturePassword); err != nil {
			return err
		}
		log.Key, err = keys.AuditKey(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "import.csv"))
	if err != nil {
		t.Fatal(err)
	}
	im := &Importer{DB: db, Audit: log}
	handler := auth.Principal{UserID: 2, Login: "tanaka"}
	rep, err := im.Commit(ctx, handler, keys, Request{CompanyID: 1, Data: data}, func(done, total int) {
		fmt.Printf("PROGRESS %d %d\n", done, total)
	})
	if err != nil || !rep.Committed {
		t.Fatalf("child import: %v", err)
	}
	fmt.Println("COMMITTED")
	os.Stdout.Sync()
	select {} // wait for the kill
}

// TestImportKilled: shelter's own process killed with SIGKILL at points of an import (a child
// process of this test: when it starts writing, halfway, after the last row while it commits,
// and after the commit), then opened again: the import is there whole or not at all, every
// number opens, and the retry imports what is missing.
func TestImportKilled(t *testing.T) {
	if dir := os.Getenv("SHELTER_CRASH_CHILD"); dir != "" {
		crashChild(t, dir)
		return
	}
	const n = 400
	data := importCSV(n)
	progress := func(min func(done, total int) bool) func(string) bool {
		return func(line string) bool {
			var done, total int
			if _, err := fmt.Sscanf(line, "PROGRESS %d %d", &done, &total); err != nil {
				return false
			}
			return min(done, total)
		}
	}
	points := map[string]func(string) bool{
		"start":     progress(func(done, total int) bool { return true }),
		"halfway":   progress(func(done, total int) bool { return done*2 >= total }),
		"commit":    progress(func(done, total int) bool { return done == total }),
		"committed": func(line string) bool { return line == "COMMITTED" },
	}
	for name, at := range points {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			if f.a != 1 {
				t.Fatalf("company a is %d", f.a)
			}
			f.db.Close()
			if err := os.WriteFile(filepath.Join(f.dir, "import.csv"), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestImportKilled$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SHELTER_CRASH_CHILD="+f.dir)
			watch := &progressWatch{hit: at, ch: make(chan struct{})}
			cmd.Stdout = watch
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-watch.ch:
				cmd.Process.Signal(syscall.SIGKILL)
				<-exited
			case err := <-exited:
				t.Fatalf("the child ended before the kill point: %v\n%s", err, stderr.String())
			}
			if err := f.reopen(); err != nil {
				t.Fatalf("opening after the kill: %v", err)
			}
			got, want := f.checkNumbers(), importNumbers(n)
			if got != 0 && got != want {
				t.Errorf("%d of %d numbers after a kill: an import is all or nothing", got, want)
			}
			if name == "committed" && got != want {
				t.Errorf("a committed import lost numbers: %d of %d", got, want)
			}
			f.retryAndCheck(data, want)
		})
	}
}

package replica_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/replica"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/roster/csvimport"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
	cloudstore "github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
	"github.com/mynumber-shelter/shelter/internal/relaytest"
)

// office is a vault of n employees with numbers (the csv import), made once per benchmark run.
type office struct {
	db   *store.DB
	keys *vault.Keys
	kit  vault.RecoveryKit
	n    int
}

var (
	bigOnce sync.Once
	big     *office
	bigErr  error
)

func bigOffice(b *testing.B, n int) *office {
	bigOnce.Do(func() {
		dir, err := os.MkdirTemp("", "replica-bench-")
		if err != nil {
			bigErr = err
			return
		}
		big, bigErr = makeOffice(dir, n)
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return big
}

func makeOffice(dir string, n int) (*office, error) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, store.FileName))
	if err != nil {
		return nil, err
	}
	o := &office{db: db, n: n}
	v := &vault.Vault{Keychain: &keychain.Mem{}, KDF: vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}
	log := &audit.Log{Workstation: "bench"}
	admin := auth.Principal{UserID: 1, Login: "admin", IsAdmin: true}
	handler := auth.Principal{UserID: 2, Login: "tanaka"}
	err = db.Update(ctx, func(tx *store.Tx) error {
		for _, p := range []auth.Principal{admin, handler} {
			if _, err := tx.Exec(`INSERT INTO users(id, login, display_name, is_admin, created_at, updated_at) VALUES(?, ?, ?, ?, '', '')`,
				p.UserID, p.Login, p.Login, p.IsAdmin); err != nil {
				return err
			}
		}
		o.kit, o.keys, err = v.Init(tx, 1, "a bench passphrase of some length")
		if err != nil {
			return err
		}
		log.Key, err = o.keys.AuditKey(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	c, err := (&roster.Service{DB: db, Audit: log}).CreateCompany(ctx, admin, o.keys, roster.Company{Code: "C001", Name: "テスト株式会社"})
	if err != nil {
		return nil, err
	}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 2, 'handler', 'x')`, c.ID)
		return err
	}); err != nil {
		return nil, err
	}
	var csv strings.Builder
	csv.WriteString("従業員コード,氏名,フリガナ,生年月日,性別,部署,入社日,退職日,メールアドレス,個人番号\n")
	for i := 1; i <= n; i++ {
		base := fmt.Sprintf("1%010d", i)
		d, _ := mynumber.IndividualCheckDigit(base)
		fmt.Fprintf(&csv, "E%06d,社員 %d,シャイン %d,S%d.%d.%d,男,部署%02d,R%d/4/1,,e%d@example.jp,%s%d\n",
			i, i, i, 40+i%20, 1+i%12, 1+i%28, i%20, 2+i%6, i, base, d)
	}
	rep, err := (&csvimport.Importer{DB: db, Audit: log}).Commit(ctx, handler, o.keys, csvimport.Request{CompanyID: c.ID, Data: []byte(csv.String())}, nil)
	if err != nil || rep.Added != n {
		return nil, fmt.Errorf("import: %v (%d added)", err, rep.Added)
	}
	return o, nil
}

// relayAndSyncer runs a relay on loopback TLS (PostgreSQL when SHELTER_TEST_POSTGRES is a DSN, as
// scripts/with-postgres.sh sets, else SQLite) and an enrolled bridge syncer.
func relayAndSyncer(b *testing.B) (s *relaysync.Syncer, url, caPEM string) {
	ctx := context.Background()
	var r *relaytest.Relay
	if dsn := os.Getenv("SHELTER_TEST_POSTGRES"); dsn != "" {
		st, err := cloudstore.OpenPostgres(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		r = relaytest.StartOn(b, st)
	} else {
		r = relaytest.Start(b)
	}
	s = &relaysync.Syncer{Dir: filepath.Join(b.TempDir(), "sync"), Keychain: &keychain.Mem{}}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Enrol(ctx, r.URL, r.CAPEM, r.Token(b, "bench")); err != nil {
		b.Fatal(err)
	}
	return s, r.URL, r.CAPEM
}

// BenchmarkReplica100k is the office replica of a 100,000-person office on loopback TLS:
//
//   - upload: snapshot (pack + seal), staged in the bridge, sent to the relay. Target ≥ 2,000
//     persons/s. Also reports the relay's bytes per person.
//   - restore: a restore code, the fetch, and the restore onto an empty vault (every check:
//     the Recovery Kit, SQLite's, the history). Target ≤ 120 s.
func BenchmarkReplica100k(b *testing.B) {
	const n = 100_000
	o := bigOffice(b, n)
	ctx := context.Background()
	s, url, caPEM := relayAndSyncer(b)
	var last replica.Snapshot
	b.Run("upload", func(b *testing.B) {
		var elapsed time.Duration
		for range b.N {
			start := time.Now()
			sn, err := replica.Make(ctx, o.db, o.keys)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.StageSnapshot(ctx, sn.ID, bytes.NewReader(sn.Sealed), 1<<30, nil); err != nil {
				b.Fatal(err)
			}
			if _, err := s.SyncNow(ctx); err != nil {
				b.Fatal(err)
			}
			elapsed += time.Since(start)
			last = sn
		}
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "persons/s")
		b.ReportMetric(float64(len(last.Sealed))/n, "relay-bytes/person")
	})
	b.Run("restore", func(b *testing.B) {
		var elapsed time.Duration
		for range b.N {
			b.StopTimer()
			dst, err := store.Open(ctx, filepath.Join(b.TempDir(), store.FileName))
			if err != nil {
				b.Fatal(err)
			}
			code, _, err := s.RestoreCode(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			_, sealed, err := relaysync.FetchReplica(ctx, url, caPEM, code, 1<<30)
			if err != nil {
				b.Fatal(err)
			}
			if _, vr, err := replica.Restore(ctx, dst, o.kit.Key, sealed); err != nil || !vr.OK {
				b.Fatalf("%+v %v", vr, err)
			}
			elapsed += time.Since(start)
			b.StopTimer()
			dst.Close()
		}
		b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/restore")
	})
}

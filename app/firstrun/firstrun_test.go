package firstrun

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// The first day: setup in one transaction (office, administrator, keys, first history entry),
// the kit waiting until typed back, a second setup refused, a new kit after the password only.
func TestFirstDay(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := &vault.Vault{Keychain: &keychain.Mem{}, KDF: vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}
	if st, err := Read(ctx, db, v); err != nil || st.Initialized {
		t.Fatalf("a new vault: %+v %v", st, err)
	}
	office := roster.Office{Name: "さくら社会保険労務士事務所", Kind: "sharoushi"}
	admin := auth.UserInput{Login: "admin", DisplayName: "管理 太郎"}
	const pw = "a long enough passphrase 1"
	if _, _, err := Run(ctx, db, v, "ws-1", office, admin, "short"); err == nil {
		t.Fatal("a short password was accepted")
	}
	if st, _ := Read(ctx, db, v); st.Initialized {
		t.Fatal("a refused setup left the vault set up")
	}
	kit, auditKey, err := Run(ctx, db, v, "ws-1", office, admin, pw)
	if err != nil {
		t.Fatal(err)
	}
	if kit.Key == "" || len(auditKey) == 0 {
		t.Fatal("no kit or audit key")
	}
	st, err := Read(ctx, db, v)
	if err != nil || !st.Initialized || st.Office.Name != office.Name || st.KitConfirmed {
		t.Fatalf("after setup: %+v %v", st, err)
	}
	if _, _, err := Run(ctx, db, v, "ws-1", office, admin, pw); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("a second setup: %v", err)
	}
	log := &audit.Log{Key: auditKey, Workstation: "ws-1"}
	p := auth.Principal{UserID: 1, Login: "admin", IsAdmin: true}
	if err := ConfirmKit(ctx, db, log, auth.Principal{UserID: 2, Login: "clerk"}); err == nil {
		t.Error("a non-administrator confirmed the kit")
	}
	if err := ConfirmKit(ctx, db, log, p); err != nil {
		t.Fatal(err)
	}
	if st, _ := Read(ctx, db, v); !st.KitConfirmed {
		t.Fatal("the kit is not confirmed")
	}
	if _, _, err := NewKit(ctx, db, v, log, p, "wrong password"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("a new kit with a wrong password: %v", err)
	}
	if st, _ := Read(ctx, db, v); !st.KitConfirmed {
		t.Fatal("a refused new kit voided the confirmed one")
	}
	kit2, name, err := NewKit(ctx, db, v, log, p, pw)
	if err != nil || kit2.Key == kit.Key || name != office.Name {
		t.Fatalf("a new kit: %v (same key %v, office %q)", err, kit2.Key == kit.Key, name)
	}
	if st, _ := Read(ctx, db, v); st.KitConfirmed {
		t.Fatal("the new kit is confirmed before it was typed back")
	}
	var n int
	db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM audit_log`).Scan(&n)
	})
	if n != 3 { // setup, kit confirmed, new kit
		t.Errorf("%d history entries, want 3", n)
	}
}

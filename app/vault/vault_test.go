package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

func TestInitUnlockRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.update(func(tx *store.Tx) error {
		if ok, err := e.v.Initialized(tx); err != nil || ok {
			t.Errorf("Initialized before Init = %v, %v", ok, err)
		}
		_, err := e.v.VaultID(tx)
		wantErr(t, err, ErrNotInitialized)
		_, err = e.v.Unlock(tx, 1, adminPassword)
		wantErr(t, err, ErrNotInitialized)
		return nil
	})

	kit, k := e.init()
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(kit.VaultID) {
		t.Errorf("vault id %q is not 32 hex digits", kit.VaultID)
	}
	if !kit.CreatedAt.Equal(testNow) {
		t.Errorf("kit CreatedAt = %v, want %v", kit.CreatedAt, testNow)
	}
	if err := CheckRecoveryKey(kit.Key); err != nil {
		t.Errorf("kit key does not check: %v", err)
	}
	if k.VaultID() != kit.VaultID {
		t.Errorf("keys vault id %s, kit %s", k.VaultID(), kit.VaultID)
	}
	accounts := e.kc.Accounts()
	want := map[string]bool{"device-secret/" + kit.VaultID: true, "audit-key/" + kit.VaultID: true}
	if len(accounts) != 2 || !want[accounts[0]] || !want[accounts[1]] {
		t.Errorf("keychain accounts = %v, want %v", accounts, want)
	}

	k2 := e.mustUnlock(1, adminPassword)
	if !bytes.Equal(rootOf(t, k), rootOf(t, k2)) {
		t.Fatal("unlocked root key differs from the one Init made")
	}
	e.update(func(tx *store.Tx) error {
		if ok, err := e.v.Initialized(tx); err != nil || !ok {
			t.Errorf("Initialized after Init = %v, %v", ok, err)
		}
		if id, err := e.v.VaultID(tx); err != nil || id != kit.VaultID {
			t.Errorf("VaultID = %q, %v", id, err)
		}
		if at, _, _ := tx.Meta(metaCreatedAt); at != store.FormatTime(testNow) {
			t.Errorf("meta %s = %q", metaCreatedAt, at)
		}
		var kdf string
		if err := tx.QueryRow(`SELECT kdf FROM user_keys WHERE user_id = 1`).Scan(&kdf); err != nil {
			return err
		}
		if !regexp.MustCompile(`^argon2id\$v=19\$m=64,t=1,p=1\$ds=[0-9a-f]{16}\$nfkc$`).MatchString(kdf) {
			t.Errorf("user_keys.kdf = %q", kdf)
		}
		fromKeychain, err := e.v.AuditKey(tx)
		if err != nil {
			return err
		}
		fromDB, err := k2.AuditKey(tx)
		if err != nil {
			return err
		}
		if len(fromDB) != keySize || !bytes.Equal(fromKeychain, fromDB) {
			t.Error("audit key in keychain differs from the one wrapped in the database")
		}
		_, _, err = e.v.Init(tx, 1, adminPassword)
		wantErr(t, err, ErrAlreadyInitialized)
		return nil
	})
}

func TestDefaultKDFIsStored(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Argon2id with 64 MiB")
	}
	e := newEnv(t)
	e.v.KDF = KDFParams{}
	e.init()
	e.update(func(tx *store.Tx) error {
		var kdf string
		if err := tx.QueryRow(`SELECT kdf FROM user_keys WHERE user_id = 1`).Scan(&kdf); err != nil {
			return err
		}
		if !strings.HasPrefix(kdf, "argon2id$v=19$m=65536,t=3,p=2$ds=") {
			t.Errorf("kdf = %q, want default parameters", kdf)
		}
		return nil
	})
	// Wraps keep their own parameters: a cheaper KDF for new wraps still opens the old one.
	e.v.KDF = testKDF
	e.mustUnlock(1, adminPassword)
}

func TestUnlockWrongPassword(t *testing.T) {
	e := newEnv(t)
	e.init()
	jp := norm.NFC.String("ぱすわーど・マイナンバー")
	k := e.mustUnlock(1, adminPassword)
	e.setPassword(k, 2, jp)
	e.mustUnlock(2, jp)

	for _, tc := range []struct {
		name     string
		user     int64
		password string
	}{
		{"trailing space", 1, adminPassword + " "},
		{"leading space", 1, " " + adminPassword},
		{"upper case", 1, strings.ToUpper(adminPassword)},
		{"first letter capital", 1, "C" + adminPassword[1:]},
		{"one char short", 1, adminPassword[:len(adminPassword)-1]},
		{"empty", 1, ""},
		{"another user's password", 1, jp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.unlock(tc.user, tc.password)
			wantErr(t, err, ErrWrongPassword)
			if tc.password != "" && strings.Contains(err.Error(), tc.password) {
				t.Error("error message contains the password")
			}
		})
	}
}

func TestUnlockNoUserKey(t *testing.T) {
	e := newEnv(t)
	e.init()
	_, err := e.unlock(2, adminPassword)
	wantErr(t, err, ErrNoUserKey)
}

func TestPasswordChange(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	e.setPassword(k, 1, "a new passphrase for 2025")
	_, err := e.unlock(1, adminPassword)
	wantErr(t, err, ErrWrongPassword)
	k2 := e.mustUnlock(1, "a new passphrase for 2025")
	if !bytes.Equal(rootOf(t, k), rootOf(t, k2)) {
		t.Fatal("root key changed with the password")
	}
	err = e.try(func(tx *store.Tx) error { return e.v.SetPassword(tx, k, 1, "") })
	if err == nil {
		t.Error("SetPassword accepted an empty password")
	}
}

func TestAdminResetAndRemoveUser(t *testing.T) {
	e := newEnv(t)
	_, admin := e.init()
	e.setPassword(admin, 2, "tanaka's first password")
	k2 := e.mustUnlock(2, "tanaka's first password")
	if !bytes.Equal(rootOf(t, admin), rootOf(t, k2)) {
		t.Fatal("user 2 unlocked a different root key")
	}
	// Reset by the administrator: the old password stops working.
	e.setPassword(admin, 2, "reset by admin 7Q")
	_, err := e.unlock(2, "tanaka's first password")
	wantErr(t, err, ErrWrongPassword)
	e.mustUnlock(2, "reset by admin 7Q")

	// A wrap copied to another user's row does not open there: the AAD names the user.
	e.update(func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE user_keys SET (salt, kdf, wrapped_root) =
			(SELECT salt, kdf, wrapped_root FROM user_keys WHERE user_id = 2) WHERE user_id = 1`)
		return err
	})
	_, err = e.unlock(1, "reset by admin 7Q")
	wantErr(t, err, ErrWrongPassword)

	e.update(func(tx *store.Tx) error { return e.v.RemoveUser(tx, 2) })
	_, err = e.unlock(2, "reset by admin 7Q")
	wantErr(t, err, ErrNoUserKey)
	e.update(func(tx *store.Tx) error { return e.v.RemoveUser(tx, 2) }) // idempotent
}

func TestRecoverAfterKeychainLost(t *testing.T) {
	e := newEnv(t)
	kit, admin := e.init()
	e.setPassword(admin, 2, "tanaka pw")
	var record []byte
	aad := AAD{Table: "people", RowID: 10, Column: "my_number"}
	e.update(func(tx *store.Tx) error {
		if err := admin.CreateCompany(tx, 1); err != nil {
			return err
		}
		c, err := admin.Company(tx, 1)
		if err != nil {
			return err
		}
		if err := c.CreatePerson(tx, 10); err != nil {
			return err
		}
		p, err := c.Person(tx, 10)
		if err != nil {
			return err
		}
		record, err = p.Seal(aad, []byte("123456789018"))
		return err
	})
	oldDevice, _ := e.kc.Get(deviceSecretAccount(kit.VaultID))
	oldAudit, _ := e.kc.Get(auditKeyAccount(kit.VaultID))

	// The keychain is gone (new computer, OS reinstall).
	e.kc = &keychain.Mem{}
	e.v.Keychain = e.kc
	_, err := e.unlock(1, adminPassword)
	wantErr(t, err, ErrDeviceSecretMissing)
	if !strings.Contains(err.Error(), "Recovery Kit") {
		t.Errorf("error %q does not point to the Recovery Kit", err)
	}
	err = e.try(func(tx *store.Tx) error { _, err := e.v.AuditKey(tx); return err })
	wantErr(t, err, ErrAuditKeyMissing)

	// Typed from paper: lower case, spaces instead of hyphens.
	typed := strings.ToLower(strings.ReplaceAll(kit.Key, "-", " "))
	var rec *Keys
	e.update(func(tx *store.Tx) error {
		rec, err = e.v.Recover(tx, typed, 1, "new admin password")
		return err
	})
	defer rec.Close()
	if !bytes.Equal(rootOf(t, rec), rootOf(t, admin)) {
		t.Fatal("recovered a different root key")
	}
	newDevice, err := e.kc.Get(deviceSecretAccount(kit.VaultID))
	if err != nil || len(newDevice) != keySize || bytes.Equal(newDevice, oldDevice) {
		t.Fatalf("Recover did not store a new device secret (err %v)", err)
	}
	if a, err := e.kc.Get(auditKeyAccount(kit.VaultID)); err != nil || !bytes.Equal(a, oldAudit) {
		t.Fatalf("Recover did not put the audit key back (err %v)", err)
	}

	e.mustUnlock(1, "new admin password")
	_, err = e.unlock(2, "tanaka pw")
	wantErr(t, err, ErrUserKeyStale)
	e.setPassword(rec, 2, "tanaka after recovery")
	e.mustUnlock(2, "tanaka after recovery")

	// Data sealed before the loss opens with the recovered keys.
	c := e.company(rec, 1)
	p, err := e.person(c, 10)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := p.Open(aad, record); err != nil || string(pt) != "123456789018" {
		t.Fatalf("record after recovery: %v", err)
	}

	// Recovering again with the keychain intact keeps the device secret: nobody goes stale.
	e.update(func(tx *store.Tx) error {
		k, err := e.v.Recover(tx, kit.Key, 1, "admin again")
		if err == nil {
			k.Close()
		}
		return err
	})
	if d, _ := e.kc.Get(deviceSecretAccount(kit.VaultID)); !bytes.Equal(d, newDevice) {
		t.Error("Recover replaced a device secret that was present")
	}
	e.mustUnlock(2, "tanaka after recovery")
}

func TestRecoverBadKey(t *testing.T) {
	e := newEnv(t)
	kit, _ := e.init()
	other := newEnv(t)
	otherKit, _ := other.init()
	random := make([]byte, keySize)
	rand.Read(random)

	typo := []byte(kit.Key)
	typo[7] = map[bool]byte{true: 'A', false: 'B'}[typo[7] != 'A']

	for _, tc := range []struct {
		name, key, msg string
	}{
		{"typo", string(typo), "typo"},
		{"missing group", kit.Key[5:], "want 56"},
		{"key of another vault", otherKit.Key, "does not open vault " + kit.VaultID},
		{"well-formed random key", formatRecoveryKey(random), "does not open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.try(func(tx *store.Tx) error {
				_, err := e.v.Recover(tx, tc.key, 1, "whatever")
				return err
			})
			wantErr(t, err, ErrBadRecoveryKey)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			for _, g := range strings.Split(tc.key, "-") {
				if strings.ContainsAny(g, "ABCDEFGHJKMNPQRSTVWXYZ") && strings.Contains(err.Error(), g) {
					t.Errorf("error message repeats a group of the key")
				}
			}
		})
	}
	e.mustUnlock(1, adminPassword) // nothing changed
}

func TestKDFRecord(t *testing.T) {
	good := kdfRecord{params: KDFParams{65536, 3, 2}, deviceID: "0123456789abcdef"}
	if s := good.String(); s != "argon2id$v=19$m=65536,t=3,p=2$ds=0123456789abcdef" {
		t.Fatalf("String = %q", s)
	}
	if r, err := parseKDFRecord(good.String()); err != nil || r != good {
		t.Fatalf("parse(String) = %+v, %v", r, err)
	}
	for _, bad := range []string{
		"",
		"argon2i$v=19$m=65536,t=3,p=2$ds=0123456789abcdef",
		"argon2id$v=18$m=65536,t=3,p=2$ds=0123456789abcdef",
		"argon2id$v=19$m=65536,t=3,p=2",
		"argon2id$v=19$m=065536,t=3,p=2$ds=0123456789abcdef",
		"argon2id$v=19$m=65536,t=3,p=2,x=1$ds=0123456789abcdef",
		"argon2id$v=19$m=65536,t=0,p=2$ds=0123456789abcdef",
		"argon2id$v=19$m=65536,t=3,p=0$ds=0123456789abcdef",
		"argon2id$v=19$m=65536,t=3,p=256$ds=0123456789abcdef",
		"argon2id$v=19$m=8,t=3,p=2$ds=0123456789abcdef",
		"argon2id$v=19$m=4294967295,t=3,p=2$ds=0123456789abcdef",
		"argon2id$v=19$m=65536,t=1000,p=2$ds=0123456789abcdef",
		"argon2id$v=19$m=65536,t=3,p=2$ds=0123456789ABCDEF",
		"argon2id$v=19$m=65536,t=3,p=2$ds=0123",
		"argon2id$v=19$m=-1,t=3,p=2$ds=0123456789abcdef",
	} {
		if _, err := parseKDFRecord(bad); err == nil {
			t.Errorf("parseKDFRecord(%q) accepted", bad)
		}
	}
}

// TestUnlockNormalisesPassword: the password goes into the KDF in NFKC form, so the same
// password typed with a Japanese IME in full-width mode (or in NFD) opens the vault; a wrap
// made before (the password as typed) still opens with the password as typed and is made
// again in NFKC form at that unlock.
func TestUnlockNormalisesPassword(t *testing.T) {
	e := newEnv(t)
	e.init()
	k := e.mustUnlock(1, adminPassword)
	e.setPassword(k, 2, "ｐａｓｓ ワード ２０２６")
	for _, typed := range []string{"pass ワード 2026", "ｐａｓｓ ワード ２０２６", norm.NFD.String("pass ワード 2026")} {
		if _, err := e.unlock(2, typed); err != nil {
			t.Errorf("%q: %v", typed, err)
		}
	}
	// A legacy wrap: the password as typed, no "$nfkc" in the record.
	legacy := "ｌｅｇａｃｙ pass 2020"
	e.update(func(tx *store.Tx) error {
		root, err := k.rootFor(k.VaultID())
		if err != nil {
			return err
		}
		defer clear(root)
		vaultID, _ := e.v.VaultID(tx)
		device, err := e.v.deviceSecret(vaultID)
		if err != nil {
			return err
		}
		salt := make([]byte, argonSaltSize)
		rec := kdfRecord{params: e.v.kdf(), deviceID: deviceID(device)}
		uk, err := userKey(legacy, salt, rec.params, device)
		if err != nil {
			return err
		}
		w, err := wrap(uk, e.v.rand(), userWrapAAD(2), root)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE user_keys SET salt = ?, kdf = ?, wrapped_root = ? WHERE user_id = 2`, salt, rec.String(), w)
		return err
	})
	if _, err := e.unlock(2, "legacy pass 2020"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("a legacy wrap opened with another form before its migration: %v", err)
	}
	if _, err := e.unlock(2, legacy); err != nil {
		t.Fatalf("legacy wrap with the password as typed: %v", err)
	}
	var kdf string
	e.update(func(tx *store.Tx) error { return tx.QueryRow(`SELECT kdf FROM user_keys WHERE user_id = 2`).Scan(&kdf) })
	if !strings.HasSuffix(kdf, "$nfkc") {
		t.Fatalf("the legacy wrap was not made again: %q", kdf)
	}
	if _, err := e.unlock(2, "legacy pass 2020"); err != nil {
		t.Fatalf("after the migration, the half-width form: %v", err)
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/backup"
	"github.com/mynumber-shelter/shelter/app/history"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/appdir"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// mynumberCheck prints one line per argument; exit 0 only if all are valid. It needs no vault and
// never echoes the number: lines are numbered by argument position.
func (c *cli) mynumberCheck(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, "shelterctl: mynumber check needs at least one number")
		return exitUsage
	}
	code := exitOK
	for i, a := range args {
		kind, n, err := mynumber.Validate(a)
		if err != nil {
			code = exitInvalid
			var ve *mynumber.ValidationError
			if errors.As(err, &ve) {
				fmt.Fprintf(c.stdout, "%d: invalid: %s / %s\n", i+1, ve.Error(), ve.Japanese())
			} else {
				fmt.Fprintf(c.stdout, "%d: invalid: %v\n", i+1, err)
			}
			continue
		}
		switch kind {
		case mynumber.Individual:
			fmt.Fprintf(c.stdout, "%d: valid 個人番号 (individual number) %s\n", i+1, mynumber.Mask(n))
		default:
			fmt.Fprintf(c.stdout, "%d: valid 法人番号 (corporate number) %s\n", i+1, n)
		}
	}
	return code
}

func (c *cli) init(args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	office := fs.String("office", "", "name of the operating office (M-1)")
	kind := fs.String("kind", roster.KindSharoushi, "kind of office: sharoushi, zeirishi, employer, other")
	corp := fs.String("corporate-number", "", "the office's 法人番号 (optional)")
	admin := fs.String("admin", "", "login of the first administrator")
	adminName := fs.String("admin-name", "", "display name of the administrator (default: the login)")
	kit := fs.String("kit", "", "file to write the Recovery Kit to (a new file, mode 0600); without it the kit is printed on the terminal")
	factor := fs.String("second-factor", "required", "office policy: required (the default; enrolling a factor needs the app, so set such an office up there), or optional for an office without readers (needs --reason)")
	reason := fs.String("reason", "", "why second factors are optional (recorded in the history)")
	if err := fs.Parse(args); err != nil {
		return usageError{"init: " + err.Error()}
	}
	if *office == "" || *admin == "" {
		return usageError{"init needs --office NAME and --admin LOGIN"}
	}
	if *adminName == "" {
		*adminName = *admin
	}
	switch *factor {
	case "required":
		return usageError{"init: second factors are required by default, and enrolling one needs the app: set the office up in the app, or give --second-factor optional --reason TEXT for an office without readers"}
	case "optional":
		if strings.TrimSpace(*reason) == "" {
			return usageError{"init: --second-factor optional needs --reason TEXT (it is recorded in the history)"}
		}
	default:
		return usageError{"init: --second-factor is required or optional"}
	}
	// The kit goes where the user asked, or to the terminal they are looking at: never into a
	// file they did not name, a pipe or a log.
	if *kit == "" && !c.stdoutIsTerminal() {
		return usageError{"init: the output is not a terminal: give --kit FILE for the Recovery Kit (it is shown once and must not land in a log)"}
	}
	app, err := c.open(true)
	if err != nil {
		return err
	}
	defer app.Close()
	pw, err := c.password("Password for the new administrator " + *admin + ": ")
	if err != nil {
		return err
	}
	view, err := app.Session.Setup(ui.SetupRequest{
		Office:     ui.Office{Name: *office, Kind: *kind, CorporateNumber: *corp},
		AdminLogin: *admin, AdminName: *adminName, Password: pw,
	})
	if err != nil {
		return uiErr(err)
	}
	// As the wizard does: the policy is settled before the kit is confirmed.
	if *factor == "optional" {
		if err := app.Factors.SetPolicy("optional", *reason); err != nil {
			return uiErr(err)
		}
	}
	path := *kit
	if path == "" {
		fmt.Fprintf(c.stdout, "vault created in %s (vault id %s)\n\n%s\n", c.vaultDir, view.VaultID, view.Text)
		fmt.Fprintln(c.stdout, "Write this Recovery Kit down or print this screen now, and keep it away from this computer: it is not shown again.")
		return uiErr(app.Session.ConfirmRecoveryKit(view.Key))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the Recovery Kit (the vault was created; generate a new kit in the app under M-1): %w", err)
	}
	if _, err := f.WriteString(view.Text); err != nil {
		f.Close()
		return fmt.Errorf("writing the Recovery Kit: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := app.Session.ConfirmRecoveryKit(view.Key); err != nil {
		return uiErr(err)
	}
	abs, _ := filepath.Abs(path)
	fmt.Fprintf(c.stdout, "vault created in %s (vault id %s)\n", c.vaultDir, view.VaultID)
	fmt.Fprintf(c.stdout, "Recovery Kit written to %s\n", abs)
	fmt.Fprintln(c.stdout, "Print it, keep it somewhere safe away from this computer, then delete the file.")
	return nil
}

// uiErr turns a *ui.Error back into a user-safe apperr for report.
func uiErr(err error) error {
	var ue *ui.Error
	if errors.As(err, &ue) {
		return &uiError{ue}
	}
	return err
}

type uiError struct{ e *ui.Error }

func (u *uiError) Error() string { return u.e.EN + " / " + u.e.JA }

func (c *cli) companyAdd(args []string) error {
	fs := flag.NewFlagSet("company add", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var co roster.Company
	fs.StringVar(&co.Name, "name", "", "company name")
	fs.StringVar(&co.Code, "code", "", "company code (default: C + next number)")
	fs.StringVar(&co.CorporateNumber, "corporate-number", "", "法人番号 (13 digits, check digit verified)")
	fs.StringVar(&co.Address, "address", "", "address")
	fs.StringVar(&co.ConsignFrom, "consign-from", "", "委託期間 start YYYY-MM-DD")
	fs.StringVar(&co.ConsignTo, "consign-to", "", "委託期間 end YYYY-MM-DD")
	if err := fs.Parse(args); err != nil {
		return usageError{"company add: " + err.Error()}
	}
	if co.Name == "" {
		return usageError{"company add needs --name NAME"}
	}
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		if co.Code == "" {
			var n int
			err := app.DB.View(context.Background(), func(tx *store.Tx) error {
				return tx.QueryRow(`SELECT count(*) FROM companies`).Scan(&n)
			})
			if err != nil {
				return err
			}
			co.Code = fmt.Sprintf("C%03d", n+1)
		}
		out, err := app.Roster.CreateCompany(context.Background(), sess.Principal, sess.Keys(), co)
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, out.ID)
		return nil
	})
}

func (c *cli) companyList() error {
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		cs, err := app.Roster.Companies(context.Background(), sess.Principal, true)
		if err != nil {
			return err
		}
		for _, co := range cs {
			fmt.Fprintf(c.stdout, "%d\t%s\t%s\t%s\n", co.ID, co.Code, co.CorporateNumber, co.Name)
		}
		return nil
	})
}

func (c *cli) auditVerify() (int, error) {
	code := exitOK
	err := c.withSession(func(app *ui.App, sess *auth.Session) error {
		ctx := context.Background()
		// The same check as 2-1's: the chain, then the relay's anchors when this user's bridge
		// is enrolled (without a bridge the chain is checked alone, and the output says so).
		log := slog.New(slog.DiscardHandler)
		anchors := history.RelayAnchors(c.bridge(), log)
		v, err := history.Verify(ctx, app.DB, app.Audit.CurrentKey(), sess.Keys(), sess.Principal, anchors, log)
		if err != nil {
			return err
		}
		if v.OK {
			fmt.Fprintf(c.stdout, "ok: %d entries, chain intact\n", v.Entries)
		} else {
			code = exitBroken
			fmt.Fprintf(c.stdout, "BROKEN: first broken entry %d (%s); %d entries read, %d broken\n",
				v.FirstBroken, v.EN, v.Entries, v.Broken)
		}
		if v.OK && v.SealChecked {
			if v.Sealed == 0 {
				fmt.Fprintln(c.stdout, "seals: no sealed entry (a vault from before seals, not logged in since)")
			} else {
				fmt.Fprintf(c.stdout, "seals: entries %d to %d are sealed under the root key; %d entries after them were written with nobody logged in\n",
					v.SealedSince, v.LastSealed, v.Unsealed())
			}
		}
		for _, ch := range v.Chains {
			name := ch.SourceName + " (" + ch.Source + ")"
			if ch.OK() {
				auth := ""
				if ch.Authenticated {
					auth = ", authenticated by its key"
				}
				fmt.Fprintf(c.stdout, "shared company %s, history of %s: ok, %d entries chained%s\n", ch.CompanyName, name, ch.Chained, auth)
				continue
			}
			code = exitBroken
			fmt.Fprintf(c.stdout, "shared company %s, history of %s: BROKEN: %d gaps, %d altered (first: its entry %d), %d sends refused\n",
				ch.CompanyName, name, ch.Gaps, ch.Broken, ch.FirstBroken, ch.Bad)
		}
		switch a := v.Anchors; {
		case v.Anchored && a.Checked > 0:
			fmt.Fprintf(c.stdout, "relay anchors: %d compared, the last at entry %d (%s JST)", a.Checked, a.LastID,
				a.LastAt.In(jpdate.JST).Format("2006-01-02 15:04"))
			if a.Diverged > 0 {
				fmt.Fprintf(c.stdout, "; %d from before the restore at entry %d no longer match (expected after a restore)", a.Diverged, a.RestoredAt)
			}
			fmt.Fprintln(c.stdout)
		case v.Anchored:
			fmt.Fprintln(c.stdout, "relay anchors: none recorded yet")
		case v.Unanchored:
			fmt.Fprintln(c.stdout, "relay anchors: NOT COMPARED — the office is on the relay, but shelter-bridge or the relay did not answer")
		default:
			fmt.Fprintln(c.stdout, "relay anchors: none compared (this office does not use the relay, or shelter-bridge is not running)")
		}
		return nil
	})
	return code, err
}

func (c *cli) backup(args []string) error {
	if len(args) == 2 && args[0] == "--set" {
		return c.backupSet(args[1])
	}
	if len(args) != 1 {
		return usageError{"backup needs exactly one FILE"}
	}
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		if err := auth.RequireAdmin(sess.Principal); err != nil {
			return err
		}
		var vaultID string
		err := app.DB.Update(context.Background(), func(tx *store.Tx) error {
			var err error
			if vaultID, err = app.Vault.VaultID(tx); err != nil {
				return err
			}
			// The entry is written before the copy so that the backup records its own making.
			e := sess.Entry(audit.ActionBackup, audit.ResultOK)
			e.TargetType, e.Detail = "vault", audit.Redact("backup to "+filepath.Base(args[0]))
			_, err = app.Audit.Append(tx, e)
			return err
		})
		if err != nil {
			return err
		}
		h, err := backup.Write(context.Background(), app.DB, vaultID, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "backup written to %s (%d bytes, sha256 %s)\n", args[0], h.Size, h.SHA256)
		return nil
	})
}

// restore replaces the vault database with a checked backup. With an existing vault the --user
// must be an administrator (and the restore is audited there first); into an empty directory no
// login is possible, so none is asked (the keychain of this workstation must hold the vault's keys,
// or the Recovery Kit is used afterwards).
func (c *cli) restore(args []string) error {
	if len(args) == 2 && args[0] == "--set" {
		return c.restoreSet(args[1])
	}
	if len(args) != 1 {
		return usageError{"restore needs exactly one FILE"}
	}
	if c.vaultDir == "" {
		return usageError{"--vault DIR is required"}
	}
	h, _, err := backup.ReadHeader(args[0])
	if err != nil {
		return err
	}
	dbPath := filepath.Join(c.vaultDir, store.FileName)
	_, statErr := os.Stat(dbPath)
	replacing := statErr == nil
	if err := c.readyRestore(h, "backup", "vault", "restore from backup made "+h.CreatedAt); err != nil {
		return err
	}
	key, err := c.auditKeyFor(h.VaultID)
	if err != nil {
		return err
	}
	_, vr, err := backup.Restore(context.Background(), args[0], dbPath, h.VaultID, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "restored backup of %s into %s (%d audit entries verified)\n", h.CreatedAt, c.vaultDir, vr.Entries)
	if replacing {
		// The entry readyRestore wrote went with the replaced file: the restored history
		// records the restore itself, marked under the root key (app/history.Verify).
		err := c.withSession(func(app *ui.App, sess *auth.Session) error {
			svc := &backup.Service{DB: app.DB, Audit: app.Audit}
			return svc.Restored(context.Background(), sess.Keys(), sess.Entry(audit.ActionRestore, audit.ResultOK),
				backup.Set{Dir: filepath.Dir(args[0]), Data: h})
		})
		if err != nil {
			fmt.Fprintf(c.stderr, "warning: the restore is not in the restored history (%v); log in to the app as an administrator and check 2-1\n", err)
		}
	}
	return nil
}

// auditKeyFor reads the audit key of vault id from this workstation's keychain.
func (c *cli) auditKeyFor(vaultID string) ([]byte, error) {
	v := &vault.Vault{Keychain: c.keychain}
	key, err := v.AuditKeyForVault(vaultID)
	if err != nil {
		return nil, fmt.Errorf("the keychain of this computer has no key for vault %s: restore on the workstation that made the backup, or use the Recovery Kit there: %w", vaultID, err)
	}
	return key, nil
}

// readyRestore readies the vault directory for restoring a backup of vault h.VaultID. With a
// vault there, --user must be an administrator of that same vault, and the restore is recorded
// in its history first; into a directory without a vault no login is possible, so none is
// asked. kind names the backup in errors ("backup", "key backup").
func (c *cli) readyRestore(h backup.Header, kind, targetType, detail string) error {
	if _, err := os.Stat(filepath.Join(c.vaultDir, store.FileName)); err != nil {
		return appdir.MkdirPrivate(c.vaultDir)
	}
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		if err := auth.RequireAdmin(sess.Principal); err != nil {
			return err
		}
		return app.DB.Update(context.Background(), func(tx *store.Tx) error {
			id, err := app.Vault.VaultID(tx)
			if err != nil {
				return err
			}
			if id != h.VaultID {
				return fmt.Errorf("%s belongs to another vault (%s, this vault is %s)", kind, h.VaultID, id)
			}
			e := sess.Entry(audit.ActionRestore, audit.ResultOK)
			e.TargetType, e.Detail = targetType, detail
			_, err = app.Audit.Append(tx, e)
			return err
		})
	})
}

// backupSet writes a backup set (data and key store together) into a new folder inside parent,
// as the app's backup screen does, and records it in the history.
func (c *cli) backupSet(parent string) error {
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		if err := auth.RequireAdmin(sess.Principal); err != nil {
			return err
		}
		svc := &backup.Service{DB: app.DB, Audit: app.Audit}
		set, err := svc.Make(context.Background(), sess.Entry(audit.ActionBackup, audit.ResultOK), parent)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "backup set written to %s (data %d bytes, key store %d bytes)\n", set.Dir, set.Data.Size, set.Keys.Size)
		return nil
	})
}

// restoreSet restores a backup set onto this PC (a --vault directory without an office), as
// 「バックアップから復元」 of the app's first start: standard input gives the Recovery Kit's key,
// then the new password of the administrator --user on this PC.
func (c *cli) restoreSet(folder string) error {
	return c.restoreNew("restore --set", folder, func(app *ui.App, key, pw string) (ui.SessionState, error) {
		return app.Backup.RestoreNew(ui.RestoreRequest{Folder: folder, RecoveryKey: key, Login: c.user, NewPassword: pw})
	})
}

// restoreNew is a restore onto this PC (a --vault directory without an office) by restore, with
// the Recovery Kit's key and the administrator's new password read from standard input.
func (c *cli) restoreNew(cmd, from string, restore func(app *ui.App, key, pw string) (ui.SessionState, error)) error {
	if c.user == "" {
		return usageError{cmd + " needs --user LOGIN (an administrator of the office)"}
	}
	key, err := c.secretLine("Recovery Kit key: ")
	if errors.Is(err, errNoInput) {
		return errors.New("no Recovery Kit key: give it as the first line of standard input")
	}
	if err != nil {
		return err
	}
	pw, err := c.password("New password on this PC: ")
	if err != nil {
		return err
	}
	app, err := c.open(true)
	if err != nil {
		return err
	}
	defer app.Close()
	st, err := restore(app, key, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "restored %s into %s; %s can log in with the new password", from, c.vaultDir, st.User.Login)
	fmt.Fprintln(c.stdout, " (other users need a password reset by an administrator on this PC)")
	return nil
}

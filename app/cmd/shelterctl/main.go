// Command shelterctl is the headless administration tool of MyNumber Shelter: it works on the
// same vault as the desktop app, through the same packages.
//
// Usage:
//
//	shelterctl help
//	shelterctl mynumber check NUMBER...
//	shelterctl --vault DIR init --office NAME --admin LOGIN [--admin-name NAME] [--kind sharoushi|zeirishi|employer|other] [--kit FILE]
//	shelterctl --vault DIR --user LOGIN company add --name NAME [--code CODE] [--corporate-number N]
//	shelterctl --vault DIR --user LOGIN company list
//	shelterctl --vault DIR --user LOGIN import employees --company ID FILE [--dry-run] [--mapping FILE.json]
//	shelterctl --vault DIR --user LOGIN audit verify
//	shelterctl --vault DIR --user LOGIN backup FILE
//	shelterctl --vault DIR [--user LOGIN] restore FILE
//	shelterctl --vault DIR --user LOGIN backup --set FOLDER    data and key store together
//	shelterctl --vault DIR --user LOGIN restore --set FOLDER   onto a new PC, with the Recovery Kit
//	shelterctl --vault DIR --user LOGIN restore --from-relay URL --ca FILE --code CODE
//	shelterctl --vault DIR --user LOGIN replica status|upload  the office replica, through shelter-bridge
//	shelterctl devices
//	shelterctl card read [--reader NAME] [--allow-last-try]    (PIN from SHELTER_CARD_PIN or stdin)
//	shelterctl --vault DIR --user LOGIN keys backup FILE
//	shelterctl --vault DIR [--user LOGIN] keys restore FILE
//	shelterctl --vault DIR --user LOGIN workstation list|sync
//	shelterctl --vault DIR --user LOGIN workstation pair OFFICE
//	shelterctl --vault DIR --user LOGIN workstation join OFFICE --code CODE
//	shelterctl --vault DIR --user LOGIN workstation approve OFFICE --code CODE [--reveal] [--download] [--dispose]
//	shelterctl --vault DIR --user LOGIN workstation rights OFFICE [--reveal] [--download] [--dispose]
//	shelterctl --vault DIR --user LOGIN workstation remove OFFICE [--yes]
//
// Passwords come from the SHELTER_PASSWORD environment variable, or the first line of standard
// input; only when standard input is a terminal does shelterctl prompt (without echo). It never
// prints a password or a My Number.
//
// Output is UTF-8, except on Windows when it is redirected to a file or a pipe: then it is in
// the console's code page, which is what cmd's `type` and PowerShell 5.1 read it in — CP932 on
// Japanese Windows — unless SHELTER_OUTPUT_ENCODING=utf-8 (or cp932) says otherwise. A console
// gets every character (UTF-16). See output.go.
//
// Exit codes: 0 success; 1 failure (the message says why); 2 usage; 3 invalid input (a number that
// fails its check, a rejected value); 4 the audit chain is broken.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

const (
	exitOK      = 0
	exitFail    = 1
	exitUsage   = 2
	exitInvalid = 3
	exitBroken  = 4
)

// version is set by the build (-ldflags "-X main.version=…").
var version = "0.1.0-dev"

func main() {
	stdout, err := textOutput(os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "shelterctl: %v\n", err)
		os.Exit(exitUsage)
	}
	stderr, _ := textOutput(os.Stderr)
	os.Exit(run(os.Args[1:], os.Stdin, stdout, stderr))
}

// cli is one invocation.
type cli struct {
	vaultDir string
	user     string
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	stdinBuf *bufio.Reader
	// keychain and kdf are the vault's defaults (the OS keychain, vault.DefaultKDF) unless a test
	// sets them.
	keychain keychain.Keychain
	kdf      vault.KDFParams
	// bridgeSocket is shelter-bridge's socket ("" = bridge.SocketPath()).
	bridgeSocket string
	// loginPW is --user's password once a login in this run read it: a command that logs in
	// twice (restore FILE: before and after the vault is replaced) asks once.
	loginPW string
}

const usage = `shelterctl — MyNumber Shelter administration

  shelterctl help
  shelterctl mynumber check NUMBER...
  shelterctl --vault DIR init --office NAME --admin LOGIN [--admin-name NAME] [--kind KIND] [--kit FILE]
             [--second-factor optional --reason TEXT]
  shelterctl --vault DIR --user LOGIN user add LOGIN [--name NAME] [--email ADDR] [--admin]
  shelterctl --vault DIR --user LOGIN user disable|enable|reset-password LOGIN
  shelterctl --vault DIR --user LOGIN role set --company ID --manager LOGIN[,LOGIN…] [--handler LOGIN[,LOGIN…]]
  shelterctl --vault DIR --user LOGIN policy set required|optional [--reason TEXT]
  shelterctl --vault DIR --user LOGIN history export --from YYYY-MM-DD --to YYYY-MM-DD [--company ID] --format xlsx|csv|csv-cp932 FILE
  shelterctl --vault DIR --user LOGIN company add --name NAME [--code CODE] [--corporate-number N]
  shelterctl --vault DIR --user LOGIN company list
  shelterctl --vault DIR --user LOGIN import employees --company ID FILE [--dry-run] [--mapping FILE.json]
  shelterctl --vault DIR --user LOGIN audit verify
  shelterctl --vault DIR --user LOGIN backup FILE
  shelterctl --vault DIR [--user LOGIN] restore FILE
  shelterctl --vault DIR --user LOGIN backup --set FOLDER
  shelterctl --vault DIR --user LOGIN restore --set FOLDER
  shelterctl --vault DIR --user LOGIN restore --from-relay URL --ca FILE --code CODE
  shelterctl --vault DIR --user LOGIN relay enrol --url URL --ca FILE   (stdin: password, then the enrolment token; or SHELTER_RELAY_TOKEN)
  shelterctl --vault DIR --user LOGIN replica status|upload
  shelterctl devices
  shelterctl card read [--reader NAME] [--allow-last-try]   (PIN: SHELTER_CARD_PIN or stdin; exit 5 wrong PIN, 6 locked, 7 no card)
  shelterctl --vault DIR --user LOGIN keys backup FILE
  shelterctl --vault DIR [--user LOGIN] keys restore FILE
  shelterctl --vault DIR --user LOGIN workstation list      this PC's office id and the office's other workstations
  shelterctl --vault DIR --user LOGIN workstation pair OFFICE      the pair code with workstation OFFICE (on both PCs)
  shelterctl --vault DIR --user LOGIN workstation join OFFICE --code CODE      on the new PC: join through workstation OFFICE
  shelterctl --vault DIR --user LOGIN workstation approve OFFICE --code CODE [--reveal] [--download] [--dispose]
  shelterctl --vault DIR --user LOGIN workstation rights OFFICE [--reveal] [--download] [--dispose]
             (a right whose flag is absent is not allowed: rights with no flag allows none of the three)
  shelterctl --vault DIR --user LOGIN workstation remove OFFICE [--yes]   (asks on a terminal; elsewhere needs --yes)
  shelterctl --vault DIR --user LOGIN workstation sync      accept and make the workstations' offers now
  (workstation commands go through this PC's shelter-bridge, enrolled with the relay: relay enrol)

Passwords: SHELTER_PASSWORD, or the first line of standard input. restore --set reads the Recovery Kit's
key from the first line of standard input, then the new password.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return (&cli{stdin: stdin, stdout: stdout, stderr: stderr}).run(args)
}

func (c *cli) run(args []string) int {
	stderr := c.stderr
	fs := flag.NewFlagSet("shelterctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	fs.StringVar(&c.vaultDir, "vault", os.Getenv("SHELTER_VAULT"), "vault directory")
	fs.StringVar(&c.user, "user", os.Getenv("SHELTER_USER"), "login of the acting user")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return exitUsage
	}
	var err error
	code := exitOK
	switch cmd := strings.Join(rest[:min(2, len(rest))], " "); {
	case rest[0] == "help":
		fmt.Fprint(c.stdout, usage)
		return exitOK
	case cmd == "mynumber check":
		return c.mynumberCheck(rest[2:])
	case rest[0] == "init":
		err = c.init(rest[1:])
	case cmd == "company add":
		err = c.companyAdd(rest[2:])
	case cmd == "company list":
		err = c.companyList()
	case cmd == "audit verify":
		code, err = c.auditVerify()
	case cmd == "import employees":
		code, err = c.importEmployees(rest[2:])
	case rest[0] == "backup":
		err = c.backup(rest[1:])
	case rest[0] == "restore" && len(rest) > 1 && rest[1] == "--from-relay":
		err = c.restoreFromRelay(rest[1:])
	case rest[0] == "restore":
		err = c.restore(rest[1:])
	case cmd == "relay enrol":
		err = c.relayEnrol(rest[2:])
	case cmd == "replica status", cmd == "replica upload":
		err = c.replicaCmd(rest[1])
	case rest[0] == "devices":
		return c.devices()
	case cmd == "card read":
		return c.cardRead(rest[2:])
	case cmd == "user add", cmd == "user disable", cmd == "user enable", cmd == "user reset-password":
		err = c.userCmd(rest[1], rest[2:])
	case cmd == "history export":
		err = c.historyExport(rest[2:])
	case cmd == "role set":
		err = c.roleSet(rest[2:])
	case cmd == "policy set":
		err = c.policySet(rest[2:])
	case cmd == "keys backup", cmd == "keys restore":
		err = c.keys(rest[1], rest[2:])
	case rest[0] == "workstation" && len(rest) > 1:
		err = c.workstation(rest[1], rest[2:])
	default:
		fmt.Fprintf(stderr, "shelterctl: unknown command %q\n\n", strings.Join(rest, " "))
		fs.Usage()
		return exitUsage
	}
	if err != nil {
		return c.report(err)
	}
	return code
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// report prints err in English (user-safe errors also in Japanese) and returns the exit code.
func (c *cli) report(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(c.stderr, "shelterctl: %s\n", ue.msg)
		return exitUsage
	}
	if e, ok := apperr.As(err); ok {
		fmt.Fprintf(c.stderr, "shelterctl: %s\n  %s\n", e.EN, e.JA)
		if e.Code == apperr.CodeInvalid || e.Code == apperr.CodeConflict {
			return exitInvalid
		}
		return exitFail
	}
	fmt.Fprintf(c.stderr, "shelterctl: %v\n", err)
	return exitFail
}

// password returns the acting user's password without echoing it.
func (c *cli) password(prompt string) (string, error) {
	if pw, ok := os.LookupEnv("SHELTER_PASSWORD"); ok {
		return pw, nil
	}
	pw, err := c.secretLine(prompt)
	if errors.Is(err, errNoInput) {
		return "", errors.New("no password: set SHELTER_PASSWORD or give it on standard input")
	}
	return pw, err
}

// errNoInput: standard input ended before the line a command needs.
var errNoInput = errors.New("nothing on standard input")

// secretLine reads one line of standard input without echoing it on a terminal.
func (c *cli) secretLine(prompt string) (string, error) {
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(c.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return "", fmt.Errorf("reading password: %w", err)
		}
		return string(b), nil
	}
	if c.stdinBuf == nil {
		c.stdinBuf = bufio.NewReader(c.stdin)
	}
	line, err := c.stdinBuf.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errNoInput
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// stdoutIsTerminal reports whether standard output is a terminal (not a file, pipe or buffer).
func (c *cli) stdoutIsTerminal() bool {
	f, ok := c.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// open opens the vault (it must exist unless create is set).
func (c *cli) open(create bool) (*ui.App, error) {
	if c.vaultDir == "" {
		return nil, usageError{"--vault DIR is required (or set SHELTER_VAULT)"}
	}
	if !create {
		if _, err := os.Stat(filepath.Join(c.vaultDir, "vault.db")); err != nil {
			return nil, fmt.Errorf("no vault in %s (run shelterctl init first)", c.vaultDir)
		}
	}
	return ui.New(ui.Config{VaultDir: c.vaultDir, Version: version, Keychain: c.keychain, KDF: c.kdf})
}

// login opens the vault and logs --user in.
func (c *cli) login() (*ui.App, *auth.Session, error) {
	if c.user == "" {
		return nil, nil, usageError{"--user LOGIN is required (or set SHELTER_USER)"}
	}
	app, err := c.open(false)
	if err != nil {
		return nil, nil, err
	}
	if !app.Audit.HasKey() {
		app.Close()
		return nil, nil, auth.ErrKeychainMissing
	}
	pw := c.loginPW
	if pw == "" {
		pw, err = c.password("Password for " + c.user + ": ")
	}
	if err != nil {
		app.Close()
		return nil, nil, err
	}
	sess, err := app.Auth.Login(context.Background(), c.user, pw)
	if err != nil {
		app.Close()
		return nil, nil, err
	}
	c.loginPW = pw
	if sess.MustChangePassword() {
		app.Auth.Logout(context.Background(), sess)
		app.Close()
		return nil, nil, errMustChange
	}
	// The office's second-factor rule (app/auth, the same for the app and every other entry
	// point): shelterctl has no reader or sensor to show prompts for, so a user who must prove a
	// factor (or enrol one) is refused, and the password alone opens nothing.
	if step := sess.FactorStep(); step != "" {
		app.Auth.Logout(context.Background(), sess)
		app.Close()
		return nil, nil, errFactorRequired
	}
	return app, sess, nil
}

// The refusals of a login that shelterctl cannot finish (login, appLogin).
var (
	errMustChange     = errors.New("this user must change the temporary password in the app before using shelterctl")
	errFactorRequired = apperr.New("factor_required", "",
		"この事業所では二要素認証（静脈・職員証・マイナンバーカード）が必須です。shelterctl では認証要素を操作できないため、アプリから操作してください。読み取り機のない事業所は、管理者がアプリで二要素認証を「任意」にできます（理由は履歴に残ります）。",
		"This office requires a second factor (vein, staff card or My Number card), which shelterctl cannot prompt for: use the app. An office without readers can make factors optional in the app (the reason is recorded).")
)

// withSession runs fn as the logged-in --user and logs out afterwards.
func (c *cli) withSession(fn func(*ui.App, *auth.Session) error) error {
	app, sess, err := c.login()
	if err != nil {
		return err
	}
	defer app.Close()
	defer app.Auth.Logout(context.Background(), sess)
	return fn(app, sess)
}

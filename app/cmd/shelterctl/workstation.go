package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/ui"
)

// The workstations of one office (app/share workstation.go): "workstation list|pair|join|
// approve|rights|remove|sync" do what the app's workstation screen does, through the same
// bound methods (ui.ShareService) and so with the same checks and history entries. They reach
// the relay through this PC's shelter-bridge, which must be enrolled (relay enrol).

// workstation runs "workstation SUB ARGS…".
func (c *cli) workstation(sub string, args []string) error {
	switch sub {
	case "list", "sync":
		if len(args) != 0 {
			return usageError{"workstation " + sub + " takes no arguments"}
		}
		if sub == "list" {
			return c.appSession(c.workstationList)
		}
		return c.appSession(c.workstationSync)
	case "pair":
		if len(args) != 1 || strings.HasPrefix(args[0], "-") {
			return usageError{"workstation pair OFFICE (the other workstation's office id)"}
		}
		return c.appSession(func(app *ui.App) error { return c.workstationPair(app, args[0]) })
	case "join", "approve", "rights":
		return c.workstationAdd(sub, args)
	case "remove":
		return c.workstationRemove(args)
	}
	return usageError{"unknown command workstation " + sub + " (list, pair, join, approve, rights, remove, sync)"}
}

// officeArgs parses a command's flags with OFFICE before or after them.
func officeArgs(fs *flag.FlagSet, args []string, use string) (string, error) {
	var office string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		office, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", usageError{use + ": " + err.Error()}
	}
	if office == "" && fs.NArg() == 1 {
		office = fs.Arg(0)
	} else if office == "" || fs.NArg() != 0 {
		return "", usageError{use}
	}
	return strings.TrimSpace(office), nil
}

// rightsFlags adds --reveal, --download and --dispose to fs.
func rightsFlags(fs *flag.FlagSet) *ui.WorkstationRights {
	var r ui.WorkstationRights
	fs.BoolVar(&r.Reveal, "reveal", false, "it may show numbers (3-1); absent: it may not")
	fs.BoolVar(&r.Download, "download", false, "it may download files with numbers (3-2); absent: it may not")
	fs.BoolVar(&r.Dispose, "dispose", false, "it may execute disposals (4-1); absent: it may not")
	return &r
}

// workstationAdd runs "workstation join|approve|rights".
func (c *cli) workstationAdd(sub string, args []string) error {
	fs := flag.NewFlagSet("workstation "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var code *string
	if sub != "rights" {
		code = fs.String("code", "", "the pair code the other workstation's screen (or its workstation pair) shows")
	}
	var r *ui.WorkstationRights
	if sub != "join" {
		r = rightsFlags(fs)
	}
	use := map[string]string{
		"join":    "workstation join OFFICE --code CODE",
		"approve": "workstation approve OFFICE --code CODE [--reveal] [--download] [--dispose]",
		"rights":  "workstation rights OFFICE [--reveal] [--download] [--dispose]",
	}[sub]
	office, err := officeArgs(fs, args, use)
	if err != nil {
		return err
	}
	if code != nil && strings.TrimSpace(*code) == "" {
		return usageError{use + ": the pair code is required"}
	}
	return c.appSession(func(app *ui.App) error {
		switch sub {
		case "rights":
			if err := app.Share.SetWorkstationRights(ui.WorkstationRightsIn{Office: office, Rights: *r}); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "workstation %s may now %s (the rights reach it with the next workstation sync here)\n", office, rightsText(*r))
			return nil
		case "join":
			p, err := c.pairing(app, office)
			if err != nil {
				return err
			}
			if err := app.Share.JoinOffice(ui.WorkstationJoinIn{Office: office, Code: *code}); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "this PC (office id %s) joined the office through workstation %s (%s)\n", p.Self, p.Office, p.Name)
			fmt.Fprintf(c.stdout, "next: an administrator there runs workstation approve %s with the code shown here, then workstation sync here brings the companies\n", p.Self)
			return nil
		}
		p, err := c.pairing(app, office)
		if err != nil {
			return err
		}
		if err := app.Share.ApproveWorkstation(ui.WorkstationApproveIn{Office: office, Code: *code, Rights: *r}); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "workstation %s (%s) approved; it may %s\n", p.Office, p.Name, rightsText(*r))
		fmt.Fprintln(c.stdout, "every company here is offered to it: workstation sync there accepts them")
		return nil
	})
}

// pairing is PairWorkstation, with what to do when the other PC's key is not on the relay.
func (c *cli) pairing(app *ui.App, office string) (ui.WorkstationPairing, error) {
	p, err := app.Share.PairWorkstation(office)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeNotFound {
		fmt.Fprintf(c.stderr, "shelterctl: check the office id %s; the other PC publishes its key when an administrator there opens its workstation screen or runs shelterctl workstation list\n", office)
	}
	return p, err
}

// rightsText says what a workstation may do.
func rightsText(r ui.WorkstationRights) string {
	yn := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "no"
	}
	return fmt.Sprintf("reveal numbers: %s, download: %s, dispose: %s", yn(r.Reveal), yn(r.Download), yn(r.Dispose))
}

// jst formats a time as the bound methods pass it on in JST ("" stays "").
func jst(s string) string {
	t, err := store.ParseTime(s)
	if err != nil || s == "" {
		return s
	}
	return t.In(jpdate.JST).Format("2006-01-02 15:04") + " JST"
}

func (c *cli) workstationList(app *ui.App) error {
	v, err := app.Share.Workstations()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "this PC: office id %s, fingerprint %s\n", v.Self, v.Fingerprint)
	if v.RelayError != nil {
		fmt.Fprintf(c.stdout, "the relay cannot be reached (this list is this PC's record): %s\n", v.RelayError.EN)
	}
	if v.Left > 0 {
		fmt.Fprintf(c.stdout, "WARNING: the relay no longer serves this PC %d shared companies: it may have been removed from the office (it keeps only what it received)\n", v.Left)
	}
	if len(v.Workstations) == 0 {
		fmt.Fprintln(c.stdout, "no other workstation (workstation pair / join / approve add one)")
	}
	how := map[string]string{"joined": "this PC joined through it", "approved": "approved here", "via": "known from another workstation"}
	for _, w := range v.Workstations {
		state := "one of the office's"
		if w.RemovedAt != "" {
			state = "REMOVED by " + w.RemovedBy + " at " + jst(w.RemovedAt)
		}
		fmt.Fprintf(c.stdout, "\nworkstation %s (%s): %s\n", w.Office, w.Name, state)
		fmt.Fprintf(c.stdout, "  fingerprint: %s\n", w.Fingerprint)
		h := how[w.How]
		if h == "" {
			h = w.How
		}
		fmt.Fprintf(c.stdout, "  how known: %s\n", h)
		fmt.Fprintf(c.stdout, "  companies: %d\n", w.Companies)
		if w.RightsSet {
			fmt.Fprintf(c.stdout, "  rights: %s\n", rightsText(w.Rights))
		} else {
			fmt.Fprintln(c.stdout, "  rights: not set here (until an administrator sets them, it may not reveal, download or dispose)")
		}
		fmt.Fprintf(c.stdout, "  added by %s at %s\n", w.AddedBy, jst(w.AddedAt))
	}
	return nil
}

func (c *cli) workstationPair(app *ui.App, office string) error {
	p, err := c.pairing(app, office)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "this PC: office id %s\n", p.Self)
	fmt.Fprintf(c.stdout, "workstation %s (%s)\n", p.Office, p.Name)
	fmt.Fprintf(c.stdout, "pair code: %s\n", p.Code)
	fmt.Fprintln(c.stdout, "compare it with the code the other workstation shows, and type that one there (--code)")
	return nil
}

func (c *cli) workstationSync(app *ui.App) error {
	r, err := app.Share.SyncWorkstations()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "accepted: %d companies offered by workstations of the office\n", r.Accepted)
	fmt.Fprintf(c.stdout, "offered: %d companies to workstations of the office\n", r.Offered)
	fmt.Fprintf(c.stdout, "removed: %d companies a removed workstation was a member of\n", r.Removed)
	if r.Accepted > 0 {
		fmt.Fprintln(c.stdout, "the accepted companies' employees and numbers follow at the app's automatic share sync, while their 責任者 / 担当者 is logged in (M-6)")
	}
	return nil
}

// workstationRemove runs "workstation remove OFFICE [--yes]": on a terminal it asks first;
// elsewhere only --yes removes.
func (c *cli) workstationRemove(args []string) error {
	fs := flag.NewFlagSet("workstation remove", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	yes := fs.Bool("yes", false, "remove without asking")
	office, err := officeArgs(fs, args, "workstation remove OFFICE [--yes]")
	if err != nil {
		return err
	}
	f, isFile := c.stdin.(*os.File)
	interactive := isFile && term.IsTerminal(int(f.Fd()))
	if !*yes && !interactive {
		return usageError{"workstation remove: removing a workstation cannot be undone (it must join again): confirm with --yes"}
	}
	return c.appSession(func(app *ui.App) error {
		if !*yes {
			v, err := app.Share.Workstations()
			if err != nil {
				return err
			}
			var w *ui.WorkstationInfo
			for i := range v.Workstations {
				if v.Workstations[i].Office == office && v.Workstations[i].RemovedAt == "" {
					w = &v.Workstations[i]
				}
			}
			if w == nil {
				return errors.New("no workstation of the office has the office id " + office + " (see workstation list)")
			}
			fmt.Fprintf(c.stderr, "Remove workstation %s (%s) from the office and from its %d companies? It cannot sync again until it joins anew. Type yes to remove: ",
				w.Office, w.Name, w.Companies)
			if c.stdinBuf == nil {
				c.stdinBuf = bufio.NewReader(c.stdin)
			}
			answer, _ := c.stdinBuf.ReadString('\n')
			if strings.TrimSpace(answer) != "yes" {
				return errors.New("not removed")
			}
		}
		n, err := app.Share.RemoveWorkstation(office)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "workstation %s removed from the office and from %d companies\n", office, n)
		return nil
	})
}

// appSession logs --user in to the app's own session (the one the window's bound methods act
// as, with its checks), connects M-6 to the relay through this PC's shelter-bridge, runs fn
// and logs out.
func (c *cli) appSession(fn func(app *ui.App) error) error {
	if c.user == "" {
		return usageError{"--user LOGIN is required (or set SHELTER_USER)"}
	}
	app, err := c.open(false)
	if err != nil {
		return err
	}
	defer app.Close() // logs out
	if !app.Audit.HasKey() {
		return auth.ErrKeychainMissing
	}
	client := c.bridge()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	st, err := client.SyncStatus(ctx)
	cancel()
	if err != nil {
		return fmt.Errorf("shelter-bridge is not reachable (%s): start it (shelter-bridge run, or start the app once): %w", client.Path, err)
	}
	if !st.Enrolled {
		return errors.New("this PC's shelter-bridge is not enrolled with a relay: enrol it first (shelterctl relay enrol, or M-5 in the app)")
	}
	pw := c.loginPW
	if pw == "" {
		if pw, err = c.password("Password for " + c.user + ": "); err != nil {
			return err
		}
	}
	state, err := app.Session.Login(c.user, pw)
	if err != nil {
		return err
	}
	c.loginPW = pw
	switch {
	case !state.LoggedIn:
		return errFactorRequired // the login waits for a second factor (or its enrolment)
	case state.MustChangePassword:
		return errMustChange
	}
	app.SetShareTransport(&share.BridgeTransport{Bridge: client})
	return fn(app)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/history"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/ui"
)

// The administrator's commands of M-2 (users), 1-1 (the 責任者 and 担当者 of a company) and the
// second-factor rule, through the same app/auth use cases as the app: the same checks
// (administrators only), the same history entries. A temporary password is printed once, on
// standard output, as the app shows it once.

// userByLogin finds a user's id by login.
func userByLogin(app *ui.App, sess *auth.Session, login string) (int64, error) {
	us, err := app.Auth.ListUsers(context.Background(), sess.Principal)
	if err != nil {
		return 0, err
	}
	for _, u := range us {
		if strings.EqualFold(u.Login, login) {
			return u.ID, nil
		}
	}
	return 0, usageError{fmt.Sprintf("no user with the login %q", login)}
}

// user runs "user add|disable|enable|reset-password".
func (c *cli) userCmd(sub string, args []string) error {
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	name := fs.String("name", "", "display name (user add; default: the login)")
	email := fs.String("email", "", "e-mail address (user add)")
	admin := fs.Bool("admin", false, "make the user a system administrator (user add)")
	// LOGIN may come before or after the flags.
	var login string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		login, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return usageError{"user " + sub + ": " + err.Error()}
	}
	if login == "" && fs.NArg() == 1 {
		login = fs.Arg(0)
	} else if login == "" || fs.NArg() != 0 {
		return usageError{"user " + sub + " needs one LOGIN"}
	}
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		ctx := context.Background()
		if sub == "add" {
			if *name == "" {
				*name = login
			}
			tp, err := app.Auth.CreateUser(ctx, sess, auth.UserInput{Login: login, DisplayName: *name, Email: *email, IsAdmin: *admin})
			if err != nil {
				return err
			}
			c.printTemporary(tp)
			return nil
		}
		id, err := userByLogin(app, sess, login)
		if err != nil {
			return err
		}
		switch sub {
		case "disable", "enable":
			return app.Auth.SetDisabled(ctx, sess, id, sub == "disable")
		case "reset-password":
			tp, err := app.Auth.ResetPassword(ctx, sess, id)
			if err != nil {
				return err
			}
			c.printTemporary(tp)
			return nil
		}
		return usageError{"unknown user command " + sub}
	})
}

func (c *cli) printTemporary(tp auth.TemporaryPassword) {
	fmt.Fprintf(c.stdout, "%s\t%s\n", tp.User.Login, tp.Password)
	fmt.Fprintf(c.stderr, "temporary password of %s: valid until %s (JST); it must be changed at the first login in the app\n",
		tp.User.Login, tp.ExpiresAt.In(jpdate.JST).Format("2006-01-02 15:04"))
}

// roleSet runs "role set --company ID --manager LOGIN[,LOGIN…] [--handler LOGIN[,LOGIN…]]": the
// company's 事務取扱責任者 and 事務取扱担当者, replacing the current ones (1-1).
func (c *cli) roleSet(args []string) error {
	fs := flag.NewFlagSet("role set", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	company := fs.Int64("company", 0, "company id")
	managers := fs.String("manager", "", "logins of the 事務取扱責任者, comma-separated")
	handlers := fs.String("handler", "", "logins of the 事務取扱担当者, comma-separated")
	if err := fs.Parse(args); err != nil {
		return usageError{"role set: " + err.Error()}
	}
	if *company == 0 || *managers == "" {
		return usageError{"role set needs --company ID and --manager LOGIN[,LOGIN…]"}
	}
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		ids := func(list string) ([]int64, error) {
			var out []int64
			for _, l := range strings.Split(list, ",") {
				if l = strings.TrimSpace(l); l == "" {
					continue
				}
				id, err := userByLogin(app, sess, l)
				if err != nil {
					return nil, err
				}
				out = append(out, id)
			}
			return out, nil
		}
		m, err := ids(*managers)
		if err != nil {
			return err
		}
		h, err := ids(*handlers)
		if err != nil {
			return err
		}
		_, err = app.Auth.SetAssignment(context.Background(), sess, *company, m, h)
		return err
	})
}

// policySet runs "policy set required|optional [--reason TEXT]": the office's second-factor rule.
func (c *cli) policySet(args []string) error {
	fs := flag.NewFlagSet("policy set", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	reason := fs.String("reason", "", "why second factors become optional (recorded in the history)")
	var policy string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		policy, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return usageError{"policy set: " + err.Error()}
	}
	if policy == "" && fs.NArg() == 1 {
		policy = fs.Arg(0)
	}
	if policy != "required" && policy != "optional" {
		return usageError{"policy set needs required or optional"}
	}
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		return app.Auth.SetFactorPolicy(context.Background(), sess, auth.FactorPolicy(policy), *reason)
	})
}

// historyExport runs "history export --from YYYY-MM-DD --to YYYY-MM-DD [--company ID] --format
// xlsx|csv|csv-cp932 FILE": the 2-1 report of a period (JST calendar days, both included) for
// a monthly job, recorded in the history as the app's export is. FILE must not exist.
func (c *cli) historyExport(args []string) error {
	fs := flag.NewFlagSet("history export", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	from := fs.String("from", "", "first day, YYYY-MM-DD (JST)")
	to := fs.String("to", "", "last day, YYYY-MM-DD (JST)")
	company := fs.Int64("company", 0, "company id (administrators may leave it out for every company)")
	format := fs.String("format", "xlsx", "xlsx, csv (UTF-8 with BOM) or csv-cp932")
	var file string
	if n := len(args); n > 0 && !strings.HasPrefix(args[n-1], "-") && (n == 1 || !strings.HasPrefix(args[n-2], "--")) {
		file, args = args[n-1], args[:n-1]
	}
	if err := fs.Parse(args); err != nil {
		return usageError{"history export: " + err.Error()}
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" {
		return usageError{"history export needs FILE"}
	}
	f := audit.Filter{CompanyID: *company}
	for _, d := range []struct {
		s   string
		out *time.Time
		add int
	}{{*from, &f.From, 0}, {*to, &f.To, 1}} {
		if d.s == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.s, jpdate.JST)
		if err != nil {
			return usageError{"history export: dates are YYYY-MM-DD"}
		}
		*d.out = t.AddDate(0, 0, d.add)
	}
	out, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("history export: %w", err)
	}
	err = c.withSession(func(app *ui.App, sess *auth.Session) error {
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		x, err := (&history.Exporter{DB: app.DB, Audit: app.Audit, Keys: sess.Keys(), Anchors: history.RelayAnchors(c.bridge(), log), Log: log}).
			Export(ctx, sess, f, *format)
		if err != nil {
			return err
		}
		if _, err := out.Write(x.Data); err != nil {
			return err
		}
		if err := out.Sync(); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%d entries written to %s\n", x.Rows, file)
		return nil
	})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(file)
	}
	return err
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/replica"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/bridge"
)

// replicaCmd runs "replica status" and "replica upload": the office replica on the cloud relay,
// through this PC's shelter-bridge (which holds the relay enrolment), as M-5 shows and does.
// bridge is the client of this user's shelter-bridge (--bridge-socket in tests).
func (c *cli) bridge() *bridge.Client {
	if c.bridgeSocket != "" {
		return &bridge.Client{Path: c.bridgeSocket}
	}
	return &bridge.Client{Path: bridge.SocketPath()}
}

func (c *cli) replicaCmd(sub string) error {
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		if err := auth.RequireAdmin(sess.Principal); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		client := c.bridge()
		svc := &replica.Service{DB: app.DB, Audit: app.Audit}
		if sub == "upload" {
			if rs, err := client.ReplicaStatus(ctx); err == nil {
				if err := svc.RecordUploads(ctx, sess.Entry(audit.ActionReplica, audit.ResultOK), rs.LastAt, rs.LastError); err != nil {
					return err
				}
			}
			sn, err := svc.Take(ctx, sess.Keys(), bridge.ReplicaSink{Client: client})
			if err != nil {
				return fmt.Errorf("replica upload: %w", err)
			}
			if _, err := client.SyncNow(ctx); err != nil {
				return fmt.Errorf("snapshot %s is staged in the bridge, but the relay did not take it yet: %w", sn.ID, err)
			}
		}
		l, err := svc.Local(ctx)
		if err != nil {
			return err
		}
		rs, err := client.ReplicaStatus(ctx)
		if err != nil {
			return fmt.Errorf("shelter-bridge not reachable (%s): %w", client.Path, err)
		}
		fmt.Fprintf(c.stdout, "changes not yet uploaded: %d\n", l.Pending())
		if rs.LastAt != "" {
			fmt.Fprintf(c.stdout, "last upload: %s (%d bytes, snapshot %s)\n", rs.LastAt, rs.LastBytes, rs.LastID)
		} else {
			fmt.Fprintln(c.stdout, "last upload: none")
		}
		if rs.Waiting != "" {
			fmt.Fprintf(c.stdout, "waiting in the bridge: %s (%d bytes)\n", rs.Waiting, rs.WaitingBytes)
		}
		if rs.LastError != "" {
			fmt.Fprintf(c.stdout, "last error: %s\n", rs.LastError)
		}
		return nil
	})
}

// restoreFromRelay restores the office onto this PC (a --vault directory without an office)
// from the relay's replica, as 「クラウドから復元」 does: standard input gives the Recovery Kit's
// key, then the new password of the administrator --user on this PC.
func (c *cli) restoreFromRelay(args []string) error {
	fs := flag.NewFlagSet("restore --from-relay", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	url := fs.String("from-relay", "", "the relay's URL (https://…)")
	caFile := fs.String("ca", "", "the relay's CA certificate (PEM file)")
	code := fs.String("code", "", "the one-time restore code (M-5 on a working PC, or shelter-cloud restore-code)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *url == "" || *caFile == "" || *code == "" || fs.NArg() != 0 {
		return usageError{"restore --from-relay URL --ca FILE --code CODE"}
	}
	ca, err := os.ReadFile(*caFile)
	if err != nil {
		return fmt.Errorf("reading the relay's CA certificate: %w", err)
	}
	if err := c.restoreNew("restore --from-relay", *url, func(app *ui.App, key, pw string) (ui.SessionState, error) {
		return app.Replica.RestoreFromCloud(ui.CloudRestoreRequest{URL: *url, CAPEM: string(ca), Code: *code, RecoveryKey: key, Login: c.user, NewPassword: pw})
	}); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "enrol this PC with the relay again (M-5) to keep the replica going")
	return nil
}

// relayEnrol enrols this user's shelter-bridge with the relay, as M-5's 登録 does: an
// administrator, the URL and CA certificate the operator gave, and the one-time enrolment token
// (SHELTER_RELAY_TOKEN, or the line of standard input after the password). The enrolment is
// recorded in the history; from then on the replica and the anchors go to the relay.
func (c *cli) relayEnrol(args []string) error {
	fs := flag.NewFlagSet("relay enrol", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	relayURL := fs.String("url", "", "the relay's https:// address (from the operator)")
	caFile := fs.String("ca", "", "file with the relay's CA certificate (PEM, from the operator)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *relayURL == "" || *caFile == "" || fs.NArg() != 0 {
		return usageError{"relay enrol needs --url URL and --ca FILE"}
	}
	if err := replica.CheckRelayURL(*relayURL); err != nil {
		return err
	}
	ca, err := os.ReadFile(*caFile)
	if err != nil {
		return fmt.Errorf("reading the CA certificate: %w", err)
	}
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		if err := auth.RequireAdmin(sess.Principal); err != nil {
			return err
		}
		token, ok := os.LookupEnv("SHELTER_RELAY_TOKEN")
		if !ok {
			if token, err = c.secretLine("Enrolment token: "); err != nil {
				return errors.New("no enrolment token: set SHELTER_RELAY_TOKEN or give it on standard input after the password")
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := c.bridge().SyncEnrol(ctx, strings.TrimSpace(*relayURL), string(ca), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		svc := &replica.Service{DB: app.DB, Audit: app.Audit}
		if err := svc.RecordEnrolment(ctx, sess.Principal, st.Office, st.URL); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "enrolled with %s as office %s\n", st.URL, st.Office)
		return nil
	})
}

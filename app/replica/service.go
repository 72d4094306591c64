package replica

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Meta keys (vault.db) of the replica's progress on this PC.
const (
	metaHead  = "replica_head"  // audit head of the last snapshot handed to the bridge
	metaAt    = "replica_at"    // when (RFC 3339 UTC)
	metaID    = "replica_id"    // its id
	metaBytes = "replica_bytes" // its sealed size
	metaState = "replica_state" // "", "ok" or "error": the last state recorded in the history
)

// MinGap is the shortest time between two snapshots: changes made meanwhile go into the next.
const MinGap = 20 * time.Second

// Service takes snapshots when the vault has changed and records the replica's state.
type Service struct {
	DB    *store.DB
	Audit *audit.Log
	// MinGap defaults to the package's MinGap (tests lower it).
	MinGap time.Duration
}

// Local is what this PC knows of its replica.
type Local struct {
	// Head is the history's last entry; StagedHead the last entry the last snapshot holds.
	Head, StagedHead int64
	StagedAt         time.Time
	StagedID         string
	StagedBytes      int64
	State            string
}

// Pending is the number of history entries (each change writes at least one) not yet in a
// snapshot.
func (l Local) Pending() int64 { return max(0, l.Head-l.StagedHead) }

// Local reads the replica's progress.
func (s *Service) Local(ctx context.Context) (Local, error) {
	var l Local
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(`SELECT coalesce(max(id), 0) FROM audit_log`).Scan(&l.Head); err != nil {
			return err
		}
		get := func(k string) string { v, _, _ := tx.Meta(k); return v }
		l.StagedHead, _ = strconv.ParseInt(get(metaHead), 10, 64)
		l.StagedBytes, _ = strconv.ParseInt(get(metaBytes), 10, 64)
		l.StagedAt, _ = store.ParseTime(get(metaAt))
		l.StagedID, l.State = get(metaID), get(metaState)
		return nil
	})
	return l, err
}

// Due reports whether a snapshot should be taken now: the vault changed since the last one
// and the last one is at least MinGap old (force skips the wait).
func (s *Service) Due(ctx context.Context, force bool) (bool, error) {
	l, err := s.Local(ctx)
	if err != nil || l.Pending() == 0 {
		return false, err
	}
	gap := s.MinGap
	if gap <= 0 {
		gap = MinGap
	}
	return force || l.StagedAt.IsZero() || s.DB.Now().Sub(l.StagedAt) >= gap, nil
}

// Sink is where snapshots go: the bridge, which keeps a staged snapshot until the relay has it
// and then sends the history's digest at the snapshot's last entry (anchorID 0: none) under the
// vault's chain (audit.ChainID).
type Sink interface {
	Stage(ctx context.Context, id string, sealed []byte, chain string, anchorID int64, digest []byte) error
}

// Take makes a snapshot with keys and hands it and its history anchor to sink; once the sink has
// them, the vault remembers the snapshot as the last one.
func (s *Service) Take(ctx context.Context, keys *vault.Keys, sink Sink) (Snapshot, error) {
	sn, err := Make(ctx, s.DB, keys)
	if err != nil {
		return sn, err
	}
	var anchorID int64
	if sn.Anchor != nil {
		anchorID = sn.AuditHead
	}
	if err := sink.Stage(ctx, sn.ID, sn.Sealed, sn.Chain, anchorID, sn.Anchor); err != nil {
		return sn, err
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		for k, v := range map[string]string{metaHead: strconv.FormatInt(sn.AuditHead, 10), metaAt: tx.NowText(),
			metaID: sn.ID, metaBytes: strconv.Itoa(len(sn.Sealed))} {
			if err := tx.SetMeta(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	return sn, err
}

// Record writes a change of the replica's state into the history when it differs from the last
// one recorded: "ok" (snapshots reach the relay; the first time, or again after errors) or
// "error" (detail says what failed; never a number: errors of this product carry none).
// entry names who was working (the session whose keys sealed the snapshots).
func (s *Service) Record(ctx context.Context, entry audit.Entry, state, detail string) error {
	// The app asks every few seconds: no write transaction while nothing changed.
	var last string
	if err := s.DB.View(ctx, func(tx *store.Tx) (err error) { last, _, err = tx.Meta(metaState); return err }); err != nil || last == state {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		last, _, err := tx.Meta(metaState)
		if err != nil || last == state {
			return err
		}
		entry.Action, entry.TargetType = audit.ActionReplica, "relay"
		entry.Result, entry.Detail = audit.ResultOK, "replica snapshots reach the cloud relay"
		if state == "error" {
			entry.Result, entry.Detail = audit.ResultFailed, audit.Redact("replica upload failing: "+detail)
		}
		if _, err := s.Audit.Append(tx, entry); err != nil {
			return err
		}
		return tx.SetMeta(metaState, state)
	})
}

// RecordUploads records the state the bridge reports for the uploads so far (lastAt: the last
// upload the relay took, "" for none; lastError: the last upload's error, "" for none) when it
// changed: call it before taking the next snapshot, so that the entry goes into it.
func (s *Service) RecordUploads(ctx context.Context, entry audit.Entry, lastAt, lastError string) error {
	switch {
	case lastError != "":
		return s.Record(ctx, entry, "error", lastError)
	case lastAt != "":
		return s.Record(ctx, entry, "ok", "")
	}
	return nil
}

// RecordRestoreCode records that an administrator had the relay issue a one-time restore code
// for a new PC (the code itself is never written).
func (s *Service) RecordRestoreCode(ctx context.Context, p auth.Principal) error {
	if err := auth.RequireAdmin(p); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		e := p.Entry(audit.ActionReplica, audit.ResultOK)
		e.TargetType, e.Detail = "relay", "one-time restore code issued for a new PC"
		_, err := s.Audit.Append(tx, e)
		return err
	})
}

// CheckRelayURL refuses the address the enrolment form shows as an example (relay.example.jp)
// and any other host of the example domains (RFC 2606), which can never be a relay. Anything
// else is the bridge's to judge when it connects.
func CheckRelayURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil
	}
	h := strings.ToLower(u.Hostname())
	for _, d := range []string{"example.jp", "example.com", "example.org", "example.net", "example"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return apperr.Invalid("url", "これは入力例のURLです。運用者から受け取った中継サーバーのURLを入力してください。",
				"This is the example address. Enter the relay URL the operator gave you.")
		}
	}
	return nil
}

// RecordEnrolment records that an administrator enrolled this office's bridge with the relay at
// url as office (the token is never written).
func (s *Service) RecordEnrolment(ctx context.Context, p auth.Principal, office, url string) error {
	if err := auth.RequireAdmin(p); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.TargetType, e.TargetID, e.Detail = "relay", office, "enrolled with the cloud relay "+url
		_, err := s.Audit.Append(tx, e)
		return err
	})
}

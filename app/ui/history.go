package ui

import (
	"context"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/history"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
)

// HistoryService is 2-1 取扱い履歴照会: administrators see everything; a 事務取扱責任者 sees the
// history of the companies they manage.
type HistoryService struct{ a *App }

func parseDay(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, jpdate.JST)
	if err != nil {
		return t, &Error{Code: apperr.CodeInvalid, Field: field, JA: "日付は YYYY-MM-DD の形式で入力してください。", EN: "Enter dates as YYYY-MM-DD."}
	}
	return t, nil
}

// Query returns one page of history, newest first (app/history decides who sees what).
func (s *HistoryService) Query(f HistoryFilter) (HistoryPage, error) {
	a := s.a
	sess, err := a.ready()
	if err != nil {
		return HistoryPage{}, err
	}
	af, err := historyFilter(f)
	if err != nil {
		return HistoryPage{}, err
	}
	pg, err := history.Query(context.Background(), a.DB, sess.Principal, af, a.language())
	if err != nil {
		return HistoryPage{}, a.fail("querying history", err)
	}
	page := HistoryPage{NextBeforeID: pg.NextBeforeID, Total: pg.Total, Entries: make([]HistoryEntry, len(pg.Entries))}
	for i, e := range pg.Entries {
		page.Entries[i] = HistoryEntry{ID: e.ID, Time: store.FormatTime(e.Time), Login: e.Login, Workstation: e.Workstation,
			Action: string(e.Action), ActionJA: e.Action.Label("ja"), ActionEN: e.Action.Label("en"),
			CompanyID: e.CompanyID, CompanyName: e.CompanyName, TargetType: e.TargetType, TargetID: e.TargetID,
			Purpose: e.Purpose, Result: string(e.Result), Detail: e.Detail,
			UserLabel: e.Row.User, TargetLabel: e.Row.Target, PurposeLabel: e.Row.Purpose, ResultLabel: e.Row.Result, DetailText: e.Row.Detail,
			Source: e.Source}
	}
	return page, nil
}

// Verify checks the whole chain (administrators and managers) and records that it was checked.
func (s *HistoryService) Verify() (VerifyResult, error) {
	a := s.a
	sess, err := a.ready()
	if err != nil {
		return VerifyResult{}, err
	}
	if !sess.IsAdmin {
		_, manager, err := a.Auth.Assignments(context.Background(), sess.Principal)
		if err != nil {
			return VerifyResult{}, a.fail("verify", err)
		}
		if !manager {
			return VerifyResult{}, toError(apperr.Forbidden("履歴の検証はシステム管理者・事務取扱責任者が行えます。", "Only administrators and managers can verify the history."))
		}
	}
	res, err := audit.Verify(context.Background(), a.DB, a.Audit.CurrentKey())
	if err != nil {
		return VerifyResult{}, a.fail("verify", err)
	}
	out := VerifyResult{Entries: res.Entries, OK: res.OK, FirstBroken: res.FirstBroken,
		ReasonJA: res.Kind.Label("ja"), ReasonEN: res.Reason}
	if res.OK {
		out.ReasonJA, out.ReasonEN = "改ざんは検出されませんでした。", "No tampering detected."
	}
	if ar, ok := s.checkAnchors(); ok {
		out.Anchors, out.Diverged, out.RestoredAt = ar.Checked, ar.Diverged, ar.RestoredAt
		if !ar.LastAt.IsZero() {
			out.AnchoredAt = store.FormatTime(ar.LastAt)
		}
		if ar.Broken != 0 && (out.OK || ar.Broken < out.FirstBroken) {
			at := ar.BrokenAt.In(jpdate.JST).Format("2006-01-02 15:04")
			out.OK, out.FirstBroken = false, ar.Broken
			out.ReasonJA = "中継サーバーに " + at + " に記録した時点より後に、この履歴が書き換えられています（この PC の外に残した記録と一致しません）。"
			out.ReasonEN = "The history was rewritten after " + at + " JST, when the relay recorded it (it no longer matches the record kept outside this PC)."
		}
	}
	return out, nil
}

// checkAnchors compares the history with the relay's anchors, when the office is enrolled and
// the bridge answers; ok is false when they could not be read.
func (s *HistoryService) checkAnchors() (audit.AnchorResult, bool) {
	a := s.a
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	if st, err := a.relay.SyncStatus(ctx); err != nil || !st.Enrolled {
		return audit.AnchorResult{}, false
	}
	var vaultID string
	if err := a.DB.View(ctx, func(tx *store.Tx) (err error) {
		vaultID, err = a.Vault.VaultID(tx)
		return err
	}); err != nil {
		a.log.Warn("reading the vault id", "err", err)
		return audit.AnchorResult{}, false
	}
	list, err := a.relay.Anchors(ctx, audit.ChainID(vaultID))
	if err != nil {
		a.log.Info("audit anchors unavailable", "err", err)
		return audit.AnchorResult{}, false
	}
	anchors := make([]audit.Anchor, len(list))
	for i, x := range list {
		anchors[i] = audit.Anchor{ID: x.AuditID, Digest: x.Digest, At: x.Created}
	}
	res, err := audit.CheckAnchors(ctx, a.DB, anchors)
	if err != nil {
		a.log.Warn("checking audit anchors", "err", err)
		return audit.AnchorResult{}, false
	}
	return res, true
}

// ActionLabel is one choice of the action filter.
type ActionLabel struct {
	Value string `json:"value"`
	JA    string `json:"ja"`
	EN    string `json:"en"`
}

// Actions lists the actions the history can hold, for the filter.
func (s *HistoryService) Actions() ([]ActionLabel, error) {
	if _, err := s.a.ready(); err != nil {
		return nil, err
	}
	var out []ActionLabel
	for _, act := range audit.Actions() {
		out = append(out, ActionLabel{Value: string(act), JA: act.Label("ja"), EN: act.Label("en")})
	}
	return out, nil
}

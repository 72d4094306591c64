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
	v, err := history.Verify(context.Background(), a.DB, a.Audit.CurrentKey(), sess.Keys(), sess.Principal, history.RelayAnchors(a.relay, a.log), a.log)
	if err != nil {
		return VerifyResult{}, a.fail("verify", err)
	}
	out := VerifyResult{Entries: v.Entries, OK: v.OK, FirstBroken: v.FirstBroken, ReasonJA: v.JA, ReasonEN: v.EN, Chains: []PeerChainResult{}}
	for _, c := range v.Chains {
		out.Chains = append(out.Chains, PeerChainResult{CompanyName: c.CompanyName, Source: c.Source, SourceName: c.SourceName,
			Entries: c.Entries, Chained: c.Chained, Gaps: c.Gaps, Broken: c.Broken, Bad: c.Bad, Authenticated: c.Authenticated,
			FirstBroken: c.FirstBroken, OK: c.OK()})
	}
	if v.OK && v.SealChecked && v.Sealed > 0 {
		out.SealedSince, out.LastSealed, out.Unsealed = v.SealedSince, v.LastSealed, v.Unsealed()
	}
	if v.Anchored {
		out.Anchors, out.Diverged, out.RestoredAt = v.Anchors.Checked, v.Anchors.Diverged, v.Anchors.RestoredAt
		if !v.Anchors.LastAt.IsZero() {
			out.AnchoredAt = store.FormatTime(v.Anchors.LastAt)
		}
	}
	return out, nil
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

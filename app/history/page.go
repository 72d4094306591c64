package history

import (
	"context"
	"sort"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Entry is one line of 2-1: an entry of this installation's chain, described for a reader
// (Row), or an entry a member of a shared company's group made there (Source names it; such an
// entry is a fact for the reader, not part of this chain).
type Entry struct {
	audit.Entry
	CompanyName string
	Row         Row
	// Source is "" for this installation's entries, else the other installation's name and
	// office id ("name (office)"); Workstation is then its name.
	Source string
}

// Page is one page of 2-1, newest first. NextBeforeID continues it (0: the last page).
type Page struct {
	Entries      []Entry
	NextBeforeID int64
	Total        int64
}

// Query reads one page of the history for p in language lang: administrators see every entry;
// anyone else must name a company they are the 事務取扱責任者 of. f.Limit 0 means 50. The
// entries that members of a shared company's group made there and that fall in this page's time
// window are merged in, newest first.
func Query(ctx context.Context, db *store.DB, p auth.Principal, f audit.Filter, lang string) (Page, error) {
	var page Page
	if f.Limit <= 0 {
		f.Limit = 50
	}
	err := db.View(ctx, func(tx *store.Tx) error {
		if err := mayRead(tx, p, f); err != nil {
			return err
		}
		entries, err := audit.Query(tx, f)
		if err != nil {
			return err
		}
		if page.Total, err = audit.Count(tx, f); err != nil {
			return err
		}
		names, err := companyNames(tx)
		if err != nil {
			return err
		}
		page.Entries = make([]Entry, len(entries))
		hr := NewReader(tx, lang)
		for i, e := range entries {
			row, err := hr.Describe(e)
			if err != nil {
				return err
			}
			page.Entries[i] = Entry{Entry: e, CompanyName: names[e.CompanyID], Row: row}
		}
		if len(entries) == f.Limit {
			page.NextBeforeID = entries[len(entries)-1].ID
		}
		return mergePeers(tx, f, entries, names, &page)
	})
	if err != nil {
		return Page{}, err
	}
	return page, nil
}

// mayRead checks that p may read the history f selects: administrators everything; anyone
// else must name a company they are the 事務取扱責任者 of (2-1, its report, its export).
func mayRead(tx *store.Tx, p auth.Principal, f audit.Filter) error {
	if p.IsAdmin {
		return nil
	}
	if f.CompanyID == 0 {
		return apperr.Invalid("companyId", "企業を選んでください。", "Choose a company.")
	}
	return auth.RequireCompanyRole(tx, p, f.CompanyID, auth.Manager)
}

func companyNames(tx *store.Tx) (map[int64]string, error) {
	rows, err := tx.Query(`SELECT id, name FROM companies`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// mergePeers adds the group members' entries of shared companies (app/share) that fall in this
// page's time window, newest first.
func mergePeers(tx *store.Tx, f audit.Filter, entries []audit.Entry, names map[int64]string, page *Page) error {
	var lower, upper time.Time
	if page.NextBeforeID != 0 {
		lower = entries[len(entries)-1].Time
	}
	if f.BeforeID != 0 {
		var at string
		if err := tx.QueryRow(`SELECT at FROM audit_log WHERE id <= ? ORDER BY id DESC LIMIT 1`, f.BeforeID).Scan(&at); err == nil {
			upper, _ = store.ParseTime(at)
		}
	}
	peer, err := peerEntries(tx, f, lower, upper, names)
	if err != nil || len(peer) == 0 {
		return err
	}
	page.Entries = append(page.Entries, peer...)
	sort.SliceStable(page.Entries, func(i, j int) bool { return page.Entries[i].Time.After(page.Entries[j].Time) })
	page.Total += int64(len(peer))
	return nil
}

// peerEntries reads the members' entries between lower and upper (zero: open) that f selects;
// filters on this installation's users, targets and results do not apply to them.
func peerEntries(tx *store.Tx, f audit.Filter, lower, upper time.Time, names map[int64]string) ([]Entry, error) {
	pf := share.PeerFilter{CompanyID: f.CompanyID, From: f.From, To: f.To, Limit: f.Limit}
	if f.UserID != 0 || f.TargetType != "" || f.Result != "" || len(f.Actions) > 1 {
		return nil, nil
	}
	if len(f.Actions) == 1 {
		pf.Action = string(f.Actions[0])
	}
	if !lower.IsZero() && (pf.From.IsZero() || lower.After(pf.From)) {
		pf.From = lower
	}
	if !upper.IsZero() && (pf.To.IsZero() || upper.Before(pf.To)) {
		pf.To = upper
	}
	list, err := share.PeerEntriesTx(tx, pf)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(list))
	for _, e := range list {
		out = append(out, Entry{
			Entry: audit.Entry{Time: e.Time, Login: e.Login, Workstation: e.SourceName, Action: audit.Action(e.Action),
				CompanyID: e.CompanyID, TargetType: e.TargetType, TargetID: e.TargetID, Purpose: e.Purpose,
				Result: audit.Result(e.Result), Detail: e.Detail},
			CompanyName: names[e.CompanyID],
			Source:      e.SourceName + " (" + e.Source + ")",
		})
	}
	return out, nil
}

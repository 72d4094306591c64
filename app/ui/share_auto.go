package ui

import (
	"context"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/auth"
)

// shareTick is how often StartShareSync syncs the shared companies.
var shareTick = 15 * time.Second

// shareAuto is the state of the automatic share sync that M-6 shows: the last error per
// company (none once a sync went through).
type shareAuto struct {
	mu   sync.Mutex
	errs map[int64]*Error
}

func (s *shareAuto) set(companyID int64, e *Error) (changed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.errs == nil {
		s.errs = map[int64]*Error{}
	}
	old := s.errs[companyID]
	if e == nil {
		delete(s.errs, companyID)
		return old != nil
	}
	s.errs[companyID] = e
	return old == nil || old.Code != e.Code || old.JA != e.JA
}

func (s *shareAuto) get(companyID int64) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errs[companyID]
}

// StartShareSync keeps the office's workstations and the shared companies (M-6) in step while
// the app runs: every shareTick the workstation sync runs, and when the logged-in user is a 責任者 / 担当者 of a shared company, that company's changes go to
// the other members and theirs are applied, with the session's keys, as 「今すぐ同期」 does. A
// pending key rotation (a member removed, a number disposed of) goes out the same way. A
// failing sync is shown on M-6's row and logged once per new error. main.go starts it; stop
// ends it, waiting for a sync under way.
func (a *App) StartShareSync() (stop func()) {
	return a.whileLoggedIn(shareTick, func(ctx context.Context, sess *auth.Session) {
		if a.share.HasTransport() {
			a.syncShares(ctx, sess)
		}
	})
}

// syncShares runs the workstation sync (every company offered to the office's workstations,
// theirs accepted) and then syncs every shared company sess's user has a role in.
func (a *App) syncShares(ctx context.Context, sess *auth.Session) {
	keys := sess.Keys()
	if keys == nil {
		return
	}
	_, err := a.share.SyncWorkstations(ctx, sess.Principal, keys)
	var we *Error
	if err != nil {
		we = toError(err)
	}
	if a.shareAuto.set(workstationsKey, we) && we != nil {
		a.log.Info("workstation auto sync", "code", we.Code, "err", err)
	}
	ids, err := a.share.Syncable(ctx, sess.Principal)
	if err != nil {
		a.log.Info("share auto sync", "err", err)
		return
	}
	for _, id := range ids {
		_, err := a.share.Sync(ctx, sess.Principal, keys, id)
		var ue *Error
		if err != nil {
			ue = toError(err)
		}
		if a.shareAuto.set(id, ue) && ue != nil {
			a.log.Info("share auto sync", "company", id, "code", ue.Code, "err", err)
		}
	}
}

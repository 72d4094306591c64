package ui

import (
	"context"
	"time"

	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/app/store"
)

// ShareService is M-6 データ共有: sharing one client company with that company's own
// installation (or its office's) through the relay. Administrators offer, accept and list;
// only the company's 責任者 / 担当者 sync and read conflicts (an administrator must be
// assigned to the company like anyone else: syncing handles its numbers).
type ShareService struct {
	a *App
}

func newShareService(a *App) *ShareService {
	a.share = &share.Service{DB: a.DB, Audit: a.Audit}
	a.sup.onConnect(a.connectShare) // share_bridge.go
	return &ShareService{a: a}
}

// SetShareTransport connects M-6 sharing to the relay (once the bridge is enrolled; tests).
// Until then every relay action answers "no relay connection is configured". It is the App's,
// not the bound ShareService's: nothing in the webview may change where shared envelopes go.
func (a *App) SetShareTransport(t share.Transport) { a.share.SetTransport(t) }

// ShareIdentity is this installation's sharing identity.
type ShareIdentity struct {
	Office      string `json:"office"`
	Fingerprint string `json:"fingerprint"`
}

// SharePeer is another office's directory entry.
type SharePeer struct {
	Office      string `json:"office"`
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
}

// ShareOfferIn is what the administrator confirms to offer a company.
type ShareOfferIn struct {
	CompanyID   int64  `json:"companyId"`
	Office      string `json:"office"`
	Fingerprint string `json:"fingerprint"`
}

// ShareOffer is a pending offer from another installation.
type ShareOffer struct {
	RelayCompany string `json:"relayCompany"`
	FromOffice   string `json:"fromOffice"`
	FromName     string `json:"fromName"`
	Fingerprint  string `json:"fingerprint"`
	CompanyCode  string `json:"companyCode"`
	CompanyName  string `json:"companyName"`
	ReceivedAt   string `json:"receivedAt"`
}

// ShareMember is another installation sharing a company.
type ShareMember struct {
	Office string `json:"office"`
	Name   string `json:"name"`
}

// ShareInfo is one shared company on M-6.
type ShareInfo struct {
	CompanyID    int64  `json:"companyId"`
	CompanyName  string `json:"companyName"`
	RelayCompany string `json:"relayCompany"`
	PeerOffice   string `json:"peerOffice"`
	PeerName     string `json:"peerName"`
	// Members are every other installation of the company's group (the peer among them).
	Members   []ShareMember `json:"members"`
	Role      string        `json:"role"`
	LastSync  string        `json:"lastSync"`
	Conflicts int           `json:"conflicts"`
	// SyncError is why the automatic sync of this company last failed (none once one went
	// through, or for a user with no role in the company, whose sessions do not sync it).
	SyncError *Error `json:"syncError,omitempty"`
}

// ShareSyncResult is what one sync did.
type ShareSyncResult struct {
	Sent      int `json:"sent"`
	Received  int `json:"received"`
	Conflicts int `json:"conflicts"`
}

// ShareConflict is a record where this side's version lost; values are masked.
type ShareConflict struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	LocalID      int64  `json:"localId"`
	WinnerOffice string `json:"winnerOffice"`
	WinnerTime   string `json:"winnerTime"`
	WinnerValue  string `json:"winnerValue"`
	LoserOffice  string `json:"loserOffice"`
	LoserTime    string `json:"loserTime"`
	LoserValue   string `json:"loserValue"`
	DetectedAt   string `json:"detectedAt"`
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return store.FormatTime(t)
}

// Identity publishes this installation's key and returns its fingerprint (administrators).
func (s *ShareService) Identity() (ShareIdentity, error) {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return ShareIdentity{}, err
	}
	id, err := s.a.share.Publish(context.Background(), sess.Principal, keys)
	if err != nil {
		return ShareIdentity{}, s.a.fail("share identity", err)
	}
	return ShareIdentity{Office: id.Office, Fingerprint: id.Fingerprint}, nil
}

// LookupPeer returns another office's name and key fingerprint (administrators).
func (s *ShareService) LookupPeer(office string) (SharePeer, error) {
	sess, err := s.a.admin()
	if err != nil {
		return SharePeer{}, err
	}
	p, err := s.a.share.LookupPeer(context.Background(), sess.Principal, office)
	if err != nil {
		return SharePeer{}, s.a.fail("share peer", err)
	}
	return SharePeer{Office: p.Office, Name: p.Name, Fingerprint: p.Fingerprint}, nil
}

// Offer shares a company with another office after its fingerprint was confirmed.
func (s *ShareService) Offer(in ShareOfferIn) error {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return err
	}
	return s.a.fail("share offer", s.a.share.Offer(context.Background(), sess.Principal, keys, in.CompanyID, in.Office, in.Fingerprint))
}

// RemoveMember removes office from the group sharing companyID (administrators): the relay stops
// serving it and the other members move to a key it never receives (app/share, "Removing a
// member").
func (s *ShareService) RemoveMember(companyID int64, office string) error {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return err
	}
	return s.a.fail("share remove member", s.a.share.RemoveMember(context.Background(), sess.Principal, keys, companyID, office))
}

// Offers lists pending offers from other installations (administrators).
func (s *ShareService) Offers() ([]ShareOffer, error) {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return nil, err
	}
	list, err := s.a.share.Offers(context.Background(), sess.Principal, keys)
	if err != nil {
		return nil, s.a.fail("share offers", err)
	}
	out := []ShareOffer{}
	for _, o := range list {
		out = append(out, ShareOffer{RelayCompany: o.RelayCompany, FromOffice: o.FromOffice, FromName: o.FromName, Fingerprint: o.Fingerprint,
			CompanyCode: o.CompanyCode, CompanyName: o.CompanyName, ReceivedAt: timeText(o.ReceivedAt)})
	}
	return out, nil
}

// Accept accepts an offer; fingerprint is the sender's as confirmed with its administrator.
// It returns the new company's id.
func (s *ShareService) Accept(relayCompany, fingerprint string) (int64, error) {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return 0, err
	}
	c, err := s.a.share.Accept(context.Background(), sess.Principal, keys, relayCompany, fingerprint)
	if err != nil {
		return 0, s.a.fail("share accept", err)
	}
	return c.ID, nil
}

// Reject drops a pending offer.
func (s *ShareService) Reject(relayCompany string) error {
	sess, err := s.a.admin()
	if err != nil {
		return err
	}
	return s.a.fail("share reject", s.a.share.Reject(context.Background(), sess.Principal, relayCompany))
}

// List lists the shared companies (administrators).
func (s *ShareService) List() ([]ShareInfo, error) {
	sess, err := s.a.admin()
	if err != nil {
		return nil, err
	}
	list, err := s.a.share.Shares(context.Background(), sess.Principal)
	if err != nil {
		return nil, s.a.fail("share list", err)
	}
	out := []ShareInfo{}
	for _, sh := range list {
		info := ShareInfo{CompanyID: sh.CompanyID, CompanyName: sh.CompanyName, RelayCompany: sh.RelayCompany, PeerOffice: sh.PeerOffice,
			PeerName: sh.PeerName, Members: []ShareMember{}, Role: sh.Role, LastSync: timeText(sh.LastSync), Conflicts: sh.Conflicts}
		for _, m := range sh.Members {
			info.Members = append(info.Members, ShareMember{Office: m.Office, Name: m.Name})
		}
		info.SyncError = s.a.shareAuto.get(sh.CompanyID)
		out = append(out, info)
	}
	return out, nil
}

// Sync sends and receives the shared company's changes now.
func (s *ShareService) Sync(companyID int64) (ShareSyncResult, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return ShareSyncResult{}, err
	}
	r, err := s.a.share.Sync(context.Background(), sess.Principal, keys, companyID)
	if err != nil {
		ue := s.a.fail("share sync", err)
		s.a.shareAuto.set(companyID, toError(ue))
		return ShareSyncResult{}, ue
	}
	s.a.shareAuto.set(companyID, nil)
	return ShareSyncResult{Sent: r.Sent, Received: r.Received, Conflicts: r.Conflicts}, nil
}

// Conflicts lists the shared company's conflicts, newest first.
func (s *ShareService) Conflicts(companyID int64) ([]ShareConflict, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	list, err := s.a.share.Conflicts(context.Background(), sess.Principal, companyID)
	if err != nil {
		return nil, s.a.fail("share conflicts", err)
	}
	out := []ShareConflict{}
	for _, c := range list {
		out = append(out, ShareConflict{ID: c.ID, Kind: c.Kind, LocalID: c.LocalID, WinnerOffice: c.WinnerOffice, WinnerTime: timeText(c.WinnerTime),
			WinnerValue: c.WinnerValue, LoserOffice: c.LoserOffice, LoserTime: timeText(c.LoserTime), LoserValue: c.LoserValue,
			DetectedAt: timeText(c.DetectedAt)})
	}
	return out, nil
}

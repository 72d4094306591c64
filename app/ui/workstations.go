package ui

import (
	"context"

	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Workstations of one office (app/share workstation.go): a new PC joins through a workstation
// already in the office, an administrator there approves it after both screens showed the
// same pair code, and every company then reaches every workstation through the share engine.
// These are ShareService's: one replication engine for workstations and shared companies.

// WorkstationPairing is what the join and approval screens show before the code is typed.
type WorkstationPairing struct {
	// Self is this PC's office id (the other screen types it), Office and Name the other's.
	Self   string `json:"self"`
	Office string `json:"office"`
	Name   string `json:"name"`
	Code   string `json:"code"`
}

// WorkstationRights is what a workstation may do with numbers.
type WorkstationRights struct {
	Reveal   bool `json:"reveal"`
	Download bool `json:"download"`
	Dispose  bool `json:"dispose"`
}

// WorkstationJoinIn is the new PC's request: the office id of a workstation of the office and
// the code its screen shows.
type WorkstationJoinIn struct {
	Office string `json:"office"`
	Code   string `json:"code"`
}

// WorkstationApproveIn is an approval: the new PC's office id, the code its screen shows, and
// what it may do.
type WorkstationApproveIn struct {
	Office string            `json:"office"`
	Code   string            `json:"code"`
	Rights WorkstationRights `json:"rights"`
}

// WorkstationRightsIn changes what a workstation may do.
type WorkstationRightsIn struct {
	Office string            `json:"office"`
	Rights WorkstationRights `json:"rights"`
}

// WorkstationInfo is another workstation of the office.
type WorkstationInfo struct {
	Office      string `json:"office"`
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	// How: "joined" (this PC joined through it), "approved" (approved here), "via" (known
	// from another workstation).
	How       string            `json:"how"`
	Rights    WorkstationRights `json:"rights"`
	RightsSet bool              `json:"rightsSet"`
	Companies int               `json:"companies"`
	AddedBy   string            `json:"addedBy"`
	AddedAt   string            `json:"addedAt"`
	RemovedBy string            `json:"removedBy"`
	RemovedAt string            `json:"removedAt"`
}

// WorkstationsView is the workstation screen: this PC and the others.
type WorkstationsView struct {
	Self         string            `json:"self"`
	Fingerprint  string            `json:"fingerprint"`
	Workstations []WorkstationInfo `json:"workstations"`
	// SyncError is why the automatic workstation sync last failed (none once one went through).
	SyncError *Error `json:"syncError,omitempty"`
	// RelayError: this PC's key could not be published (the relay out of reach); the list is
	// shown all the same.
	RelayError *Error `json:"relayError,omitempty"`
	// Left counts the shared companies the relay no longer serves to this PC: a member removed
	// it from them, or an administrator removed this PC from the office.
	Left int `json:"left"`
}

// workstationsKey is the automatic sync's error slot of the workstations (companies use their
// ids, which are positive).
const workstationsKey = 0

// Workstations publishes this PC's key and lists the office's other workstations
// (administrators).
func (s *ShareService) Workstations() (WorkstationsView, error) {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return WorkstationsView{}, err
	}
	ctx := context.Background()
	// The list is this vault's: it shows with the relay out of reach, with why.
	id, left, err := s.a.share.Self(ctx, sess.Principal, keys)
	if err != nil {
		return WorkstationsView{}, s.a.fail("workstations", err)
	}
	list, err := s.a.share.Workstations(ctx, sess.Principal)
	if err != nil {
		return WorkstationsView{}, s.a.fail("workstations", err)
	}
	out := WorkstationsView{Self: id.Office, Fingerprint: id.Fingerprint, Workstations: []WorkstationInfo{}, Left: left,
		SyncError: s.a.shareAuto.get(workstationsKey)}
	if _, err := s.a.share.Publish(ctx, sess.Principal, keys); err != nil {
		out.RelayError = toError(s.a.fail("workstations publish", err))
	}
	for _, w := range list {
		out.Workstations = append(out.Workstations, WorkstationInfo{Office: w.Office, Name: w.Name, Fingerprint: w.Fingerprint, How: w.How,
			Rights: WorkstationRights(w.Rights), RightsSet: w.RightsSet, Companies: w.Companies, AddedBy: w.AddedBy,
			AddedAt: storeTimeText(w.AddedAt), RemovedBy: w.RemovedBy, RemovedAt: storeTimeText(w.RemovedAt)})
	}
	return out, nil
}

// storeTimeText passes a stored time on as the frontend reads times ("" stays "").
func storeTimeText(s string) string {
	t, err := store.ParseTime(s)
	if err != nil {
		return ""
	}
	return timeText(t)
}

// PairWorkstation returns the pair code with the workstation of office id office, for the join
// or approval screen to show (administrators).
func (s *ShareService) PairWorkstation(office string) (WorkstationPairing, error) {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return WorkstationPairing{}, err
	}
	p, err := s.a.share.Pair(context.Background(), sess.Principal, keys, office)
	if err != nil {
		return WorkstationPairing{}, s.a.fail("workstation pair", err)
	}
	return WorkstationPairing{Self: p.Self, Office: p.Office, Name: p.Name, Code: p.Code}, nil
}

// JoinOffice makes this PC a workstation of the office (administrators, on the new PC).
func (s *ShareService) JoinOffice(in WorkstationJoinIn) error {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return err
	}
	return s.a.fail("workstation join", s.a.share.JoinOffice(context.Background(), sess.Principal, keys, in.Office, in.Code))
}

// ApproveWorkstation admits a new PC to the office (administrators): every company is offered
// to it at once.
func (s *ShareService) ApproveWorkstation(in WorkstationApproveIn) error {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return err
	}
	return s.a.fail("workstation approve", s.a.share.ApproveWorkstation(context.Background(), sess.Principal, keys, in.Office, in.Code,
		share.WorkstationRights(in.Rights)))
}

// SetWorkstationRights changes what a workstation may do (administrators).
func (s *ShareService) SetWorkstationRights(in WorkstationRightsIn) error {
	sess, err := s.a.admin()
	if err != nil {
		return err
	}
	return s.a.fail("workstation rights", s.a.share.SetWorkstationRights(context.Background(), sess.Principal, in.Office,
		share.WorkstationRights(in.Rights)))
}

// RemoveWorkstation removes a workstation from the office (administrators): from every company,
// at the relay too. It returns the companies it was removed from.
func (s *ShareService) RemoveWorkstation(office string) (int, error) {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return 0, err
	}
	n, err := s.a.share.RemoveWorkstation(context.Background(), sess.Principal, keys, office)
	return n, s.a.fail("workstation remove", err)
}

// WorkstationSyncResult says what one workstation sync did.
type WorkstationSyncResult struct {
	Accepted int `json:"accepted"` // companies offered by a workstation and accepted here
	Offered  int `json:"offered"`  // companies offered to a workstation
	Removed  int `json:"removed"`  // companies a removed workstation was removed from
}

// SyncWorkstations runs the workstation sync now (offers accepted and made, the list of
// workstations passed on) and says what it did; the automatic sync runs it every shareTick.
func (s *ShareService) SyncWorkstations() (WorkstationSyncResult, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return WorkstationSyncResult{}, err
	}
	res, err := s.a.share.SyncWorkstations(context.Background(), sess.Principal, keys)
	if err != nil {
		ue := s.a.fail("workstation sync", err)
		s.a.shareAuto.set(workstationsKey, toError(ue))
		return WorkstationSyncResult{}, ue
	}
	s.a.shareAuto.set(workstationsKey, nil)
	return WorkstationSyncResult(res), nil
}

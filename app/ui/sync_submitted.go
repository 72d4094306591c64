package ui

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/collect"
)

// SyncSubmission is a pending online submission in 1-3 STEP2 (提出済). Numbers are masked.
type SyncSubmission struct {
	ID           int64           `json:"id"`
	EmployeeID   int64           `json:"employeeId"`
	EmployeeCode string          `json:"employeeCode"`
	Name         string          `json:"name"`
	SubmittedAt  string          `json:"submittedAt"`
	Masked       string          `json:"masked"`
	Dependents   []SyncDependent `json:"dependents"`
	Images       []SyncImageInfo `json:"images"`
	Acknowledged []string        `json:"acknowledged"`
}

// SyncDependent is a submitted dependent; personId is the matching roster dependent (0 = none).
type SyncDependent struct {
	Name      string `json:"name"`
	Relation  string `json:"relation"`
	BirthDate string `json:"birthDate"`
	Masked    string `json:"masked"`
	PersonID  int64  `json:"personId"`
}

// SyncImageInfo describes one submitted image.
type SyncImageInfo struct {
	Index       int    `json:"index"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int    `json:"size"`
}

// Submitted lists the company's pending online submissions (handlers of the company).
func (s *SyncService) Submitted(companyID int64) ([]SyncSubmission, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return nil, err
	}
	vs, err := s.a.collect.Submitted(context.Background(), sess.Principal, keys, companyID)
	if err != nil {
		return nil, s.a.collectFail(sess, companyID, audit.ActionView, "online submissions", err)
	}
	labels := s.purposeLabels()
	out := []SyncSubmission{}
	for _, v := range vs {
		o := SyncSubmission{ID: v.ID, EmployeeID: v.EmployeeID, EmployeeCode: v.EmployeeCode, Name: v.Name, SubmittedAt: v.SubmittedAt,
			Masked: v.Masked, Dependents: []SyncDependent{}, Images: []SyncImageInfo{}, Acknowledged: []string{}}
		for _, code := range v.Acknowledged {
			if l, ok := labels[code]; ok {
				code = l
			}
			o.Acknowledged = append(o.Acknowledged, code)
		}
		for _, d := range v.Dependents {
			o.Dependents = append(o.Dependents, SyncDependent{Name: d.Name, Relation: d.Relation, BirthDate: d.BirthDate, Masked: d.Masked, PersonID: d.PersonID})
		}
		for _, im := range v.Images {
			o.Images = append(o.Images, SyncImageInfo{Index: im.Index, Name: im.Name, ContentType: im.ContentType, Size: im.Size})
		}
		out = append(out, o)
	}
	return out, nil
}

// SubmittedImage returns one submitted image (base64) for preview; the view is audited.
func (s *SyncService) SubmittedImage(companyID, submissionID int64, index int) (CollectFile, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return CollectFile{}, err
	}
	im, err := s.a.collect.SubmittedImage(context.Background(), sess.Principal, keys, companyID, submissionID, index)
	if err != nil {
		return CollectFile{}, s.a.collectFail(sess, companyID, audit.ActionView, "online submission image", err)
	}
	return CollectFile{ContentType: im.ContentType, Data: base64.StdEncoding.EncodeToString(im.Data)}, nil
}

// SyncAcceptInput is 受付 of an online submission: the documents the images show.
type SyncAcceptInput struct {
	CompanyID        int64    `json:"companyId"`
	SubmissionID     int64    `json:"submissionId"`
	NumberDoc        string   `json:"numberDoc"`
	IdentityDocs     []string `json:"identityDocs"`
	ImageKinds       []string `json:"imageKinds"`
	AcceptDuplicates []int64  `json:"acceptDuplicates"`
}

// SyncAccepted is the result of 受付.
type SyncAccepted struct {
	CheckID   int64            `json:"checkId"`
	Status    string           `json:"status"`
	Masked    map[int64]string `json:"masked"`
	Missing   int              `json:"missing"`
	Unmatched int              `json:"unmatched"`
}

// Accept records the online identity check with the submitted images and registers the
// submitted numbers (errors as CollectService.RecordCheck and RegisterNumbers).
func (s *SyncService) Accept(in SyncAcceptInput) (SyncAccepted, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return SyncAccepted{}, err
	}
	a := collect.Accept{NumberDoc: collect.DocKind(in.NumberDoc), AcceptDuplicates: in.AcceptDuplicates}
	for _, k := range in.IdentityDocs {
		a.IdentityDocs = append(a.IdentityDocs, collect.DocKind(k))
	}
	for _, k := range in.ImageKinds {
		a.ImageKinds = append(a.ImageKinds, collect.DocKind(k))
	}
	res, err := s.a.collect.AcceptSubmission(context.Background(), sess.Principal, keys, in.CompanyID, in.SubmissionID, a)
	if err != nil {
		return SyncAccepted{}, s.a.collectFail(sess, in.CompanyID, audit.ActionRegister, "accept online submission", err)
	}
	out := SyncAccepted{CheckID: res.Check.CheckID, Status: string(res.Register.Status), Masked: map[int64]string{},
		Missing: res.Register.Missing, Unmatched: res.Unmatched}
	for k, v := range res.Register.Masked {
		out.Masked[k] = v
	}
	return out, nil
}

// SendBack returns an online submission (差戻し) with a reason the employee sees; the relay is
// told at once when it can be reached, else on the next sync.
func (s *SyncService) SendBack(companyID, submissionID int64, reason string) (string, error) {
	sess, err := s.a.ready()
	if err != nil {
		return "", err
	}
	st, err := s.a.collect.SendBackSubmission(context.Background(), sess.Principal, companyID, submissionID, reason)
	if err != nil {
		return "", s.a.collectFail(sess, companyID, audit.ActionModify, "send back online submission", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	if err := s.flush(ctx); err != nil {
		s.a.log.Info("handing the sendback to the bridge failed; it stays queued", "err", err)
	} else if _, err := s.a.relay.SyncNow(ctx); err != nil {
		s.a.log.Info("relay round after the sendback failed; the bridge retries", "err", err)
	}
	return string(st), nil
}

// purposeLabels maps purpose codes to their names in the session's language, so that what the
// employee acknowledged reads as on the notice letter (an unknown code is shown as it is).
func (s *SyncService) purposeLabels() map[string]string {
	out := map[string]string{}
	en := strings.HasPrefix(s.a.language(), "en")
	ps, err := s.a.collect.Purposes(context.Background())
	for _, p := range ps {
		out[p.Code] = p.JA
		if en {
			out[p.Code] = p.EN
		}
	}
	if err != nil {
		s.a.log.Info("reading purpose labels", "err", err)
	}
	return out
}

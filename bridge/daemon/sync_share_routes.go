package daemon

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
)

// Body limits of the share routes (each route sets its own with http.MaxBytesReader; the
// Handler's 1 MiB cap applies on top, which is why a ciphertext travels in parts).
const (
	// ShareJSONMax bounds the JSON bodies of the share routes.
	ShareJSONMax = 64 << 10
)

// The share routes: what app/share needs from the relay, done at once with the bridge's
// enrolment (see relaysync.Share):
//
//	GET    /v1/sync/share/identity                             → ShareIdentity
//	PUT    /v1/sync/share/key                                  SharePublishRequest → 204
//	GET    /v1/sync/share/offices/{office}/key                 → ShareOfficeKey (404 not_found)
//	GET    /v1/sync/share/companies                            → ShareCompanies
//	PUT    /v1/sync/share/companies/{company}                  ShareRegisterRequest → 204
//	POST   /v1/sync/share/companies/{company}/members          ShareMemberRequest → 204
//	DELETE /v1/sync/share/companies/{company}/members/{office} → 204 (404 not_found, 409 last_member)
//	GET    /v1/sync/share/companies/{company}/envelopes        ?after=&limit= → ShareEnvelopes
//	POST   /v1/sync/share/envelopes                            SharePrepareRequest → SharePrepared
//	PUT    /v1/sync/share/envelopes/{seq}/data?offset=N        ciphertext part (octets) → 204
//	POST   /v1/sync/share/envelopes/{seq}/send                 → ShareSent (409 replay)

// shareFail answers a failed share request (the error is logged only when it is ours).
func (s *Server) shareFail(w http.ResponseWriter, err error) {
	code, e := shareError(err)
	if code == http.StatusInternalServerError {
		s.Log.Warn("share request failed", "err", err)
	}
	writeErr(w, code, e)
}

// shareTimeout bounds one share request's work with the relay.
func shareTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 2*time.Minute)
}

// shareJSON reads a share route's JSON body (at most ShareJSONMax) into v, or answers 400.
func shareJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, ShareJSONMax)
	if e := readJSON(r, v); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return false
	}
	return true
}

// shareError maps the share errors to API errors (codes not_found, replay, not_member, last_member,
// no_reservation, busy, relay_refused, then those of syncError) without bodies or keys.
func shareError(err error) (int, *bridge.Error) {
	var se *relaysync.RelayStatusError
	switch {
	case errors.Is(err, relaysync.ErrRelayNotFound):
		return http.StatusNotFound, &bridge.Error{Code: "not_found", Message: "not found on the relay"}
	case errors.Is(err, relaysync.ErrReplay):
		return http.StatusConflict, &bridge.Error{Code: "replay", Message: "the relay refused a replayed or older envelope"}
	case errors.Is(err, relaysync.ErrNotMember):
		return http.StatusForbidden, &bridge.Error{Code: "not_member", Message: "this office is not a member of the company on the relay"}
	case errors.Is(err, relaysync.ErrLastMember):
		return http.StatusConflict, &bridge.Error{Code: "last_member", Message: "the relay refused to remove the company's last member"}
	case errors.Is(err, relaysync.ErrNoReservation):
		return http.StatusNotFound, &bridge.Error{Code: "no_reservation", Message: "no such prepared envelope (expired or already sent)"}
	case errors.Is(err, relaysync.ErrBusy):
		return http.StatusTooManyRequests, &bridge.Error{Code: "busy", Message: "too many envelopes prepared and not sent"}
	case errors.As(err, &se):
		return http.StatusBadGateway, &bridge.Error{Code: "relay_refused", Message: se.Error()}
	}
	return syncStatusCode(err), syncError(err)
}

// shareIdentity serves GET /v1/sync/share/identity.
func (s *Server) shareIdentity(w http.ResponseWriter, r *http.Request) {
	office, sender, err := s.share.Identity(r.Context())
	if err != nil {
		s.shareFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, bridge.ShareIdentity{Office: office, Sender: sender[:]})
}

// sharePublishKey serves PUT /v1/sync/share/key.
func (s *Server) sharePublishKey(w http.ResponseWriter, r *http.Request) {
	var req bridge.SharePublishRequest
	if !shareJSON(w, r, &req) {
		return
	}
	ctx, cancel := shareTimeout(r)
	defer cancel()
	if err := s.share.PublishKey(ctx, req.PublicKey); err != nil {
		s.shareFail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// shareOfficeKey serves GET /v1/sync/share/offices/{office}/key.
func (s *Server) shareOfficeKey(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := shareTimeout(r)
	defer cancel()
	k, err := s.share.OfficeKey(ctx, r.PathValue("office"))
	if err != nil {
		s.shareFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

// shareCompanies serves GET /v1/sync/share/companies.
func (s *Server) shareCompanies(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := shareTimeout(r)
	defer cancel()
	list, err := s.share.Companies(ctx)
	if err != nil {
		s.shareFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, bridge.ShareCompanies{Companies: list})
}

// shareRegisterCompany serves PUT /v1/sync/share/companies/{company}.
func (s *Server) shareRegisterCompany(w http.ResponseWriter, r *http.Request) {
	var req bridge.ShareRegisterRequest
	if !shareJSON(w, r, &req) {
		return
	}
	ctx, cancel := shareTimeout(r)
	defer cancel()
	if err := s.share.RegisterCompany(ctx, r.PathValue("company"), req.SubmissionKey); err != nil {
		s.shareFail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// shareAddMember serves POST /v1/sync/share/companies/{company}/members.
func (s *Server) shareAddMember(w http.ResponseWriter, r *http.Request) {
	var req bridge.ShareMemberRequest
	if !shareJSON(w, r, &req) {
		return
	}
	ctx, cancel := shareTimeout(r)
	defer cancel()
	if err := s.share.AddMember(ctx, r.PathValue("company"), req.Office); err != nil {
		s.shareFail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// shareRemoveMember serves DELETE /v1/sync/share/companies/{company}/members/{office}.
func (s *Server) shareRemoveMember(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := shareTimeout(r)
	defer cancel()
	if err := s.share.RemoveMember(ctx, r.PathValue("company"), r.PathValue("office")); err != nil {
		s.shareFail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// shareEnvelopes serves GET /v1/sync/share/companies/{company}/envelopes.
func (s *Server) shareEnvelopes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, err1 := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, err2 := strconv.Atoi(q.Get("limit"))
	if q.Get("after") == "" {
		after, err1 = 0, nil
	}
	if q.Get("limit") == "" {
		limit, err2 = 0, nil
	}
	if err1 != nil || err2 != nil {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "after and limit must be integers"})
		return
	}
	ctx, cancel := shareTimeout(r)
	defer cancel()
	items, err := s.share.Envelopes(ctx, r.PathValue("company"), after, limit)
	if err != nil {
		s.shareFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, bridge.ShareEnvelopes{Items: items})
}

// sharePrepare serves POST /v1/sync/share/envelopes.
func (s *Server) sharePrepare(w http.ResponseWriter, r *http.Request) {
	var req bridge.SharePrepareRequest
	if !shareJSON(w, r, &req) {
		return
	}
	p, err := s.share.Prepare(r.Context(), req.Company, req.Record)
	if err != nil {
		s.shareFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, bridge.SharePrepared{Seq: p.Seq, Sender: p.Sender[:], AAD: p.AAD})
}

// sharePart serves PUT /v1/sync/share/envelopes/{seq}/data.
func (s *Server) sharePart(w http.ResponseWriter, r *http.Request) {
	seq, err1 := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	off, err2 := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	if err1 != nil || err2 != nil || off < 0 {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "bad sequence or offset"})
		return
	}
	part, err := io.ReadAll(http.MaxBytesReader(w, r.Body, bridge.SharePartMax))
	if err != nil {
		writeErr(w, http.StatusRequestEntityTooLarge, &bridge.Error{Code: "too_large", Message: "a ciphertext part is at most 512 KiB"})
		return
	}
	if err := s.share.Append(seq, off, part); err != nil {
		s.shareFail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// shareSend serves POST /v1/sync/share/envelopes/{seq}/send.
func (s *Server) shareSend(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "bad sequence"})
		return
	}
	ctx, cancel := shareTimeout(r)
	defer cancel()
	id, err := s.share.Send(ctx, seq)
	if err != nil {
		s.shareFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, bridge.ShareSent{ID: id})
}

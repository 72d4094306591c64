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

// shareRoutes registers what app/share needs from the relay, done at once with the bridge's
// enrolment (see relaysync.Share):
//
//	GET  /v1/sync/share/identity                          → ShareIdentity
//	PUT  /v1/sync/share/key                               SharePublishRequest → 204
//	GET  /v1/sync/share/offices/{office}/key              → ShareOfficeKey (404 not_found)
//	GET  /v1/sync/share/companies                         → ShareCompanies
//	PUT  /v1/sync/share/companies/{company}               ShareRegisterRequest → 204
//	POST /v1/sync/share/companies/{company}/members       ShareMemberRequest → 204
//	GET  /v1/sync/share/companies/{company}/envelopes     ?after=&limit= → ShareEnvelopes
//	POST /v1/sync/share/envelopes                         SharePrepareRequest → SharePrepared
//	PUT  /v1/sync/share/envelopes/{seq}/data?offset=N     ciphertext part (octets) → 204
//	POST /v1/sync/share/envelopes/{seq}/send              → ShareSent (409 replay)
func (s *Server) shareRoutes(mux *http.ServeMux, sy *relaysync.Syncer) {
	sh := &relaysync.Share{Syncer: sy}
	fail := func(w http.ResponseWriter, err error) {
		code, e := shareError(err)
		if code == http.StatusInternalServerError {
			s.Log.Warn("share request failed", "err", err)
		}
		writeErr(w, code, e)
	}
	timeout := func(r *http.Request) (context.Context, context.CancelFunc) {
		return context.WithTimeout(r.Context(), 2*time.Minute)
	}
	jsonBody := func(w http.ResponseWriter, r *http.Request, v any) bool {
		r.Body = http.MaxBytesReader(w, r.Body, ShareJSONMax)
		if e := readJSON(r, v); e != nil {
			writeErr(w, http.StatusBadRequest, e)
			return false
		}
		return true
	}

	mux.HandleFunc("GET /v1/sync/share/identity", func(w http.ResponseWriter, r *http.Request) {
		office, sender, err := sh.Identity(r.Context())
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, bridge.ShareIdentity{Office: office, Sender: sender[:]})
	})
	mux.HandleFunc("PUT /v1/sync/share/key", func(w http.ResponseWriter, r *http.Request) {
		var req bridge.SharePublishRequest
		if !jsonBody(w, r, &req) {
			return
		}
		ctx, cancel := timeout(r)
		defer cancel()
		if err := sh.PublishKey(ctx, req.PublicKey); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/sync/share/offices/{office}/key", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := timeout(r)
		defer cancel()
		k, err := sh.OfficeKey(ctx, r.PathValue("office"))
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, k)
	})
	mux.HandleFunc("GET /v1/sync/share/companies", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := timeout(r)
		defer cancel()
		list, err := sh.Companies(ctx)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, bridge.ShareCompanies{Companies: list})
	})
	mux.HandleFunc("PUT /v1/sync/share/companies/{company}", func(w http.ResponseWriter, r *http.Request) {
		var req bridge.ShareRegisterRequest
		if !jsonBody(w, r, &req) {
			return
		}
		ctx, cancel := timeout(r)
		defer cancel()
		if err := sh.RegisterCompany(ctx, r.PathValue("company"), req.SubmissionKey); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /v1/sync/share/companies/{company}/members", func(w http.ResponseWriter, r *http.Request) {
		var req bridge.ShareMemberRequest
		if !jsonBody(w, r, &req) {
			return
		}
		ctx, cancel := timeout(r)
		defer cancel()
		if err := sh.AddMember(ctx, r.PathValue("company"), req.Office); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/sync/share/companies/{company}/envelopes", func(w http.ResponseWriter, r *http.Request) {
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
		ctx, cancel := timeout(r)
		defer cancel()
		items, err := sh.Envelopes(ctx, r.PathValue("company"), after, limit)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, bridge.ShareEnvelopes{Items: items})
	})
	mux.HandleFunc("POST /v1/sync/share/envelopes", func(w http.ResponseWriter, r *http.Request) {
		var req bridge.SharePrepareRequest
		if !jsonBody(w, r, &req) {
			return
		}
		p, err := sh.Prepare(r.Context(), req.Company, req.Record)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, bridge.SharePrepared{Seq: p.Seq, Sender: p.Sender[:], AAD: p.AAD})
	})
	mux.HandleFunc("PUT /v1/sync/share/envelopes/{seq}/data", func(w http.ResponseWriter, r *http.Request) {
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
		if err := sh.Append(seq, off, part); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /v1/sync/share/envelopes/{seq}/send", func(w http.ResponseWriter, r *http.Request) {
		seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
		if err != nil {
			writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "bad sequence"})
			return
		}
		ctx, cancel := timeout(r)
		defer cancel()
		id, err := sh.Send(ctx, seq)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, bridge.ShareSent{ID: id})
	})
}

// shareError maps the share errors to API errors (codes not_found, replay, no_reservation,
// busy, relay_refused, then those of syncError) without bodies or keys.
func shareError(err error) (int, *bridge.Error) {
	var se *relaysync.RelayStatusError
	switch {
	case errors.Is(err, relaysync.ErrRelayNotFound):
		return http.StatusNotFound, &bridge.Error{Code: "not_found", Message: "not found on the relay"}
	case errors.Is(err, relaysync.ErrReplay):
		return http.StatusConflict, &bridge.Error{Code: "replay", Message: "the relay refused a replayed or older envelope"}
	case errors.Is(err, relaysync.ErrNoReservation):
		return http.StatusNotFound, &bridge.Error{Code: "no_reservation", Message: "no such prepared envelope (expired or already sent)"}
	case errors.Is(err, relaysync.ErrBusy):
		return http.StatusTooManyRequests, &bridge.Error{Code: "busy", Message: "too many envelopes prepared and not sent"}
	case errors.As(err, &se):
		return http.StatusBadGateway, &bridge.Error{Code: "relay_refused", Message: se.Error()}
	}
	return syncStatusCode(err), syncError(err)
}

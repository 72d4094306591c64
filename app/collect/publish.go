package collect

import (
	"context"
	"crypto/ecdh"
	"crypto/x509"
	"encoding/base64"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Published is a company as the relay knows it after [Service.PublishOnRelay].
type Published struct {
	RelayCompany string // the company's id on the relay
	PortalURL    string // the employees' page
}

// PublishOnRelay publishes company companyID on the relay at relayURL (administrators): it gives
// the company a relay id on first use, makes its submission key, queues the key and the portal's
// facts (company name, the purposes of open requests) for the bridge, and records it in the
// history, in one transaction. The caller flushes the queue to the bridge.
func (s *Service) PublishOnRelay(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID int64, relayURL string) (Published, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return Published{}, err
	}
	var out Published
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		rc, _, err := EnsureRelayCompanyTx(tx, companyID, nil)
		if err != nil {
			return err
		}
		pub, _, err := SubmissionKeyTx(tx, ck, nil, true)
		if err != nil {
			return err
		}
		pk, err := ecdh.P256().NewPublicKey(pub)
		if err != nil {
			return err
		}
		der, err := x509.MarshalPKIXPublicKey(pk)
		if err != nil {
			return err
		}
		var name string
		if err := tx.QueryRow(`SELECT name FROM companies WHERE id = ?`, companyID).Scan(&name); err != nil {
			return fmt.Errorf("reading company: %w", err)
		}
		type purpose struct {
			Code  string `json:"code"`
			Label string `json:"label"`
		}
		purposes := []purpose{}
		rows, err := tx.Query(`SELECT DISTINCT p.code, p.label_ja, p.sort FROM collection_request_purposes rp
			JOIN purposes p ON p.code = rp.purpose_code JOIN collection_requests r ON r.id = rp.request_id
			WHERE r.company_id = ? AND EXISTS (SELECT 1 FROM collection_targets t WHERE t.request_id = r.id
			AND t.status IN ('requested', 'returned', 'submitted')) ORDER BY p.sort, p.code`, companyID)
		if err != nil {
			return fmt.Errorf("reading purposes: %w", err)
		}
		for rows.Next() {
			var pp purpose
			var sort int
			if err := rows.Scan(&pp.Code, &pp.Label, &sort); err != nil {
				rows.Close()
				return err
			}
			purposes = append(purposes, pp)
		}
		rows.Close()
		out = Published{RelayCompany: rc, PortalURL: relayURL + "/e/"}
		if err := tx.SetMeta(MetaPortalURL, out.PortalURL); err != nil {
			return err
		}
		base := "/v1/bridge/companies/" + rc
		if err := s.QueueRelayRequestTx(tx, companyID, "PUT", base,
			map[string]string{"submission_key": base64.StdEncoding.EncodeToString(der)}); err != nil {
			return err
		}
		if err := s.QueueRelayRequestTx(tx, companyID, "PUT", base+"/portal",
			map[string]any{"companyName": name, "purposes": purposes}); err != nil {
			return err
		}
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = companyID, "company", fmt.Sprint(companyID)
		e.Detail = fmt.Sprintf("company published on the cloud relay as %s (submission key registered, %d purposes)", rc, len(purposes))
		_, err = s.Audit.Append(tx, e)
		return err
	})
	return out, err
}

// RelayCompany is a client company with its id on the relay ("" when never published).
type RelayCompany struct {
	ID           int64
	Code, Name   string
	RelayCompany string
}

// RelayCompanies lists the client companies (not archived) with their relay ids
// (administrators).
func (s *Service) RelayCompanies(ctx context.Context, p auth.Principal) ([]RelayCompany, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return nil, err
	}
	out := []RelayCompany{}
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT c.id, c.code, c.name, coalesce(m.value, '') FROM companies c
			LEFT JOIN vault.meta m ON m.key = 'relay_company_' || c.id WHERE c.archived = 0 ORDER BY c.code, c.id`)
		if err != nil {
			return fmt.Errorf("reading companies: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c RelayCompany
			if err := rows.Scan(&c.ID, &c.Code, &c.Name, &c.RelayCompany); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// PendingRelayRequests counts the relay requests queued in the vault that the bridge has not
// taken yet.
func (s *Service) PendingRelayRequests(ctx context.Context) (n int, err error) {
	err = s.DB.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM sync_outbox WHERE sent_at = ''`).Scan(&n)
	})
	return n, err
}

package collect

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/store"
)

// noticeRequest is what a letter needs from the request and its company.
type noticeRequest struct {
	id, companyID                   int64
	companyCode, companyName        string
	sender, inPerson, mail, contact string
	online                          bool
	deadline                        string
	purposes                        []string // labels, in display order
}

func noticeRequestTx(tx *store.Tx, requestID int64) (noticeRequest, error) {
	nr := noticeRequest{id: requestID}
	err := tx.QueryRow(`SELECT c.id, c.code, c.name, r.notice_sender, r.notice_in_person, r.notice_mail, r.notice_contact,
		r.notice_online, r.deadline FROM collection_requests r JOIN companies c ON c.id = r.company_id WHERE r.id = ?`, requestID).
		Scan(&nr.companyID, &nr.companyCode, &nr.companyName, &nr.sender, &nr.inPerson, &nr.mail, &nr.contact, &nr.online, &nr.deadline)
	if errors.Is(err, sql.ErrNoRows) {
		return nr, errNoRequest
	}
	if err != nil {
		return nr, fmt.Errorf("reading collection request %d: %w", requestID, err)
	}
	rows, err := tx.Query(`SELECT p.label_ja FROM collection_request_purposes rp JOIN purposes p ON p.code = rp.purpose_code
		WHERE rp.request_id = ? ORDER BY p.sort, p.code`, requestID)
	if err != nil {
		return nr, fmt.Errorf("reading request purposes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nr, fmt.Errorf("reading request purposes: %w", err)
		}
		nr.purposes = append(nr.purposes, l)
	}
	return nr, rows.Err()
}

// PortalURLTx returns the employee web page's address (meta MetaPortalURL), or
// DefaultPortalURL when it is not set.
func PortalURLTx(tx *store.Tx) (string, error) {
	v, ok, err := tx.Meta(MetaPortalURL)
	if err != nil {
		return "", err
	}
	if !ok || v == "" {
		return DefaultPortalURL, nil
	}
	return v, nil
}

// letterURL is the portal address with the company ID and employee code filled in (never the
// password), so that the QR code opens the right form.
func letterURL(base, companyCode, employeeCode string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("employee portal address is not an http(s) URL")
	}
	q := u.Query()
	q.Set("c", companyCode)
	q.Set("e", employeeCode)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// noticesTx builds the letters of the request for employees (in that order), with the
// credentials in creds (none when the web page is not offered). For a company published on the
// cloud relay the letters print its relay company id, and the passwords' verifiers are queued
// for the relay (sync_outbox) in the same transaction.
func noticesTx(tx *store.Tx, nr noticeRequest, employees []int64, creds map[int64]credential, today time.Time) (report.Notices, error) {
	n := report.Notices{
		Company:  nr.companyName,
		Sender:   nr.sender,
		Date:     today,
		Purposes: nr.purposes,
		Submit:   report.Submission{InPerson: nr.inPerson, Mail: nr.mail},
		Contact:  nr.contact,
	}
	if nr.deadline != "" {
		d, err := jpdate.ParseISO(nr.deadline)
		if err != nil {
			return n, fmt.Errorf("reading deadline of request %d: %v", nr.id, err) // %v: stored data, not the user's input
		}
		n.Submit.Deadline = d
	}
	base, relayCompany := "", ""
	if nr.online {
		var err error
		if base, err = PortalURLTx(tx); err != nil {
			return n, err
		}
		if relayCompany, err = RelayCompanyTx(tx, nr.companyID); err != nil {
			return n, err
		}
	}
	companyID := nr.companyCode
	if relayCompany != "" {
		companyID = relayCompany
	}
	codes := map[int64]string{}
	st, err := tx.Prepare(`SELECT p.employee_code, p.name, COALESCE(d.name, '') FROM persons p
		LEFT JOIN departments d ON d.id = p.department_id WHERE p.id = ?`)
	if err != nil {
		return n, fmt.Errorf("preparing letters: %w", err)
	}
	defer st.Close()
	for _, id := range employees {
		var l report.Letter
		if err := st.QueryRowContext(tx.Context(), id).Scan(&l.EmployeeCode, &l.Addressee, &l.Department); err != nil {
			return n, fmt.Errorf("reading employee %d: %w", id, err)
		}
		if c, ok := creds[id]; ok {
			l.CompanyID = companyID
			l.OneTimePassword = FormatOTP(c.otp)
			l.Expires = c.expires
			if l.URL, err = letterURL(base, companyID, l.EmployeeCode); err != nil {
				return n, err
			}
			codes[id] = l.EmployeeCode
		}
		n.Letters = append(n.Letters, l)
	}
	if relayCompany != "" && len(creds) > 0 {
		if err := (&Service{}).queueEmployeesTx(tx, nr.companyID, relayCompany, codes, creds); err != nil {
			return n, err
		}
	}
	return n, nil
}

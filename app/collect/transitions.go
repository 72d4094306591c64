package collect

import (
	"context"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
)

// MarkSubmitted records that an employee's documents arrived (受付, e.g. by mail) before they are
// checked: 依頼済 or 差戻し → 提出済.
func (s *Service) MarkSubmitted(ctx context.Context, p auth.Principal, companyID, employeeID int64) (Status, error) {
	return s.transition(ctx, p, companyID, employeeID, opSubmit, "")
}

// SendBack returns an employee's submission (差戻し) with a reason the employee is told, e.g.
// "通知カードの住所が変更されています". reason is required, at most MaxReasonLen characters, and
// must not hold a My Number.
func (s *Service) SendBack(ctx context.Context, p auth.Principal, companyID, employeeID int64, reason string) (Status, error) {
	reason, err := cleanText("reason", "差戻しの理由", "reason", reason, MaxReasonLen, true)
	if err != nil {
		return "", err
	}
	return s.transition(ctx, p, companyID, employeeID, opSendBack, reason)
}

// Refuse records that an employee refused to provide the number (提供拒否) with the reason
// given, and the date. The NTA FAQ asks employers to keep such a record (the dates the number
// was asked for and the reason) to show that the number was asked for; [Service.RefusalRecord]
// lists it.
func (s *Service) Refuse(ctx context.Context, p auth.Principal, companyID, employeeID int64, reason string) (Status, error) {
	reason, err := cleanText("reason", "提供拒否の理由", "reason", reason, MaxReasonLen, true)
	if err != nil {
		return "", err
	}
	return s.transition(ctx, p, companyID, employeeID, opRefuse, reason)
}

var opNames = map[op][2]string{
	opSubmit:   {"受付できません", "cannot mark as submitted"},
	opSendBack: {"差し戻せません", "cannot send back"},
	opRefuse:   {"提供拒否を記録できません", "cannot record a refusal"},
}

func (s *Service) transition(ctx context.Context, p auth.Principal, companyID, employeeID int64, o op, reason string) (Status, error) {
	var to Status
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		t, err := latestTargetTx(tx, companyID, employeeID)
		if err != nil {
			return err
		}
		var ok bool
		if to, ok = next(o, t.status); !ok {
			return statusErr(t.status, opNames[o][0], opNames[o][1])
		}
		detail := fmt.Sprintf("collection status %s → %s; request %d", t.status, to, t.requestID)
		switch o {
		case opSendBack:
			var online int
			if online, err = s.returnTx(tx, companyID, t, reason); err == nil && online > 0 {
				detail += fmt.Sprintf("; %d online submission(s) returned", online)
			}
		case opRefuse:
			if err = setStatusTx(tx, t, to); err != nil {
				return err
			}
			_, err = tx.Exec(`UPDATE collection_targets SET refused_reason = ?, refused_at = ? WHERE request_id = ? AND person_id = ?`,
				reason, tx.NowText(), t.requestID, t.employeeID)
		default:
			err = setStatusTx(tx, t, to)
		}
		if err != nil {
			return fmt.Errorf("updating collection target: %w", err)
		}
		if reason != "" {
			detail += "; reason: " + audit.Redact(reason)
		}
		return s.appendAudit(tx, p, audit.ActionModify, companyID, "person", employeeID, detail)
	})
	if err != nil {
		return "", err
	}
	return to, nil
}

// returnTx is the one way an employee's target becomes 差戻し — the board's 差戻し
// ([Service.SendBack]), a check sent back ([Service.RecordCheck]) and an online submission
// sent back ([Service.SendBackSubmission]) all go through it. It sets the status and the
// reason the employee is told and, when the employee submitted online for this request, marks
// their pending online submissions returned and queues the relay's send-back (in the same
// transaction), so that the phone page shows the reason and takes a new submission. It
// returns how many online submissions the employee had for the request. The caller checked
// that 差戻し is allowed from t's status.
func (s *Service) returnTx(tx *store.Tx, companyID int64, t target, reason string) (online int, err error) {
	if err := setStatusTx(tx, t, Returned); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(`UPDATE collection_targets SET returned_reason = ? WHERE request_id = ? AND person_id = ?`,
		reason, t.requestID, t.employeeID); err != nil {
		return 0, fmt.Errorf("updating collection target: %w", err)
	}
	if err := tx.QueryRow(`SELECT count(*) FROM sync_submissions WHERE person_id = ? AND request_id = ? AND company_id = ?`,
		t.employeeID, t.requestID, companyID).Scan(&online); err != nil {
		return 0, fmt.Errorf("reading online submissions: %w", err)
	}
	if online == 0 {
		return 0, nil
	}
	if _, err := tx.Exec(`UPDATE sync_submissions SET state = 'returned' WHERE person_id = ? AND request_id = ? AND company_id = ? AND state = 'pending'`,
		t.employeeID, t.requestID, companyID); err != nil {
		return 0, fmt.Errorf("updating online submissions: %w", err)
	}
	rc, err := RelayCompanyTx(tx, companyID)
	if err != nil || rc == "" {
		return online, err
	}
	return online, s.QueueRelayRequestTx(tx, companyID, "POST", "/v1/bridge/companies/"+rc+"/employees/"+t.code+"/sendback",
		map[string]string{"reason": reason})
}

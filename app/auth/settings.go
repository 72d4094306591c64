package auth

import (
	"context"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
)

// RecordSettingChange records in the history that administrator p changed a setting kept
// outside the vault (the bridge's devices, say): target and id name it, detail says what changed
// (never a secret). Call it before making the change: a change that cannot be recorded is not
// made.
func (s *Service) RecordSettingChange(ctx context.Context, p Principal, target, id, detail string) error {
	return s.recordSetting(ctx, p, target, id, detail, audit.ResultOK)
}

// RecordSettingRefused records that a change recorded with RecordSettingChange was then not
// made (the device or service refused it), so that the history does not show a setting that
// never took effect: the same target, result 失敗, and why (a code, never user data).
func (s *Service) RecordSettingRefused(ctx context.Context, p Principal, target, id, detail string) error {
	return s.recordSetting(ctx, p, target, id, detail, audit.ResultFailed)
}

func (s *Service) recordSetting(ctx context.Context, p Principal, target, id, detail string, result audit.Result) error {
	if err := RequireAdmin(p); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		e := p.Entry(audit.ActionSettingChange, result)
		e.TargetType, e.TargetID, e.Detail = target, id, audit.Redact(detail)
		_, err := s.Audit.Append(tx, e)
		return err
	})
}

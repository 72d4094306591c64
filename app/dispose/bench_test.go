package dispose

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
)

// BenchmarkDueList measures the 4-1 due list of a company of 3,000 employees (half of them
// gone, each with a dependent and two purposes) on a real vault file: what the screen and the
// home alert cost.
func BenchmarkDueList(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), store.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const n = 3000
	err = db.Update(ctx, func(tx *store.Tx) error {
		for _, q := range []string{
			`INSERT INTO users(id, login, display_name, created_at, updated_at) VALUES(1, 'tanto', 'tanto', '', '')`,
			`INSERT INTO companies(id, code, name, created_at, updated_at) VALUES(1, 'C1', 'x', '', '')`,
			`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(1, 1, 'handler', '')`,
		} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		for i := 1; i <= n; i++ {
			left := ""
			if i%2 == 0 {
				left = fmt.Sprintf("%04d-03-31", 2010+i%15)
			}
			res, err := tx.Exec(`INSERT INTO persons(company_id, kind, employee_code, name, left_on, created_at, updated_at)
				VALUES(1, 'employee', ?, 'x', ?, '', '')`, fmt.Sprintf("E%05d", i), left)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			res, err = tx.Exec(`INSERT INTO persons(company_id, kind, employee_id, name, relation, created_at, updated_at)
				VALUES(1, 'dependent', ?, 'y', 'spouse', '', '')`, id)
			if err != nil {
				return err
			}
			dep, _ := res.LastInsertId()
			for _, pp := range [][2]any{{id, "TAX-WH"}, {id, "SI-KOYO"}, {dep, "SI-KENPO"}} {
				if _, err := tx.Exec(`INSERT INTO person_purposes(person_id, purpose_code, notified_at) VALUES(?, ?, '')`, pp[0], pp[1]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	s := &Service{DB: db}
	p := auth.Principal{UserID: 1, Login: "tanto"}
	today := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for b.Loop() {
		list, err := s.DueList(ctx, p, 1, today)
		if err != nil || len(list) != n/2 {
			b.Fatalf("%d items, %v", len(list), err)
		}
	}
}

package collect

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
)

// bulkEmployees adds n employees of company A, every third with two dependents, in one
// transaction, and returns the employees' ids.
func (f *fixture) bulkEmployees(n int) []int64 {
	f.t.Helper()
	var ids []int64
	err := f.db.Update(context.Background(), func(tx *store.Tx) error {
		ck, err := f.keys.Company(tx, f.a)
		if err != nil {
			return err
		}
		defer ck.Close()
		w, err := roster.NewWriter(tx, ck, f.handler.UserID)
		if err != nil {
			return err
		}
		defer w.Close()
		for i := range n {
			id, err := w.InsertEmployee(&roster.Employee{Code: fmt.Sprintf("B%05d", i), Name: "試験 太郎"})
			if err != nil {
				return err
			}
			ids = append(ids, id)
			if i%3 == 0 {
				for range 2 {
					if _, err := w.InsertDependent(&roster.Dependent{EmployeeID: id, Relation: roster.RelationChild, Name: "試験 花子"}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// BenchmarkCreateRequest: STEP1 for 100 and 1,000 employees (a third with two dependents):
// rows, passwords and the notice workbook (one sheet with a QR code per employee), in one
// transaction.
func BenchmarkCreateRequest(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := newFixture(b)
			ids := f.bulkEmployees(n * b.N)
			b.ResetTimer()
			for i := range b.N {
				is := f.request(ids[i*n : (i+1)*n]...)
				b.ReportMetric(float64(len(is.Workbook))/1024, "KiB/workbook")
			}
		})
	}
}

// BenchmarkStatusBoard: the board of a company of 5,000 employees (3,334 dependents), half of
// them asked.
func BenchmarkStatusBoard(b *testing.B) {
	f := newFixture(b)
	ids := f.bulkEmployees(5000)
	for i := 0; i < 2500; i += 500 {
		f.request(ids[i : i+500]...)
	}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		bd, err := f.svc.StatusBoard(ctx, f.handler, BoardFilter{CompanyID: f.a, PendingDays: 0, Limit: 200})
		if err != nil || bd.Total != 5000 || bd.Counts[Requested] != 2500 {
			b.Fatalf("board %d %v %v", bd.Total, bd.Counts, err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	s := Submission{Channel: Online, NumberDoc: NotificationCard, CardDetails: DetailsUnchanged,
		IdentityDocs: []DocKind{HealthInsuranceCard, PensionBook}, ImageKinds: []DocKind{NotificationCard, HealthInsuranceCard, PensionBook}}
	for range b.N {
		if ps := Evaluate(s); ps != nil {
			b.Fatal(ps)
		}
	}
}

// BenchmarkOTP: one password drawn and hashed, the per-employee cost of STEP1 and reminders.
func BenchmarkOTP(b *testing.B) {
	key := make([]byte, 32)
	for i := range b.N {
		otp, err := newOTP(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		hashOTP(key, 1, int64(i), otp)
	}
}

package csvimport

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// benchFile is a payroll-style UTF-8 CSV of n employees, each with a number.
func benchFile(n int) []byte {
	var b strings.Builder
	b.Grow(n * 140)
	b.WriteString(header)
	sexes := []string{"男", "女", "1", "2"}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "E%06d,社員 %d,シャイン %d,S%d.%d.%d,%s,部署%02d,R%d/4/1,,e%d@example.jp,%s\n",
			i, i, i, 40+i%20, 1+i%12, 1+i%28, sexes[i%4], i%20, 2+i%6, i, testNumber(i))
	}
	return []byte(b.String())
}

// BenchmarkImport100k imports 100,000 employees with numbers into an empty company.
//
//   - vault: Importer.Commit end to end: decode, map, validate, check duplicates (blind index),
//     create a person key per employee, seal each number under it, write rows, one audit entry
//     per employee plus the summary, one transaction.
//   - baseline: the same decode, parse and validation, and the same rows inserted with prepared
//     statements in one transaction, but no keys, no encryption, no blind index and no audit
//     (the number column gets a zero blob of the same size).
//
// Target: at least 20,000 rows/s for vault.
func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	data := benchFile(n)
	b.Run("vault", func(b *testing.B) {
		var elapsed time.Duration
		for range b.N {
			b.StopTimer()
			f := newFixture(b)
			b.StartTimer()
			start := time.Now()
			rep, err := f.im.Commit(context.Background(), f.handler, f.keys, Request{CompanyID: f.a, Data: data}, nil)
			elapsed += time.Since(start)
			if err != nil || rep.Added != n || rep.Numbers != n {
				b.Fatalf("%v %+v", err, rep.Problems[:min(3, len(rep.Problems))])
			}
			b.StopTimer()
			f.db.Close()
		}
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "rows/s")
	})
	b.Run("baseline", func(b *testing.B) {
		var elapsed time.Duration
		for range b.N {
			b.StopTimer()
			f := newFixture(b)
			b.StartTimer()
			start := time.Now()
			if err := baselineImport(f.db, f.a, data); err != nil {
				b.Fatal(err)
			}
			elapsed += time.Since(start)
			b.StopTimer()
			f.db.Close()
		}
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "rows/s")
	})
}

// baselineImport is the import without the vault: see BenchmarkImport100k.
func baselineImport(db *store.DB, companyID int64, data []byte) error {
	s, err := Read(data)
	if err != nil {
		return err
	}
	l, ps := resolve(s, Mapping{})
	if ps != nil {
		return fmt.Errorf("%v", ps)
	}
	return db.Update(context.Background(), func(tx *store.Tx) error {
		today := jpdateToday(tx)
		insP, err := tx.Prepare(`INSERT INTO persons(company_id, kind, employee_code, name, name_kana, birth_date, sex,
			hired_on, left_on, email, phone, created_at, updated_at) VALUES(?, 'employee', ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`)
		if err != nil {
			return err
		}
		defer insP.Close()
		insN, err := tx.Prepare(`INSERT INTO person_numbers(person_id, company_id, ciphertext, blind_index, registered_at) VALUES(?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insN.Close()
		ct, bi := make([]byte, mynumber.IndividualLen+29), make([]byte, 32)
		for _, rec := range s.Records[1:] {
			cell := func(f string) string { return rec.Fields[l.cols[f]] }
			sex, _ := roster.ParseSex(cell(roster.FieldSex))
			e := roster.Employee{Code: cell(roster.FieldCode), Name: cell(roster.FieldName), NameKana: cell(roster.FieldNameKana),
				BirthDate: cell(roster.FieldBirthDate), Sex: sex, HiredOn: cell(roster.FieldHiredOn), Email: cell(roster.FieldEmail)}
			if ps := e.Check(today); len(ps) > 0 {
				return ps[0]
			}
			if _, err := mynumber.ValidateIndividual(cell(roster.FieldNumber)); err != nil {
				return err
			}
			res, err := insP.Exec(companyID, e.Code, e.Name, e.NameKana, e.BirthDate, string(e.Sex), e.HiredOn, e.LeftOn, e.Email, tx.NowText(), tx.NowText())
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			if _, err := insN.Exec(id, companyID, ct, bi, tx.NowText()); err != nil {
				return err
			}
		}
		return nil
	})
}

package audit

import (
	"context"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

func TestZZPlans(t *testing.T) {
	db := openDB(t)
	fillLog(t, db, testKey, 100)
	ts := time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, f := range []Filter{
		{}, {CompanyID: 3}, {UserID: 3}, {Actions: []Action{ActionView}}, {Actions: []Action{ActionView, ActionExport}},
		{TargetType: "person", TargetID: "5"}, {TargetID: "5"}, {From: ts}, {From: ts, To: ts.Add(time.Hour)}, {Result: ResultDenied},
		{CompanyID: 3, From: ts, To: ts.Add(time.Hour)}, {CompanyID: 3, Actions: []Action{ActionView, ActionExport}},
		{CompanyID: 3, UserID: 4}, {CompanyID: 3, BeforeID: 50}, {BeforeID: 50}, {UserID: 3, BeforeID: 50, From: ts},
	} {
		conds, args := f.where()
		if f.BeforeID != 0 {
			conds = append(conds, "(at, id) < (?, ?)")
			args = append(args, "x", 5)
		}
		db.View(context.Background(), func(tx *store.Tx) error {
			rows, err := tx.Query(`EXPLAIN QUERY PLAN SELECT `+entryColumns+` FROM audit_log`+whereClause(conds)+` ORDER BY at DESC, id DESC LIMIT ?`, append(args, 50)...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			t.Logf("%v", conds)
			for rows.Next() {
				var a, b, c int
				var d string
				rows.Scan(&a, &b, &c, &d)
				t.Logf("    %s", d)
			}
			return nil
		})
	}
}

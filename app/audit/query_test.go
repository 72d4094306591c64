package audit

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

// matches is the reference meaning of a Filter (without paging).
func matches(f Filter, e Entry) bool {
	return (f.CompanyID == 0 || e.CompanyID == f.CompanyID) &&
		(f.UserID == 0 || e.UserID == f.UserID) &&
		(len(f.Actions) == 0 || slices.Contains(f.Actions, e.Action)) &&
		(f.TargetType == "" || e.TargetType == f.TargetType) &&
		(f.TargetID == "" || e.TargetID == f.TargetID) &&
		(f.From.IsZero() || !e.Time.Before(f.From)) &&
		(f.To.IsZero() || e.Time.Before(f.To)) &&
		(f.Result == "" || e.Result == f.Result)
}

func TestQueryAndCount(t *testing.T) {
	db := openDB(t)
	all := appendAll(t, db, &Log{Key: testKey, Workstation: "desk-1"}, sampleEntries(40)...)
	at := func(i int) time.Time { return all[i-1].Time } // time of entry i

	for _, tc := range []struct {
		name   string
		f      Filter
		want   int   // entries expected without paging or limit (checked against matches)
		wantID int64 // newest id expected first, 0 to skip
	}{
		{name: "all", f: Filter{}, want: 40, wantID: 40},
		{name: "company", f: Filter{CompanyID: 2}, want: 10, wantID: 39},
		{name: "company zero is any", f: Filter{CompanyID: 0}, want: 40},
		{name: "user", f: Filter{UserID: 3}, want: 13, wantID: 39},
		{name: "one action", f: Filter{Actions: []Action{ActionExport}}, want: 7, wantID: 40},
		{name: "two actions", f: Filter{Actions: []Action{ActionExport, ActionDispose}}, want: 13},
		{name: "unknown action", f: Filter{Actions: []Action{"peek"}}, want: 0},
		{name: "target type", f: Filter{TargetType: "company"}, want: 13},
		{name: "target id", f: Filter{TargetType: "person", TargetID: "17"}, want: 14, wantID: 40},
		{name: "from", f: Filter{From: at(31)}, want: 10, wantID: 40},
		{name: "to", f: Filter{To: at(11)}, want: 10, wantID: 10},
		{name: "from and to", f: Filter{From: at(5), To: at(8)}, want: 3, wantID: 7},
		{name: "empty range", f: Filter{From: at(8), To: at(5)}, want: 0},
		{name: "result", f: Filter{Result: ResultDenied}, want: 10, wantID: 39},
		{name: "combined", f: Filter{CompanyID: 1, UserID: 2, Result: ResultOK}, want: 4, wantID: 38},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []int64
			for i := len(all) - 1; i >= 0; i-- {
				if matches(tc.f, all[i]) {
					want = append(want, all[i].ID)
				}
			}
			if len(want) != tc.want {
				t.Fatalf("test table: reference finds %d entries, table says %d", len(want), tc.want)
			}
			var got []Entry
			var n int64
			err := db.View(context.Background(), func(tx *store.Tx) (err error) {
				if got, err = Query(tx, tc.f); err != nil {
					return err
				}
				n, err = Count(tx, tc.f)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if !slices.Equal(ids, want) {
				t.Errorf("Query ids = %v, want %v", ids, want)
			}
			if n != int64(len(want)) {
				t.Errorf("Count = %d, want %d", n, len(want))
			}
			if tc.wantID != 0 && (len(ids) == 0 || ids[0] != tc.wantID) {
				t.Errorf("newest = %v, want %d", ids, tc.wantID)
			}
		})
	}
}

func TestQueryPaging(t *testing.T) {
	db := openDB(t)
	appendAll(t, db, &Log{Key: testKey, Workstation: "desk-1"}, sampleEntries(40)...)
	f := Filter{CompanyID: 1, Limit: 3}
	var pages [][]int64
	err := db.View(context.Background(), func(tx *store.Tx) error {
		for {
			es, err := Query(tx, f)
			if err != nil {
				return err
			}
			if len(es) == 0 {
				return nil
			}
			var ids []int64
			for _, e := range es {
				ids = append(ids, e.ID)
			}
			pages = append(pages, ids)
			f.BeforeID = es[len(es)-1].ID
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int64{{38, 34, 30}, {26, 22, 18}, {14, 10, 6}, {2}}
	if !slices.EqualFunc(pages, want, slices.Equal) {
		t.Errorf("pages = %v, want %v", pages, want)
	}
	// Count ignores paging.
	db.View(context.Background(), func(tx *store.Tx) error {
		n, err := Count(tx, Filter{CompanyID: 1, BeforeID: 10, Limit: 1})
		if err != nil || n != 10 {
			t.Errorf("Count = %d, %v; want 10", n, err)
		}
		return nil
	})
}

func TestQueryLimits(t *testing.T) {
	db := openDB(t)
	fillLog(t, db, testKey, MaxLimit+50)
	for _, tc := range []struct{ limit, want int }{
		{0, DefaultLimit},
		{-5, DefaultLimit},
		{7, 7},
		{MaxLimit + 10, MaxLimit},
	} {
		db.View(context.Background(), func(tx *store.Tx) error {
			es, err := Query(tx, Filter{Limit: tc.limit})
			if err != nil || len(es) != tc.want {
				t.Errorf("Limit %d: %d entries, %v; want %d", tc.limit, len(es), err, tc.want)
			}
			return nil
		})
	}
}

// TestQueryPlansUseIndexes keeps every page an index walk: no filter may make SQLite sort the
// matching entries (a "TEMP B-TREE"), which would cost time in proportion to the whole log.
func TestQueryPlansUseIndexes(t *testing.T) {
	db := openDB(t)
	fillLog(t, db, testKey, 100)
	ts := time.Date(2024, 1, 1, 0, 0, 30, 0, time.UTC)
	two := []Action{ActionView, ActionExport}
	for _, f := range []Filter{
		{}, {CompanyID: 3}, {UserID: 3}, {Actions: []Action{ActionView}}, {Actions: two},
		{TargetType: "person"}, {TargetType: "person", TargetID: "5"}, {TargetID: "5"},
		{From: ts}, {To: ts}, {From: ts, To: ts.Add(time.Hour)}, {Result: ResultDenied},
		{CompanyID: 3, From: ts, To: ts.Add(time.Hour)}, {CompanyID: 3, Actions: two},
		{CompanyID: 3, UserID: 4}, {Actions: two, From: ts}, {CompanyID: 3, BeforeID: 50},
		{BeforeID: 50}, {UserID: 3, BeforeID: 50, From: ts}, {Actions: two, BeforeID: 50, Result: ResultOK},
	} {
		db.View(context.Background(), func(tx *store.Tx) error {
			query, args, _, err := pageQuery(tx, f)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := tx.Query(`EXPLAIN QUERY PLAN `+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			for i, step := range plan {
				// Sorting the rows of a subquery (one page per action, merged) is bounded.
				bounded := i > 0 && strings.HasPrefix(plan[i-1], "SCAN (subquery")
				if strings.Contains(step, "TEMP B-TREE") && !bounded {
					t.Errorf("filter %+v sorts its matches: %q", f, plan)
				}
				if strings.HasPrefix(step, "SCAN audit_log") && !strings.Contains(step, "INDEX") {
					t.Errorf("filter %+v scans the table: %q", f, plan)
				}
			}
			return nil
		})
	}
}

// TestQueryClockSetBack: newest first is by time; paging still returns every entry once.
func TestQueryClockSetBack(t *testing.T) {
	db := openDB(t)
	base := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	// Entries 1-4 at 09:00:10, :20, :30, :40; then the clock is set back: entries 5-6 at
	// 09:00:15 and :25.
	times := []int{10, 20, 30, 40, 15, 25}
	l := &Log{Key: testKey, Workstation: "desk-1"}
	for i, sec := range times {
		db.Now = func() time.Time { return base.Add(time.Duration(sec) * time.Second) }
		appendAll(t, db, l, sampleEntries(len(times))[i])
	}
	want := []int64{4, 3, 6, 2, 5, 1} // by time, newest first
	var got []int64
	f := Filter{Limit: 2}
	db.View(context.Background(), func(tx *store.Tx) error {
		for {
			es, err := Query(tx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				return nil
			}
			for _, e := range es {
				got = append(got, e.ID)
			}
			f.BeforeID = es[len(es)-1].ID
		}
	})
	if !slices.Equal(got, want) {
		t.Errorf("paged ids = %v, want %v", got, want)
	}
	if res := mustVerify(t, db, testKey); !res.OK {
		t.Errorf("Verify = %+v: a clock set back is not tampering", res)
	}
}

func TestQueryBeforeMissingEntry(t *testing.T) {
	db := openDB(t)
	appendAll(t, db, &Log{Key: testKey, Workstation: "desk-1"}, sampleEntries(10)...)
	mustExec(t, rawDB(t, db), `DELETE FROM audit_log WHERE id = 6`)
	ids := func(f Filter) []int64 {
		var out []int64
		db.View(context.Background(), func(tx *store.Tx) error {
			es, err := Query(tx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				out = append(out, e.ID)
			}
			return nil
		})
		return out
	}
	if got := ids(Filter{BeforeID: 6, Limit: 3}); !slices.Equal(got, []int64{5, 4, 3}) {
		t.Errorf("before deleted entry 6: %v", got)
	}
	if got := ids(Filter{BeforeID: 1}); len(got) != 0 {
		t.Errorf("before entry 1: %v", got)
	}
	if got := ids(Filter{BeforeID: 100, Limit: 2}); !slices.Equal(got, []int64{10, 9}) {
		t.Errorf("before an id past the end: %v", got)
	}
	// The same action twice does not duplicate entries.
	if got := ids(Filter{Actions: []Action{ActionLogin, ActionLogin, ActionLogout}}); !slices.Equal(got, []int64{7, 1}) {
		t.Errorf("duplicate actions: %v", got)
	}
}

package audit

import (
	"context"
	"fmt"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

func TestBatch(t *testing.T) {
	db := openDB(t)
	l := &Log{Key: testKey, Workstation: "desk-1"}
	ctx := context.Background()
	// One Append, then a batch of 100, then an Append again: one unbroken chain.
	err := db.Update(ctx, func(tx *store.Tx) error {
		if _, err := l.Append(tx, Entry{Action: ActionLogin, Result: ResultOK, Login: "a"}); err != nil {
			return err
		}
		b, err := l.Batch(tx)
		if err != nil {
			return err
		}
		for i := 0; i < 100; i++ {
			if _, err := b.Append(Entry{Action: ActionRegister, Result: ResultOK, Login: "a", TargetType: "person", TargetID: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		if err := b.Close(); err != nil {
			return err
		}
		if _, err := b.Append(Entry{Action: ActionLogin, Result: ResultOK}); err == nil {
			t.Error("append after close accepted")
		}
		_, err = l.Append(tx, Entry{Action: ActionLogout, Result: ResultOK, Login: "a"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := mustVerify(t, db, testKey); !res.OK || res.Entries != 102 {
		t.Fatalf("verify: %+v", res)
	}
	// A batch committed without Close leaves the head behind, and Verify says so.
	err = db.Update(ctx, func(tx *store.Tx) error {
		b, err := l.Batch(tx)
		if err != nil {
			return err
		}
		_, err = b.Append(Entry{Action: ActionRegister, Result: ResultOK})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := mustVerify(t, db, testKey); res.OK {
		t.Fatal("an unclosed batch went unnoticed")
	}
}

func BenchmarkBatchAppend(b *testing.B) {
	db := openDB(b)
	l := &Log{Key: testKey, Workstation: "desk-1"}
	b.ResetTimer()
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		bt, err := l.Batch(tx)
		if err != nil {
			return err
		}
		for i := 0; i < b.N; i++ {
			if _, err := bt.Append(Entry{Action: ActionRegister, Result: ResultOK, Login: "a", TargetType: "person", TargetID: "1"}); err != nil {
				return err
			}
		}
		return bt.Close()
	})
	if err != nil {
		b.Fatal(err)
	}
}

package store

import (
	"context"
	"testing"
)

// BenchmarkUpdate measures one small write transaction (a meta row), the cost every use case
// pays for its commit: with synchronous=FULL each commit syncs the WAL.
func BenchmarkUpdate(b *testing.B) {
	db, err := Open(context.Background(), b.TempDir()+"/"+FileName)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := db.Update(ctx, func(tx *Tx) error { return tx.SetMeta("bench", "x") }); err != nil {
			b.Fatal(err)
		}
	}
}

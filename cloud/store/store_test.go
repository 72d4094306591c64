package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/cloud/store/storetest"
)

func TestSQLiteContract(t *testing.T) {
	storetest.RunContract(t, func(t *testing.T) store.Store {
		s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "relay.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestPostgresContract runs the suite on a real server (scripts/with-postgres.sh), each test
// in a fresh schema.
func TestPostgresContract(t *testing.T) {
	storetest.PostgresURL(t)
	storetest.RunContract(t, func(t *testing.T) store.Store { return storetest.OpenPostgres(t) })
}

func TestOpenUnknownHidesSecrets(t *testing.T) {
	_, err := store.Open(context.Background(), "mysql://root:hunter2@db/x")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Open = %v", err)
	}
}

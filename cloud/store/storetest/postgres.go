package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/cloud/store"
)

// PostgresURL returns SHELTER_TEST_POSTGRES (set by scripts/with-postgres.sh), or skips the
// test; with SHELTER_REQUIRE_POSTGRES=1 it fails instead, so a green `make test` always means
// the PostgreSQL backend ran.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SHELTER_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("SHELTER_REQUIRE_POSTGRES") == "1" {
			t.Fatal("SHELTER_REQUIRE_POSTGRES=1 but SHELTER_TEST_POSTGRES is not set; run under scripts/with-postgres.sh")
		}
		t.Skip("PostgreSQL not available: SHELTER_TEST_POSTGRES is not set (run under scripts/with-postgres.sh)")
	}
	return u
}

// OpenPostgres returns a store in a fresh schema of the test server, dropped at cleanup.
func OpenPostgres(t testing.TB) store.Store {
	t.Helper()
	return OpenPostgresPair(t, 1)[0]
}

// OpenPostgresPair returns n store handles (each its own connection pool, as n relay processes
// have) on one fresh schema of the test server, dropped at cleanup.
func OpenPostgresPair(t testing.TB, n int) []store.Store {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	var out []store.Store
	for range n {
		s, err := store.Open(context.Background(), base+sep+"search_path="+url.QueryEscape(schema))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

package store

import (
	"database/sql/driver"

	"modernc.org/sqlite"

	"github.com/mynumber-shelter/shelter/app/jtext"
)

// newDriver is the SQLite driver of the vault's connections, with the SQL functions the use
// cases rely on. It is a driver of its own (not the package-level one of modernc.org/sqlite),
// so nothing registered here reaches other SQLite users in the process:
//
//   - shelter_fold(text): [jtext.Fold], for searching names and readings as a clerk types
//     them (hiragana, katakana, half-width kana and variant kanji as one). NULL stays NULL.
func newDriver() *sqlite.Driver {
	d := &sqlite.Driver{}
	d.MustRegisterDeterministicScalarFunction("shelter_fold", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case nil:
			return nil, nil
		case string:
			return jtext.Fold(v), nil
		case []byte:
			return jtext.Fold(string(v)), nil
		default:
			return v, nil
		}
	})
	return d
}

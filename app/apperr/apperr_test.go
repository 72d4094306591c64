package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/jpdate"
)

// TestAsFindsEveryCoded: a typed error of another package, wrapped, reaches the user with its
// own code and words; the outermost user-safe error wins; other errors are not user-safe.
func TestAsFindsEveryCoded(t *testing.T) {
	_, perr := jpdate.ParseDate("2023-02-29")
	if perr == nil {
		t.Fatal("2023-02-29 parsed")
	}
	err := fmt.Errorf("reading the form: %w", perr)
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeInvalid || e.JA == "" || e.EN == "" || !errors.Is(e, perr) {
		t.Fatalf("As(date error) = %+v, %v", e, ok)
	}
	outer := apperr.Wrap(err, "bad_date", "birthDate", "生年月日が正しくありません。", "The birth date is not valid.")
	if e, _ := apperr.As(fmt.Errorf("x: %w", outer)); e != outer {
		t.Fatalf("As took %+v, not the outermost", e)
	}
	if _, ok := apperr.As(errors.New("disk on fire")); ok {
		t.Fatal("a plain error is user-safe")
	}
	if _, ok := apperr.As(nil); ok {
		t.Fatal("nil is user-safe")
	}
}

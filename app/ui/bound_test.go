package ui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// publicMethods are the bound methods that work without a session, each with why: the first
// start, the login and the recovery of a vault, and what the login screen shows.
var publicMethods = map[string]string{
	"SessionService.State":            "the frontend asks what to show",
	"SessionService.Setup":            "first start (refused once the vault exists)",
	"SessionService.Login":            "login (refuses bad credentials)",
	"SessionService.Recover":          "recovery with the Recovery Kit (refuses a bad kit)",
	"SessionService.SetLanguage":      "the language switch of the login page",
	"SessionService.Logout":           "always allowed, does nothing without a session",
	"BackupService.RestoreNew":        "first start from a backup (refused once the vault exists; needs the Recovery Kit)",
	"ReplicaService.RestoreFromCloud": "first start from the cloud (refused once the vault exists; needs a restore code and the Recovery Kit)",
}

// roleFreeMethods are the only bound methods a logged-in user with no role (not an
// administrator, not assigned to any company) can call successfully with empty arguments.
var roleFreeMethods = map[string]bool{
	"SessionService.State": true, "SessionService.Lock": true, "SessionService.Logout": true,
}

// callAll calls every exported method of every bound service with zero arguments and returns
// "Service.Method" → the error's code ("" when it succeeded). A method returning no error is
// reported as "NO ERROR RESULT": every bound method must be able to refuse.
func callAll(t *testing.T, a *App) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, svc := range a.Services() {
		v := reflect.ValueOf(svc)
		typ := v.Type()
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			name := typ.Elem().Name() + "." + m.Name
			mt := m.Type
			last := mt.NumOut() - 1
			if last < 0 || mt.Out(last) != reflect.TypeFor[error]() {
				out[name] = "NO ERROR RESULT"
				continue
			}
			args := []reflect.Value{v}
			for j := 1; j < mt.NumIn(); j++ {
				args = append(args, reflect.Zero(mt.In(j)))
			}
			res := func() (res []reflect.Value) {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s panicked with zero arguments: %v", name, p)
					}
				}()
				return m.Func.Call(args)
			}()
			if res == nil {
				continue
			}
			err, _ := res[last].Interface().(error)
			if err == nil {
				out[name] = ""
				continue
			}
			out[name] = code(t, err)
		}
	}
	return out
}

// TestEveryBoundMethodRefusesWithoutASession calls every method the webview can call (found
// by reflection, so a new one cannot be forgotten) with no one logged in: each refuses with
// "unauthenticated" (or another refusal), except the few the login page needs.
func TestEveryBoundMethodRefusesWithoutASession(t *testing.T) {
	f := setup(t)
	if err := f.app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	var wrong []string
	for name, c := range callAll(t, f.app) {
		if _, public := publicMethods[name]; public {
			continue
		}
		if c == "" || c == "NO ERROR RESULT" {
			wrong = append(wrong, fmt.Sprintf("%s: %q", name, c))
		}
	}
	if len(wrong) > 0 {
		t.Errorf("bound methods that act without a session:\n%s", strings.Join(wrong, "\n"))
	}
}

// TestNoBoundMethodActsForAUserWithoutRoles: logged in as a user who is neither administrator
// nor assigned to any company, every bound method refuses (or finds nothing to do) except the
// session's own.
func TestNoBoundMethodActsForAUserWithoutRoles(t *testing.T) {
	f := setup(t)
	tp, err := f.app.Users.Create(UserInput{Login: "kimura", DisplayName: "木村 三郎"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Session.Login("kimura", tp.Password); err != nil {
		t.Fatal(err)
	}
	if err := f.app.Session.ChangePassword(tp.Password, "ichiro keeps a long passphrase"); err != nil {
		t.Fatal(err)
	}
	for name, c := range callAll(t, f.app) {
		if (c == "" || c == "NO ERROR RESULT") && !roleFreeMethods[name] {
			t.Errorf("%s succeeds for a user without any role", name)
		}
	}
	// Every allow-list entry is still a bound method.
	all := callAll(t, f.app)
	for name := range publicMethods {
		if _, ok := all[name]; !ok {
			t.Errorf("publicMethods names %s, which is not a bound method", name)
		}
	}
}

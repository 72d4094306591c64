package appdir

import (
	"path/filepath"
	"testing"
)

func TestData(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	home := func() (string, error) { return "/h", nil }
	if got := dataFor("linux", get, home); got != filepath.Join("/h", ".local", "share", "mynumber-shelter") {
		t.Errorf("linux: %s", got)
	}
	env["XDG_DATA_HOME"] = "/x"
	if got := dataFor("linux", get, home); got != filepath.Join("/x", "mynumber-shelter") {
		t.Errorf("linux with XDG_DATA_HOME: %s", got)
	}
	env["LOCALAPPDATA"] = "/L"
	if got := dataFor("windows", get, home); got != filepath.Join("/L", "MyNumber Shelter") {
		t.Errorf("windows: %s", got)
	}
	delete(env, "LOCALAPPDATA")
	if got := dataFor("windows", get, home); got != filepath.Join("/h", "AppData", "Local", "MyNumber Shelter") {
		t.Errorf("windows without LOCALAPPDATA: %s", got)
	}
	if got := dataFor("darwin", get, home); got != filepath.Join("/h", "Library", "Application Support", "MyNumber Shelter") {
		t.Errorf("darwin: %s", got)
	}
}

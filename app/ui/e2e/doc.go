// Package e2e holds the end-to-end test of the desktop app's user interface: the real frontend
// (frontend/dist) in a real headless Chromium, talking through app/ui/webrpc to the real Go
// services of app/ui on a temporary vault. It has no code of its own besides the test.
//
// The app under test is built from [ui.ShippedConfig], the configuration main.go runs with (a
// second factor required); the tests change only the keychain and the key-derivation cost, and
// point the bridge socket at a test's own bridge. Every story passes the first run's factor
// step as a real office does: the staff card on the virtual reader, or "optional" with a
// recorded reason.
//
// Run it with `go test ./app/ui/e2e/` after `npm run build` in frontend/. Without
// /usr/bin/chromium or frontend/dist the test is skipped, unless SHELTER_REQUIRE_BROWSER=1 (CI)
// makes that a failure. SHELTER_REQUIRE_KEYRING=1 uses the OS keychain instead of an in-memory
// one. Screenshots go to build/test-artifacts/e2e-*.png.
//
// It must never use real personal data: every name and number in it is obviously fake.
package e2e

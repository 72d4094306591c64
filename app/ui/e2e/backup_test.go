package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestBrowserBackupAndRestore is an office whose PC dies. On the old PC the administrator, reminded on the home screen,
// makes a backup set from M-5 onto a "USB drive"; on a new PC (another vault folder, an empty
// keychain) the first-start screen's 「バックアップから復元」 brings the office back with the
// Recovery Kit: a wrong kit is refused in place, the right one logs the administrator in, the
// numbers open again for a handler whose password the administrator reset, and the history
// verifies and shows the restore.
func TestBrowserBackupAndRestore(t *testing.T) {
	if _, err := os.Stat(filepath.Join(distDir, "index.html")); err != nil {
		skipOrFail(t, "frontend not built (run npm run build in frontend/)")
	}
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, err := ui.New(shippedConfig(t, &keychain.Mem{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = old.Close() })
	kit := setUp(t, old, ui.Office{Name: officeName, Kind: "sharoushi"})
	companyID, temp := addStaffCompany(t, old)
	firstLogin(t, old, "tanaka", temp["tanaka"], "a handler's long passphrase")
	e := saveEmployee(t, old, ui.Employee{CompanyID: companyID, Code: "E001", Name: "山田 太郎", HiredOn: "2020-04-01"})
	number := fakeNumber(t, "12345678901")
	setNumbers(t, old, companyID, map[int64]string{e.ID: number})
	old.Session.Logout()

	b, url := openBrowser(t, old)
	b.shots = 70
	b.navigate(url)
	submitLogin(b, adminLogin, adminPassword)
	b.waitVisible("welcome-backup-due")
	b.shot("backup-reminder")
	b.click("welcome-backup-go")
	b.waitVisible("backup-due")
	b.waitText("backup-last", "まだ")
	drive := t.TempDir()
	b.fill("backup-folder", filepath.Join(drive, "not there"))
	b.click("backup-make")
	b.waitText("backup-folder-error", "フォルダ")
	b.fill("backup-folder", drive)
	b.click("backup-make")
	b.waitText("sync-ok", "MyNumberShelter-")
	b.waitGone("backup-due")
	b.shot("backup-made")
	sets, _ := filepath.Glob(filepath.Join(drive, "MyNumberShelter-*"))
	if len(sets) != 1 {
		t.Fatalf("backup sets on the drive: %v", sets)
	}

	// The new PC.
	fresh, err := ui.New(shippedConfig(t, &keychain.Mem{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fresh.Close() })
	b2, url2 := openBrowser(t, fresh)
	b2.shots = 80
	b2.navigate(url2)
	b2.waitVisible("setup-office")
	b2.click("setup-restore")
	b2.waitVisible("restore-screen")
	b2.fill("restore-folder", drive)
	b2.fill("restore-recoveryKey", kit.Key)
	b2.fill("restore-login", adminLogin)
	b2.fill("restore-password", "the new PC's long passphrase")
	b2.fill("restore-confirm", "the new PC's long passphrase")
	b2.click("restore-submit")
	b2.waitText("restore-folder-error", "バックアップではありません")
	b2.fill("restore-folder", sets[0])
	b2.fill("restore-recoveryKey", strings.Repeat("AAAA-", 13)+"AAAA")
	b2.click("restore-submit")
	b2.waitText("restore-recoveryKey-error", "リカバリーキー")
	b2.shot("restore-wrong-kit")
	b2.fill("restore-recoveryKey", kit.Key)
	b2.click("restore-submit")
	b2.waitVisible("home")
	b2.shot("restore-home")
	restoredOffice(t, b2, fresh, companyID, number)
}

package daemon

import (
	"strings"
	"testing"
)

// The Windows logon entry is the user's own Run key (no administrator, no scheduled task
// without a user), starting the bridge with its path quoted; uninstall removes that value and
// cleans up the scheduled task of older installs without failing when there is none.
func TestPlanWindows(t *testing.T) {
	exe := `C:\Users\山田 太郎\AppData\Local\Programs\MyNumber Shelter\shelter-bridge.exe`
	p, err := Plan("windows", exe, `C:\Users\山田 太郎`, `C:\Users\山田 太郎\AppData\Roaming`)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 0 || len(p.Install) != 1 || len(p.Uninstall) != 1 {
		t.Fatalf("plan %+v", p)
	}
	add := strings.Join(p.Install[0], " ")
	for _, want := range []string{"reg add", `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`, "/v MyNumber Shelter Bridge", "/t REG_SZ", `"` + exe + `" run`, "/f"} {
		if !strings.Contains(add, want) {
			t.Errorf("install %q lacks %q", add, want)
		}
	}
	if strings.Contains(add, "schtasks") || strings.Contains(add, "HKLM") {
		t.Errorf("install needs administrator rights: %q", add)
	}
	if strings.Join(p.Start, " ") != exe+" run" {
		t.Errorf("start %q", p.Start)
	}
	if del := strings.Join(p.Uninstall[0], " "); !strings.HasPrefix(del, "reg delete "+RunKey) || !strings.Contains(del, "/v MyNumber Shelter Bridge") {
		t.Errorf("uninstall %q", del)
	}
	if len(p.Cleanup) != 1 || p.Cleanup[0][0] != "schtasks" || p.Cleanup[0][1] != "/Delete" {
		t.Errorf("cleanup %q", p.Cleanup)
	}
	for _, bad := range []string{`C:\x\"evil.exe`, "C:\\x\\shelter-bridge.exe\r\nother", `C:\x\shelter-bridge.bat`} {
		if _, err := Plan("windows", bad, "", ""); err == nil {
			t.Errorf("Plan accepted %q", bad)
		}
	}
}

// TestMachinePlan: an installation for all users writes the machine's Run key (each user's bridge
// starts at their logon, as them) and starts nothing from the elevated installer.
func TestMachinePlan(t *testing.T) {
	exe := `C:\Program Files\MyNumber Shelter\shelter-bridge.exe`
	p, err := MachinePlan(exe)
	if err != nil {
		t.Fatal(err)
	}
	if p.Start != nil || len(p.Files) != 0 || len(p.Install) != 1 || len(p.Uninstall) != 1 {
		t.Fatalf("plan %+v", p)
	}
	add, del := strings.Join(p.Install[0], " "), strings.Join(p.Uninstall[0], " ")
	for _, want := range []string{"reg add", `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`, "/v MyNumber Shelter Bridge", `"` + exe + `" run`} {
		if !strings.Contains(add, want) {
			t.Errorf("install %q lacks %q", add, want)
		}
	}
	if !strings.HasPrefix(del, `reg delete HKLM\Software\Microsoft\Windows\CurrentVersion\Run /v MyNumber Shelter Bridge`) {
		t.Errorf("uninstall %q", del)
	}
	if _, err := MachinePlan(`C:\x"y.exe`); err == nil {
		t.Error("a quote in the path was accepted")
	}
}

func TestPlanLinuxAndMac(t *testing.T) {
	p, err := Plan("linux", "/opt/My Shelter/shelter-bridge", "/home/yamada", "/home/yamada/.config")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || !strings.HasSuffix(p.Files[0].Path, "/systemd/user/shelter-bridge.service") ||
		!strings.Contains(p.Files[0].Content, `ExecStart="/opt/My Shelter/shelter-bridge" run`) {
		t.Errorf("linux plan %+v", p)
	}
	if strings.Join(p.Install[1], " ") != "systemctl --user enable --now shelter-bridge.service" {
		t.Errorf("linux install %q", p.Install)
	}
	p, err = Plan("darwin", "/Applications/MyNumber Shelter.app/Contents/MacOS/shelter-bridge", "/Users/yamada", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || !strings.Contains(p.Files[0].Content, "<string>run</string>") || !strings.Contains(p.Files[0].Path, "LaunchAgents") {
		t.Errorf("darwin plan %+v", p)
	}
	if _, err := Plan("plan9", "/bin/x", "", ""); err == nil {
		t.Error("a plan for an unknown OS")
	}
}

package daemon

import (
	"fmt"
	"path/filepath"
	"strings"
)

// InstallPlan is what `shelter-bridge install` does on one OS: files to write and commands to
// run, so that the bridge starts at login and keeps running with the window closed.
//
// The bridge is a per-user agent, not a system service: the OS keychain it uses (Credential
// Manager, the macOS login keychain, the Secret Service) belongs to the logged-in user, which a
// system service (LocalSystem, root) cannot reach. So: a systemd user unit on Linux, a
// LaunchAgent on macOS, and on Windows the user's Run key (HKCU\…\Run), which a normal user
// may write without administrator rights and which starts the bridge in that user's session at
// each logon. The Windows bridge is built as a GUI-subsystem program, so no console window
// opens and none can be closed by mistake; it logs to a file instead.
type InstallPlan struct {
	Files     []PlanFile
	Install   [][]string // commands run after writing the files
	Start     []string   // a command started in the background after Install (nil: none)
	Uninstall [][]string // commands run before removing the files
	Cleanup   [][]string // commands run after Uninstall whose failure is ignored (older installs)
}

// PlanFile is one file of a plan.
type PlanFile struct {
	Path    string
	Mode    uint32
	Content string
}

// Label is the systemd unit's and the LaunchAgent's name.
const Label = "jp.mynumber-shelter.bridge"

// The Windows logon entry: a value of the user's Run key, or of the machine's for an installation
// for all users of the PC.
const (
	RunKey        = `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`
	MachineRunKey = `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`
	RunValue      = "MyNumber Shelter Bridge"
)

// MachinePlan is `shelter-bridge install --all-users` on Windows, run by the installer of a
// per-machine installation (elevated): the machine's Run key starts the bridge in each user's
// session at logon, as that user (each user has a bridge of their own, with their own keychain).
// Nothing is started now: a bridge started by an elevated installer would run with the
// administrator's token; each user's app starts its bridge when none answers.
func MachinePlan(exe string) (InstallPlan, error) {
	if strings.ContainsAny(exe, `"`+"\r\n") || !strings.HasSuffix(strings.ToLower(exe), ".exe") {
		return InstallPlan{}, fmt.Errorf("not a path to shelter-bridge.exe: %q", exe)
	}
	return InstallPlan{
		Install:   [][]string{{"reg", "add", MachineRunKey, "/v", RunValue, "/t", "REG_SZ", "/d", `"` + exe + `" run`, "/f"}},
		Uninstall: [][]string{{"reg", "delete", MachineRunKey, "/v", RunValue, "/f"}},
	}, nil
}

// Plan returns the install plan for goos, with the binary at exe and the user's home and config
// directories.
func Plan(goos, exe, home, configDir string) (InstallPlan, error) {
	switch goos {
	case "linux":
		unit := filepath.Join(configDir, "systemd", "user", "shelter-bridge.service")
		return InstallPlan{
			Files: []PlanFile{{Path: unit, Mode: 0o644, Content: systemdUnit(exe)}},
			Install: [][]string{
				{"systemctl", "--user", "daemon-reload"},
				{"systemctl", "--user", "enable", "--now", "shelter-bridge.service"},
			},
			Uninstall: [][]string{{"systemctl", "--user", "disable", "--now", "shelter-bridge.service"}},
		}, nil
	case "darwin":
		plist := filepath.Join(home, "Library", "LaunchAgents", Label+".plist")
		return InstallPlan{
			Files:     []PlanFile{{Path: plist, Mode: 0o644, Content: launchAgent(exe, home)}},
			Install:   [][]string{{"launchctl", "load", "-w", plist}},
			Uninstall: [][]string{{"launchctl", "unload", "-w", plist}},
		}, nil
	case "windows":
		if strings.ContainsAny(exe, `"`+"\r\n") || !strings.HasSuffix(strings.ToLower(exe), ".exe") {
			return InstallPlan{}, fmt.Errorf("not a path to shelter-bridge.exe: %q", exe)
		}
		return InstallPlan{
			Install: [][]string{
				{"reg", "add", RunKey, "/v", RunValue, "/t", "REG_SZ", "/d", `"` + exe + `" run`, "/f"},
			},
			Start:     []string{exe, "run"},
			Uninstall: [][]string{{"reg", "delete", RunKey, "/v", RunValue, "/f"}},
			// Installs before the Run key used a scheduled task of this name.
			Cleanup: [][]string{{"schtasks", "/Delete", "/F", "/TN", RunValue}},
		}, nil
	}
	return InstallPlan{}, fmt.Errorf("no install plan for %s", goos)
}

func systemdUnit(exe string) string {
	return strings.Join([]string{
		"[Unit]",
		"Description=MyNumber Shelter hardware bridge (IC cards, vein sensor, scanner, sync)",
		"After=pcscd.socket",
		"",
		"[Service]",
		"ExecStart=" + systemdQuote(exe) + " run",
		"Restart=on-failure",
		"RestartSec=5",
		"NoNewPrivileges=yes",
		"PrivateTmp=yes",
		"",
		"[Install]",
		"WantedBy=default.target",
		"",
	}, "\n")
}

// systemdQuote quotes a path for ExecStart when it contains spaces or quotes.
func systemdQuote(s string) string {
	if !strings.ContainsAny(s, " \t\"'\\") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func launchAgent(exe, home string) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	log := filepath.Join(home, "Library", "Logs", "MyNumber Shelter", "bridge.log")
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + Label + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>` + esc.Replace(exe) + `</string>
		<string>run</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
	<key>StandardErrorPath</key>
	<string>` + esc.Replace(log) + `</string>
</dict>
</plist>
`
}

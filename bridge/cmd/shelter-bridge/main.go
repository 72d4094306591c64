// Command shelter-bridge is the MyNumber Shelter hardware bridge: a per-user daemon that serves
// IC card readers, the vein sensor, scanners and cloud sync to the desktop app over a Unix
// socket in a 0700 per-user directory, or on Windows a named pipe only its user may open. On
// Windows it is a GUI-subsystem program (no console window) that logs to bridge.log in its
// state folder. Its settings are in bridge.json in its state directory
// (SHELTER_BRIDGE_STATE overrides it); the app changes them through the bridge.
//
//	shelter-bridge run          run in the foreground (what the login agent starts); it exits
//	                            when its socket is removed (a throwaway session ended)
//	shelter-bridge status       ask a running bridge for its state and its devices
//	shelter-bridge install      start at login: systemd user unit, macOS LaunchAgent, or the Windows
//	                            user's Run key (no administrator rights; started at once too)
//	shelter-bridge uninstall    undo install
//	shelter-bridge install --all-users, uninstall --all-users
//	                            Windows, per-machine installations (administrator): the machine's
//	                            Run key starts each user's bridge at logon
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/mynumber-shelter/shelter/bridge/daemon"

	"github.com/mynumber-shelter/shelter/bridge"
)

var version = "0.1.0-dev"

func main() {
	cmd := "run"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	setupConsole(cmd)
	var err error
	switch cmd {
	case "run":
		err = run()
	case "status":
		err = status()
	case "install", "uninstall":
		allUsers := len(os.Args) == 3 && os.Args[2] == "--all-users"
		if len(os.Args) > 2 && !allUsers || allUsers && runtime.GOOS != "windows" {
			fmt.Fprintln(os.Stderr, "usage: shelter-bridge install|uninstall [--all-users (Windows)]")
			os.Exit(2)
		}
		err = install(cmd == "install", allUsers)
	default:
		fmt.Fprintln(os.Stderr, "usage: shelter-bridge [run|status|install|uninstall [--all-users]]")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "shelter-bridge: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	out, closeLog := runLog()
	defer closeLog()
	log := slog.New(slog.NewTextHandler(out, nil))
	l, err := daemon.Listen(bridge.SocketDir())
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		select {
		case <-daemon.WatchSocket(ctx, bridge.SocketPath(), 2*time.Second):
			log.Info("shelter-bridge stopping: its socket was removed")
			stop()
		case <-ctx.Done():
		}
	}()
	cfg := daemon.ConfigPath()
	log.Info("shelter-bridge listening", "socket", bridge.SocketPath(), "config", cfg, "version", version)
	return (&daemon.Server{Version: version, Log: log, ConfigPath: cfg}).Serve(ctx, l)
}

func status() error {
	ctx := context.Background()
	c := &bridge.Client{}
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	devices, err := c.Devices(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		bridge.Status
		Devices []bridge.DeviceState `json:"devices"`
	}{st, devices})
}

func install(on, allUsers bool) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	home, _ := os.UserHomeDir()
	cfg, _ := os.UserConfigDir()
	plan, err := daemon.Plan(runtime.GOOS, exe, home, cfg)
	if allUsers {
		plan, err = daemon.MachinePlan(exe)
	}
	if err != nil {
		return err
	}
	runAll := func(cmds [][]string) error {
		for _, c := range cmds {
			fmt.Println("+", c)
			cmd := exec.Command(c[0], c[1:]...)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			noWindow(cmd)
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %w", c[0], err)
			}
		}
		return nil
	}
	if !on {
		if plan.Start != nil || allUsers {
			// No service manager stops it: ask the running bridge to stop (it deletes the
			// session keys it holds); none running is fine.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := (&bridge.Client{}).Stop(ctx); err == nil {
				fmt.Println("stopped the running bridge")
			}
			cancel()
		}
		uerr := runAll(plan.Uninstall)
		for _, c := range plan.Cleanup {
			cmd := exec.Command(c[0], c[1:]...)
			noWindow(cmd)
			cmd.Run() // what older installs left; absent is fine
		}
		for _, f := range plan.Files {
			if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			fmt.Println("removed", f.Path)
		}
		return uerr
	}
	for _, f := range plan.Files {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f.Path, []byte(f.Content), os.FileMode(f.Mode)); err != nil {
			return err
		}
		fmt.Println("wrote", f.Path)
	}
	if err := runAll(plan.Install); err != nil {
		return err
	}
	if plan.Start != nil {
		if err := startDetached(plan.Start); err != nil {
			return fmt.Errorf("starting the bridge: %w", err)
		}
		fmt.Println("started", plan.Start)
	}
	return nil
}

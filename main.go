// Command mynumber-shelter is the MyNumber Shelter desktop app: a Wails v2 window whose frontend
// (frontend/dist, embedded) calls the Go services of app/ui.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/mynumber-shelter/shelter/internal/appdir"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/windows"
	wailsruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

//go:embed all:frontend/dist
var assets embed.FS

// version is set by the build (-ldflags "-X main.version=…").
var version = "0.1.0"

func main() {
	def := defaultVaultDir()
	vaultDir := flag.String("vault", envOr("SHELTER_VAULT", def), "vault directory (holds vault.db)")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// The tests build the app from the same function (a second factor required by default; an
	// administrator of an office without readers can make it optional with a recorded reason).
	cfg := ui.ShippedConfig(*vaultDir, version, log)
	if generatingBindings {
		// `wails build` runs the program once to generate the JS bindings: use a throwaway vault
		// so a build never touches a real vault or the keychain.
		dir, err := os.MkdirTemp("", "shelter-bindings-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(dir)
		cfg.VaultDir, cfg.Keychain = dir, &keychain.Mem{}
	}
	app, err := ui.New(cfg)
	if err != nil {
		fatal(err)
	}
	var stopBridge, stopReplica, stopShares func()
	err = wails.Run(&options.App{
		Title:            "MyNumber Shelter",
		Width:            1366,
		Height:           860,
		MinWidth:         1100,
		MinHeight:        700,
		BackgroundColour: &options.RGBA{R: 245, G: 247, B: 250, A: 255},
		AssetServer:      &assetserver.Options{Assets: assets},
		// Without the WebView2 runtime, Wails asks to install it in dialogs of these texts.
		Windows: &windows.Options{Messages: webView2Messages()},
		OnStartup: func(ctx context.Context) {
			// Long work reports progress through events namespaced by resource.
			app.Employees.Progress = func(companyID int64, done, total int) {
				wailsruntime.EventsEmit(ctx, fmt.Sprintf("import:progress:%d", companyID), done, total)
			}
			// The bridge's events (cards, scans, devices) and the connection state; the app
			// starts shelter-bridge when it does not answer, and it outlives the window.
			app.SetEventSink(func(name string, data any) { wailsruntime.EventsEmit(ctx, name, data) })
			// Downloads go where the user chooses, through the desktop's save dialog.
			app.SetSaveDialog(func(name string) (string, error) {
				return wailsruntime.SaveFileDialog(ctx, wailsruntime.SaveDialogOptions{DefaultFilename: name, Title: "保存先を選んでください / Save as"})
			})
			// Backups go into a folder the user chooses (a USB drive, a network share).
			app.SetFolderDialog(func() (string, error) {
				return wailsruntime.OpenDirectoryDialog(ctx, wailsruntime.OpenDialogOptions{Title: "バックアップのフォルダを選んでください / Choose the backup folder"})
			})
			if !generatingBindings {
				stopBridge = app.StartBridge()
				// The office replica follows the vault's changes while a user is logged in.
				stopReplica = app.StartReplica()
				// Shared companies (M-6) follow the other members while a user with a role in
				// them is logged in.
				stopShares = app.StartShareSync()
			}
		},
		OnShutdown: func(context.Context) {
			if stopShares != nil {
				stopShares()
			}
			if stopReplica != nil {
				stopReplica()
			}
			if stopBridge != nil {
				stopBridge()
			}
			app.Close()
		},
		Bind: app.Services(),
	})
	if err != nil {
		fatal(err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// defaultVaultDir is the per-user data folder of each platform (internal/appdir).
func defaultVaultDir() string { return appdir.Data() }

func fatal(err error) {
	// A user-safe error says what to do, in Japanese first.
	text := err.Error()
	if e, ok := apperr.As(err); ok {
		text = e.JA + "\n" + e.EN
	}
	fmt.Fprintf(os.Stderr, "mynumber-shelter: %s\n", text)
	showFatal(text)
	os.Exit(1)
}

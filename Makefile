# MyNumber Shelter — build, run and test.  `make` lists the targets.
#
# Every target installs what it needs first (scripts/deps.sh: Debian packages,
# the pinned Wails CLI, frontend/node_modules), so a fresh clone needs only
# `make run` or `make test`.

SHELL         := /bin/bash
.SHELLFLAGS   := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS     += --no-print-directory

# `go install` puts wails and benchstat in GOBIN (default GOPATH/bin): it must be on PATH.
GOBIN := $(or $(shell go env GOBIN 2>/dev/null),$(shell go env GOPATH 2>/dev/null)/bin)
ifeq ($(GOBIN),/bin)
$(warning go is not on PATH: install Go 1.26 (/usr/local/go/bin))
endif
export PATH := $(GOBIN):$(PATH)

APP       := mynumber-shelter
BIN       := build/bin
ARTIFACTS := build/test-artifacts

# Shown in the app header; wails.json's info.productVersion is the one place to change it.
VERSION ?= $(shell sed -n 's/.*"productVersion": *"\([^"]*\)".*/\1/p' wails.json)

# Vault directory for `make run` / `make run-xvfb`.
VAULT ?= $(HOME)/.local/share/mynumber-shelter
# Without a desktop session (no D-Bus session bus) the runs keep a gnome-keyring of their own
# here, beside the vault and not in it, so the device secret survives a restart
# (scripts/with-keyring.sh, persistent mode: the keyring's password is in KEYRING/unlock-secret,
# 0600 — for development and headless machines, not an office workstation).
KEYRING ?= $(VAULT).keyring

# Debian 12 ships WebKitGTK 4.1 only; Wails needs the tag to use it. Every go
# command gets it, since the root package links Wails.
TAGS   := webkit2_41
GOTAGS := -tags=$(TAGS)

# -m and -nosyncgomod: wails must never `go mod tidy` or rewrite go.mod.
# -s: the frontend target has built frontend/dist already.
# -skipbindings: the frontend calls window.go.* itself; no generated wailsjs.
WAILS_BUILD := wails build -m -nosyncgomod -s -skipbindings -trimpath -nocolour \
	-ldflags "-X main.version=$(VERSION)"

WITH_KEYRING := scripts/with-keyring.sh
XVFB_RUN     := xvfb-run -a -s "-screen 0 1366x900x24"
# GTK on X11 even under a Wayland desktop; WebKitGTK's DMA-BUF renderer is known to
# leave windows blank on some GPU-less machines.
XVFB_ENV     := env -u WAYLAND_DISPLAY GDK_BACKEND=x11 WEBKIT_DISABLE_DMABUF_RENDERER=1

# Tests fail instead of skipping when the real keychain, browser, pcscd, OpenSC or PostgreSQL is missing.
TEST_ENV := SHELTER_REQUIRE_KEYRING=1 SHELTER_REQUIRE_BROWSER=1 SHELTER_REQUIRE_PCSCD=1 SHELTER_REQUIRE_POSTGRES=1 \
	SHELTER_REQUIRE_LIBREOFFICE=1 SHELTER_REQUIRE_TMPFS=1 SHELTER_REQUIRE_SANE=1 SHELTER_REQUIRE_OPENSC=1 \
	SHELTER_RENDER_DIR=$(CURDIR)/$(ARTIFACTS)/render

# make bench BENCH=Verify1M PKG=./app/audit/ (COUNT=6 or more gives benchstat confidence intervals)
BENCH ?= .
COUNT ?= 6
PKG   ?= ./...
BENCHSTAT_VERSION := v0.0.0-20260908200009-22c9c6c9d4da
STATICCHECK_VERSION := v0.8.2

# Which scripts/deps.sh set a target needs; `make test` and `make run` widen it.
DEPS ?= build

.PHONY: help deps frontend vet lint go-test fuzz linux windows shelterctl bridge bridge-windows build \
	run run-xvfb check-display screenshot test bench icons clean shelterctl-windows installer signing wine contract

help: ## list the targets
	@echo "MyNumber Shelter — make targets:"
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z0-9-]*:.*## / { printf "  make %-11s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: VAULT=$(VAULT)  KEYRING=$(KEYRING)  VERSION=$(VERSION)  BENCH=$(BENCH)  PKG=$(PKG)  FUZZTIME=20000x"

deps: ## install missing Debian packages, the Wails CLI and node_modules
	@scripts/deps.sh $(DEPS)

# main.go embeds frontend/dist, which must hold a file before any go command can
# compile the root package; .gitkeep is that file on a fresh clone (Vite's
# emptyOutDir deletes it, so the frontend target puts it back).
frontend/dist/.gitkeep:
	mkdir -p $(@D) && touch $@

frontend: deps ## build the frontend into frontend/dist (Vite)
	cd frontend && npm run build
	touch frontend/dist/.gitkeep

# The frontend's types of the bound services' JSON are generated from the Go types (app/ui/tsgen);
# its test fails while the committed file differs.
contract: ## rewrite frontend/src/contract.gen.ts from the Go types of app/ui's bound services
	go run ./app/cmd/tsgen

vet: deps frontend/dist/.gitkeep ## go vet every package
	go vet $(GOTAGS) ./...

$(GOBIN)/staticcheck-$(STATICCHECK_VERSION):
	go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	cp $(GOBIN)/staticcheck $@

lint: deps frontend/dist/.gitkeep $(GOBIN)/staticcheck-$(STATICCHECK_VERSION) ## staticcheck (pinned) over every package: zero findings; every package and its tests vetted for Windows
	$(GOBIN)/staticcheck-$(STATICCHECK_VERSION) $(GOTAGS) ./...
	GOOS=windows CGO_ENABLED=0 go vet ./...

go-test: deps frontend ## go test ./... in a private D-Bus session with gnome-keyring
	@test -x $(WITH_KEYRING) || { echo "go-test: $(WITH_KEYRING) is missing" >&2; exit 1; }
	$(TEST_ENV) $(WITH_KEYRING) scripts/with-pcscd.sh scripts/with-postgres.sh scripts/gotest.sh $(ARTIFACTS)/go-test.txt $(GOTAGS) -skip '$(WINE_TESTS)' ./...

fuzz: deps frontend/dist/.gitkeep ## run every fuzz target for 20000 inputs (FUZZTIME=200000x for more)
	GOTESTFLAGS="$(GOTAGS)" scripts/fuzz-short.sh $(or $(FUZZTIME),20000x)

# The app starts shelter-bridge from beside its own executable, so each app build puts the
# bridge next to it.
linux: frontend bridge ## build build/bin/mynumber-shelter and shelter-bridge (Linux, WebKitGTK 4.1)
	$(WAILS_BUILD) -tags $(TAGS) -o $(APP)

windows: frontend bridge-windows ## cross-build build/bin/mynumber-shelter.exe and shelter-bridge.exe (Windows amd64, no cgo)
	$(WAILS_BUILD) -platform windows/amd64 -o $(APP).exe

# go-build-if DIR,NAME: go build ./DIR into build/bin/NAME when DIR holds Go files.
define go-build-if
	@if compgen -G '$(1)/*.go' >/dev/null; then \
		echo "go build -o $(BIN)/$(2) ./$(1)"; \
		go build -trimpath -o $(BIN)/$(2) ./$(1); \
	else \
		echo "$(2): skipped, no Go files in $(1) yet"; \
	fi
endef

shelterctl: deps ## build build/bin/shelterctl (admin CLI)
	$(call go-build-if,app/cmd/shelterctl,shelterctl)

bridge: deps ## build build/bin/shelter-bridge (hardware daemon)
	$(call go-build-if,bridge/cmd/shelter-bridge,shelter-bridge)

bridge-windows: deps ## cross-build build/bin/shelter-bridge.exe (Windows amd64, no cgo, GUI subsystem: no console window at logon)
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags=-H=windowsgui -o $(BIN)/shelter-bridge.exe ./bridge/cmd/shelter-bridge

shelterctl-windows: deps ## cross-build build/bin/shelterctl.exe (Windows amd64, no cgo)
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -o $(BIN)/shelterctl.exe ./app/cmd/shelterctl

# The Windows installer (Debian's makensis, build/windows/installer/shelter.nsi): the app,
# shelter-bridge.exe, shelterctl.exe and the WebView2 bootstrapper that comes with the Wails
# module, for the current user; version from wails.json. Signed when SHELTER_SIGN_PFX names a
# code-signing certificate (scripts/sign-windows.sh; `make signing` checks it with a throwaway one).
VERSION  = $(shell sed -n 's/.*"productVersion": *"\([^"]*\)".*/\1/p' wails.json)
WEBVIEW2 = $(shell go env GOMODCACHE)/$(shell go list -m -f '{{.Path}}@{{.Version}}' github.com/wailsapp/wails/v2)/internal/webview2runtime/MicrosoftEdgeWebview2Setup.exe
installer: windows shelterctl-windows ## build/bin/mynumber-shelter-<version>-setup.exe (NSIS) and check what it holds
	go mod download github.com/wailsapp/wails/v2
	scripts/sign-windows.sh $(BIN)/$(APP).exe $(BIN)/shelter-bridge.exe $(BIN)/shelterctl.exe
	makensis -V2 -DVERSION=$(VERSION) -DBIN=$(CURDIR)/$(BIN) -DWEBVIEW2=$(WEBVIEW2) \
		$(if $(SHELTER_SIGN_PFX),-DSIGN=$(CURDIR)/scripts/sign-windows.sh) build/windows/installer/shelter.nsi
	scripts/check-installer.sh $(BIN)/$(APP)-$(VERSION)-setup.exe

# Code signing with a throwaway CA and certificate (scripts/check-signing.sh): the programs, the
# installer and its uninstaller signed and verified with osslsigncode.
signing: DEPS := test
signing: deps installer ## check code signing of the Windows build with a throwaway certificate
	scripts/check-signing.sh $(BIN) $(WEBVIEW2) $(VERSION)

# The Windows binaries under Debian's Wine 8, in one throwaway prefix (scripts/with-wine.sh):
# the Go tests that run shelterctl.exe (go-test leaves them to this target), then the installer
# installed, checked and uninstalled, silently and through its pages on Xvfb (scripts/check-installer-wine.sh).
WINE_TESTS := UnderWine$$
wine: DEPS := test
wine: deps installer ## the Windows shelterctl.exe and installer under Wine 8 (one prefix; SHELTER_REQUIRE_WINE=1)
	SHELTER_REQUIRE_WINE=1 scripts/with-wine.sh bash -c 'go test $(GOTAGS) -count=1 -v -run "$(WINE_TESTS)" ./app/cmd/shelterctl/ && \
		scripts/check-installer-wine.sh $(BIN)/$(APP)-$(VERSION)-setup.exe'

build: linux windows installer shelterctl bridge ## all binaries: Linux app, Windows .exe and installer, shelterctl, shelter-bridge
	@ls -l $(BIN)

check-display:
	@if [[ -z "$${DISPLAY:-}" && -z "$${WAYLAND_DISPLAY:-}" ]]; then \
		echo "run: no display: DISPLAY and WAYLAND_DISPLAY are both empty." >&2; \
		echo "run: on a headless machine use 'make run-xvfb' (a virtual X screen)," >&2; \
		echo "run: or 'scripts/window-screenshot.sh' to see what the window shows." >&2; \
		exit 1; \
	fi

run: DEPS := run
run: check-display linux ## build and start the app on this desktop (VAULT=dir)
	@launcher=; \
	if [[ -z "$${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then \
		test -x $(WITH_KEYRING) || { echo "run: $(WITH_KEYRING) is missing" >&2; exit 1; }; \
		echo "run: no D-Bus session bus: starting under $(WITH_KEYRING) with the keyring kept in $(KEYRING)"; \
		launcher="env WITH_KEYRING_DIR=$(KEYRING) $(WITH_KEYRING)"; \
	fi; \
	echo "run: vault $(VAULT)"; \
	SHELTER_VAULT="$(VAULT)" $$launcher $(BIN)/$(APP) -vault "$(VAULT)"

run-xvfb: DEPS := run
run-xvfb: linux ## build and start the app on a virtual X screen (Xvfb) with gnome-keyring
	@test -x $(WITH_KEYRING) || { echo "run-xvfb: $(WITH_KEYRING) is missing" >&2; exit 1; }
	@echo "run-xvfb: vault $(VAULT), keyring $(KEYRING); the window is on an invisible Xvfb screen, Ctrl-C stops it"
	SHELTER_VAULT="$(VAULT)" WITH_KEYRING_DIR="$(KEYRING)" $(XVFB_ENV) $(XVFB_RUN) $(WITH_KEYRING) $(BIN)/$(APP) -vault "$(VAULT)"

screenshot: ## the built app under Xvfb: first run with xdotool to the menu, a restart, build/test-artifacts/window*.png
	scripts/window-screenshot.sh $(BIN)/$(APP) $(ARTIFACTS)/window.png

test: DEPS := test
test: deps vet lint frontend go-test fuzz linux windows installer signing wine screenshot ## everything CI runs (.ci/run)
	@echo "make test: vet, staticcheck, go test, fuzz, Linux + Windows builds, the Windows installer, shelterctl.exe and the installer under Wine, and the window screenshot passed"
	@echo "test: $$(cat $(ARTIFACTS)/go-test.txt.summary)"

$(GOBIN)/benchstat:
	go install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)

bench: DEPS := run
bench: deps frontend/dist/.gitkeep $(GOBIN)/benchstat ## benchmarks ×5 → build/test-artifacts/bench.txt + benchstat table
	@test -x $(WITH_KEYRING) || { echo "bench: $(WITH_KEYRING) is missing" >&2; exit 1; }
	mkdir -p $(ARTIFACTS)
	$(WITH_KEYRING) scripts/with-pcscd.sh go test $(GOTAGS) -run='^$$' -bench='$(BENCH)' -benchmem -count=$(COUNT) $(PKG) | tee $(ARTIFACTS)/bench.txt
	benchstat $(ARTIFACTS)/bench.txt

icons: ## redraw build/appicon.png and build/windows/icon.ico
	go run ./scripts/appicon -build build

clean: ## remove build/bin, build/test-artifacts and the built frontend
	rm -rf $(BIN) $(ARTIFACTS) frontend/package.json.md5
	if [[ -d frontend/dist ]]; then find frontend/dist -mindepth 1 ! -name .gitkeep -delete; fi

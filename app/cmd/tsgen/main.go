// Command tsgen writes frontend/src/contract.gen.ts, the TypeScript types of the JSON the bound
// services of app/ui take and return (package app/ui/tsgen). Run it from the repository root:
// `make contract`, or go run ./app/cmd/tsgen.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mynumber-shelter/shelter/app/ui/tsgen"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "tsgen: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	if _, err := os.Stat("go.mod"); err != nil {
		return fmt.Errorf("run it from the repository root: %w", err)
	}
	out, err := tsgen.Generate(".")
	if err != nil {
		return err
	}
	path := filepath.FromSlash(tsgen.Path)
	if old, err := os.ReadFile(path); err == nil && string(old) == string(out) {
		return nil
	}
	if err := atomicfile.WriteFile(path, out, 0o644); err != nil {
		return err
	}
	fmt.Printf("tsgen: wrote %s\n", tsgen.Path)
	return nil
}

//go:build bindings

package main

// generatingBindings is true when `wails build` / `wails generate` runs the program to write the
// frontend bindings (it builds with the "bindings" tag).
const generatingBindings = true

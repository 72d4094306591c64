//go:build !windows

package main

// showFatal does nothing where the app's standard error reaches the user (a terminal, a log).
func showFatal(string) {}

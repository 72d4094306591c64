//go:build !windows

package main

import (
	"io"
	"os"
)

// textOutput is f: outside Windows, terminals, files and pipes take UTF-8.
func textOutput(f *os.File) (io.Writer, error) { return f, nil }

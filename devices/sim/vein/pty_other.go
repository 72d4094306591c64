//go:build !linux

package simvein

import (
	"errors"
	"os"
)

// The simulator needs Linux's /dev/ptmx ioctls; elsewhere Start fails with
// ErrUnsupported and the tests that need it skip.
func openPTY() (*os.File, string, error) { return nil, "", errors.ErrUnsupported }

func openSlave(path string) (*os.File, error) { return nil, errors.ErrUnsupported }

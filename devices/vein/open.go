package vein

import (
	"fmt"
	"log/slog"
	"slices"
)

// Drivers by name, as chosen in the bridge's config.
const (
	DriverSerial = "serial" // our frame protocol on a serial port: Serial
	DriverExec   = "exec"   // an out-of-process driver: Process
)

// Config chooses a driver and configures it: what [Open] needs.
type Config struct {
	// Driver is DriverSerial ("" too) or DriverExec.
	Driver string
	// Port is the serial port of DriverSerial.
	Port string
	// Path and Args are the executable of DriverExec and its arguments.
	Path string
	Args []string
	// Templates keeps the sealed templates of a DriverExec driver that matches on the host.
	Templates TemplateStore
	// Log receives connection events and a driver's stderr; nil means none.
	Log *slog.Logger
}

// Equal reports whether c and o open the same sensor (Templates and Log aside).
func (c Config) Equal(o Config) bool {
	return c.driver() == o.driver() && c.Port == o.Port && c.Path == o.Path && slices.Equal(c.Args, o.Args)
}

func (c Config) driver() string {
	if c.Driver == "" {
		return DriverSerial
	}
	return c.Driver
}

// Open returns the Sensor c describes. It starts nothing and opens nothing: the first call
// does.
func Open(c Config) (Sensor, error) {
	switch c.driver() {
	case DriverSerial:
		if c.Port == "" {
			return nil, fmt.Errorf("vein: the serial driver needs a port")
		}
		return &Serial{Path: c.Port, Log: c.Log}, nil
	case DriverExec:
		if c.Path == "" {
			return nil, fmt.Errorf("vein: the exec driver needs the path of an executable")
		}
		return &Process{Path: c.Path, Args: slices.Clone(c.Args), Templates: c.Templates, Log: c.Log}, nil
	}
	return nil, fmt.Errorf("vein: no driver %q (want %q or %q)", c.Driver, DriverSerial, DriverExec)
}

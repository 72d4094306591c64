package daemon

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/devices/vein"
)

// Codes of a PUT /v1/config refused because of its exec vein driver. The app shows each with
// its own message (what is wrong, how to fix it).
const (
	CodeVeinDriverNotFound      = "vein_driver_not_found"      // no file at VeinDriverPath
	CodeVeinDriverNotExecutable = "vein_driver_not_executable" // a folder, or no execute permission
	CodeVeinDriverVersion       = "vein_driver_version"        // hello answered with another protocol version
	CodeVeinDriverProtocol      = "vein_driver_protocol"       // hello answered, but not as the protocol says
	CodeVeinDriverNoAnswer      = "vein_driver_no_answer"      // exited or silent before its hello
)

// resolveDriverName gives an exec driver named without a path (the name of an executable
// beside the bridge) its absolute path in DriverDir. Other paths are left to ValidateConfig.
func (s *Server) resolveDriverName(c bridge.Config) bridge.Config {
	p := c.VeinDriverPath
	if c.VeinDriver != vein.DriverExec || !DriverName(p) {
		return c
	}
	dir := s.DriverDir
	if dir == "" {
		exe, err := os.Executable()
		if err != nil {
			return c
		}
		dir = filepath.Dir(exe)
	}
	c.VeinDriverPath = filepath.Join(dir, p)
	return c
}

// DriverName reports whether p names a file without any folder: not empty, no separator or
// drive, not "." or "..".
func DriverName(p string) bool { return bridge.DriverName(p) }

// checkVeinDriver refuses an exec driver that cannot work: an executable that is missing or
// not executable, or — when the driver changes — one that does not start and answer hello
// with our protocol version. The probe closes the sensor in use first (the new driver may
// need the same device); if the probe fails, the sensor of the running config is opened
// again. A driver that speaks the protocol but whose device does not answer is accepted: the
// device panel shows that. s.cfgMu is held.
func (s *Server) checkVeinDriver(ctx context.Context, c bridge.Config) *bridge.Error {
	if c.VeinDriver != vein.DriverExec {
		return nil
	}
	fi, err := os.Stat(c.VeinDriverPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &bridge.Error{Code: CodeVeinDriverNotFound, Message: "veinDriverPath: no such file"}
	case err != nil:
		return &bridge.Error{Code: CodeVeinDriverNotExecutable, Message: "veinDriverPath cannot be read"}
	case fi.IsDir() || runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0:
		return &bridge.Error{Code: CodeVeinDriverNotExecutable, Message: "veinDriverPath is not an executable file"}
	}
	vc := s.veinConfig(c)
	s.veinMu.Lock()
	same, open := vc.Equal(s.veinCfg) && s.vein != nil, s.veinOpen
	s.veinMu.Unlock()
	if same {
		return nil // running already; applyVein probes it again
	}
	s.closeVein()
	probe, err := s.OpenVein(vc)
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, open)
		_, err = probe.Info(pctx)
		cancel()
		probe.Close()
	}
	var e *bridge.Error
	switch {
	case errors.Is(err, vein.ErrVersion):
		e = &bridge.Error{Code: CodeVeinDriverVersion, Message: "the driver speaks another protocol version"}
	case errors.Is(err, vein.ErrProtocol):
		e = &bridge.Error{Code: CodeVeinDriverProtocol, Message: "the driver's answer to hello does not follow the protocol"}
	case errors.Is(err, vein.ErrDisconnected):
		e = &bridge.Error{Code: CodeVeinDriverNoAnswer, Message: "the driver exited or did not answer hello"}
	case err != nil && !errors.Is(err, vein.ErrTimeout) && !isDeviceError(err):
		e = &bridge.Error{Code: CodeVeinDriverNoAnswer, Message: "the driver could not be started"}
	}
	if e != nil {
		s.Log.Warn("vein driver refused", "path", c.VeinDriverPath, "err", err)
		s.mu.Lock()
		cur := s.cfg
		s.mu.Unlock()
		s.applyVein(cur) // the sensor closed above, again
	}
	return e
}

func isDeviceError(err error) bool {
	var de *vein.DeviceError
	return errors.As(err, &de)
}

package daemon

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/devices/vein"
)

// devices serves GET /v1/devices: every device the bridge knows and its state.
func (s *Server) devices(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.deviceStates())
}

func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c := s.cfg
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, c)
}

// putConfig serves PUT /v1/config: an exec vein driver given by name only is looked for
// beside the bridge (resolveDriverName); the new config is checked (an exec vein driver is
// started once to see that it answers: checkVeinDriver), written to ConfigPath and applied at
// once.
func (s *Server) putConfig(w http.ResponseWriter, r *http.Request) {
	var c bridge.Config
	if e := readJSON(r, &c); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	c = s.resolveDriverName(c)
	if err := ValidateConfig(c); err != nil {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_config", Message: err.Error()})
		return
	}
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	if e := s.checkVeinDriver(r.Context(), c); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	if err := SaveConfig(s.ConfigPath, c); err != nil {
		s.Log.Error("saving bridge config", "path", s.ConfigPath, "err", err)
		writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "config_not_saved", Message: "the bridge could not write its config file"})
		return
	}
	s.Log.Info("bridge config changed", "path", s.ConfigPath)
	s.applyConfig(c)
	w.WriteHeader(http.StatusNoContent)
}

// applyConfig makes c the running config: the vein sensor is reopened when its driver changed,
// and the scanners and the hot folder follow (applyScanConfig).
func (s *Server) applyConfig(c bridge.Config) {
	s.mu.Lock()
	s.cfg = c
	s.mu.Unlock()
	s.applyVein(c)
	s.applyScanConfig(c)
}

// ErrBadConfig is wrapped by ValidateConfig's errors.
var ErrBadConfig = errors.New("invalid bridge config")

var comPort = regexp.MustCompile(`^(?i:COM)[1-9][0-9]{0,2}$`)

// ValidateConfig checks c: the vein driver is serial (its port an absolute device path or
// COMn) or exec (its executable an absolute path, its arguments printable), every scanner
// has a unique name and an http(s) URL with a host (and a PEM certificate when CAPEM is
// set), the hot folder is absolute, and the relay URL is http(s) with a host. Errors wrap
// ErrBadConfig and name the field.
func ValidateConfig(c bridge.Config) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadConfig, fmt.Sprintf(format, a...))
	}
	switch c.VeinDriver {
	case "", vein.DriverSerial:
		if p := c.VeinPort; p != "" && !comPort.MatchString(p) && (!isAbs(p) || hasControl(p)) {
			return bad("veinPort must be an absolute device path (/dev/serial/by-id/...) or COMn")
		}
		if c.VeinDriverPath != "" || len(c.VeinDriverArgs) != 0 {
			return bad("veinDriverPath and veinDriverArgs are only for veinDriver \"exec\"")
		}
	case vein.DriverExec:
		if p := c.VeinDriverPath; p == "" || !isAbs(p) || hasControl(p) {
			return bad("veinDriverPath must be the absolute path of the driver executable")
		}
		if c.VeinPort != "" {
			return bad("veinPort is only for the serial driver; give an exec driver its port in veinDriverArgs")
		}
		if len(c.VeinDriverArgs) > 16 {
			return bad("veinDriverArgs: at most 16 arguments")
		}
		for i, a := range c.VeinDriverArgs {
			if hasControl(a) || len(a) > 1024 {
				return bad("veinDriverArgs %d has a control character or is too long", i+1)
			}
		}
	default:
		return bad("veinDriver must be \"serial\" (or empty) or \"exec\"")
	}
	names := map[string]bool{}
	for i, sc := range c.Scanners {
		switch {
		case strings.TrimSpace(sc.Name) == "" || hasControl(sc.Name) || len(sc.Name) > 100:
			return bad("scanner %d needs a name", i+1)
		case names[sc.Name]:
			return bad("two scanners are named %q", sc.Name)
		case !httpURL(sc.URL):
			return bad("scanner %q: url must be http:// or https:// with a host", sc.Name)
		case sc.CAPEM != "" && !pemCertificate(sc.CAPEM):
			return bad("scanner %q: caPem is not a PEM certificate", sc.Name)
		}
		names[sc.Name] = true
	}
	if h := c.HotFolder; h != "" && (!isAbs(h) || hasControl(h)) {
		return bad("hotFolder must be an absolute path")
	}
	if c.Relay != nil && c.Relay.URL != "" && !httpURL(c.Relay.URL) {
		return bad("relay url must be http:// or https:// with a host")
	}
	return nil
}

// isAbs accepts absolute paths of this OS and of Windows (the app may configure either).
func isAbs(p string) bool      { return bridge.AbsPath(p) }
func hasControl(s string) bool { return bridge.HasControl(s) }

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" && u.User == nil
}

func pemCertificate(s string) bool {
	b, _ := pem.Decode([]byte(s))
	if b == nil || b.Type != "CERTIFICATE" {
		return false
	}
	_, err := x509.ParseCertificate(b.Bytes)
	return err == nil
}

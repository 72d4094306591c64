package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

// The vein sensor routes. The sensor is opened with vein.Open from the config's driver
// (Config.VeinDriver: the serial protocol on VeinPort, or an out-of-process driver at
// VeinDriverPath). The app only ever sees template ids and prompts. A host-matching driver's
// templates are the one piece of biometric data the bridge touches: they are sealed at once
// (vein_templates.go) and never logged or answered.

// veinDevice is the vein sensor's device name in events and /v1/devices.
const veinDevice = "vein"

// enrolCaptures is how many captures of one hand an enrolment takes.
const enrolCaptures = 3

// veinConfig is the devices/vein driver config c chooses; the zero Config (no Driver, no
// Port) when no sensor is configured.
func (s *Server) veinConfig(c bridge.Config) vein.Config {
	vc := vein.Config{Driver: c.VeinDriver, Port: c.VeinPort, Path: c.VeinDriverPath, Args: c.VeinDriverArgs, Log: s.Log}
	if vc.Driver == vein.DriverExec {
		vc.Templates = s.veinTemplates()
	}
	return vc
}

// veinWhere says where the sensor of vc is, for the device panel.
func veinWhere(vc vein.Config) string {
	if vc.Driver == vein.DriverExec {
		return "driver " + filepath.Base(vc.Path)
	}
	return vc.Port
}

// applyVein opens the sensor c chooses, closing the one of another driver, port or
// executable; the same one is only probed again. The probe runs in the background and sets
// the "vein" device state.
func (s *Server) applyVein(c bridge.Config) {
	vc := s.veinConfig(c)
	none := vc.Driver != vein.DriverExec && vc.Port == ""
	var openErr error
	s.veinMu.Lock()
	old := s.vein
	if old != nil && vc.Equal(s.veinCfg) {
		old = nil // keep it; probe again
	} else {
		s.vein = nil
		if !none {
			s.vein, openErr = s.OpenVein(vc)
		}
	}
	s.veinCfg = vc
	s.veinInfo = vein.Info{}
	s.veinGen++
	gen, sensor, open := s.veinGen, s.vein, s.veinOpen
	s.veinMu.Unlock()
	if old != nil {
		old.Close()
	}
	where := veinWhere(vc)
	switch {
	case none:
		s.setDevice(bridge.DeviceState{Kind: "vein", Name: veinDevice, State: "absent", Detail: "no vein sensor configured"})
		return
	case openErr != nil:
		s.Log.Warn("vein sensor not opened", "err", openErr)
		s.setDevice(bridge.DeviceState{Kind: "vein", Name: veinDevice, State: "error", Detail: "cannot open " + where, LastError: openErr.Error()})
		return
	}
	s.setDevice(bridge.DeviceState{Kind: "vein", Name: veinDevice, State: "busy", Detail: "opening " + where})
	s.goBackground(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, open)
		defer cancel()
		info, err := sensor.Info(ctx)
		s.veinMu.Lock()
		defer s.veinMu.Unlock()
		if gen != s.veinGen {
			return // replaced meanwhile
		}
		if err != nil {
			s.Log.Warn("vein sensor not answering", "where", where, "err", err)
			s.setDevice(bridge.DeviceState{Kind: "vein", Name: veinDevice, State: "error", Detail: "no answer on " + where, LastError: err.Error()})
			return
		}
		s.veinInfo = info
		s.setDevice(s.veinOK())
	})
}

// veinOK is the device state of an answering sensor; s.veinMu is held.
func (s *Server) veinOK() bridge.DeviceState {
	i := s.veinInfo
	return bridge.DeviceState{Kind: "vein", Name: veinDevice, State: "ok",
		Detail: fmt.Sprintf("%s, serial %s, firmware %s, on %s", i.Model, i.Serial, i.Firmware, veinWhere(s.veinCfg))}
}

// goBackground runs f in a goroutine that Serve waits for; f's context ends with Serve.
func (s *Server) goBackground(f func(ctx context.Context)) {
	s.mu.Lock()
	if s.bgStopped {
		s.mu.Unlock()
		return
	}
	ctx := s.bgCtx
	s.bg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.bg.Done()
		f(ctx)
	}()
}

func (s *Server) closeVein() {
	s.veinMu.Lock()
	v := s.vein
	s.vein = nil
	s.veinGen++
	s.veinMu.Unlock()
	if v != nil {
		v.Close()
	}
}

func (s *Server) sensor() (vein.Sensor, int) {
	s.veinMu.Lock()
	defer s.veinMu.Unlock()
	return s.vein, s.veinGen
}

var errNoSensor = &bridge.Error{Code: "no_sensor", Message: "no vein sensor is configured"}

// withVein runs fn on the sensor. hand says fn waits for a person: it is then bounded by
// VeinTimeout, its prompts become EventVeinPrompt (Step of steps) and EventVeinDone follows
// with fn's outcome ("ok", "no_match", or the error code). Otherwise it is bounded by 10 s.
func (s *Server) withVein(w http.ResponseWriter, r *http.Request, hand bool, steps int,
	fn func(ctx context.Context, v vein.Sensor, prompts func(vein.Prompt)) (out any, outcome string, err error)) {
	v, gen := s.sensor()
	if v == nil {
		writeErr(w, http.StatusServiceUnavailable, errNoSensor)
		return
	}
	limit := 10 * time.Second
	if hand {
		limit = s.VeinTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), limit)
	defer cancel()
	prompts := func(p vein.Prompt) {
		step := p.Capture + 1
		if steps == 1 {
			step = 1
		}
		s.publish(bridge.Event{Type: bridge.EventVeinPrompt, Device: veinDevice, Step: step, Steps: steps, Message: p.Kind.String()})
	}
	out, outcome, err := fn(ctx, v, prompts)
	var e *bridge.Error
	status := http.StatusOK
	if err != nil {
		status, e = veinError(err)
		outcome = e.Code
	}
	if hand {
		s.publish(bridge.Event{Type: bridge.EventVeinDone, Device: veinDevice, Message: outcome})
	}
	s.veinMu.Lock()
	if gen == s.veinGen {
		switch {
		case e != nil && e.Code == "sensor_error":
			s.Log.Warn("vein sensor failed", "err", err)
			s.setDevice(bridge.DeviceState{Kind: "vein", Name: veinDevice, State: "error", Detail: "sensor failed", LastError: err.Error()})
		case s.veinInfo.Serial != "":
			s.setDevice(s.veinOK()) // it answered
		}
	}
	s.veinMu.Unlock()
	if e != nil {
		writeErr(w, status, e)
		return
	}
	if out == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, status, out)
}

// veinError maps a devices/vein error to the API; messages carry nothing from the device.
func veinError(err error) (int, *bridge.Error) {
	var de *vein.DeviceError
	if errors.As(err, &de) {
		switch de.Code {
		case wire.CodeDuplicate:
			return http.StatusConflict, &bridge.Error{Code: "duplicate", Message: "this hand is already enrolled on the sensor"}
		case wire.CodeCaptureMismatch:
			return http.StatusConflict, &bridge.Error{Code: "capture_mismatch", Message: "the captures were not of one hand; start again"}
		case wire.CodeStorageFull:
			return http.StatusConflict, &bridge.Error{Code: "storage_full", Message: "the sensor holds no more templates; delete unused ones"}
		}
	}
	switch {
	case errors.Is(err, vein.ErrDisconnected):
		// Before ErrTimeout: a sensor that never answered is not a person who never came.
		return http.StatusServiceUnavailable, &bridge.Error{Code: "sensor_error", Message: "the vein sensor does not answer; check its cable, its driver and the settings"}
	case errors.Is(err, vein.ErrTimeout):
		return http.StatusConflict, &bridge.Error{Code: "timeout", Message: "no hand was placed on the sensor in time"}
	case errors.Is(err, vein.ErrCancelled):
		return http.StatusConflict, &bridge.Error{Code: "cancelled", Message: "the vein operation was cancelled"}
	case errors.Is(err, vein.ErrUnknownTemplate):
		return http.StatusNotFound, &bridge.Error{Code: "unknown_template", Message: "the sensor holds no such template"}
	case errors.Is(err, vein.ErrClosed):
		return http.StatusServiceUnavailable, errNoSensor
	}
	return http.StatusServiceUnavailable, &bridge.Error{Code: "sensor_error", Message: "the vein sensor did not work; check its cable and the port in the settings"}
}

func parseTemplateID(s string) (vein.TemplateID, *bridge.Error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 0, &bridge.Error{Code: "bad_request", Message: "templateId must be a positive decimal number"}
	}
	return vein.TemplateID(n), nil
}

func templateString(id vein.TemplateID) string { return strconv.FormatUint(uint64(id), 10) }

func (s *Server) veinInfoRoute(w http.ResponseWriter, r *http.Request) {
	s.withVein(w, r, false, 0, func(ctx context.Context, v vein.Sensor, _ func(vein.Prompt)) (any, string, error) {
		i, err := v.Info(ctx)
		if err != nil {
			return nil, "", err
		}
		s.veinMu.Lock()
		s.veinInfo = i
		s.veinMu.Unlock()
		return bridge.VeinInfo{Model: i.Model, Serial: i.Serial, Firmware: i.Firmware, Templates: i.Enrolled}, "ok", nil
	})
}

func (s *Server) veinEnrol(w http.ResponseWriter, r *http.Request) {
	s.withVein(w, r, true, enrolCaptures, func(ctx context.Context, v vein.Sensor, prompts func(vein.Prompt)) (any, string, error) {
		id, err := v.Enroll(ctx, enrolCaptures, prompts)
		if err != nil {
			return nil, "", err
		}
		s.Log.Info("vein template enrolled", "template", uint32(id))
		return bridge.VeinTemplate{TemplateID: templateString(id)}, "ok", nil
	})
}

func (s *Server) veinVerify(w http.ResponseWriter, r *http.Request) {
	var req bridge.VeinTemplate
	if e := readJSON(r, &req); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	id, e := parseTemplateID(req.TemplateID)
	if e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	s.withVein(w, r, true, 1, func(ctx context.Context, v vein.Sensor, prompts func(vein.Prompt)) (any, string, error) {
		_, err := v.Verify(ctx, id, prompts)
		if errors.Is(err, vein.ErrNoMatch) {
			return bridge.VeinMatch{Match: false}, "no_match", nil
		}
		if err != nil {
			return nil, "", err
		}
		return bridge.VeinMatch{TemplateID: templateString(id), Match: true}, "ok", nil
	})
}

func (s *Server) veinIdentify(w http.ResponseWriter, r *http.Request) {
	s.withVein(w, r, true, 1, func(ctx context.Context, v vein.Sensor, prompts func(vein.Prompt)) (any, string, error) {
		m, err := v.Identify(ctx, prompts)
		if errors.Is(err, vein.ErrNoMatch) {
			return bridge.VeinMatch{Match: false}, "no_match", nil
		}
		if err != nil {
			return nil, "", err
		}
		return bridge.VeinMatch{TemplateID: templateString(m.Template), Match: true}, "ok", nil
	})
}

func (s *Server) veinDelete(w http.ResponseWriter, r *http.Request) {
	id, e := parseTemplateID(r.PathValue("id"))
	if e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	s.withVein(w, r, false, 0, func(ctx context.Context, v vein.Sensor, _ func(vein.Prompt)) (any, string, error) {
		if err := v.Delete(ctx, id); err != nil {
			return nil, "", err
		}
		s.Log.Info("vein template deleted", "template", uint32(id))
		return nil, "ok", nil
	})
}

// veinCancel stops the vein call in progress, which then answers "cancelled"; with none
// running it does nothing.
func (s *Server) veinCancel(w http.ResponseWriter, r *http.Request) {
	v, _ := s.sensor()
	if v == nil {
		writeErr(w, http.StatusServiceUnavailable, errNoSensor)
		return
	}
	v.Cancel()
	w.WriteHeader(http.StatusNoContent)
}

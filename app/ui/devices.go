package ui

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/bridge"
)

// DeviceService is 「機器の状態」 (menu M-4): every device the shelter-bridge serves — the smart
// card service and readers, the vein sensor, the scanners, the hot folder, sync — with its state
// and last error, the bridge itself, and the bridge's settings (vein sensor port, scanners, hot
// folder).
//
// Any logged-in user may list the devices; only a system administrator may read or change the
// settings, and a change is recorded in the history ("device settings changed", with counts,
// never a certificate or a path's content). The bridge's settings hold no secret.
type DeviceService struct {
	a *App
}

// DeviceLabel is a code with its Japanese and English names.
type DeviceLabel struct {
	Code string `json:"code"`
	JA   string `json:"ja"`
	EN   string `json:"en"`
}

// DeviceRow is one device of the panel. detail and lastError are the bridge's short texts in
// the UI language where known (devices_text.go; a model name or an unknown OS error as the
// bridge reports it); times are RFC 3339 or "".
type DeviceRow struct {
	Kind        DeviceLabel `json:"kind"`
	Name        string      `json:"name"`
	State       DeviceLabel `json:"state"`
	Detail      string      `json:"detail"`
	LastError   string      `json:"lastError"`
	LastErrorAt string      `json:"lastErrorAt"`
}

// DeviceList is the panel: the bridge and its devices (none while the bridge is not connected).
type DeviceList struct {
	Bridge  BridgeState `json:"bridge"`
	State   DeviceLabel `json:"state"` // the bridge's own state label
	Devices []DeviceRow `json:"devices"`
}

var deviceKinds = map[string][2]string{
	"pcsc":      {"スマートカードサービス", "Smart card service"},
	"reader":    {"ICカードリーダー", "IC card reader"},
	"vein":      {"静脈センサー", "Vein sensor"},
	"scanner":   {"スキャナー", "Scanner"},
	"hotfolder": {"取り込みフォルダ", "Hot folder"},
	"sync":      {"クラウド同期", "Cloud sync"},
	"bridge":    {"連携サービス（shelter-bridge）", "Device service (shelter-bridge)"},
}

var deviceStates = map[string][2]string{
	"ok":           {"正常", "OK"},
	"busy":         {"使用中", "Busy"},
	"absent":       {"未接続", "Not connected"},
	"disabled":     {"無効", "Disabled"},
	"error":        {"エラー", "Error"},
	"connected":    {"接続中", "Connected"},
	"disconnected": {"停止中", "Not running"},
}

func deviceLabel(table map[string][2]string, code string) DeviceLabel {
	if l, ok := table[code]; ok {
		return DeviceLabel{Code: code, JA: l[0], EN: l[1]}
	}
	return DeviceLabel{Code: code, JA: code, EN: code}
}

// bridgeTimeout bounds one settings or list call to the bridge.
const bridgeTimeout = 15 * time.Second

// List returns the bridge's state and every device it reports. Without the bridge the list is
// empty and bridge.connected is false (not an error: the panel says so).
func (s *DeviceService) List() (DeviceList, error) {
	if _, err := s.a.ready(); err != nil {
		return DeviceList{}, err
	}
	out := DeviceList{Bridge: s.a.sup.current(), Devices: []DeviceRow{}}
	ctx, cancel := context.WithTimeout(context.Background(), bridgeTimeout)
	defer cancel()
	if !out.Bridge.Connected { // the supervisor may not run (tests) or not have noticed yet
		if st, err := s.a.sup.client.Status(ctx); err == nil {
			out.Bridge = BridgeState{Connected: true, Version: st.Version, PID: st.PID, Started: st.Started}
		}
	}
	if out.Bridge.Connected {
		out.State = deviceLabel(deviceStates, "connected")
		ds, err := s.a.sup.client.Devices(ctx)
		if err != nil {
			s.a.log.Info("listing devices", "err", err)
			out.Bridge.Error = "the device list could not be read"
		}
		for _, d := range ds {
			out.Devices = append(out.Devices, DeviceRow{Kind: deviceLabel(deviceKinds, d.Kind), Name: d.Name,
				State: deviceLabel(deviceStates, d.State), Detail: deviceDetail(d.Detail, s.a.language()), LastError: deviceLastError(d.LastError, s.a.language()), LastErrorAt: d.LastErrorAt})
		}
	} else {
		out.State = deviceLabel(deviceStates, "disconnected")
	}
	return out, nil
}

// DeviceScanner is one eSCL scanner: a name, its base URL (https://192.0.2.10/eSCL) and, for a
// self-signed certificate, the certificate (PEM) to trust for it.
type DeviceScanner struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	CAPEM string `json:"caPem"`
}

// DeviceConfig is the bridge's device settings. veinDriver is "serial" (our protocol on
// veinPort, a serial port such as "/dev/ttyUSB0" or "COM3", or "" for no sensor) or "exec"
// (an out-of-process driver: the executable veinDriverPath, an absolute path — or, when
// saving, the name of an executable beside the bridge — started with veinDriverArgs); hotFolder an absolute folder path or "".
type DeviceConfig struct {
	VeinDriver     string          `json:"veinDriver"`
	VeinPort       string          `json:"veinPort"`
	VeinDriverPath string          `json:"veinDriverPath"`
	VeinDriverArgs []string        `json:"veinDriverArgs"`
	Scanners       []DeviceScanner `json:"scanners"`
	HotFolder      string          `json:"hotFolder"`
}

// Config returns the bridge's device settings (system administrators only).
func (s *DeviceService) Config() (DeviceConfig, error) {
	if _, err := s.a.admin(); err != nil {
		return DeviceConfig{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), bridgeTimeout)
	defer cancel()
	c, err := s.a.sup.client.Config(ctx)
	if err != nil {
		return DeviceConfig{}, s.bridgeErr(err)
	}
	out := DeviceConfig{VeinDriver: veinDriverSerial, VeinPort: c.VeinPort, VeinDriverPath: c.VeinDriverPath,
		VeinDriverArgs: append([]string{}, c.VeinDriverArgs...), HotFolder: c.HotFolder, Scanners: []DeviceScanner{}}
	if c.VeinDriver == veinDriverExec {
		out.VeinDriver = veinDriverExec
	}
	for _, sc := range c.Scanners {
		out.Scanners = append(out.Scanners, DeviceScanner{Name: sc.Name, URL: sc.URL, CAPEM: sc.CAPEM})
	}
	return out, nil
}

// SetConfig checks and saves the device settings in the bridge, which applies them at once
// (the sensor reopened or its driver started, scanners and the hot folder restarted); the
// relay settings are kept. A bad field fails with code "invalid" and the field ("veinDriver",
// "veinPort", "veinDriverPath", "veinDriverArgs", "hotFolder", "scanners.<i>.name",
// "scanners.<i>.url", "scanners.<i>.caPem"); an exec driver the bridge refuses (missing, not
// executable, another protocol version, no answer) fails with the bridge's code and field
// "veinDriverPath". Nothing is saved then. Recorded in the history.
func (s *DeviceService) SetConfig(in DeviceConfig) (DeviceConfig, error) {
	sess, err := s.a.admin()
	if err != nil {
		return DeviceConfig{}, err
	}
	in, err = cleanDeviceConfig(in)
	if err != nil {
		return DeviceConfig{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), bridgeTimeout)
	defer cancel()
	cur, err := s.a.sup.client.Config(ctx)
	if err != nil {
		return DeviceConfig{}, s.bridgeErr(err)
	}
	cur.VeinDriver, cur.VeinPort, cur.VeinDriverPath, cur.VeinDriverArgs = "", in.VeinPort, "", nil
	if in.VeinDriver == veinDriverExec {
		cur.VeinDriver, cur.VeinPort, cur.VeinDriverPath, cur.VeinDriverArgs = veinDriverExec, "", in.VeinDriverPath, in.VeinDriverArgs
	}
	cur.HotFolder, cur.Scanners = in.HotFolder, nil
	for _, sc := range in.Scanners {
		cur.Scanners = append(cur.Scanners, bridge.ScannerConfig{Name: sc.Name, URL: sc.URL, CAPEM: sc.CAPEM})
	}
	// The history entry goes first: a change that cannot be recorded is not made.
	vein := "serial " + setOrNot(in.VeinPort)
	if in.VeinDriver == veinDriverExec {
		vein = "external driver " + filepath.Base(in.VeinDriverPath)
	}
	detail := fmt.Sprintf("device settings changed: vein sensor %s, %d scanner(s), hot folder %s",
		vein, len(in.Scanners), setOrNot(in.HotFolder))
	if err := s.a.Auth.RecordSettingChange(context.Background(), sess.Principal, "devices", "bridge", detail); err != nil {
		return DeviceConfig{}, s.a.fail("recording device settings", err)
	}
	if err := s.a.sup.client.SetConfig(ctx, cur); err != nil {
		// Recorded before it was tried: say in the history that it did not take effect.
		why := "device settings not applied: the bridge did not answer"
		var be *bridge.Error
		if errors.As(err, &be) {
			why = "device settings not applied: the bridge refused them (" + be.Code + ")"
		}
		if rerr := s.a.Auth.RecordSettingRefused(context.Background(), sess.Principal, "devices", "bridge", why); rerr != nil {
			s.a.log.Warn("recording refused device settings", "err", rerr)
		}
		return DeviceConfig{}, s.bridgeErr(err)
	}
	if in.VeinDriver == veinDriverExec {
		// A driver given by name is saved as its path beside the bridge.
		if got, err := s.a.sup.client.Config(ctx); err == nil {
			in.VeinDriverPath = got.VeinDriverPath
		}
	}
	if in.HotFolder != "" && sess.Keys() != nil {
		// The folder only takes pages once the bridge has the vault's inbox key.
		s.a.ensureInboxKey(ctx, sess.Keys())
	}
	return in, nil
}

func setOrNot(s string) string {
	if s == "" {
		return "none"
	}
	return "set"
}

// The vein drivers of bridge.Config.VeinDriver.
const (
	veinDriverSerial = "serial"
	veinDriverExec   = "exec"
)

var serialPort = regexp.MustCompile(`^(/dev/[A-Za-z0-9._/-]{1,64}|COM[0-9]{1,3}|\\\\\.\\COM[0-9]{1,3})$`)

func invalid(field, ja, en string) *Error {
	return &Error{Code: "invalid", Field: field, JA: ja, EN: en}
}

// cleanDeviceConfig trims and checks every field; the first problem is returned.
func cleanDeviceConfig(in DeviceConfig) (DeviceConfig, error) {
	out := DeviceConfig{VeinDriver: in.VeinDriver, VeinPort: strings.TrimSpace(in.VeinPort),
		VeinDriverPath: strings.TrimSpace(in.VeinDriverPath), VeinDriverArgs: []string{},
		HotFolder: strings.TrimSpace(in.HotFolder), Scanners: []DeviceScanner{}}
	switch out.VeinDriver {
	case "", veinDriverSerial:
		out.VeinDriver, out.VeinDriverPath = veinDriverSerial, ""
		if out.VeinPort != "" && !serialPort.MatchString(out.VeinPort) {
			return out, invalid("veinPort", "シリアルポートは /dev/ttyUSB0 や COM3 の形で入力してください。",
				"Enter a serial port such as /dev/ttyUSB0 or COM3.")
		}
	case veinDriverExec:
		out.VeinPort = ""
		if err := cleanDriverExec(&out, in.VeinDriverArgs); err != nil {
			return out, err
		}
	default:
		return out, invalid("veinDriver", "静脈センサーの接続方法を「シリアル接続」か「外部ドライバー」から選んでください。",
			"Choose how the vein sensor is connected: serial or external driver.")
	}
	if out.HotFolder != "" && (!filepath.IsAbs(out.HotFolder) || len(out.HotFolder) > 1024) {
		return out, invalid("hotFolder", "取り込みフォルダは絶対パスで入力してください。", "Enter the hot folder as an absolute path.")
	}
	if len(in.Scanners) > 16 {
		return out, invalid("scanners", "スキャナーは16台まで登録できます。", "At most 16 scanners.")
	}
	names := map[string]bool{}
	for i, sc := range in.Scanners {
		f := fmt.Sprintf("scanners.%d.", i)
		sc.Name, sc.URL, sc.CAPEM = strings.TrimSpace(sc.Name), strings.TrimSpace(sc.URL), strings.TrimSpace(sc.CAPEM)
		switch {
		case sc.Name == "":
			return out, invalid(f+"name", "スキャナーの名前を入力してください。", "Enter the scanner's name.")
		case utf8.RuneCountInString(sc.Name) > 64:
			return out, invalid(f+"name", "スキャナーの名前は64文字までです。", "The scanner's name may be at most 64 characters.")
		case names[sc.Name]:
			return out, invalid(f+"name", "同じ名前のスキャナーがあります。", "Another scanner has the same name.")
		}
		names[sc.Name] = true
		u, err := url.Parse(sc.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(sc.URL) > 512 {
			return out, invalid(f+"url", "スキャナーのURLは https://192.0.2.10/eSCL の形で入力してください。",
				"Enter the scanner's URL like https://192.0.2.10/eSCL.")
		}
		if sc.CAPEM != "" {
			if err := checkPEM(sc.CAPEM); err != nil {
				return out, invalid(f+"caPem", "証明書（PEM形式）を読み取れません。", "The certificate (PEM) cannot be read.")
			}
		}
		out.Scanners = append(out.Scanners, sc)
	}
	return out, nil
}

// cleanDriverExec checks the executable and the arguments of an external vein driver. Whether
// the file is there and answers is the bridge's check (it runs it).
func cleanDriverExec(out *DeviceConfig, args []string) error {
	p := out.VeinDriverPath
	switch {
	case p == "":
		return invalid("veinDriverPath", "外部ドライバーの実行ファイルを入力してください（shelter-bridge と同じフォルダにあればファイル名、それ以外は絶対パス）。",
			"Enter the external driver's executable (its name if it is beside shelter-bridge, else its absolute path).")
	case !(bridge.AbsPath(p) || bridge.DriverName(p)) || len(p) > 1024 || bridge.HasControl(p):
		return invalid("veinDriverPath", "外部ドライバーの実行ファイルは、shelter-bridge と同じフォルダにあるファイル名か、絶対パスで入力してください（例: shelter-vein-vendor、/opt/mynumber-shelter/shelter-vein-vendor）。",
			"Enter the external driver's executable as the name of a file beside shelter-bridge or as an absolute path (e.g. shelter-vein-vendor or /opt/mynumber-shelter/shelter-vein-vendor).")
	}
	for _, a := range args {
		if a = strings.TrimSpace(a); a != "" {
			out.VeinDriverArgs = append(out.VeinDriverArgs, a)
		}
	}
	if len(out.VeinDriverArgs) > 16 {
		return invalid("veinDriverArgs", "ドライバーの引数は16個までです。", "At most 16 driver arguments.")
	}
	for _, a := range out.VeinDriverArgs {
		if len(a) > 1024 || strings.ContainsFunc(a, isControl) {
			return invalid("veinDriverArgs", "ドライバーの引数に使えない文字が含まれているか、長すぎます。",
				"A driver argument has a character that is not allowed or is too long.")
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// checkPEM accepts one or more PEM certificates and nothing else.
func checkPEM(s string) error {
	rest := []byte(s)
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return errors.New("not a certificate")
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return err
		}
		n++
	}
	if n == 0 || strings.TrimSpace(string(rest)) != "" {
		return errors.New("no certificate")
	}
	return nil
}

// bridgeErr maps the error of a device settings call.
func (s *DeviceService) bridgeErr(err error) error { return s.a.bridgeErr(err, errBridgeUnavailable) }

// errBridgeUnavailable is the answer of every device call while the bridge does not answer.
var errBridgeUnavailable = &Error{Code: CodeBridgeUnavailable,
	JA: "機器連携サービス（shelter-bridge）が起動していません。しばらく待ってから、もう一度お試しください。",
	EN: "The device service (shelter-bridge) is not running. Wait a moment and try again."}

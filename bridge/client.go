package bridge

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Client calls a running bridge. The zero value dials SocketPath(). It is safe for concurrent
// use; do not copy it after first use.
type Client struct {
	// Path is the socket; defaults to SocketPath().
	Path string
	// Timeout bounds one request; defaults to 60 s. The event stream and a scan (a long
	// feeder batch) are bounded only by their context.
	Timeout time.Duration

	once sync.Once
	hc   *http.Client // bounded requests
	sc   *http.Client // the event stream: no overall timeout
}

func (c *Client) setup() {
	c.once.Do(func() {
		path := c.Path
		if path == "" {
			path = SocketPath()
		}
		tr := &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx, path) },
		}
		timeout := c.Timeout
		if timeout == 0 {
			timeout = 60 * time.Second
		}
		c.hc = &http.Client{Transport: tr, Timeout: timeout}
		c.sc = &http.Client{Transport: tr}
	})
}

func (c *Client) http() *http.Client {
	c.setup()
	return c.hc
}

func (c *Client) stream() *http.Client {
	c.setup()
	return c.sc
}

// Call sends in as JSON to the bridge's path and decodes the JSON answer into out (when not
// nil). API errors come back as *Error. The typed methods below are the API; Call is for what
// they do not cover (the daemon's tests of malformed paths).
func (c *Client) Call(ctx context.Context, method, path string, in, out any) error {
	return c.callWith(ctx, c.http(), method, path, in, out)
}

// callLong is Call bounded only by ctx, for calls that may take minutes (a feeder scan).
func (c *Client) callLong(ctx context.Context, method, path string, in, out any) error {
	return c.callWith(ctx, c.stream(), method, path, in, out)
}

func (c *Client) callWith(ctx context.Context, hc *http.Client, method, path string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return err
		}
	}
	return c.send(ctx, hc, method, path, "application/json", &body, out)
}

// send is Call with a body of any content type, on the http client hc.
func (c *Client) send(ctx context.Context, hc *http.Client, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://bridge"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("bridge not reachable: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e Error
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Code == "" {
			return fmt.Errorf("bridge answered %s", resp.Status)
		}
		return &e
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Stop asks the bridge to stop (it deletes the session keys it holds first).
func (c *Client) Stop(ctx context.Context) error {
	return c.Call(ctx, "POST", "/v1/stop", nil, nil)
}

// Status returns the bridge's state.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	err := c.Call(ctx, "GET", "/v1/status", nil, &s)
	return s, err
}

// Readers lists the IC card readers.
func (c *Client) Readers(ctx context.Context) ([]string, error) {
	var rs []string
	err := c.Call(ctx, "GET", "/v1/readers", nil, &rs)
	return rs, err
}

// CardRetries returns how many PIN tries the card on reader ("" = the only reader) has left.
func (c *Client) CardRetries(ctx context.Context, reader string) (int, error) {
	var r Retries
	err := c.Call(ctx, "POST", "/v1/card/retries", CardRequest{Reader: reader}, &r)
	return r.Retries, err
}

// ReadCard reads the number and basic 4 facts with the 4-digit PIN. It never retries.
func (c *Client) ReadCard(ctx context.Context, reader, pin string, allowLastTry bool) (CardData, error) {
	var d CardData
	err := c.Call(ctx, "POST", "/v1/card/read", CardRequest{Reader: reader, PIN: pin, AllowLastTry: allowLastTry}, &d)
	return d, err
}

// PutSessionKey asks the bridge to keep key in the OS keychain until expires.
func (c *Client) PutSessionKey(ctx context.Context, vaultID, userID string, key []byte, expires time.Time) error {
	return c.Call(ctx, "PUT", "/v1/sessions/"+vaultID+"/"+userID,
		SessionKey{Key: base64.StdEncoding.EncodeToString(key), Expires: expires.UTC().Format(time.RFC3339)}, nil)
}

// SessionKey returns a session key the bridge holds.
func (c *Client) SessionKey(ctx context.Context, vaultID, userID string) ([]byte, error) {
	var sk SessionKey
	if err := c.Call(ctx, "GET", "/v1/sessions/"+vaultID+"/"+userID, nil, &sk); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(sk.Key)
}

// DeleteSessionKey removes a session key (logout).
func (c *Client) DeleteSessionKey(ctx context.Context, vaultID, userID string) error {
	return c.Call(ctx, "DELETE", "/v1/sessions/"+vaultID+"/"+userID, nil, nil)
}

// Devices returns every device the bridge knows and its state (the device panel).
func (c *Client) Devices(ctx context.Context) ([]DeviceState, error) {
	var ds []DeviceState
	err := c.Call(ctx, "GET", "/v1/devices", nil, &ds)
	return ds, err
}

// Config returns the bridge's running config.
func (c *Client) Config(ctx context.Context) (Config, error) {
	var cfg Config
	err := c.Call(ctx, "GET", "/v1/config", nil, &cfg)
	return cfg, err
}

// SetConfig checks, saves and applies cfg (the vein sensor is reopened, the scanners and the
// hot folder follow). An invalid cfg gives an *Error with code "bad_config".
func (c *Client) SetConfig(ctx context.Context, cfg Config) error {
	return c.Call(ctx, "PUT", "/v1/config", cfg, nil)
}

// CardUID returns the UID of the staff IC card on reader ("" = the only reader) in upper-case
// hex.
func (c *Client) CardUID(ctx context.Context, reader string) (string, error) {
	var u CardUID
	err := c.Call(ctx, "POST", "/v1/card/uid", CardRequest{Reader: reader}, &u)
	return u.UID, err
}

// JPKIRetries returns the tries left of the JPKI user-authentication PIN, using none.
func (c *Client) JPKIRetries(ctx context.Context, reader string) (int, error) {
	var r Retries
	err := c.Call(ctx, "POST", "/v1/card/jpki/retries", CardRequest{Reader: reader}, &r)
	return r.Retries, err
}

// JPKICertificate returns the card's JPKI user-authentication certificate (DER). It needs no
// PIN.
func (c *Client) JPKICertificate(ctx context.Context, reader string) ([]byte, error) {
	var r JPKICertificate
	err := c.Call(ctx, "POST", "/v1/card/jpki/certificate", CardRequest{Reader: reader}, &r)
	return r.Certificate, err
}

// JPKISign has the card sign challenge with its JPKI user-authentication key after the
// 4-digit PIN. It never retries; a wrong PIN gives an *Error with code "wrong_pin" and the
// tries left, one try left without allowLastTry gives "last_try". Check the answer with
// card.AuthVerifier: until then it proves nothing.
func (c *Client) JPKISign(ctx context.Context, reader, pin string, challenge []byte, allowLastTry bool) (sig, certDER []byte, err error) {
	var r JPKISignature
	err = c.Call(ctx, "POST", "/v1/card/jpki/sign", JPKISignRequest{Reader: reader, PIN: pin, Challenge: challenge, AllowLastTry: allowLastTry}, &r)
	return r.Signature, r.Certificate, err
}

// VeinInfo returns the vein sensor's identity and template count; without a sensor the
// *Error has code "no_sensor".
func (c *Client) VeinInfo(ctx context.Context) (VeinInfo, error) {
	var i VeinInfo
	err := c.Call(ctx, "GET", "/v1/vein", nil, &i)
	return i, err
}

// VeinEnrol enrols the hand of the person at the sensor (several captures, prompted through
// vein_prompt events) and returns the new template's id.
func (c *Client) VeinEnrol(ctx context.Context) (string, error) {
	var t VeinTemplate
	err := c.Call(ctx, "POST", "/v1/vein/enrol", struct{}{}, &t)
	return t.TemplateID, err
}

// VeinVerify reports whether the hand on the sensor matches template id (1:1). An id the
// sensor does not hold gives an *Error with code "unknown_template".
func (c *Client) VeinVerify(ctx context.Context, id string) (bool, error) {
	var m VeinMatch
	err := c.Call(ctx, "POST", "/v1/vein/verify", VeinTemplate{TemplateID: id}, &m)
	return m.Match, err
}

// VeinIdentify returns the template that the hand on the sensor matches (1:N), "" for none.
func (c *Client) VeinIdentify(ctx context.Context) (string, error) {
	var m VeinMatch
	err := c.Call(ctx, "POST", "/v1/vein/identify", struct{}{}, &m)
	if !m.Match {
		return "", err
	}
	return m.TemplateID, err
}

// VeinDelete removes template id from the sensor.
func (c *Client) VeinDelete(ctx context.Context, id string) error {
	return c.Call(ctx, "DELETE", "/v1/vein/templates/"+url.PathEscape(id), nil, nil)
}

// VeinCancel stops the vein call in progress (it answers "cancelled").
func (c *Client) VeinCancel(ctx context.Context) error {
	return c.Call(ctx, "POST", "/v1/vein/cancel", struct{}{}, nil)
}

package bridge

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Client calls a running bridge. The zero value dials SocketPath().
type Client struct {
	// Path is the socket; defaults to SocketPath().
	Path string

	hc *http.Client
}

func (c *Client) http() *http.Client {
	if c.hc == nil {
		path := c.Path
		if path == "" {
			path = SocketPath()
		}
		c.hc = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", path)
			},
		}, Timeout: 60 * time.Second}
	}
	return c.hc
}

// do sends a request to the bridge and decodes the JSON answer into out (when not nil). API
// errors come back as *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://bridge"+path, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http().Do(req)
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

// Status returns the bridge's state.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	err := c.do(ctx, "GET", "/v1/status", nil, &s)
	return s, err
}

// Readers lists the IC card readers.
func (c *Client) Readers(ctx context.Context) ([]string, error) {
	var rs []string
	err := c.do(ctx, "GET", "/v1/readers", nil, &rs)
	return rs, err
}

// CardRetries returns how many PIN tries the card on reader ("" = the only reader) has left.
func (c *Client) CardRetries(ctx context.Context, reader string) (int, error) {
	var r Retries
	err := c.do(ctx, "POST", "/v1/card/retries", CardRequest{Reader: reader}, &r)
	return r.Retries, err
}

// ReadCard reads the number and basic 4 facts with the 4-digit PIN. It never retries.
func (c *Client) ReadCard(ctx context.Context, reader, pin string, allowLastTry bool) (CardData, error) {
	var d CardData
	err := c.do(ctx, "POST", "/v1/card/read", CardRequest{Reader: reader, PIN: pin, AllowLastTry: allowLastTry}, &d)
	return d, err
}

// PutSessionKey asks the bridge to keep key in the OS keychain until expires.
func (c *Client) PutSessionKey(ctx context.Context, vaultID, userID string, key []byte, expires time.Time) error {
	return c.do(ctx, "PUT", "/v1/sessions/"+vaultID+"/"+userID,
		SessionKey{Key: base64.StdEncoding.EncodeToString(key), Expires: expires.UTC().Format(time.RFC3339)}, nil)
}

// SessionKey returns a session key the bridge holds.
func (c *Client) SessionKey(ctx context.Context, vaultID, userID string) ([]byte, error) {
	var sk SessionKey
	if err := c.do(ctx, "GET", "/v1/sessions/"+vaultID+"/"+userID, nil, &sk); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(sk.Key)
}

// DeleteSessionKey removes a session key (logout).
func (c *Client) DeleteSessionKey(ctx context.Context, vaultID, userID string) error {
	return c.do(ctx, "DELETE", "/v1/sessions/"+vaultID+"/"+userID, nil, nil)
}

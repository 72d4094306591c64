package relaysync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
)

// # The office replica's upload
//
// The app seals a snapshot of the whole vault (app/replica) and hands it over with
// [Syncer.StageSnapshot]; the bridge keeps it as a file in Dir/replica/ until the relay has it:
// the file is the outbox, so a kill, a reboot or a relay outage loses nothing, and an upload
// that is repeated stores nothing twice (the relay keeps one snapshot per id and only the newest).
// Only the newest staged snapshot waits: staging a new one drops an older one not yet sent.
// Each round of the sync loop uploads what waits.

// ReplicaDirName is the replica's directory inside Dir.
const ReplicaDirName = "replica"

const (
	snapshotSuffix = ".snapshot"
	anchorSuffix   = ".anchor"
	stagingPrefix  = ".staging-"
	replicaState   = "state.json"
)

// ErrBadSnapshot wraps refusals of [Syncer.StageSnapshot].
var ErrBadSnapshot = errors.New("relay sync: bad replica snapshot")

// ReplicaStatus is what [Syncer.ReplicaStatus] reports.
type ReplicaStatus struct {
	// Waiting is the id and size of the snapshot staged and not yet on the relay ("" = none).
	Waiting      string `json:"waiting,omitempty"`
	WaitingBytes int64  `json:"waitingBytes,omitempty"`
	// Last is the last snapshot the relay took: its id, size and when (RFC 3339).
	LastID    string `json:"lastId,omitempty"`
	LastBytes int64  `json:"lastBytes,omitempty"`
	LastAt    string `json:"lastAt,omitempty"`
	LastError string `json:"lastError,omitempty"`
}

func (s *Syncer) replicaDir() string { return filepath.Join(s.Dir, ReplicaDirName) }

// Anchor is the history's digest at an entry (app/audit's anchors), sent with a snapshot; Chain
// names the vault's chain (app/audit's ChainID).
type Anchor struct {
	Chain   string `json:"chain"`
	AuditID int64  `json:"audit_id"`
	Digest  []byte `json:"digest"`
}

// StageSnapshot stores the sealed snapshot id (read from r, at most max bytes) for upload,
// durably, with anchor (nil: none) — the history's digest at the snapshot's last entry, which
// goes to the relay only once the relay has the snapshot, so that the relay never holds an
// anchor of a history it has no snapshot of — drops any older staged snapshot, and asks the
// loop for a round.
func (s *Syncer) StageSnapshot(ctx context.Context, id string, r io.Reader, max int64, anchor *Anchor) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	if !envelope.ValidSnapshotID(id) {
		return fmt.Errorf("%w: id", ErrBadSnapshot)
	}
	dir := s.replicaDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	s.stage.Lock()
	defer s.stage.Unlock()
	f, err := os.CreateTemp(dir, stagingPrefix)
	if err != nil {
		return err
	}
	tmp := f.Name()
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = fmt.Errorf("%w: larger than %d bytes", ErrBadSnapshot, max)
	}
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: empty", ErrBadSnapshot)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && anchor != nil {
		b, _ := json.Marshal(anchor)
		err = writeFile(filepath.Join(dir, id+anchorSuffix), b)
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, id+snapshotSuffix))
	}
	if err == nil {
		err = atomicfile.SyncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	// Older snapshots waiting are superseded (ids order by time, see app/replica).
	for _, w := range s.waiting() {
		if w < id {
			os.Remove(filepath.Join(dir, w+snapshotSuffix))
			os.Remove(filepath.Join(dir, w+anchorSuffix))
		}
	}
	s.Kick()
	return nil
}

// waiting lists the staged snapshots' ids, oldest first.
func (s *Syncer) waiting() []string {
	es, _ := os.ReadDir(s.replicaDir())
	var ids []string
	for _, e := range es {
		if id, ok := strings.CutSuffix(e.Name(), snapshotSuffix); ok && envelope.ValidSnapshotID(id) {
			ids = append(ids, id)
		}
	}
	return ids // os.ReadDir sorts by name
}

type replicaLast struct {
	ID    string    `json:"id"`
	Bytes int64     `json:"bytes"`
	At    time.Time `json:"at"`
}

// ReplicaStatus reports the staged snapshot and the last one the relay took.
func (s *Syncer) ReplicaStatus() ReplicaStatus {
	var st ReplicaStatus
	if ids := s.waiting(); len(ids) > 0 {
		st.Waiting = ids[len(ids)-1]
		if fi, err := os.Stat(filepath.Join(s.replicaDir(), st.Waiting+snapshotSuffix)); err == nil {
			st.WaitingBytes = fi.Size()
		}
	}
	var last replicaLast
	if b, err := os.ReadFile(filepath.Join(s.replicaDir(), replicaState)); err == nil && json.Unmarshal(b, &last) == nil {
		st.LastID, st.LastBytes = last.ID, last.Bytes
		if !last.At.IsZero() {
			st.LastAt = last.At.UTC().Format(time.RFC3339)
		}
	}
	s.mu.Lock()
	st.LastError = s.replicaErr
	s.mu.Unlock()
	return st
}

// uploadSnapshot sends the newest staged snapshot to the relay (one round's part). Older ones
// left by a crash are dropped first.
func (s *Syncer) uploadSnapshot(ctx context.Context) error {
	dir := s.replicaDir()
	// A snapshot half-written when a bridge was killed is not one: it goes (the app stages the
	// next one after the next change, or at once with 今すぐアップロード).
	// An anchor left without its snapshot (a kill between the two files) goes too.
	s.stage.Lock()
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		name := e.Name()
		id, anchor := strings.CutSuffix(name, anchorSuffix)
		_, noSnapshot := os.Stat(filepath.Join(dir, id+snapshotSuffix))
		if strings.HasPrefix(name, stagingPrefix) || anchor && noSnapshot != nil {
			os.Remove(filepath.Join(dir, name))
		}
	}
	s.stage.Unlock()
	ids := s.waiting()
	if len(ids) == 0 {
		return nil
	}
	for _, old := range ids[:len(ids)-1] {
		os.Remove(filepath.Join(dir, old+snapshotSuffix))
		os.Remove(filepath.Join(dir, old+anchorSuffix))
	}
	id := ids[len(ids)-1]
	err := s.putSnapshot(ctx, id)
	s.mu.Lock()
	s.replicaErr = ""
	if err != nil {
		s.replicaErr = err.Error()
	}
	s.mu.Unlock()
	return err
}

func (s *Syncer) putSnapshot(ctx context.Context, id string) error {
	hc, _, r, err := s.connect()
	if err != nil {
		return err
	}
	path := filepath.Join(s.replicaDir(), id+snapshotSuffix)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	// The client's timeout is for small requests; a snapshot gets a minute plus one per
	// 2 MiB.
	big := *hc
	big.Timeout = 0
	ctx, cancel := context.WithTimeout(ctx, s.timeout()+time.Duration(fi.Size()/(2<<20))*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, r.URL+"/v1/bridge/replica/"+id, f)
	if err != nil {
		return err
	}
	req.ContentLength = fi.Size()
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := big.Do(req)
	if err != nil {
		return fmt.Errorf("relay not reachable: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return &relayError{resp.StatusCode}
	}
	b, _ := json.Marshal(replicaLast{ID: id, Bytes: fi.Size(), At: s.now().UTC()})
	if err := writeFile(filepath.Join(s.replicaDir(), replicaState), b); err != nil {
		return err
	}
	f.Close()
	// Delivered: its anchor goes into the outbox (idempotent by snapshot id; the next flush
	// sends it), then the files go.
	anchorPath := filepath.Join(s.replicaDir(), id+anchorSuffix)
	if b, err := os.ReadFile(anchorPath); err == nil {
		if _, err := s.Enqueue(ctx, []OutboxItem{{Key: "anchor/" + id, Method: http.MethodPost, Path: "/v1/bridge/anchors", Body: b}}); err != nil {
			return err
		}
		s.Kick()
	}
	for _, p := range []string{anchorPath, path} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// RestoreCode asks the relay for a one-time restore code of this office, for a new PC.
func (s *Syncer) RestoreCode(ctx context.Context) (code string, expires time.Time, err error) {
	if err := s.open(ctx); err != nil {
		return "", time.Time{}, err
	}
	hc, _, r, err := s.connect()
	if err != nil {
		return "", time.Time{}, err
	}
	status, body, err := s.send(ctx, hc, r.URL, http.MethodPost, "/v1/bridge/replica/restore-codes", "", nil)
	if err != nil {
		return "", time.Time{}, err
	}
	if status != http.StatusOK {
		return "", time.Time{}, &relayError{status}
	}
	var rc struct {
		Code    string    `json:"code"`
		Expires time.Time `json:"expires"`
	}
	if err := json.Unmarshal(body, &rc); err != nil || rc.Code == "" {
		return "", time.Time{}, errors.New("relay sync: the relay's restore code answer is not valid")
	}
	return rc.Code, rc.Expires, nil
}

// ErrRestoreCode is returned by [FetchReplica] when the relay refused the code (wrong, used or
// expired: the relay does not say which); ErrNoSnapshot when the office has none there.
var (
	ErrRestoreCode = errors.New("relay sync: restore code invalid, used or expired")
	ErrNoSnapshot  = errors.New("relay sync: the office has no snapshot on the relay")
)

// FetchReplica downloads an office's snapshot from the relay at relayURL (its server
// certificate chaining to caPEM) with a one-time restore code, as a new PC does before it is
// enrolled. It returns the snapshot's id and sealed bytes (at most max).
func FetchReplica(ctx context.Context, relayURL, caPEM, code string, max int64) (id string, sealed []byte, err error) {
	base, err := checkRelayURL(relayURL)
	if err != nil {
		return "", nil, err
	}
	cfg, err := TLSConfig([]byte(caPEM), nil)
	if err != nil {
		return "", nil, err
	}
	hc := httpClient(cfg, 0)
	body, _ := json.Marshal(map[string]string{"code": code})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/replica/restore", bytes.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("relay not reachable: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusForbidden:
		return "", nil, ErrRestoreCode
	case http.StatusNotFound:
		return "", nil, ErrNoSnapshot
	default:
		return "", nil, &relayError{resp.StatusCode}
	}
	sealed, err = io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return "", nil, fmt.Errorf("reading the snapshot: %w", err)
	}
	if int64(len(sealed)) > max {
		return "", nil, fmt.Errorf("%w: larger than %d bytes", ErrBadSnapshot, max)
	}
	return resp.Header.Get("X-Replica-Id"), sealed, nil
}

// RelayAnchor is one audit anchor the relay keeps for this office.
type RelayAnchor struct {
	Seq     int64     `json:"seq"`
	AuditID int64     `json:"audit_id"`
	Digest  []byte    `json:"digest"`
	Created time.Time `json:"created"`
}

// Anchors lists the audit anchors of this office's chain on the relay with seq greater than
// after (a page of at most 1,000).
func (s *Syncer) Anchors(ctx context.Context, chain string, after int64) ([]RelayAnchor, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	hc, _, r, err := s.connect()
	if err != nil {
		return nil, err
	}
	status, body, err := s.send(ctx, hc, r.URL, http.MethodGet, fmt.Sprintf("/v1/bridge/anchors?chain=%s&after=%d&limit=1000", url.QueryEscape(chain), after), "", nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, &relayError{status}
	}
	var list struct {
		Items []RelayAnchor `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, errors.New("relay sync: the relay's anchor list is not valid")
	}
	return list.Items, nil
}

package cloud

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestReplicaRoutes: only an enrolled office stores and reads its own snapshot; a restore code
// from the office hands the snapshot out once, without a client certificate, to whoever has
// the code (typed in lower case, with 0/1/8 for O/I/B); the relay's log names no code.
func TestReplicaRoutes(t *testing.T) {
	r := startRelay(t, func(s *Server) { s.Limits.MaxSnapshot = 1 << 20 })
	a, b := r.enrol("office a"), r.enrol("office b")
	anon := r.client(nil)
	sealed := bytes.Repeat([]byte{0x5a, 0x01}, 5000)

	if code, _, _ := do(t, anon, "PUT", r.url+"/v1/bridge/replica/20261205T0-aa", sealed); code != http.StatusUnauthorized {
		t.Fatalf("a snapshot without a client certificate: %d", code)
	}
	for _, bad := range []string{"..%2Fx", strings.Repeat("a", 101)} {
		if code, _, _ := do(t, a.client, "PUT", r.url+"/v1/bridge/replica/"+bad, sealed); code != http.StatusBadRequest {
			t.Fatalf("id %q: %d", bad, code)
		}
	}
	if code, _, _ := do(t, a.client, "PUT", r.url+"/v1/bridge/replica/20261205T0-aa", make([]byte, 1<<20+1)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a snapshot over the limit: %d", code)
	}
	if code, _, _ := do(t, a.client, "GET", r.url+"/v1/bridge/replica", nil); code != http.StatusNotFound {
		t.Fatalf("info before any snapshot: %d", code)
	}
	if code, body, _ := do(t, a.client, "PUT", r.url+"/v1/bridge/replica/20261205T0-aa", sealed); code != http.StatusNoContent {
		t.Fatalf("put: %d %s", code, body)
	}
	code, body, _ := do(t, a.client, "GET", r.url+"/v1/bridge/replica", nil)
	var info ReplicaInfo
	if code != http.StatusOK || json.Unmarshal(body, &info) != nil || info.ID != "20261205T0-aa" || info.Size != int64(len(sealed)) {
		t.Fatalf("info: %d %s", code, body)
	}
	if code, _, _ := do(t, b.client, "GET", r.url+"/v1/bridge/replica", nil); code != http.StatusNotFound {
		t.Fatalf("office b sees office a's snapshot: %d", code)
	}

	code, body, _ = do(t, a.client, "POST", r.url+"/v1/bridge/replica/restore-codes", nil)
	var rc RestoreCode
	if code != http.StatusOK || json.Unmarshal(body, &rc) != nil || len(rc.Code) != 24 {
		t.Fatalf("restore code: %d %s", code, body)
	}
	typed := strings.ToLower(strings.NewReplacer("O", "0", "I", "1", "B", "8").Replace(rc.Code))
	code, got, hdr := do(t, anon, "POST", r.url+"/v1/replica/restore", mustJSON(t, RestoreRequest{Code: typed}))
	if code != http.StatusOK || !bytes.Equal(got, sealed) || hdr.Get(ReplicaIDHeader) != info.ID {
		t.Fatalf("restore: %d, %d bytes, id %q", code, len(got), hdr.Get(ReplicaIDHeader))
	}
	if code, _, _ := do(t, anon, "POST", r.url+"/v1/replica/restore", mustJSON(t, RestoreRequest{Code: rc.Code})); code != http.StatusForbidden {
		t.Fatalf("a used code: %d", code)
	}
	// Office b has no snapshot yet: its code gets a 404 that says so.
	_, body, _ = do(t, b.client, "POST", r.url+"/v1/bridge/replica/restore-codes", nil)
	json.Unmarshal(body, &rc)
	if code, _, _ := do(t, anon, "POST", r.url+"/v1/replica/restore", mustJSON(t, RestoreRequest{Code: rc.Code})); code != http.StatusNotFound {
		t.Fatalf("a code of an office without a snapshot: %d", code)
	}
	if bytes.Contains(r.logs.Bytes(), []byte(strings.ReplaceAll(rc.Code, "-", ""))) || bytes.Contains(r.logs.Bytes(), []byte(rc.Code)) {
		t.Fatal("the relay's log holds a restore code")
	}
}

// TestAnchorRoutes: an enrolled office records digests of its history, reads back its own chain's,
// and cannot replace one; a vault created anew for the office (another chain) anchors the same
// entry ids for itself; a malformed digest or chain and a request without a certificate are
// refused.
func TestAnchorRoutes(t *testing.T) {
	r := startRelay(t, nil)
	a, b := r.enrol("office a"), r.enrol("office b")
	d1, d2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	if code, _, _ := do(t, r.client(nil), "POST", r.url+"/v1/bridge/anchors", mustJSON(t, AnchorRequest{AuditID: 7, Digest: d1})); code != http.StatusUnauthorized {
		t.Fatalf("without a certificate: %d", code)
	}
	const chain, newVault = "abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba"
	for _, bad := range []AnchorRequest{{Chain: chain, AuditID: 7, Digest: d1[:31]}, {Chain: chain, AuditID: 0, Digest: d1},
		{Chain: "../x", AuditID: 7, Digest: d1}, {Chain: strings.Repeat("a", 65), AuditID: 7, Digest: d1}} {
		if code, _, _ := do(t, a.client, "POST", r.url+"/v1/bridge/anchors", mustJSON(t, bad)); code != http.StatusBadRequest {
			t.Fatalf("%+v: %d", bad, code)
		}
	}
	for _, req := range []AnchorRequest{{Chain: chain, AuditID: 7, Digest: d1}, {Chain: chain, AuditID: 7, Digest: d2},
		{Chain: chain, AuditID: 9, Digest: d2}, {Chain: newVault, AuditID: 7, Digest: d2}} {
		if code, body, _ := do(t, a.client, "POST", r.url+"/v1/bridge/anchors", mustJSON(t, req)); code != http.StatusNoContent {
			t.Fatalf("%+v: %d %s", req, code, body)
		}
	}
	code, body, _ := do(t, a.client, "GET", r.url+"/v1/bridge/anchors?chain="+chain+"&after=0", nil)
	var list AnchorList
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Items) != 2 || !bytes.Equal(list.Items[0].Digest, d1) || list.Items[1].AuditID != 9 {
		t.Fatalf("anchors: %d %s", code, body)
	}
	code, body, _ = do(t, a.client, "GET", r.url+"/v1/bridge/anchors?chain="+newVault, nil)
	list = AnchorList{}
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Items) != 1 || !bytes.Equal(list.Items[0].Digest, d2) {
		t.Fatalf("the new vault's anchors: %d %s", code, body)
	}
	if code, _, _ := do(t, a.client, "GET", r.url+"/v1/bridge/anchors?chain=XYZ", nil); code != http.StatusBadRequest {
		t.Fatalf("a malformed chain: %d", code)
	}
	if _, body, _ := do(t, b.client, "GET", r.url+"/v1/bridge/anchors?chain="+chain, nil); !bytes.Contains(body, []byte(`"items":[]`)) {
		t.Fatalf("office b sees: %s", body)
	}
}

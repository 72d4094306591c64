package cloud

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
)

// TestDirectory publishes and looks up offices' sharing keys and lists memberships, over mTLS.
func TestDirectory(t *testing.T) {
	r := startRelay(t, nil)
	a, b := r.enrol("事務所A"), r.enrol("企業B")
	priv, _ := ecdh.P256().GenerateKey(rand.Reader)
	pub := priv.PublicKey().Bytes()

	if code, _, _ := do(t, r.client(nil), "PUT", r.url+"/v1/bridge/offices/self/key", mustJSON(t, OfficeKeyRequest{PublicKey: base64.StdEncoding.EncodeToString(pub)})); code != http.StatusUnauthorized {
		t.Fatalf("without a client certificate: %d, want 401", code)
	}
	for _, bad := range []string{"", "AAAA", base64.StdEncoding.EncodeToString(pub[:64])} {
		if code, _, _ := do(t, a.client, "PUT", r.url+"/v1/bridge/offices/self/key", mustJSON(t, OfficeKeyRequest{PublicKey: bad})); code != http.StatusBadRequest {
			t.Fatalf("bad key %q: %d, want 400", bad, code)
		}
	}
	if code, body, _ := do(t, a.client, "PUT", r.url+"/v1/bridge/offices/self/key", mustJSON(t, OfficeKeyRequest{PublicKey: base64.StdEncoding.EncodeToString(pub)})); code != http.StatusNoContent {
		t.Fatalf("publish: %d %s", code, body)
	}
	code, body, _ := do(t, b.client, "GET", r.url+"/v1/bridge/offices/"+a.id+"/key", nil)
	var got OfficeKeyResponse
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || got.Office != a.id || got.Name != "事務所A" || got.PublicKey != base64.StdEncoding.EncodeToString(pub) {
		t.Fatalf("lookup: %d %s", code, body)
	}
	if code, _, _ := do(t, a.client, "GET", r.url+"/v1/bridge/offices/"+b.id+"/key", nil); code != http.StatusNotFound {
		t.Fatalf("office without a key: %d, want 404", code)
	}

	r.registerCompany(a, "c-share")
	if code, body, _ := do(t, a.client, "POST", r.url+"/v1/bridge/companies/c-share/members", mustJSON(t, MemberRequest{Office: b.id})); code != http.StatusNoContent {
		t.Fatalf("add member: %d %s", code, body)
	}
	code, body, _ = do(t, b.client, "GET", r.url+"/v1/bridge/offices/self/companies", nil)
	var list OfficeCompaniesResponse
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Companies) != 1 || list.Companies[0] != "c-share" {
		t.Fatalf("companies: %d %s", code, body)
	}
}

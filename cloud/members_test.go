package cloud

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestRemoveMember ends memberships over mTLS: who may, what is refused, and that a removed
// office is then refused every route of the company, as any non-member is.
func TestRemoveMember(t *testing.T) {
	r := startRelay(t, func(s *Server) { s.Limits = Limits{PerIP: Unlimited, PerOffice: Unlimited} })
	a, b, c := r.enrol("事務所A"), r.enrol("事務所B"), r.enrol("事務所C")
	r.registerCompany(a, "c1")
	r.registerCompany(b, "c2")
	members := r.url + "/v1/bridge/companies/c1/members"
	envelopes := r.url + "/v1/bridge/companies/c1/envelopes"
	post := func(o *office) int {
		code, _, _ := do(t, o.client, "POST", r.url+"/v1/bridge/envelopes", o.envelope(t, "c1", "person-1", []byte("ct")))
		return code
	}
	if code, body, _ := do(t, a.client, "POST", members, mustJSON(t, MemberRequest{Office: b.id})); code != http.StatusNoContent {
		t.Fatalf("add B: %d %s", code, body)
	}
	// As a member, B lists and posts.
	if code, _, _ := do(t, b.client, "GET", envelopes, nil); code != http.StatusOK {
		t.Fatalf("B lists as a member: %d", code)
	}
	if code := post(b); code != http.StatusCreated {
		t.Fatalf("B posts as a member: %d", code)
	}

	for _, tc := range []struct {
		name   string
		by     *office
		path   string
		status int
		msg    string
	}{
		{"a non-member removes a member", c, members + "/" + b.id, http.StatusForbidden, "not a member of this company"},
		{"a non-member removes itself", c, members + "/" + c.id, http.StatusForbidden, "not a member of this company"},
		{"an unknown company", a, r.url + "/v1/bridge/companies/c-none/members/" + b.id, http.StatusForbidden, "not a member of this company"},
		{"an office that is not a member", a, members + "/" + c.id, http.StatusNotFound, "not a member"},
		{"an unknown office", a, members + "/o-none", http.StatusNotFound, "not a member"},
		{"an invalid office id", a, members + "/a%20b", http.StatusBadRequest, "invalid office id"},
	} {
		code, body, _ := do(t, tc.by.client, "DELETE", tc.path, nil)
		var e struct{ Error string }
		json.Unmarshal(body, &e)
		if code != tc.status || e.Error != tc.msg {
			t.Errorf("%s: %d %s, want %d %q", tc.name, code, body, tc.status, tc.msg)
		}
	}
	if code, _, _ := do(t, r.client(nil), "DELETE", members+"/"+b.id, nil); code != http.StatusUnauthorized {
		t.Errorf("without a client certificate: %d, want 401", code)
	}

	// A removes B: B is refused every route of c1 and keeps its own company.
	if code, body, _ := do(t, a.client, "DELETE", members+"/"+b.id, nil); code != http.StatusNoContent {
		t.Fatalf("remove B: %d %s", code, body)
	}
	refusedAll(t, r, b, "c1")
	if code := post(b); code != http.StatusForbidden {
		t.Errorf("the removed office posts an envelope: %d, want 403", code)
	}
	if code, _, _ := do(t, b.client, "GET", r.url+"/v1/bridge/companies/c2/envelopes", nil); code != http.StatusOK {
		t.Errorf("B lists its own company: %d", code)
	}
	if got := officeCompanies(t, r, b); !slices.Equal(got, []string{"c2"}) {
		t.Errorf("B's companies after the removal = %v, want [c2]", got)
	}
	if code, _, _ := do(t, a.client, "DELETE", members+"/"+b.id, nil); code != http.StatusNotFound {
		t.Errorf("removing B again: %d, want 404", code)
	}
	// A is still a member.
	if code, _, _ := do(t, a.client, "GET", envelopes, nil); code != http.StatusOK {
		t.Errorf("A lists after removing B: %d", code)
	}
	if code := post(a); code != http.StatusCreated {
		t.Errorf("A posts after removing B: %d", code)
	}

	// The last member cannot leave.
	code, body, _ := do(t, a.client, "DELETE", members+"/"+a.id, nil)
	var e struct{ Error string }
	json.Unmarshal(body, &e)
	if code != http.StatusConflict || e.Error != "the company's last member cannot be removed" {
		t.Fatalf("the last member leaves: %d %s, want 409", code, body)
	}
	if code, _, _ := do(t, a.client, "GET", envelopes, nil); code != http.StatusOK {
		t.Fatalf("A lists after the refused leave: %d", code)
	}

	// B is added back and leaves by itself.
	if code, body, _ := do(t, a.client, "POST", members, mustJSON(t, MemberRequest{Office: b.id})); code != http.StatusNoContent {
		t.Fatalf("add B back: %d %s", code, body)
	}
	if code, _, _ := do(t, b.client, "GET", envelopes, nil); code != http.StatusOK {
		t.Fatalf("B lists after being added back: %d", code)
	}
	if code, body, _ := do(t, b.client, "DELETE", members+"/"+b.id, nil); code != http.StatusNoContent {
		t.Fatalf("B leaves: %d %s", code, body)
	}
	refusedAll(t, r, b, "c1")
	if got := officeCompanies(t, r, a); !slices.Equal(got, []string{"c1"}) {
		t.Errorf("A's companies after B left = %v, want [c1]", got)
	}
}

// refusedAll checks that o gets 403 on every bridge route of company.
func refusedAll(t *testing.T, r *relay, o *office, company string) {
	t.Helper()
	base := r.url + "/v1/bridge/companies/" + company
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	for _, rt := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/envelopes", nil},
		{"DELETE", "/envelopes/1", nil},
		{"GET", "/submissions", nil},
		{"DELETE", "/submissions/1", nil},
		{"POST", "/members", MemberRequest{Office: o.id}},
		{"DELETE", "/members/" + o.id, nil},
		{"PUT", "/portal", PortalRequest{CompanyName: "株式会社サンプル"}},
		{"PUT", "/employees", EmployeesRequest{Employees: []EmployeeAccount{{Code: "E001", Verifier: verifierFor(t, testOTP), Expires: time.Now().Add(time.Hour)}}}},
		{"DELETE", "/employees/E001", nil},
		{"POST", "/employees/E001/sendback", map[string]string{"reason": "写真が不鮮明です"}},
		{"PUT", "", CompanyRequest{SubmissionKey: base64.StdEncoding.EncodeToString(der)}},
	} {
		var body []byte
		if rt.body != nil {
			body = mustJSON(t, rt.body)
		}
		if code, resp, _ := do(t, o.client, rt.method, base+rt.path, body); code != http.StatusForbidden {
			t.Errorf("the removed office: %s %s = %d %s, want 403", rt.method, rt.path, code, resp)
		}
	}
}

func officeCompanies(t *testing.T, r *relay, o *office) []string {
	t.Helper()
	code, body, _ := do(t, o.client, "GET", r.url+"/v1/bridge/offices/self/companies", nil)
	var list OfficeCompaniesResponse
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil {
		t.Fatalf("companies: %d %s", code, body)
	}
	return list.Companies
}

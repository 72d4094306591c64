package ui

import (
	"testing"

	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/app/share/sharetest"
)

// TestWorkstationsWithoutTheRelay: with the relay out of reach, the workstation screen still
// shows this PC's office id and the list it holds, with why the key could not be published.
func TestWorkstationsWithoutTheRelay(t *testing.T) {
	relay := sharetest.StartRelay(t)
	s := newShareSide(t, "事務所 PC-1", nil)
	rc := relay.Enrol(t, "事務所 PC-1")
	s.app.SetShareTransport(&share.RelayClient{URL: "https://127.0.0.1:1", HTTP: rc.HTTP, OfficeID: rc.OfficeID, SigningKey: rc.SigningKey})
	v, err := s.app.Share.Workstations()
	if err != nil {
		t.Fatalf("Workstations with the relay out of reach: %v", err)
	}
	if v.Self != rc.OfficeID || v.Fingerprint == "" || v.RelayError == nil || v.RelayError.JA == "" || v.Workstations == nil {
		t.Fatalf("view = %+v", v)
	}
	// With the relay back, the key is published and the error gone.
	s.app.SetShareTransport(rc)
	if v, err := s.app.Share.Workstations(); err != nil || v.RelayError != nil {
		t.Fatalf("view with the relay = %+v, %v", v, err)
	}
}

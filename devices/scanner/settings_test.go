package scanner

import (
	"errors"
	"testing"
)

func TestSettingsCheck(t *testing.T) {
	brother, err := ParseCapabilities(readTestdata(t, "caps-brother.xml"))
	if err != nil {
		t.Fatal(err)
	}
	canon, err := ParseCapabilities(readTestdata(t, "caps-canon.xml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		caps  *Capabilities
		s     Settings
		field string // "" means accepted
		msg   string
	}{
		{"defaults", brother, Settings{}, "", ""},
		{"feeder duplex", brother, Settings{Source: Feeder, Duplex: true}, "", ""},
		{"no feeder", canon, Settings{Source: Feeder}, "Source", "this scanner has no document feeder"},
		{"duplex on platen", brother, Settings{Duplex: true}, "Duplex", "two-sided scanning needs the document feeder"},
		{"unknown source", brother, Settings{Source: "Camera"}, "Source", "unknown input source"},
		{"black and white on feeder", brother, Settings{Source: Feeder, ColorMode: BlackAndWhite1}, "ColorMode", "this scanner cannot scan in black and white"},
		{"black and white on platen", brother, Settings{ColorMode: BlackAndWhite1}, "", ""},
		{"unknown colour mode", brother, Settings{ColorMode: "CMYK32"}, "ColorMode", "unknown colour mode"},
		{"150 dpi simplex", brother, Settings{Source: Feeder, Resolution: 150}, "", ""},
		{"150 dpi duplex", brother, Settings{Source: Feeder, Duplex: true, Resolution: 150}, "Resolution", "this scanner cannot scan at 150 dpi"},
		{"negative dpi", brother, Settings{Resolution: -300}, "Resolution", "this scanner cannot scan at -300 dpi"},
		{"range dpi", canon, Settings{Resolution: 900}, "", ""},
		{"off-step dpi", canon, Settings{Resolution: 250}, "Resolution", "this scanner cannot scan at 250 dpi"},
		{"pdf on duplex", brother, Settings{Source: Feeder, Duplex: true, Format: FormatPDF}, "Format", "this scanner cannot deliver PDF"},
		{"format case", canon, Settings{Format: "Application/PDF"}, "", ""},
		{"png", canon, Settings{Format: FormatPNG}, "Format", "this scanner cannot deliver PNG"},
		{"card region", brother, Settings{Region: &Region{Width: 1011, Height: 638}}, "", ""},
		{"region too wide", brother, Settings{Region: &Region{Width: 2551, Height: 100}}, "Region", "the scan area is outside what this scanner can scan"},
		{"region off the edge", brother, Settings{Region: &Region{X: 2000, Width: 1000, Height: 100}}, "Region", "the scan area is outside what this scanner can scan"},
		{"region too small", brother, Settings{Region: &Region{Width: 10, Height: 100}}, "Region", "the scan area is outside what this scanner can scan"},
		{"empty region", brother, Settings{Region: &Region{}}, "Region", "the scan area is outside what this scanner can scan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Check(tt.caps)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.Source == "" || got.ColorMode == "" || got.Resolution == 0 || got.Format == "" || got.Region == nil {
					t.Errorf("defaults not filled: %+v", got)
				}
				return
			}
			var se *SettingsError
			if !errors.As(err, &se) || !errors.Is(err, ErrUnsupportedSettings) {
				t.Fatalf("err = %v, want a SettingsError", err)
			}
			if se.Field != tt.field || se.Error() != tt.msg || se.JA == "" {
				t.Errorf("got %q %q (ja %q), want %q %q", se.Field, se.Error(), se.JA, tt.field, tt.msg)
			}
		})
	}
}

func TestSettingsCheckDefaultRegion(t *testing.T) {
	caps := &Capabilities{Platen: &SourceCaps{MaxWidth: 2550, MaxHeight: 3000}, Feeder: &SourceCaps{}}
	s, err := Settings{}.Check(caps)
	if err != nil {
		t.Fatal(err)
	}
	if *s.Region != (Region{Width: 2480, Height: 3000}) {
		t.Errorf("region = %+v, want A4 clipped to the platen", *s.Region)
	}
	s, err = Settings{Source: Feeder}.Check(caps)
	if err != nil || s.Region != nil {
		t.Errorf("no size known: region = %+v, err %v; want none sent", s.Region, err)
	}
	r := &Region{Width: 100, Height: 100}
	s, _ = Settings{Region: r}.Check(caps)
	r.Width = 5
	if s.Region.Width != 100 {
		t.Error("Check must copy the caller's Region")
	}
}

package scanner

import (
	"errors"
	"testing"
)

// Seeds: the realistic documents in testdata plus hand-made edge cases. Properties: the
// parsers never panic, fail only with ErrMalformed, and what they return is sane.
//
// The capability seeds are several KiB, and minimizing each new interesting input derived from
// them takes up to -fuzzminimizetime (60 s by default), during which no new inputs run. Fuzz
// with a small minimization budget:
//
//	go test ./devices/scanner -run '^$' -fuzz '^FuzzCapabilities$' -fuzztime 30s -fuzzminimizetime 200x

var edgeCases = []string{
	"",
	"<",
	`<?xml version="1.0" encoding="ISO-8859-1"?><ScannerStatus/>`,
	`<ScannerCapabilities><Platen><PlatenInputCaps/></Platen></ScannerCapabilities>`,
	`<a:ScannerCapabilities xmlns:a="urn:x"><a:Adf><a:AdfOptions><a:AdfOption>Duplex</a:AdfOption></a:AdfOptions></a:Adf></a:ScannerCapabilities>`,
	`<ScannerCapabilities><Platen><PlatenInputCaps><MaxWidth>99999999999999999999</MaxWidth>` +
		`<SettingProfiles><SettingProfile><SupportedResolutions><ResolutionRange><XResolutionRange>` +
		`<Min>600</Min><Max>300</Max><Step>0</Step></XResolutionRange></ResolutionRange></SupportedResolutions>` +
		`</SettingProfile></SettingProfiles></PlatenInputCaps></Platen></ScannerCapabilities>`,
	`<ScannerStatus><State>Idle</State><State>Stopped</State><AdfState>&amp;</AdfState><Jobs><JobInfo><JobUri>::</JobUri></JobInfo></Jobs></ScannerStatus>`,
	`<!DOCTYPE x [<!ENTITY e "ee">]><ScannerStatus><State>&e;</State></ScannerStatus>`,
}

func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		f.Add(readTestdata(f, name))
	}
	for _, s := range edgeCases {
		f.Add([]byte(s))
	}
}

func FuzzCapabilities(f *testing.F) {
	addSeeds(f, "caps-brother.xml", "caps-canon.xml", "caps-odd-prefixes.xml")
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := ParseCapabilities(doc)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if c.Platen == nil && c.Feeder == nil {
			t.Fatal("accepted a scanner with no source")
		}
		if c.FeederDuplex != nil && (c.Feeder == nil || !c.Duplex) {
			t.Fatal("duplex caps without feeder or Duplex flag")
		}
		for _, s := range []*SourceCaps{c.Platen, c.Feeder, c.FeederDuplex} {
			if s == nil {
				continue
			}
			if s.MinWidth < 0 || s.MaxWidth < 0 || s.MinHeight < 0 || s.MaxHeight < 0 {
				t.Fatalf("negative size %+v", s)
			}
			for _, r := range s.Resolutions {
				if r.X <= 0 || r.Y <= 0 {
					t.Fatalf("non-positive resolution %v", r)
				}
			}
			if r := s.ResolutionRange; r != nil && (r.Min <= 0 || r.Max < r.Min || r.Step < 1) {
				t.Fatalf("bad range %v", r)
			}
			if len(s.ColorModes) > 64 || len(s.Formats) > 64 || len(s.Resolutions) > 64 {
				t.Fatal("unbounded list")
			}
			// Check must not panic on anything the parser accepts.
			_, _ = Settings{Source: Feeder, Duplex: true}.Check(c)
			_, _ = Settings{Region: &Region{X: 1 << 30, Width: 1 << 30, Height: 1}}.Check(c)
		}
	})
}

func FuzzStatus(f *testing.F) {
	addSeeds(f, "status-idle.xml", "status-jam.xml")
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := ParseStatus(doc)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		for _, j := range s.Jobs {
			if j.ImagesCompleted < 0 || j.ImagesToTransfer < 0 {
				t.Fatalf("negative count %+v", j)
			}
		}
		for _, src := range []InputSource{Platen, Feeder} {
			err := s.problem(src, "/eSCL/ScanJobs/x", 0)
			var de *DeviceError
			if err != nil && (!errors.As(err, &de) || de.Err == nil) {
				t.Fatalf("problem returned %v", err)
			}
		}
	})
}

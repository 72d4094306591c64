package scanner

import (
	"fmt"
	"strings"
)

// Settings is one scan request. The zero value scans one colour page from the flatbed at
// 300 dpi as JPEG.
type Settings struct {
	Source     InputSource // Platen (default) or Feeder
	Duplex     bool        // scan both sides of each sheet; Feeder only
	ColorMode  ColorMode   // default RGB24
	Resolution int         // dots per inch on both axes; default 300
	Format     string      // MIME type; default FormatJPEG
	Intent     string      // scan:Intent such as "Document" or "Photo"; omitted when empty
	// Region is the area to scan in 1/300 inch from the top-left corner. When nil it is A4
	// (2480×3508) or the source's maximum size, whichever is smaller; when the scanner does
	// not state a size, no region is sent and the scanner uses its default.
	Region *Region
}

// Region is a scan area in 1/300 inch (escl:ThreeHundredthsOfInches).
type Region struct{ X, Y, Width, Height int }

// A4 in 1/300 inch: 210 mm × 297 mm.
const a4Width, a4Height = 2480, 3508

// Defaults used for zero fields of Settings.
const (
	DefaultResolution = 300
	DefaultColorMode  = RGB24
	DefaultFormat     = FormatJPEG
)

// SettingsError is returned by [Client.Scan] and [Settings.Check] when the scanner cannot do
// what was asked. Error() is an English sentence fit for the handler; JA is the same in
// Japanese. It unwraps to ErrUnsupportedSettings.
type SettingsError struct {
	Field string // the Settings field concerned: "Source", "Duplex", "ColorMode", ...
	EN    string
	JA    string
}

func (e *SettingsError) Error() string { return e.EN }

// Unwrap returns ErrUnsupportedSettings.
func (e *SettingsError) Unwrap() error { return ErrUnsupportedSettings }

// Check fills in defaults and checks the settings against caps. It returns the settings that
// will be sent, or a [*SettingsError] naming the first thing the scanner cannot do.
func (s Settings) Check(caps *Capabilities) (Settings, error) {
	if s.Source == "" {
		s.Source = Platen
	}
	if s.ColorMode == "" {
		s.ColorMode = DefaultColorMode
	}
	if s.Resolution == 0 {
		s.Resolution = DefaultResolution
	}
	if s.Format == "" {
		s.Format = DefaultFormat
	}
	s.Format = strings.ToLower(s.Format)

	switch s.Source {
	case Platen:
		if s.Duplex {
			return s, &SettingsError{"Duplex", "two-sided scanning needs the document feeder",
				"両面読み取りは原稿送り装置（ADF）でのみ使えます"}
		}
		if !caps.HasPlaten() {
			return s, &SettingsError{"Source", "this scanner has no flatbed",
				"このスキャナーには原稿台がありません"}
		}
	case Feeder:
		if !caps.HasFeeder() {
			return s, &SettingsError{"Source", "this scanner has no document feeder",
				"このスキャナーには原稿送り装置（ADF）がありません"}
		}
		if s.Duplex && !caps.Duplex {
			return s, &SettingsError{"Duplex", "this scanner's document feeder cannot scan both sides",
				"このスキャナーの原稿送り装置は両面読み取りに対応していません"}
		}
	default:
		return s, &SettingsError{"Source", "unknown input source", "読み取り元の指定が正しくありません"}
	}
	src := caps.source(s.Source, s.Duplex)

	switch s.ColorMode {
	case RGB24, Grayscale8, BlackAndWhite1:
	default:
		return s, &SettingsError{"ColorMode", "unknown colour mode", "カラーモードの指定が正しくありません"}
	}
	if !src.SupportsColorMode(s.ColorMode) {
		en, ja := colorNames(s.ColorMode)
		return s, &SettingsError{"ColorMode", "this scanner cannot scan in " + en,
			"このスキャナーは" + ja + "で読み取れません"}
	}
	if s.Resolution < 0 || !src.SupportsResolution(s.Resolution) {
		return s, &SettingsError{"Resolution", fmt.Sprintf("this scanner cannot scan at %d dpi", s.Resolution),
			fmt.Sprintf("このスキャナーは %d dpi で読み取れません", s.Resolution)}
	}
	if !src.SupportsFormat(s.Format) {
		name := formatName(s.Format)
		return s, &SettingsError{"Format", "this scanner cannot deliver " + name,
			"このスキャナーは " + name + " 形式で出力できません"}
	}

	if s.Region == nil {
		if src.MaxWidth > 0 && src.MaxHeight > 0 {
			s.Region = &Region{Width: min(a4Width, src.MaxWidth), Height: min(a4Height, src.MaxHeight)}
		}
		return s, nil
	}
	r := *s.Region
	s.Region = &r
	if !r.fits(src) {
		return s, &SettingsError{"Region", "the scan area is outside what this scanner can scan",
			"読み取り範囲がスキャナーの対応範囲を超えています"}
	}
	return s, nil
}

func (r Region) fits(src *SourceCaps) bool {
	if r.X < 0 || r.Y < 0 || r.Width <= 0 || r.Height <= 0 {
		return false
	}
	if r.Width < src.MinWidth || r.Height < src.MinHeight {
		return false
	}
	if src.MaxWidth > 0 && (r.Width > src.MaxWidth || r.X > src.MaxWidth-r.Width) {
		return false
	}
	if src.MaxHeight > 0 && (r.Height > src.MaxHeight || r.Y > src.MaxHeight-r.Height) {
		return false
	}
	return true
}

func colorNames(m ColorMode) (en, ja string) {
	switch m {
	case RGB24:
		return "colour", "カラー"
	case Grayscale8:
		return "greyscale", "グレースケール"
	default:
		return "black and white", "白黒"
	}
}

func formatName(format string) string {
	switch format {
	case FormatJPEG:
		return "JPEG"
	case FormatPNG:
		return "PNG"
	case FormatPDF:
		return "PDF"
	}
	return truncate(format)
}

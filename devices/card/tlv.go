package card

import (
	"fmt"
	"strings"
)

// Tag is a BER tag as its encoded bytes read as a big-endian number: 0x30, 0x5F4E, 0xDF22,
// 0xFF20, 0x7F21. Tags of up to four bytes are supported.
type Tag uint32

// String returns the tag's bytes in hex, "DF22".
func (t Tag) String() string {
	switch {
	case t > 0xFFFFFF:
		return fmt.Sprintf("%08X", uint32(t))
	case t > 0xFFFF:
		return fmt.Sprintf("%06X", uint32(t))
	case t > 0xFF:
		return fmt.Sprintf("%04X", uint32(t))
	}
	return fmt.Sprintf("%02X", uint32(t))
}

// TLV is one BER-TLV data object. Value and Raw share memory with the parsed buffer.
type TLV struct {
	Tag   Tag
	Value []byte // the contents, without tag and length
	Raw   []byte // the whole encoding: tag, length and value
}

// Constructed reports whether the tag's first byte has the constructed bit (b6) set, so that
// Value holds further TLVs.
func (t TLV) Constructed() bool {
	first := uint32(t.Tag)
	for first > 0xFF {
		first >>= 8
	}
	return first&0x20 != 0
}

// Children parses Value as a sequence of TLVs (see [ParseTLVs]).
func (t TLV) Children() ([]TLV, error) { return ParseTLVs(t.Value) }

// maxTagBytes bounds the tag length; maxLenBytes the number of length octets after 81..84.
const (
	maxTagBytes = 4
	maxLenBytes = 4
)

// parseHeader reads the tag and length at the start of b. It returns the tag, the header
// length and the value length; the value itself may extend past b (readFile uses this to
// learn an EF's size from its first bytes).
//
// The My Number card uses private-class tags in high-tag-number form (DF xx, FF xx), which
// encoding/asn1 rejects, so this is a plain BER reader (ISO/IEC 8825-1 §8.1.2, §8.1.3):
// a first tag byte with b5..b1 = 11111 is followed by bytes with b8 set while more follow;
// a length is one byte below 0x80, or 0x81..0x84 followed by that many length bytes.
// The indefinite form (0x80) is rejected.
func parseHeader(b []byte) (tag Tag, hdrLen, valLen int, err error) {
	if len(b) == 0 {
		return 0, 0, 0, malformed("empty TLV", 0)
	}
	i := 1
	tag = Tag(b[0])
	if b[0]&0x1F == 0x1F {
		for {
			if i >= len(b) {
				return 0, 0, 0, malformed("truncated tag", i)
			}
			if i >= maxTagBytes {
				return 0, 0, 0, malformed("tag longer than 4 bytes", i)
			}
			tag = tag<<8 | Tag(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, 0, 0, malformed("missing length", i)
	}
	l := b[i]
	i++
	switch {
	case l < 0x80:
		return tag, i, int(l), nil
	case l == 0x80:
		return 0, 0, 0, malformed("indefinite length", i-1)
	case l > 0x80+maxLenBytes:
		return 0, 0, 0, malformed("length of more than 4 bytes", i-1)
	}
	n := int(l & 0x7F)
	if i+n > len(b) {
		return 0, 0, 0, malformed("truncated length", i)
	}
	v := 0
	for _, c := range b[i : i+n] {
		v = v<<8 | int(c)
		if v > 1<<24 {
			return 0, 0, 0, malformed("length over 16 MiB", i)
		}
	}
	return tag, i + n, v, nil
}

// ParseTLV parses the TLV at the start of b and returns it and the bytes after it, which it
// does not look at: trailing padding or garbage after an EF's TLV is the caller's to ignore.
// It never panics; malformed input gives an error wrapping [ErrMalformed].
func ParseTLV(b []byte) (TLV, []byte, error) {
	tag, h, n, err := parseHeader(b)
	if err != nil {
		return TLV{}, nil, err
	}
	if n > len(b)-h {
		return TLV{}, nil, malformed(fmt.Sprintf("value of %d bytes, %d left", n, len(b)-h), h)
	}
	return TLV{Tag: tag, Value: b[h : h+n : h+n], Raw: b[: h+n : h+n]}, b[h+n:], nil
}

// ParseTLVs parses b as a sequence of TLVs. Padding at the end (only 00 bytes, or only FF
// bytes, to the end of b; ISO/IEC 7816-4 allows both) ends the sequence quietly. It never
// panics; malformed input gives an error wrapping [ErrMalformed].
func ParseTLVs(b []byte) ([]TLV, error) {
	var out []TLV
	for off := 0; len(b) > 0; {
		if isPadding(b) {
			break
		}
		t, rest, err := ParseTLV(b)
		if err != nil {
			return out, fmt.Errorf("at offset %d: %w", off, err)
		}
		out = append(out, t)
		off += len(b) - len(rest)
		b = rest
	}
	return out, nil
}

// Find returns the first TLV in tlvs with the tag.
func Find(tlvs []TLV, tag Tag) (TLV, bool) {
	for _, t := range tlvs {
		if t.Tag == tag {
			return t, true
		}
	}
	return TLV{}, false
}

func isPadding(b []byte) bool {
	if b[0] != 0x00 && b[0] != 0xFF {
		return false
	}
	return strings.Count(string(b), string(b[:1])) == len(b)
}

func malformed(what string, off int) error {
	return fmt.Errorf("%w: %s (byte %d)", ErrMalformed, what, off)
}

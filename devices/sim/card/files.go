package simcard

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
)

// Tags of the 券面事項入力補助AP files (reference §1.3): private class, high tag number form.
var (
	tagMyNumber  = []byte{0xFF, 0x10} // EF 0001 container
	tagBasic4    = []byte{0xFF, 0x20} // EF 0002 container
	tagHeader    = []byte{0xDF, 0x21} // EF 0002 offset table (opaque to readers)
	tagName      = []byte{0xDF, 0x22}
	tagAddress   = []byte{0xDF, 0x23}
	tagBirth     = []byte{0xDF, 0x24}
	tagSex       = []byte{0xDF, 0x25}
	tagSigObj    = []byte{0xFF, 0x30} // EF 0003 container
	tagDigestNum = []byte{0xDF, 0x31}
	tagDigest4   = []byte{0xDF, 0x32}
	tagSignature = []byte{0xDF, 0x33}
	tagCVCert    = []byte{0x7F, 0x21} // EF 0004 certificate
	tagCVBody    = []byte{0x5F, 0x4E}
	tagCVSig     = []byte{0x5F, 0x37}
	tagExponent  = []byte{0x82} // inside the EF 0004 body, after the two 16-byte IDs
	tagModulus   = []byte{0x81}
	tagAPInfo    = []byte{0xFF, 0x40} // EF 0005 container
)

// tlv encodes one BER-TLV with a definite length in the shortest form (short, 81 or 82).
func tlv(tag []byte, value ...[]byte) []byte {
	v := bytes.Join(value, nil)
	out := append([]byte(nil), tag...)
	switch n := len(v); {
	case n < 0x80:
		out = append(out, byte(n))
	case n <= 0xFF:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, v...)
}

// valueOf returns the value of a TLV built by tlv (for the value-only digest variant).
func valueOf(t []byte) []byte {
	i := 1
	if t[0]&0x1F == 0x1F {
		for i++; t[i-1]&0x80 != 0; i++ {
		}
	}
	switch t[i] {
	case 0x81:
		return t[i+2:]
	case 0x82:
		return t[i+3:]
	}
	return t[i+1:]
}

// Sizes of the 券面事項入力補助AP's EFs that public readers of real cards show: EF 0003 and
// EF 0004 are read whole with exactly these lengths by jpki/myna's Go reader
// (libmyna/text_ap.go ReadSignature 336, ReadCertificate 568), EF 0005 with 256.
const (
	sigObjSize   = 336
	textCertSize = 568
	apInfoSize   = 256
)

// textFiles are the contents of the 券面事項入力補助AP's EFs.
type textFiles struct {
	number, basic4, sigObj, cert, apInfo []byte
}

// buildTextFiles lays out EF 0001–0005 from cfg (reference §1.3, checklist §6).
func buildTextFiles(cfg *Config, rnd io.Reader) (*textFiles, error) {
	pad := bytes.Repeat([]byte{0xFF}, cfg.Padding)

	numberTLV := tlv(tagMyNumber, []byte(cfg.Number))

	name := []byte(cfg.Name)
	if cfg.RawName != nil {
		name = cfg.RawName
	}
	fields := [][]byte{
		tlv(tagName, name),
		tlv(tagAddress, []byte(cfg.Address)),
		tlv(tagBirth, []byte(cfg.Birth)),
		tlv(tagSex, []byte{cfg.Sex}),
	}
	// DF21: 16-bit big-endian offsets of the four fields inside the container's value, the
	// way jsapdu reads it. Readers treat it as opaque.
	var header []byte
	off := 3 + 8 // DF 21 08 + eight offset bytes
	for _, f := range fields {
		header = binary.BigEndian.AppendUint16(header, uint16(off))
		off += len(f)
	}
	basic4TLV := tlv(tagBasic4, append([][]byte{tlv(tagHeader, header)}, fields...)...)

	numDigest, b4Digest := sha256.Sum256(numberTLV), sha256.Sum256(basic4TLV)
	if cfg.Digest == ValueOnly {
		numDigest, b4Digest = sha256.Sum256(valueOf(numberTLV)), sha256.Sum256(valueOf(basic4TLV))
	}
	if cfg.CorruptDigest {
		b4Digest[0] ^= 0x01
	}
	d1, d2 := tlv(tagDigestNum, numDigest[:]), tlv(tagDigest4, b4Digest[:])
	signed := append(append([]byte(nil), d1...), d2...)
	if cfg.Signed == SignValues {
		signed = append(numDigest[:], b4Digest[:]...)
	}
	h := sha256.Sum256(signed)
	sig, err := rsa.SignPKCS1v15(rnd, cfg.Keys.Text, crypto.SHA256, h[:])
	if err != nil {
		return nil, fmt.Errorf("simcard: signing EF 0003: %w", err)
	}
	if cfg.CorruptSignature {
		sig[len(sig)-1] ^= 0x01
	}
	sigObj := tlv(tagSigObj, d1, d2, tlv(tagSignature, sig))

	// EF 0004: a CV-style certificate, 7F21 { 5F4E body, 5F37 signature }, where body =
	// issuer ID (16) ‖ subject ID (16) ‖ TLV(e) ‖ TLV(n). The test CA key stands in for J-LIS.
	pub := cfg.Keys.Text.PublicKey
	body := []byte("TESTISSUER000000TESTSUBJECT00000")
	body = append(body, tlv(tagExponent, big.NewInt(int64(pub.E)).Bytes())...)
	body = append(body, tlv(tagModulus, pub.N.FillBytes(make([]byte, pub.Size())))...)
	hb := sha256.Sum256(body)
	certSig, err := rsa.SignPKCS1v15(rnd, cfg.Keys.CA, crypto.SHA256, hb[:])
	if err != nil {
		return nil, fmt.Errorf("simcard: signing EF 0004: %w", err)
	}
	cert := tlv(tagCVCert, tlv(tagCVBody, body), tlv(tagCVSig, certSig))

	apInfo := tlv(tagAPInfo, tlv([]byte{0xDF, 0x41}, []byte{0x01, 0x00, 0x00, 0x00}),
		tlv([]byte{0xDF, 0x42}, []byte("TEST-ONLY-KEY-ID")))

	// EF 0001 is 17 bytes on the real card: the TLV and FF FF (READ BINARY Le=00 answers
	// "FF 10 0C <12 digits> FF FF 90 00" in tex2e's trace; jpki/myna reads 17 bytes).
	number := append([]byte(nil), numberTLV...)
	if !cfg.ShortNumberEF {
		number = append(number, 0xFF, 0xFF)
	}
	// EF 0005 holds at least 256 bytes: jpki/myna's Go reader read exactly 256 with 90 00
	// (libmyna/text_ap.go ReadBasicInfo). The padding byte is not known; FF as in EF 0001.
	if len(apInfo) < apInfoSize {
		apInfo = append(apInfo, bytes.Repeat([]byte{0xFF}, apInfoSize-len(apInfo))...)
	}
	return &textFiles{
		number: append(number, pad...),
		basic4: append(basic4TLV, pad...),
		sigObj: sigObj,
		cert:   cert,
		apInfo: apInfo,
	}, nil
}

package card

import (
	"testing"

	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
)

// FuzzKenhojoFiles feeds arbitrary EF 0001–0004 contents to the decoders: they never panic,
// and whatever they accept is well-formed.
func FuzzKenhojoFiles(f *testing.F) {
	sim := newSim(f, simcard.Config{})
	files := make([][]byte, 4)
	tr := inProcess(sim)
	selectDF(tr, Gen1.Kenhojo.AID)
	selectEF(tr, Gen1.Kenhojo.PIN)
	verifyPIN(tr, testPIN)
	for i := range files {
		b, err := readEF(tr, uint16(i+1), limitCert)
		if err != nil {
			f.Fatal(err)
		}
		files[i] = b
	}
	f.Add(files[0], files[1], files[2], files[3])
	f.Add(files[0], files[1], files[2], []byte(nil))
	f.Add([]byte("\xff\x10\x0c123456789018"), []byte("\xff\x20\x06\xdf\x22\x01\xff\xdf\x23"), files[2], files[3][:40])
	f.Fuzz(func(t *testing.T, ef1, ef2, ef3, ef4 []byte) {
		k, err := parseKenhojo(ef1, ef2)
		if err == nil {
			if len(k.Number.Reveal()) != 12 || k.Birth.IsZero() {
				t.Fatal("accepted a malformed record")
			}
		}
		if ef4 == nil {
			ef4 = []byte{}
		}
		checkIntegrity(ef1, ef2, ef3, ef4, DigestAuto)
		parseTextKey(ef4)
	})
}

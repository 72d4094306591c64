package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"golang.org/x/text/unicode/norm"
	"strings"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the Argon2id cost parameters for deriving a user key from a password. They are
// stored with each user's wrap (user_keys.kdf), so raising [DefaultKDF] later applies to each user
// at their next password change while older wraps keep opening.
type KDFParams struct {
	MemoryKiB uint32 // memory in KiB
	Time      uint32 // passes
	Threads   uint8  // lanes
}

// DefaultKDF is m = 64 MiB, t = 3, p = 2: well above the OWASP minimum (19 MiB, t = 2), since the
// unlock runs once per login on a desktop.
var DefaultKDF = KDFParams{MemoryKiB: 64 * 1024, Time: 3, Threads: 2}

// Limits on stored parameters, so that an altered database cannot make unlock run for hours.
const (
	maxKDFMemoryKiB = 4 * 1024 * 1024
	maxKDFTime      = 64
)

const (
	userKeyInfo      = "mynumber-shelter user key v1"
	recoveryInfo     = "mynumber-shelter recovery v1"
	deviceIDInfo     = "mynumber-shelter device secret id v1"
	argonSaltSize    = 16
	deviceIDSize     = 8
	kdfArgon2idV19   = "argon2id$v=19$"
	kdfDeviceIDField = "$ds="
)

func (p KDFParams) valid() error {
	switch {
	case p.Threads == 0:
		return errors.New("kdf threads must be at least 1")
	case p.Time == 0 || p.Time > maxKDFTime:
		return fmt.Errorf("kdf time must be 1..%d", maxKDFTime)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxKDFMemoryKiB:
		return fmt.Errorf("kdf memory must be %d..%d KiB", 8*uint32(p.Threads), maxKDFMemoryKiB)
	}
	return nil
}

// kdfRecord is what user_keys.kdf holds: the Argon2id parameters and the id of the device secret
// the wrap was made with, e.g. "argon2id$v=19$m=65536,t=3,p=2$ds=0123456789abcdef". The device
// id is a truncated HMAC of the device secret: it reveals nothing about the secret and lets
// Unlock tell a stale wrap (ErrUserKeyStale) from a wrong password.
type kdfRecord struct {
	params   KDFParams
	deviceID string
	// nfkc: the password went into the KDF in Unicode NFKC form (every wrap made now; the
	// record ends in "$nfkc"). Older wraps took it as typed and are rewrapped at the next
	// unlock.
	nfkc bool
}

// kdfNFKCField ends the record of a wrap whose password was NFKC-normalised.
const kdfNFKCField = "$nfkc"

func (r kdfRecord) String() string {
	s := fmt.Sprintf("%sm=%d,t=%d,p=%d%s%s", kdfArgon2idV19,
		r.params.MemoryKiB, r.params.Time, r.params.Threads, kdfDeviceIDField, r.deviceID)
	if r.nfkc {
		s += kdfNFKCField
	}
	return s
}

// kdfInput is the password as it goes into the KDF: NFKC (NIST SP 800-63B §5.1.1.2), so that a
// password typed with a Japanese IME in full-width mode (ｐａｓｓ１) opens what the same
// password typed in half-width made. Nothing else is changed: no trimming, no case folding.
func kdfInput(password string, nfkc bool) string {
	if nfkc {
		return norm.NFKC.String(password)
	}
	return password
}

func parseKDFRecord(s string) (kdfRecord, error) {
	var r kdfRecord
	s, nfkc := strings.CutSuffix(s, kdfNFKCField)
	rest, ok := strings.CutPrefix(s, kdfArgon2idV19)
	if !ok {
		return r, errors.New("kdf: not argon2id v=19")
	}
	params, dev, ok := strings.Cut(rest, kdfDeviceIDField)
	if !ok {
		return r, errors.New("kdf: no device id")
	}
	var threads uint32
	n, err := fmt.Sscanf(params, "m=%d,t=%d,p=%d", &r.params.MemoryKiB, &r.params.Time, &threads)
	if err != nil || n != 3 || threads > 255 {
		return r, errors.New("kdf: malformed parameters")
	}
	r.params.Threads = uint8(threads)
	r.deviceID = dev
	if r.String() != kdfArgon2idV19+params+kdfDeviceIDField+dev {
		return r, errors.New("kdf: parameters not in canonical form")
	}
	if err := r.params.valid(); err != nil {
		return r, err
	}
	if b, err := hex.DecodeString(dev); err != nil || len(b) != deviceIDSize || hex.EncodeToString(b) != dev {
		return r, errors.New("kdf: malformed device id")
	}
	r.nfkc = nfkc
	return r, nil
}

// deviceID names a device secret without revealing it.
func deviceID(deviceSecret []byte) string {
	m := hmac.New(sha256.New, deviceSecret)
	m.Write([]byte(deviceIDInfo))
	return hex.EncodeToString(m.Sum(nil)[:deviceIDSize])
}

// userKey is HKDF-SHA256(Argon2id(password, salt) ‖ device secret, info userKeyInfo). The password
// is used as given: callers pass [kdfInput] (NFKC for every new wrap; no trimming, no case
// change, ASVS 6.2.8).
func userKey(password string, salt []byte, p KDFParams, deviceSecret []byte) ([]byte, error) {
	if err := p.valid(); err != nil {
		return nil, err
	}
	ikm := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, keySize)
	ikm = append(ikm, deviceSecret...)
	defer clear(ikm)
	return hkdf.Key(sha256.New, ikm, nil, userKeyInfo, keySize)
}

// recoveryKEK is HKDF-SHA256(recovery key, salt vault id, info recoveryInfo). It does not involve
// the device secret, so the Recovery Kit opens the vault on any computer.
func recoveryKEK(recoveryKey []byte, vaultID string) ([]byte, error) {
	return hkdf.Key(sha256.New, recoveryKey, []byte(vaultID), recoveryInfo, keySize)
}

package vault

// SealRoot seals a small secret of the vault itself (a private key the app keeps, such as the
// hot-folder inbox key) directly under the root key, bound to aad. Only an unlocked session can
// open it again with [Keys.OpenRoot]; the keychain's copies of other keys do not help.
func (k *Keys) SealRoot(aad AAD, plaintext []byte) ([]byte, error) {
	var out []byte
	err := k.withRoot(func(root *symKey) error {
		var err error
		out, err = root.seal(aad, plaintext)
		return err
	})
	return out, err
}

// OpenRoot opens what [Keys.SealRoot] sealed under the same aad; ErrDecrypt otherwise.
func (k *Keys) OpenRoot(aad AAD, ciphertext []byte) ([]byte, error) {
	var out []byte
	err := k.withRoot(func(root *symKey) error {
		var err error
		out, err = root.open(aad, ciphertext)
		return err
	})
	return out, err
}

package card

// Gen1 is the My Number card issued since 2016 (reference §0–§2; the AIDs as OpenSC's
// card-jpki.c and the public readers use them): both APs, each with its 4-digit PIN.
var Gen1 = Layout{
	Name: "個人番号カード (2016–)",
	Kenhojo: KenhojoFiles{
		AID:      []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08},
		Number:   0x0001,
		Basic4:   0x0002,
		Digests:  0x0003,
		TextCert: 0x0004,
		PIN:      0x0011,
	},
	JPKI: JPKIFiles{
		AID:      []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01},
		Token:    0x0006,
		AuthCert: 0x000A,
		AuthKey:  0x0017,
		AuthPIN:  0x0018,
	},
}

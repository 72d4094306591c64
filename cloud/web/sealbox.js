// The browser's twin of internal/sealbox (format version 1), with WebCrypto only:
//
//   0x01 | ephemeral public key (65 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext and tag
//
// key = HKDF-SHA256(ikm = ECDH P-256 shared X, salt = ephemeral ‖ recipient,
//                   info = "mynumber-shelter sealbox v1"); aad is the GCM additional data.
// Every key is non-extractable and dropped when seal returns.

const INFO = new TextEncoder().encode("mynumber-shelter sealbox v1");
const P256 = { name: "ECDH", namedCurve: "P-256" };

/**
 * seal encrypts plaintext (Uint8Array) to recipient, the 65-byte uncompressed P-256 point
 * (Uint8Array), bound to aad (Uint8Array). Returns the box as a Uint8Array.
 */
export async function seal(recipient, aad, plaintext) {
  const subtle = crypto.subtle;
  if (!(recipient instanceof Uint8Array) || recipient.length !== 65 || recipient[0] !== 4) {
    throw new Error("sealbox: recipient is not an uncompressed P-256 point");
  }
  const to = await subtle.importKey("raw", recipient, P256, false, []);
  const eph = await subtle.generateKey(P256, false, ["deriveBits"]);
  const ephPub = new Uint8Array(await subtle.exportKey("raw", eph.publicKey));
  const shared = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: to }, eph.privateKey, 256));
  const ikm = await subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  shared.fill(0);
  const salt = new Uint8Array(130);
  salt.set(ephPub, 0);
  salt.set(recipient, 65);
  const key = await subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt, info: INFO },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt"],
  );
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad, tagLength: 128 }, key, plaintext),
  );
  const box = new Uint8Array(1 + 65 + 12 + ct.length);
  box[0] = 1;
  box.set(ephPub, 1);
  box.set(nonce, 66);
  box.set(ct, 78);
  return box;
}

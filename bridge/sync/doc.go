// Package relaysync (import path bridge/sync) is shelter-bridge's side of the cloud relay
// (shelter-cloud): enrolment, the one outgoing TLS policy, a durable outbox of requests the app
// hands over, and an inbox of sealed employee submissions pulled from the relay.
//
// # Trust
//
// [TLSConfig] is the only TLS configuration used for the relay: TLS 1.2 or later, and the
// relay's server certificate must chain to the CA given at enrolment — never to the system
// roots. [Syncer.Enrol] generates the bridge's TLS client key (ECDSA P-256) and its Ed25519
// envelope signing key, sends a CSR and the signing public key with the one-time token, and
// keeps both private keys in the OS keychain (accounts "relay-client-key/<office>" and
// "relay-signing-key/<office>"); only the issued certificate (public) is written to the state
// directory.
//
// # Outbox and inbox
//
// Both live in one SQLite file (sync.db, 0600) in the state directory. The outbox holds the
// app's requests to the relay (portal information, employee accounts, sendbacks, company
// registration, deletion of acknowledged submissions, signed envelopes), each under an
// idempotency key: a key that was already queued or delivered is ignored, so the app may hand
// the same request over again after a crash. Items are sent in order; a network error, a 5xx
// or a 429 stops the round and the item is tried again on the next one (with backoff), another
// 4xx marks it failed with the status and the round goes on. The inbox holds submissions as
// the relay gave them (sealed to the company's submission key, opaque here); the pull cursor
// of each company advances in the same transaction that stores the items, so a round can stop
// anywhere and resume. Acknowledging an item deletes it locally and queues the relay's DELETE.
//
// # What it must never do
//
// Open a submission (it has no key to), write a private key to a file, log a body, token or
// key, or trust a certificate that does not chain to the enrolled relay's CA.
package relaysync

// Package cloud is shelter-cloud, the relay between MyNumber Shelter installations and the
// employees who submit their numbers from a phone. It stores and forwards ciphertext only.
//
// # What the relay holds
//
//   - Envelopes ([github.com/mynumber-shelter/shelter/cloud/envelope]): records one office
//     shares with another installation of the same client company, encrypted end to end. The
//     relay checks their structure, their Ed25519 signature against the sender's enrolled key,
//     the sender's membership of the company and the sequence (a replayed or older envelope is
//     refused with 409), and never sees the key that opens them.
//   - Submissions: what an employee's browser sealed to the company's submission public key
//     (ECDH P-256); opaque bytes to the relay. The private key never leaves the office's vault.
//   - Public data: office ids and names, client-certificate fingerprints, Ed25519 and P-256
//     public keys, company ids.
//
// It must never hold, log or return a readable My Number or image, a private key, or a token
// in clear: enrolment tokens are stored as SHA-256 hashes.
//
// # Trust
//
// The server speaks TLS 1.2 or later only; a plain-HTTP request to its port gets Go's 400
// answer and nothing else. An operator issues a one-time enrolment token for an office
// (shelter-cloud enrol-token). The office's bridge POSTs the token with a certificate signing
// request and an Ed25519 signing key to /v1/enrol; the token is consumed atomically (at most
// once across every relay sharing the database) and the relay's client CA issues a client
// certificate whose common name is the office id. Every /v1/bridge/ route then requires that
// certificate (mutual TLS; an unknown or missing certificate gets 401) and is scoped to the
// companies the office is a member of (403 otherwise).
//
// # Limits
//
// Request bodies are bounded ([Limits]; 413 beyond). Token buckets per client IP and per
// enrolled office answer 429 with Retry-After. The buckets live in the process: with several
// relays behind a load balancer each enforces its own share. Logs are JSON (log/slog): method,
// route pattern, status, duration, client IP and office id — never a body, a query string, a
// token or a key.
//
// # Routes
//
//	GET    /healthz                                        store ping
//	POST   /v1/enrol                                       {token, csr, signing_key} → certificate
//	GET    /v1/companies/{company}/submission-key          public, for the employee's browser
//	POST   /v1/companies/{company}/submissions             public, opaque sealed body
//	PUT    /v1/bridge/companies/{company}                  {submission_key}: register or rotate
//	POST   /v1/bridge/companies/{company}/members          {office}: share the company
//	POST   /v1/bridge/envelopes                            raw envelope
//	GET    /v1/bridge/companies/{company}/envelopes        ?after=ID&limit=N
//	DELETE /v1/bridge/companies/{company}/envelopes/{id}
//	GET    /v1/bridge/companies/{company}/submissions      ?after=ID&limit=N
//	DELETE /v1/bridge/companies/{company}/submissions/{id}
//
// Authenticating the employee's submission (the company ID, employee code and password of the
// notice letter) belongs with the employee web page and is not done here yet; until then the
// public submission route is bounded only by size and the per-IP rate.
package cloud

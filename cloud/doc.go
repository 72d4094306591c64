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
// in clear: enrolment and session tokens are stored as SHA-256 hashes, one-time passwords as
// Argon2id verifiers.
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
//	GET    /v1/companies/{company}/submission-key          public key, public
//	PUT    /v1/bridge/companies/{company}                  {submission_key}: register or rotate
//	POST   /v1/bridge/companies/{company}/members          {office}: share the company
//	DELETE /v1/bridge/companies/{company}/members/{office} end a membership (the caller's own: leave); 404 not a member, 409 the last one
//	POST   /v1/bridge/envelopes                            raw envelope
//	GET    /v1/bridge/companies/{company}/envelopes        ?after=ID&limit=N
//	DELETE /v1/bridge/companies/{company}/envelopes/{id}
//	GET    /v1/bridge/companies/{company}/submissions      ?after=ID&limit=N; items name the employee
//	DELETE /v1/bridge/companies/{company}/submissions/{id} ack: the employee's status becomes received
//	PUT    /v1/bridge/companies/{company}/portal           {companyName, purposes}: shown after login
//	PUT    /v1/bridge/companies/{company}/employees        {employees: [{code, verifier, expires}]}
//	DELETE /v1/bridge/companies/{company}/employees/{code}
//	POST   /v1/bridge/companies/{company}/employees/{code}/sendback   {reason} (差戻し)
//	PUT    /v1/bridge/offices/self/key                     {publicKey}: publish the caller's P-256 sharing key
//	GET    /v1/bridge/offices/{office}/key                 {office, name, publicKey} of any enrolled office ("self": the caller)
//	GET    /v1/bridge/offices/self/companies               {companies}: those the caller is a member of
//	GET    /e/                                             the employee's page (?c=company pre-fills)
//	GET    /e/{app.js,sealbox.js,mynumber.js,style.css}    its embedded files
//	POST   /e/api/login                                    {company, code, password} → session cookie, Me
//	GET    /e/api/me                                       Me (session)
//	POST   /e/api/submission                               sealed box (session) → Me
//	POST   /e/api/logout
//
// # The employee's page
//
// An employee logs in with the company ID, employee code and one-time password of the notice
// letter. The relay holds only an Argon2id verifier of the password (uploaded by the bridge),
// answers an unknown company or code, a wrong password and a locked account alike, locks an
// account for 15 minutes after 5 wrong passwords (counted in the database, so across relays)
// and limits logins per IP. The session cookie is HttpOnly, Secure, SameSite=Strict, limited
// to /e/ and 30 minutes; only its SHA-256 is stored. Every answer under /e/ is no-store with a
// CSP that allows nothing but this server; the page (cloud/web, embedded) is plain ES modules
// with no inline script. The browser seals the submission with WebCrypto to the company's
// submission key ([github.com/mynumber-shelter/shelter/internal/sealbox], aad
// "shelter-submission|v1|<company>|<employee code>"), so the relay stores one opaque box per
// employee (a resubmission replaces it) and refuses a send-back reason that holds a My Number.
// The wire shapes are at the top of employee.go.
package cloud

-- 0008: the cloud relay (SYNC): employee submissions from phones, imported into 1-3.
-- No column holds a My Number, an image or a private key in clear.

-- Each client company's submission key pair (ECDH P-256): employees' browsers seal their
-- submissions to public_key (65-byte uncompressed point). The private key (32-byte scalar) is
-- sealed under the COMPANY key with AAD (sync_submission_keys, company_id, wrapped).
CREATE TABLE sync_submission_keys (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id),
    public_key BLOB NOT NULL,
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- Requests for the relay made inside a use case's transaction (employee accounts with their
-- password verifiers, sendbacks, portal information), handed to the bridge's outbox afterwards.
-- key is the idempotency key the bridge dedupes on; sent_at is set once the bridge took it.
CREATE TABLE sync_outbox (
    id        INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    key       TEXT NOT NULL UNIQUE,
    method    TEXT NOT NULL,
    path      TEXT NOT NULL,
    body      TEXT NOT NULL DEFAULT '',
    queued_at TEXT NOT NULL,
    sent_at   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sync_outbox_unsent ON sync_outbox(sent_at, id);

-- An imported submission, waiting for 受付 (check) in 1-3 STEP2. payload is the employee's
-- submission (numbers of self and dependents, images) sealed under the EMPLOYEE's person key
-- with AAD (sync_submissions, id, payload). digest is SHA-256 of the sealed box as the relay
-- gave it: the same box is never imported twice. state: 'pending' (提出済, not yet checked),
-- 'accepted' (受付: went into the check flow), 'returned' (差戻し).
CREATE TABLE sync_submissions (
    id           INTEGER PRIMARY KEY,
    company_id   INTEGER NOT NULL REFERENCES companies(id),
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    request_id   INTEGER NOT NULL REFERENCES collection_requests(id),
    relay_id     INTEGER NOT NULL,
    digest       BLOB NOT NULL UNIQUE,
    submitted_at TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    dependents   INTEGER NOT NULL DEFAULT 0,
    images       INTEGER NOT NULL DEFAULT 0,
    payload      BLOB NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'returned'))
);
CREATE INDEX sync_submissions_by_person ON sync_submissions(person_id, state);

-- Submissions that could not be imported, with the reason (an English code and words, never
-- content). The box itself is not kept: it was acknowledged and the employee is asked again.
CREATE TABLE sync_quarantine (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    relay_id    INTEGER NOT NULL,
    digest      BLOB NOT NULL,
    employee    TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    received_at TEXT NOT NULL
);

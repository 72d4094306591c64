-- 0009: sharing one client company between two installations through the relay (patterns 1
-- and 3 of the mission; app/share). New tables only.

-- This installation's identity for sharing: a P-256 key pair; the private key is sealed under
-- the root key (vault share_identity/1/private_key). The public key goes to the relay directory.
CREATE TABLE share_identity (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    public_key  BLOB NOT NULL,
    private_key BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

-- One row per shared company. role: 'origin' offered it, 'peer' accepted an offer.
-- send_clock is the hybrid logical clock of this side; peer_seq the newest envelope sequence
-- imported from the peer (older ones are ignored); relay_cursor the last relay envelope id read;
-- audit_cursor the last local audit entry exported.
CREATE TABLE shares (
    company_id    INTEGER PRIMARY KEY REFERENCES companies(id),
    relay_company TEXT NOT NULL UNIQUE,
    self_office   TEXT NOT NULL,
    peer_office   TEXT NOT NULL,
    peer_name     TEXT NOT NULL DEFAULT '',
    peer_key      BLOB NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('origin', 'peer')),
    clock         INTEGER NOT NULL DEFAULT 0,
    peer_seq      INTEGER NOT NULL DEFAULT 0,
    relay_cursor  INTEGER NOT NULL DEFAULT 0,
    audit_cursor  INTEGER NOT NULL DEFAULT 0,
    last_sync_at  TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);

-- Offers received from another installation and not yet accepted (the box holds the wrapped
-- company key; only this installation's private key opens it).
CREATE TABLE share_offers (
    relay_company TEXT PRIMARY KEY,
    from_office   TEXT NOT NULL,
    from_name     TEXT NOT NULL DEFAULT '',
    from_key      BLOB NOT NULL,
    box           BLOB NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    received_at   TEXT NOT NULL
);

-- Every shared record: its global id (origin office '.' origin row id), the local row it maps to,
-- the version this side holds (hybrid logical clock and the office that wrote it) and the
-- content hash at the last export or import (a different hash now means a local change).
CREATE TABLE share_records (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind       TEXT NOT NULL CHECK (kind IN ('person', 'number', 'disposal')),
    global_id  TEXT NOT NULL,
    local_id   INTEGER NOT NULL,
    clock      INTEGER NOT NULL,
    origin     TEXT NOT NULL,
    hash       BLOB NOT NULL,
    PRIMARY KEY (company_id, kind, global_id)
);
CREATE UNIQUE INDEX share_records_local ON share_records(company_id, kind, local_id);

-- Concurrent edits of one record: the version that lost (kept here, shown in M-6) and the one
-- that won. Values are masked / redacted JSON, never a number.
CREATE TABLE share_conflicts (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies(id),
    kind          TEXT NOT NULL,
    global_id     TEXT NOT NULL,
    local_id      INTEGER NOT NULL,
    winner_origin TEXT NOT NULL,
    winner_clock  INTEGER NOT NULL,
    winner_value  TEXT NOT NULL,
    loser_origin  TEXT NOT NULL,
    loser_clock   INTEGER NOT NULL,
    loser_value   TEXT NOT NULL,
    detected_at   TEXT NOT NULL
);
CREATE INDEX share_conflicts_by_company ON share_conflicts(company_id, id);

-- The peer's handling history of a shared company, as facts (not part of the local audit chain),
-- shown in 2-1 with the source installation.
CREATE TABLE share_peer_audit (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    source      TEXT NOT NULL,
    source_name TEXT NOT NULL DEFAULT '',
    source_id   INTEGER NOT NULL,
    at          TEXT NOT NULL,
    login       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    purpose     TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    UNIQUE (company_id, source, source_id)
);
CREATE INDEX share_peer_audit_by_time ON share_peer_audit(at, id);

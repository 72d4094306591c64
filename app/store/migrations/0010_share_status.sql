-- 0010: sharing collection statuses between two installations (app/share, record kind
-- 'status'). No column holds a My Number or a one-time password.

-- share_records gains the kind 'status' (SQLite cannot change a CHECK: the table is rebuilt;
-- nothing references it).
CREATE TABLE share_records_new (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind       TEXT NOT NULL CHECK (kind IN ('person', 'number', 'disposal', 'status')),
    global_id  TEXT NOT NULL,
    local_id   INTEGER NOT NULL,
    clock      INTEGER NOT NULL,
    origin     TEXT NOT NULL,
    hash       BLOB NOT NULL,
    PRIMARY KEY (company_id, kind, global_id)
);
INSERT INTO share_records_new(company_id, kind, global_id, local_id, clock, origin, hash)
    SELECT company_id, kind, global_id, local_id, clock, origin, hash FROM share_records;
DROP TABLE share_records;
ALTER TABLE share_records_new RENAME TO share_records;
CREATE UNIQUE INDEX share_records_local ON share_records(company_id, kind, local_id);

-- The peer's collection status of a shared person who has no collection target here (the
-- collection request was made on the other installation; requests, one-time passwords and
-- notified purposes are not shared, so no local target is made up). status uses the values of
-- collection_targets.status; reason is the 差戻し / 提供拒否 reason (redacted, never a number).
-- No foreign key on person_id, like disposal_items: deleting the person must not be blocked.
CREATE TABLE share_remote_status (
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    person_id   INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('requested', 'submitted', 'checked', 'registered', 'returned', 'refused')),
    reason      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL,
    changed_at  TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL,
    PRIMARY KEY (company_id, person_id)
);

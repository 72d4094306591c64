-- 0004: what 1-3 取得管理 (app/collect) needs beyond 0003.
-- No column holds a My Number, a one-time password or an image in clear.

-- The notice settings of a request (how to hand the number in, who writes, whom to ask, the
-- deadline), so that a reminder prints the same letter as the first notice. deadline is ISO
-- YYYY-MM-DD or ''. notice_online = 1 offers the employee web page (URL, QR code, one-time
-- password).
ALTER TABLE collection_requests ADD COLUMN notice_sender TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_requests ADD COLUMN notice_in_person TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_requests ADD COLUMN notice_mail TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_requests ADD COLUMN notice_contact TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_requests ADD COLUMN notice_online INTEGER NOT NULL DEFAULT 1;
ALTER TABLE collection_requests ADD COLUMN deadline TEXT NOT NULL DEFAULT '';

-- Every reminder (再通知) of a collection target, for the refusal record (提供拒否の記録: the
-- dates on which the number was asked for). collection_targets keeps only the count and the
-- last date. No foreign keys, like disposal_items: a disposal may remove the target and the
-- person later, and the record of having asked is kept until then.
CREATE TABLE collection_reminders (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL,
    person_id   INTEGER NOT NULL,
    reminded_at TEXT NOT NULL,
    reminded_by INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX collection_reminders_by_target ON collection_reminders(request_id, person_id);

-- The HMAC key of the one-time-password hashes in collection_targets.otp_hash: 32 random
-- bytes per company, sealed under the COMPANY key with AAD (collection_otp_keys, company_id,
-- wrapped). Without the company key a stolen database cannot test guesses against the hashes.
CREATE TABLE collection_otp_keys (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id),
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL
);

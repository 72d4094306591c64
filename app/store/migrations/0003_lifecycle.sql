-- 0003: the My Number lifecycle — purposes notified (利用目的), collection requests (1-3),
-- identity checks and their documents, use (3-1) download formats, and disposal (4-1).
-- No column holds a My Number, a one-time password or an image in clear.

-- 利用目的: the purposes a number may be used for (compliance.md §2). Seeded below; an office may
-- add its own (custom = 1). A reveal must name one of the purposes notified to that person, or
-- 'OTHER' with a typed reason (flagged in 2-1).
CREATE TABLE purposes (
    code     TEXT PRIMARY KEY,
    label_ja TEXT NOT NULL,
    label_en TEXT NOT NULL,
    sort     INTEGER NOT NULL DEFAULT 0,
    custom   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO purposes(code, label_ja, label_en, sort) VALUES
    ('TAX-WH',     '給与所得の源泉徴収票・給与支払報告書の作成', 'Withholding slips and salary payment reports', 10),
    ('TAX-RET',    '退職所得の源泉徴収票・特別徴収票の作成', 'Retirement income withholding slips', 20),
    ('TAX-DECL',   '扶養控除等(異動)申告書・配偶者控除等申告書等の受理・確認・保管', 'Dependent and spouse deduction declarations', 30),
    ('TAX-LOCAL',  '給与所得者異動届出書(住民税)の作成', 'Resident tax change notifications', 40),
    ('TAX-PAY',    '報酬・料金等の支払調書作成', 'Payment records for fees and remuneration', 50),
    ('SI-KENPO',   '健康保険・厚生年金保険の届出', 'Health insurance and employees'' pension filings', 60),
    ('SI-NENKIN3', '国民年金第3号被保険者関係届', 'National pension category 3 filings', 70),
    ('SI-KOYO',    '雇用保険の届出・給付申請', 'Employment insurance filings and benefit claims', 80),
    ('SI-ROSAI',   '労災保険 年金給付等の請求', 'Workers'' accident compensation claims', 90),
    ('ADM-VERIFY', '取得時の番号確認・本人確認', 'Number and identity checks at collection', 100),
    ('ADM-INQUIRY','行政機関・保険者からの照会対応、訂正・再提出', 'Inquiries from authorities, corrections', 110),
    ('OTHER',      'その他（理由を入力）', 'Other (reason typed)', 999);

-- 1-3 取得管理: a collection request for chosen employees (and their dependents) with the purposes
-- being notified.
CREATE TABLE collection_requests (
    id         INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    title      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id)
);

CREATE TABLE collection_request_purposes (
    request_id   INTEGER NOT NULL REFERENCES collection_requests(id),
    purpose_code TEXT NOT NULL REFERENCES purposes(code),
    PRIMARY KEY (request_id, purpose_code)
);

-- One employee of a request. status: 'requested' 依頼済, 'submitted' 提出済, 'checked' 確認済,
-- 'registered' 登録済, 'returned' 差戻し, 'refused' 提供拒否. ('未依頼' = an employee with no row.)
-- otp_hash: the one-time password of the STEP1 notice, stored only as a hash (Argon2id or HMAC,
-- see app/collect); it expires at otp_expires_at.
CREATE TABLE collection_targets (
    request_id      INTEGER NOT NULL REFERENCES collection_requests(id),
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    status          TEXT NOT NULL CHECK (status IN ('requested', 'submitted', 'checked', 'registered', 'returned', 'refused')),
    otp_hash        BLOB,
    otp_expires_at  TEXT NOT NULL DEFAULT '',
    notified_at     TEXT NOT NULL DEFAULT '',
    reminders       INTEGER NOT NULL DEFAULT 0,
    last_reminded_at TEXT NOT NULL DEFAULT '',
    returned_reason TEXT NOT NULL DEFAULT '',
    refused_reason  TEXT NOT NULL DEFAULT '',
    refused_at      TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (request_id, person_id)
);
CREATE INDEX collection_targets_by_person ON collection_targets(person_id);

-- The purposes notified to each person (employees and their dependents): the ONLY purposes a
-- reveal of that person's number may name (3-1), besides 'OTHER'.
CREATE TABLE person_purposes (
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    purpose_code TEXT NOT NULL REFERENCES purposes(code),
    request_id   INTEGER REFERENCES collection_requests(id),
    notified_at  TEXT NOT NULL,
    PRIMARY KEY (person_id, purpose_code)
);

-- STEP2 本人確認: one identity check of a person. channel: 'in_person' 対面, 'mail' 郵送,
-- 'online' オンライン, 'ic_card' ICカード. number_doc / identity_docs are document kinds (codes
-- defined in app/collect), never document numbers. result 'ok' or 'returned' (差戻し, with reason).
CREATE TABLE identity_checks (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    channel       TEXT NOT NULL CHECK (channel IN ('in_person', 'mail', 'online', 'ic_card')),
    number_doc    TEXT NOT NULL,
    identity_docs TEXT NOT NULL DEFAULT '[]',   -- JSON array of document kinds
    flags         TEXT NOT NULL DEFAULT '[]',   -- JSON array, e.g. "notification_card_details_changed"
    result        TEXT NOT NULL CHECK (result IN ('ok', 'returned')),
    reason        TEXT NOT NULL DEFAULT '',
    checked_by    INTEGER NOT NULL REFERENCES users(id),
    checked_at    TEXT NOT NULL
);
CREATE INDEX identity_checks_by_person ON identity_checks(person_id);

-- Images of identity documents, sealed at once under the PERSON key with AAD
-- (person_documents, id, content). Deleted (and unreadable anyway) after disposal.
CREATE TABLE person_documents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    check_id     INTEGER REFERENCES identity_checks(id),
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    ciphertext   BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX person_documents_by_person ON person_documents(person_id);

-- 3-1 download formats (ダウンロードフォーマットの設定): named, per company; columns as JSON.
CREATE TABLE download_formats (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    name        TEXT NOT NULL,
    spec        TEXT NOT NULL,                 -- JSON, see app/use
    updated_at  TEXT NOT NULL,
    UNIQUE (company_id, name)
);

-- 4-1 廃棄: a proposal by a 担当者, approved by a 責任者, then executed. A record never holds a
-- number. method: 'shred' (destroy the person key, delete number and images) or 'mask_number'
-- (delete the number only, keep the rest). certificate_no is unique per office.
CREATE TABLE disposals (
    id             INTEGER PRIMARY KEY,
    company_id     INTEGER NOT NULL REFERENCES companies(id),
    status         TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'executed')),
    method         TEXT NOT NULL CHECK (method IN ('shred', 'mask_number')),
    reason         TEXT NOT NULL DEFAULT '',
    proposed_by    INTEGER NOT NULL REFERENCES users(id),
    proposed_at    TEXT NOT NULL,
    approved_by    INTEGER REFERENCES users(id),
    approved_at    TEXT NOT NULL DEFAULT '',
    executed_by    INTEGER REFERENCES users(id),
    executed_at    TEXT NOT NULL DEFAULT '',
    certificate_no TEXT UNIQUE
);

-- The people of a disposal, described without their number (employee code and name are kept as
-- they were at disposal time, for the certificate and the register).
CREATE TABLE disposal_items (
    disposal_id   INTEGER NOT NULL REFERENCES disposals(id),
    person_id     INTEGER NOT NULL,               -- no FK: the person row may be deleted later
    employee_code TEXT NOT NULL DEFAULT '',
    person_name   TEXT NOT NULL,
    relation      TEXT NOT NULL DEFAULT '',
    file_kinds    TEXT NOT NULL DEFAULT '[]',     -- JSON array of document types disposed
    PRIMARY KEY (disposal_id, person_id)
);

-- 0001: the foundation. Times are UTC RFC 3339 text (store.FormatTime); dates are ISO YYYY-MM-DD.
-- No column ever holds a My Number in clear: numbers live only as vault ciphertext (issue 3).

-- Vault-wide facts: vault id, KDF parameters, creation time.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- M-1 企業情報設定: the operating office (exactly one row).
CREATE TABLE office (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    name             TEXT NOT NULL,
    name_kana        TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL CHECK (kind IN ('sharoushi', 'zeirishi', 'employer', 'other')),
    corporate_number TEXT NOT NULL DEFAULT '',
    postal_code      TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    representative   TEXT NOT NULL DEFAULT '',
    updated_at       TEXT NOT NULL
);

-- M-2 ユーザー設定: login users.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    login                TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name         TEXT NOT NULL,
    email                TEXT NOT NULL DEFAULT '',
    is_admin             INTEGER NOT NULL DEFAULT 0,
    disabled             INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    password_expires_at  TEXT NOT NULL DEFAULT '',   -- set for administrator-issued temporary passwords
    failed_count         INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT NOT NULL DEFAULT '',
    last_in              TEXT NOT NULL DEFAULT '',
    last_out             TEXT NOT NULL DEFAULT '',
    prev_in              TEXT NOT NULL DEFAULT '',    -- 前回ログイン情報 shown in the header
    prev_out             TEXT NOT NULL DEFAULT '',
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

-- Failed login attempts, for the hourly throttle (ASVS: ≤ 100 failures per hour per account).
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at      TEXT NOT NULL
);
CREATE INDEX login_failures_by_user ON login_failures(user_id, at);

-- The user's copy of the office root key, wrapped under the user key
-- HKDF(Argon2id(password, salt) ‖ device secret). Owned by app/vault.
CREATE TABLE user_keys (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    salt         BLOB NOT NULL,
    kdf          TEXT NOT NULL,
    wrapped_root BLOB NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Other wraps owned by app/vault: 'recovery' (root key under the recovery key),
-- 'audit' (audit MAC key under the root key).
CREATE TABLE vault_keys (
    name       TEXT PRIMARY KEY,
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- M-3 契約企業情報: client companies.
CREATE TABLE companies (
    id               INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    name_kana        TEXT NOT NULL DEFAULT '',
    corporate_number TEXT NOT NULL DEFAULT '',
    postal_code      TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    representative   TEXT NOT NULL DEFAULT '',
    consign_from     TEXT NOT NULL DEFAULT '',
    consign_to       TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT '',
    archived         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

-- Company key and blind-index key, each wrapped under the root key. Owned by app/vault.
CREATE TABLE company_keys (
    company_id    INTEGER PRIMARY KEY REFERENCES companies(id),
    wrapped_key   BLOB NOT NULL,
    wrapped_index BLOB NOT NULL,
    created_at    TEXT NOT NULL
);

-- Person keys wrapped under the company key. Disposal deletes the row (crypto-shredding).
-- person_id refers to the roster (issue 3); owner kept generic here.
CREATE TABLE person_keys (
    person_id  INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- 1-1 マイナンバー取扱者設定: 事務取扱責任者 (manager) / 事務取扱担当者 (handler) per company.
CREATE TABLE assignments (
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    role        TEXT NOT NULL CHECK (role IN ('manager', 'handler')),
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (company_id, user_id, role)
);
CREATE INDEX assignments_by_user ON assignments(user_id);

-- 2-1 取扱い履歴: the chained audit log. Owned by app/audit; nothing else writes here.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER NOT NULL DEFAULT 0,
    login       TEXT NOT NULL DEFAULT '',
    workstation TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    company_id  INTEGER NOT NULL DEFAULT 0,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    purpose     TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    mac         BLOB NOT NULL
);
-- History pages are newest first by (at, id); every index ends in at and, implicitly, the rowid
-- (= id), so each filter below reads one page straight from its index (see app/audit/query.go).
CREATE INDEX audit_by_time ON audit_log(at);
CREATE INDEX audit_by_company ON audit_log(company_id, at);
CREATE INDEX audit_by_company_action ON audit_log(company_id, action, at);
CREATE INDEX audit_by_user ON audit_log(user_id, at);
CREATE INDEX audit_by_action ON audit_log(action, at);
CREATE INDEX audit_by_type ON audit_log(target_type, at);
CREATE INDEX audit_by_target ON audit_log(target_type, target_id, at);
CREATE INDEX audit_by_result ON audit_log(result, at);

-- 0006: handlers' second factors (issue 4, "Handler authentication"; app/auth factors.go).
--
-- One row per enrolled factor. match_key is what a proof is compared with, never the raw
-- device data:
--   vein: "<sensor serial>/<template id>" as text bytes (the template itself stays on the sensor);
--   card: HMAC-SHA256 of the staff card's UID under a key derived from the vault's root key
--         (vault.Keys.FactorMAC), so the database alone does not tell which card opens an account;
--   jpki: SHA-256 of the JPKI 利用者証明用 certificate (DER); the certificate holds no name or number.
-- The office policy (meta 'second_factor') and the JPKI trust anchors (meta 'jpki_trust_anchors')
-- live in the meta table.
CREATE TABLE user_factors (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    kind           TEXT NOT NULL CHECK (kind IN ('vein', 'card', 'jpki')),
    label          TEXT NOT NULL,
    match_key      BLOB NOT NULL,
    vein_sensor    TEXT NOT NULL DEFAULT '',
    vein_template  TEXT NOT NULL DEFAULT '',
    jpki_subject   TEXT NOT NULL DEFAULT '',
    jpki_not_after TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    last_used      TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, match_key)
);
CREATE INDEX user_factors_by_user ON user_factors(user_id);

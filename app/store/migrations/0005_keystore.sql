-- 0005: person keys move out of vault.db into the key store (keys.db, attached as "keys"; see
-- app/store "Two files"), so that a data backup holds no key a disposal could destroy; the shred
-- list, kept in both files; and the 責任者's note on a disposal decision (4-1).

-- The shred list: every destroyed person key. The same table exists in keys.db; the store makes
-- the two lists one at every Open. whole = 1: the person was disposed of (crypto-shredded); no
-- key may exist for them again. whole = 0: a key replaced by a rotation (a mask_number disposal
-- keeps some of the person's data under a new key).
CREATE TABLE shredded_keys (
    key_id      TEXT PRIMARY KEY,
    person_id   INTEGER NOT NULL,
    company_id  INTEGER NOT NULL,
    whole       INTEGER NOT NULL CHECK (whole IN (0, 1)),
    shredded_at TEXT NOT NULL
);
CREATE INDEX shredded_keys_by_person ON shredded_keys(person_id);

-- Persons whose key was destroyed before the shred list existed: every person id ever given out
-- (ids are AUTOINCREMENT, never reused, and each person got a key when inserted) that has no key.
INSERT OR IGNORE INTO shredded_keys(key_id, person_id, company_id, whole, shredded_at)
    WITH RECURSIVE ids(id) AS (
        SELECT 1 WHERE (SELECT seq FROM sqlite_sequence WHERE name = 'persons') >= 1
        UNION ALL
        SELECT id + 1 FROM ids WHERE id < (SELECT seq FROM sqlite_sequence WHERE name = 'persons')
    )
    SELECT 'legacy-' || ids.id, ids.id, COALESCE(p.company_id, 0), 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM ids LEFT JOIN persons p ON p.id = ids.id
    WHERE ids.id NOT IN (SELECT person_id FROM main.person_keys);

INSERT OR IGNORE INTO keys.shredded_keys(key_id, person_id, company_id, whole, shredded_at)
    SELECT key_id, person_id, company_id, whole, shredded_at FROM main.shredded_keys;

-- Move the keys, each with a new key id: 32 letters a-p (hex with the digits written g-p, as
-- app/vault writes them; never a run of digits). A key already in the key store wins (it is the newer one: this runs again when
-- a backup made before 0005 is restored), and no key of a person on the shred list moves.
INSERT OR IGNORE INTO keys.person_keys(person_id, company_id, key_id, wrapped, created_at)
    SELECT person_id, company_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(hex(randomblob(16))), '0', 'g'), '1', 'h'), '2', 'i'), '3', 'j'), '4', 'k'), '5', 'l'), '6', 'm'), '7', 'n'), '8', 'o'), '9', 'p'), wrapped, created_at FROM main.person_keys
    WHERE person_id NOT IN (SELECT person_id FROM keys.shredded_keys WHERE whole = 1);

-- secure_delete is on: the dropped table's pages are overwritten with zeros.
DROP TABLE main.person_keys;

-- 4-1: the 事務取扱責任者's note on approving or rejecting a disposal (the reason for a
-- rejection). approved_by / approved_at hold the decision, approval or rejection.
ALTER TABLE disposals ADD COLUMN decision_note TEXT NOT NULL DEFAULT '';

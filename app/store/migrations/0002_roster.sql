-- 0002: 1-2 法人マイナンバー・従業員設定 — departments, employees, dependents, their numbers and the
-- column-mapping presets of the CSV import. Owned by app/roster (and app/roster/csvimport).
-- No column holds a My Number in clear: person_numbers.ciphertext is sealed by app/vault under the
-- person's own key, and blind_index is an HMAC under the company's index key.

-- Departments of a client company, as a tree (parent_id NULL at the top). app/roster refuses cycles.
CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    parent_id  INTEGER REFERENCES departments(id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (company_id, code)
);
CREATE INDEX departments_by_parent ON departments(parent_id);

-- Employees and their dependents (扶養家族). Ids are AUTOINCREMENT so that they are never reused:
-- each person has a key in person_keys (made when the person is created), and a disposed person's
-- key is destroyed (crypto-shredding); a reused id would make old ciphertext look merely corrupt.
-- Dates are ISO YYYY-MM-DD or ''. sex is 'male', 'female' or '' (not given).
CREATE TABLE persons (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id    INTEGER NOT NULL REFERENCES companies(id),
    kind          TEXT NOT NULL CHECK (kind IN ('employee', 'dependent')),
    employee_id   INTEGER REFERENCES persons(id),  -- the employee a dependent belongs to
    employee_code TEXT,                            -- 従業員コード, employees only
    name          TEXT NOT NULL,
    name_kana     TEXT NOT NULL DEFAULT '',
    birth_date    TEXT NOT NULL DEFAULT '',
    sex           TEXT NOT NULL DEFAULT '' CHECK (sex IN ('', 'male', 'female')),
    relation      TEXT NOT NULL DEFAULT '',        -- 続柄, dependents only
    department_id INTEGER REFERENCES departments(id),
    hired_on      TEXT NOT NULL DEFAULT '',
    left_on       TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((kind = 'employee' AND employee_id IS NULL AND employee_code IS NOT NULL)
        OR (kind = 'dependent' AND employee_id IS NOT NULL AND employee_code IS NULL))
);
CREATE UNIQUE INDEX persons_employee_code ON persons(company_id, employee_code) WHERE kind = 'employee';
CREATE INDEX persons_by_employee ON persons(employee_id) WHERE employee_id IS NOT NULL;
CREATE INDEX persons_by_department ON persons(department_id) WHERE department_id IS NOT NULL;

-- A person's Individual Number: AES-256-GCM under the PERSON key with AAD
-- (person_numbers, person_id, number). blind_index = HMAC(company index key, 12 digits), for
-- duplicate detection only, never as an identifier or lookup key for a person.
CREATE TABLE person_numbers (
    person_id     INTEGER PRIMARY KEY REFERENCES persons(id),
    company_id    INTEGER NOT NULL REFERENCES companies(id),
    ciphertext    BLOB NOT NULL,
    blind_index   BLOB NOT NULL,
    registered_at TEXT NOT NULL,
    registered_by INTEGER NOT NULL DEFAULT 0    -- users.id; 0 when no user is known
);
CREATE INDEX person_numbers_by_index ON person_numbers(company_id, blind_index);

-- Saved column mappings of the employee CSV import (one per payroll / HR system).
CREATE TABLE import_presets (
    id         INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name       TEXT NOT NULL,
    mapping    TEXT NOT NULL,                    -- JSON, see csvimport.Mapping
    updated_at TEXT NOT NULL,
    UNIQUE (company_id, name)
);

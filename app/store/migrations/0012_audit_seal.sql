-- 0012: history entries written while a session holds the root key carry a seal,
-- HMAC-SHA256 of the entry's chain MAC under a key derived from the root key (app/audit,
-- "Seals"). NULL for entries written with no session (failed logins, a locked screen) and for
-- every entry written before this version.
ALTER TABLE audit_log ADD COLUMN seal BLOB;

-- 0016: each member's history of a shared company as a chain (app/share history.go). The
-- sender links the history facts it sends into a hash chain per company (shares.history_head,
-- the value after the last fact it sent) and authenticates the chain's head to each member by
-- a MAC under the two installations' static ECDH secret. The receiver keeps, per fact, the
-- chain value before it and after it, and per member the newest head and whether its MAC
-- checked (history_auth), and counts the batches whose chain did not continue or recompute
-- (history_bad). 2-1's verification recomputes every member's chain over the stored facts.
ALTER TABLE shares ADD COLUMN history_head BLOB;
ALTER TABLE share_members ADD COLUMN history_head BLOB;
ALTER TABLE share_members ADD COLUMN history_auth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE share_members ADD COLUMN history_bad INTEGER NOT NULL DEFAULT 0;
ALTER TABLE share_peer_audit ADD COLUMN prev BLOB;
ALTER TABLE share_peer_audit ADD COLUMN chain BLOB;
ALTER TABLE share_peer_audit ADD COLUMN sent_target TEXT NOT NULL DEFAULT '';

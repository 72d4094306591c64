-- 0011: a shared company is shared with a group of installations, not one peer (app/share).
-- share_members lists the other members whose records this side has applied or offered the
-- company to, each with the newest envelope sequence imported from it (each member's sender
-- numbers its envelopes by its own clock, so one number for the whole group would drop the
-- envelopes of a member whose clock is behind). shares keeps its peer_* columns: the member
-- that offered the company to this side, or the first one this side offered it to.
CREATE TABLE share_members (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    office     TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    peer_seq   INTEGER NOT NULL DEFAULT 0,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (company_id, office)
);
INSERT INTO share_members(company_id, office, name, peer_seq, added_at)
    SELECT company_id, peer_office, peer_name, peer_seq, created_at FROM shares;

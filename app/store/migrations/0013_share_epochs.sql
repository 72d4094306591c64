-- 0013: removing a member of a shared company (app/share, "Removing a member"). The remaining
-- members move to a new key epoch: a fresh key that the removed member never receives. Epoch ""
-- is the company key itself (every share began there); a later epoch is named "e<N>-<8 hex>".

-- The key of every later epoch this side holds, wrapped under the root key (vault
-- share_keys/<company>/<epoch>). Earlier epochs stay: a member that has not yet seen the
-- rotation still sends under the epoch before it.
CREATE TABLE share_keys (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    epoch      TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (company_id, epoch)
);

-- epoch: the epoch this side sends under (the newest it holds). base_epoch: the epoch whose key
-- is this side's company key ("" for members from before any removal; a member that joined
-- later received the epoch's key as its company key). resend: every record is sent again
-- under the current epoch at the next sync (after a rotation, so that a member joining later
-- reads the whole company from the new epoch).
ALTER TABLE shares ADD COLUMN epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE shares ADD COLUMN base_epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE shares ADD COLUMN resend INTEGER NOT NULL DEFAULT 0;

-- A member's installation key as the member itself stated it inside a batch sealed under the
-- company's key (the relay cannot forge that), or as its administrator confirmed it by
-- fingerprint; a rotation wraps the new epoch's key to it.
ALTER TABLE share_members ADD COLUMN public_key BLOB;
-- removed_at: when the member was removed ('' for a member): its envelopes are not imported
-- any more, and offering the company to it again makes it a member again.
ALTER TABLE share_members ADD COLUMN removed_at TEXT NOT NULL DEFAULT '';
UPDATE share_members SET public_key = (SELECT s.peer_key FROM shares s
    WHERE s.company_id = share_members.company_id AND s.peer_office = share_members.office);

-- rekey_from: a rotation made here whose key has not reached the relay yet; the epoch the
-- members hold, under which it is to be sent (NULL: none pending).
ALTER TABLE shares ADD COLUMN rekey_from TEXT;

-- 0013: key epochs of a shared company (app/share, "Key epochs"): members share the key of the
-- current epoch, and move to a new one when a member is removed or a shared number destroyed.
-- Epoch "" is the company key itself (shares made before this version); a share made now begins
-- at "e1-<8 hex>", and later epochs are "e<N>-<8 hex>".

-- The key of every later epoch this side holds, wrapped under the root key (vault
-- share_keys/<company>/<epoch>). Once a rotation is sent, the keys before it are destroyed.
CREATE TABLE share_keys (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    epoch      TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (company_id, epoch)
);

-- epoch: the epoch this side sends under (the newest it holds). base_epoch: the epoch whose key
-- is this side's company key ("" for shares made before this version; "none" for a share made
-- now, whose company key is never shared). resend: every record is sent again under the current
-- epoch at the next sync (after a rotation, so that a member joining later reads the whole
-- company from the new epoch).
ALTER TABLE shares ADD COLUMN epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE shares ADD COLUMN base_epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE shares ADD COLUMN resend INTEGER NOT NULL DEFAULT 0;

-- A member's installation key as the member itself stated it inside a batch sealed under an
-- epoch's key (the relay cannot forge that), or as its administrator confirmed it by
-- fingerprint; a rotation wraps the new epoch's key to it.
ALTER TABLE share_members ADD COLUMN public_key BLOB;
-- removed_at: when the member was removed ('' for a member): its envelopes are not imported
-- any more, and offering the company to it again makes it a member again.
ALTER TABLE share_members ADD COLUMN removed_at TEXT NOT NULL DEFAULT '';
UPDATE share_members SET public_key = (SELECT s.peer_key FROM shares s
    WHERE s.company_id = share_members.company_id AND s.peer_office = share_members.office);

-- rekey_from: set while a rotation made here (or received here and to be passed on to members
-- it missed) has not reached the relay yet; it holds the epoch before it (NULL: none pending).
ALTER TABLE shares ADD COLUMN rekey_from TEXT;

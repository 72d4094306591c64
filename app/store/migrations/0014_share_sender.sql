-- 0014: the relay signing key (envelope sender key id) each share member's envelopes came from
-- first (app/share fromMember): a batch that names a member as its origin but is signed by
-- another office's key is not imported, so one member cannot write records or history entries
-- that read as another's.
ALTER TABLE share_members ADD COLUMN sender_key BLOB;

-- A company's newest history entry, at once: app/share's automatic sync skips the export of a
-- shared company with no entry since the last one it sent (every change of a company's data is
-- in its history).
CREATE INDEX audit_by_company_id ON audit_log(company_id, id);

-- left: the relay told this side it is no longer a member of the share (removed by another
-- member). An offer of the same company made afterwards is listed again, and accepting it takes
-- this side back into the share with its company as it is.
ALTER TABLE shares ADD COLUMN left_share INTEGER NOT NULL DEFAULT 0;

-- readded_at: when a removed member was offered the company again (its removal undone). A
-- rotation carries it, so that the other members count it a member again unless they removed it
-- after that.
ALTER TABLE share_members ADD COLUMN readded_at TEXT NOT NULL DEFAULT '';

-- 0014: the relay signing key (envelope sender key id) each share member's envelopes came from
-- first (app/share fromMember): a batch that names a member as its origin but is signed by
-- another office's key is not imported, so one member cannot write records or history entries
-- that read as another's.
ALTER TABLE share_members ADD COLUMN sender_key BLOB;

-- 0018: the records of a pending rotation that destroyed shared numbers (app/share epochs.go):
-- the deleted numbers and disposals that made it, as JSON, sent with the rotation sealed under
-- the new epoch's key, so that a member applies them before it sends anything under that epoch
-- even when the relay lists the rotation before the batch that carried them.
ALTER TABLE shares ADD COLUMN rekey_shreds BLOB;

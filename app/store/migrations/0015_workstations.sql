-- 0015: the other workstations (PCs) of this office (app/share workstation.go). A workstation is
-- an installation with its own vault and relay identity; being one of the office's means that
-- every company of each is shared with the other through the share engine, automatically.
-- office: its relay office id; public_key: its installation key, confirmed by the pair code
-- both screens showed (typed in on this side); how: 'joined' (this PC joined the office
-- through it), 'approved' (an administrator here approved it) or 'via' (another workstation of
-- the office told this side of it). reveal / download / dispose: the rights an administrator
-- last set for it (the workstation itself enforces them, terminal_rights), rights_at when.
-- list_sent: the digest of this side's list of workstations that last went out to it.
CREATE TABLE workstations (
    office      TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    public_key  BLOB NOT NULL,
    how         TEXT NOT NULL CHECK (how IN ('joined', 'approved', 'via')),
    reveal      INTEGER NOT NULL DEFAULT 0,
    download    INTEGER NOT NULL DEFAULT 0,
    dispose     INTEGER NOT NULL DEFAULT 0,
    rights_at   TEXT NOT NULL DEFAULT '',
    list_sent   TEXT NOT NULL DEFAULT '',
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    removed_by  TEXT NOT NULL DEFAULT '',
    removed_at  TEXT NOT NULL DEFAULT ''
);

-- 0017: this workstation's rights (app/terminal, the PPC guideline's 取扱端末の限定): whether
-- My Numbers may be revealed, downloaded (持出し) and disposed of on this PC. One row at most;
-- no row means everything is allowed (a single installation, or the first workstation of an
-- office). set_by names who set them (an office / workstation id or a login), set_at when (UTC).
CREATE TABLE terminal_rights (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	reveal   INTEGER NOT NULL CHECK (reveal IN (0, 1)),
	download INTEGER NOT NULL CHECK (download IN (0, 1)),
	dispose  INTEGER NOT NULL CHECK (dispose IN (0, 1)),
	set_by   TEXT NOT NULL CHECK (set_by <> ''),
	set_at   TEXT NOT NULL
);

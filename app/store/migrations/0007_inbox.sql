-- 0007: the folder inbox key of this vault (1-3 STEP2 「フォルダから取り込み」). shelter-bridge seals
-- every page a scanner drops into the hot folder to public_key (internal/sealbox), so the folder
-- keeps working while the app is closed; the app opens the boxes with the private key, which is
-- kept here only sealed (AES-256-GCM, bound to the vault id and the public key; see
-- app/ui/inbox.go for the key it is sealed under). One row per vault.
CREATE TABLE inbox_keys (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    public_key  BLOB NOT NULL,
    sealed_key  BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

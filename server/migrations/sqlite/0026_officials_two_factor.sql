-- 26: officials' second factor (TOTP, RFC 6238) and their recovery codes;
-- sessions get a stage (a sign-in half done grants nothing), what the
-- sessions page lists, and an id to revoke one by. Sessions made before
-- stay signed in (stage full) until they expire, at most 12 h, with a
-- random id each and nothing else to list.

CREATE TABLE official_totp (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    -- AES-256-GCM under the server's two-factor key (auth::factor_key).
    secret TEXT NOT NULL,
    -- NULL while enrolment waits for its first code.
    confirmed_at TEXT,
    -- The last TOTP step accepted: no code of it or before again (RFC 6238 §5.2).
    last_step INTEGER
);

CREATE TABLE official_recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- HMAC-SHA256 under the server's two-factor key, hex.
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);

ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
ALTER TABLE sessions ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
UPDATE sessions SET public_id = lower(hex(randomblob(8)));

-- 26: officials' second factor (TOTP, RFC 6238) and their recovery codes;
-- sessions get a stage (a sign-in half done grants nothing), what the
-- sessions page lists, and an id to revoke one by. Sessions made before
-- have none of that: they end here, as migration 9 ended them, and
-- everyone signs in again.

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

DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
ALTER TABLE sessions ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;

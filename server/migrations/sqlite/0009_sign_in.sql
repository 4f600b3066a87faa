-- 9: sign-in counted per login and client address; sessions get a kind.
-- Shipped: never edit; append a new file.

    -- The old per-login counter let anyone lock any official out.
    DROP TABLE IF EXISTS login_failures;
    -- Wrong passwords for one login from one client address (IPv6 by /64).
    CREATE TABLE login_failures_by_address (
        login TEXT NOT NULL,
        address TEXT NOT NULL,
        failures INTEGER NOT NULL,
        locked_until TEXT,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (login, address)
    );
    CREATE INDEX login_failures_by_address_expiry ON login_failures_by_address(expires_at);
    -- Wrong passwords from one client address, any logins.
    CREATE TABLE login_address_failures (
        address TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX login_address_failures_expiry ON login_address_failures(expires_at);
    -- Wrong passwords for one login from any address, and the next free
    -- slot while its attempts are spaced out.
    CREATE TABLE login_account_failures (
        login TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        next_attempt_at TEXT,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX login_account_failures_expiry ON login_account_failures(expires_at);
    -- Addresses an account signed in from (never spaced out).
    CREATE TABLE login_trusted_addresses (
        login TEXT NOT NULL,
        address TEXT NOT NULL,
        last_success_at TEXT NOT NULL,
        PRIMARY KEY (login, address)
    );
    CREATE INDEX login_trusted_addresses_age ON login_trusted_addresses(last_success_at);
    -- An API token is not a back-office cookie. Sessions from before had no
    -- kind: they end, and officials sign in once more.
    DELETE FROM sessions;
    ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'api';
    CREATE INDEX sessions_user ON sessions(user_id);

-- 8: photos stored raw queued for cleaning, devices' last-seen time,
-- plaintext device tokens out of `idempotency` (security review 5, 7, 8).
-- Shipped: never edit; append a new file.

    -- Photos stored before uploads were cleaned, still carrying whatever
    -- metadata the client left in them: `maintenance` re-processes each
    -- before the server serves again.
    CREATE TABLE photos_raw (id TEXT PRIMARY KEY) WITHOUT ROWID;
    INSERT INTO photos_raw (id) SELECT id FROM photos;
    CREATE INDEX photos_created ON photos(created_at);

    -- When a device last used its token (to the day), so devices unseen
    -- for years can be collected.
    ALTER TABLE devices ADD COLUMN last_seen_at TEXT;
    UPDATE devices SET last_seen_at = created_at;
    CREATE INDEX devices_last_seen ON devices(last_seen_at);

    -- Registration answers stored device tokens in clear; tokens are now
    -- derived from a key outside the database, and registration keys are
    -- scoped by client address, so these rows can never be replayed.
    DELETE FROM idempotency WHERE scope = 'devices';
    CREATE INDEX idempotency_created ON idempotency(created_at);

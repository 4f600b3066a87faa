-- 1: officials, devices, idempotency, content, the publication log, audit.
-- Shipped: never edit; append a new file.

    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        login TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );

    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        platform TEXT NOT NULL,
        app_version TEXT NOT NULL,
        locale TEXT,
        os_version TEXT,
        push_token TEXT,
        created_at TEXT NOT NULL
    );

    -- Shared by every write that honours Idempotency-Key (docs/DESIGN.md).
    CREATE TABLE idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        response TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (scope, key)
    );

    CREATE TABLE gmina (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE localities (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE event_categories (
        id TEXT PRIMARY KEY,
        name_pl TEXT NOT NULL,
        name_en TEXT NOT NULL
    );
    CREATE TABLE news (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        priority TEXT NOT NULL,
        published_at TEXT NOT NULL,
        expires_at TEXT,
        updated_at TEXT NOT NULL
    );
    -- The whole event as JSON, plus the columns queries filter on.
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        category TEXT REFERENCES event_categories(id),
        starts_at TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX events_category ON events(category);

    -- The sync publication log: latest state of every public entity under
    -- one global seq; body NULL is a tombstone.
    CREATE TABLE public_items (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL UNIQUE,
        body TEXT,
        PRIMARY KEY (collection, id)
    );

    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT,
        details TEXT NOT NULL
    );
    
-- 2: residents' reports (zgłoszenia), their categories, photos, followers.
-- Shipped: never edit; append a new file.

    -- Open311 services. The whole category as JSON, in display order.
    CREATE TABLE report_categories (
        id TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    -- Content-addressed photos (id = SHA-256 hex); the bytes live in
    -- DATA_DIR/photos/ab/<id>.jpg|png.
    CREATE TABLE photos (
        id TEXT PRIMARY KEY,
        content_type TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    -- `data` is the public Report JSON (no personal data); `private` holds
    -- the contact and location details only officials see.
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        category TEXT NOT NULL REFERENCES report_categories(id),
        status TEXT NOT NULL,
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        device_id TEXT REFERENCES devices(id),
        duplicate_of INTEGER REFERENCES reports(id),
        private TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX reports_status ON reports(status);
    CREATE INDEX reports_category ON reports(category);
    CREATE INDEX reports_created ON reports(created_at);
    CREATE INDEX reports_lat_lon ON reports(lat, lon);
    CREATE INDEX reports_device ON reports(device_id);
    CREATE TABLE report_followers (
        report_id INTEGER NOT NULL REFERENCES reports(id),
        device_id TEXT NOT NULL REFERENCES devices(id),
        since TEXT NOT NULL,
        PRIMARY KEY (report_id, device_id)
    ) WITHOUT ROWID;
    CREATE INDEX report_followers_device ON report_followers(device_id);
    -- Officials' internal notes (never public).
    CREATE TABLE report_notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id INTEGER NOT NULL REFERENCES reports(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        status TEXT,
        note TEXT NOT NULL
    );
    CREATE INDEX report_notes_report ON report_notes(report_id);

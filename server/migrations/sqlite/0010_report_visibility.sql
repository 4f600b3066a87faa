-- 10: what the public may see of a report, its photos, the decisions
-- (security review, finding 15).
-- Shipped: never edit; append a new file.

    ALTER TABLE reports ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
    CREATE TABLE report_photos (
        report_id INTEGER NOT NULL REFERENCES reports(id),
        photo_id TEXT NOT NULL,
        PRIMARY KEY (report_id, photo_id)
    ) WITHOUT ROWID;
    CREATE INDEX report_photos_photo ON report_photos(photo_id);
    INSERT OR IGNORE INTO report_photos (report_id, photo_id)
        SELECT r.id, json_extract(p.value, '$.id') FROM reports r, json_each(r.data, '$.photos') p;
    CREATE TABLE report_visibility_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id INTEGER NOT NULL REFERENCES reports(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        visibility TEXT NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE INDEX report_visibility_log_report ON report_visibility_log(report_id);

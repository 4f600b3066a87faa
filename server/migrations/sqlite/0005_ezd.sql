-- 5: the EZD bridge: its outbox, registrations, JRWA class per category.
-- Shipped: never edit; append a new file.

    CREATE TABLE ezd_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id INTEGER NOT NULL REFERENCES reports(id),
        -- 'register' (RPW entry) or 'case' (sprawa on acceptance)
        kind TEXT NOT NULL,
        -- 'pending', 'done' or 'dead' (dead letter: needs an official)
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (report_id, kind)
    );
    CREATE INDEX ezd_outbox_due ON ezd_outbox(state, next_attempt_at);
    CREATE TABLE ezd_registrations (
        report_id INTEGER PRIMARY KEY REFERENCES reports(id),
        -- Our idempotency reference, searched for before creating anything.
        reference TEXT NOT NULL UNIQUE,
        rpw_number TEXT,
        document_id TEXT,
        case_id TEXT,
        -- znak sprawy, e.g. GKM.7021.15.2026
        case_reference TEXT,
        case_state TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX ezd_registrations_open_cases ON ezd_registrations(case_state);
    CREATE TABLE ezd_category_classes (
        category TEXT PRIMARY KEY REFERENCES report_categories(id),
        jrwa TEXT NOT NULL,
        archival_category TEXT NOT NULL DEFAULT 'B5'
    );
    INSERT OR IGNORE INTO settings (key, value) VALUES ('ezd_default_jrwa', '7021');

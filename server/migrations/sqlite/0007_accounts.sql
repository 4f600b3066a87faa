-- 7: disabled accounts, a report's personal assignee (back office).
-- Shipped: never edit; append a new file.

    -- Set while an account is disabled (it cannot sign in).
    ALTER TABLE users ADD COLUMN disabled_at TEXT;
    -- The person handling a report (internal, never public).
    ALTER TABLE reports ADD COLUMN assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
    CREATE INDEX reports_assignee ON reports(assignee_id);

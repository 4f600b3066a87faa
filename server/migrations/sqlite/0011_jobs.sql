-- 11: one persisted job queue for every outside system, taking over the
-- EZD outbox's rows (nothing lost: pending, done and dead rows keep their
-- ids, attempts, times and last errors).
-- Shipped: never edit; append a new file.

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- e.g. 'ezd.register' (crate::jobs::JobKind)
    kind TEXT NOT NULL,
    -- the job itself, as JSON
    payload TEXT NOT NULL,
    -- 'pending', 'done' or 'dead' (dead letter: needs an official)
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    -- at most one job ever per key ('ezd.register:12')
    dedupe_key TEXT UNIQUE,
    -- the dedupe key of a job that must be done first
    waits_for TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs(state, next_attempt_at);

INSERT INTO jobs (id, kind, payload, state, attempts, next_attempt_at, last_error, dedupe_key, waits_for, created_at, updated_at)
SELECT id,
       CASE kind WHEN 'register' THEN 'ezd.register' ELSE 'ezd.open_case' END,
       json_object('report_id', report_id),
       state, attempts, next_attempt_at, last_error,
       CASE kind WHEN 'register' THEN 'ezd.register:' ELSE 'ezd.open_case:' END || report_id,
       CASE kind WHEN 'register' THEN NULL ELSE 'ezd.register:' || report_id END,
       created_at, updated_at
FROM ezd_outbox ORDER BY id;

DROP TABLE ezd_outbox;

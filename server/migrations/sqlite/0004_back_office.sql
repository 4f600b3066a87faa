-- 4: the back office: departments, report assignment, login lock-out.
-- Shipped: never edit; append a new file.

    CREATE TABLE departments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    -- A `department` official belongs to one department.
    ALTER TABLE users ADD COLUMN department_id INTEGER REFERENCES departments(id);
    -- Which department handles a report (internal, never public).
    ALTER TABLE reports ADD COLUMN department_id INTEGER REFERENCES departments(id);
    CREATE INDEX reports_department ON reports(department_id);
    -- Wrong passwords in a row per login (known or not, so the answer does
    -- not tell which logins exist). Replaced by migration 8.
    CREATE TABLE login_failures (
        login TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        locked_until TEXT
    );

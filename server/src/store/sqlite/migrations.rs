//! Schema upgrades as a numbered list; `PRAGMA user_version` records how
//! many have run. Never edit a shipped migration: append a new one.

use rusqlite::{Connection, Transaction};

use crate::store::StoreResult;

/// One schema step: SQL, or Rust for steps that must also publish to the
/// sync log (which needs the wire JSON).
enum Step {
    Sql(&'static str),
    Code(fn(&Transaction) -> StoreResult<()>),
}

const MIGRATIONS: &[Step] = &[
    Step::Sql(
    // 1: officials, devices, idempotency, content, the publication log, audit.
    r#"
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
    "#,
    ),
    // 2: residents' reports (zgłoszenia), their categories, photos, followers.
    Step::Sql(super::reports::SCHEMA),
    // 3: the default report categories every gmina starts with.
    Step::Code(super::reports::seed_default_categories),
    // 4: the back office: departments, report assignment, login lock-out.
    Step::Sql(super::admin::SCHEMA),
    // 5: the EZD bridge: its outbox, registrations, JRWA class per category.
    Step::Sql(crate::ezd::outbox::SCHEMA),
    // 6: the map's places (infrastructure, attractions, monuments, bike paths).
    Step::Sql(super::places::SCHEMA),
    // 7: disabled accounts, a report's personal assignee (back office).
    Step::Sql(super::backoffice::SCHEMA),
    // 8: photos stored raw queued for cleaning, devices' last-seen time,
    // plaintext device tokens out of `idempotency` (security review 5, 7, 8).
    Step::Sql(super::maintenance::SCHEMA),
    // 9: sign-in counted per login and client address; sessions get a kind.
    Step::Sql(super::auth::SCHEMA),
    // 10: what the public may see of a report, its photos, the decisions.
    Step::Sql(super::reports::VISIBILITY_SCHEMA),
];

pub fn run(conn: &mut Connection) -> StoreResult<()> {
    run_until(conn, MIGRATIONS.len())
}

/// Runs the migrations up to `version` only: tests build a database as an
/// older server left it, then open it with this one.
pub fn run_until(conn: &mut Connection, version: usize) -> StoreResult<()> {
    let done: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, step) in MIGRATIONS.iter().enumerate().take(version).skip(done as usize) {
        let tx = conn.transaction()?;
        match step {
            Step::Sql(sql) => tx.execute_batch(sql)?,
            Step::Code(f) => f(&tx)?,
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "database migrated");
    }
    Ok(())
}

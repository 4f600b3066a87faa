//! Schema versions, kept in `PRAGMA user_version`. Each entry of
//! [`MIGRATIONS`] upgrades from its index to the next version; never edit
//! one that has shipped, append a new one.
//!
//! Times in indexed columns are Unix seconds (UTC); entities are kept
//! whole as their wire JSON in `body`, with the columns queries need
//! beside it.

use rusqlite::Connection;

use crate::error::CoreError;

const MIGRATIONS: &[&str] = &[
    // 1: first schema.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE gmina (id TEXT PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE localities (id INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);

    CREATE TABLE news (
        id INTEGER PRIMARY KEY,
        priority INTEGER NOT NULL,          -- 0 normal, 1 important, 2 alert
        published_at INTEGER NOT NULL,
        expires_at INTEGER,
        body TEXT NOT NULL
    );
    CREATE INDEX news_by_rank ON news (priority DESC, published_at DESC);

    CREATE TABLE event_categories (id TEXT PRIMARY KEY, name_pl TEXT NOT NULL, body TEXT NOT NULL);

    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        category TEXT,
        place_name TEXT,
        all_day INTEGER NOT NULL,
        cancelled INTEGER NOT NULL,
        recurring INTEGER NOT NULL,
        body TEXT NOT NULL
    );

    -- Materialised occurrences: calendar screens read ranges of this with
    -- the index instead of expanding RRULEs on every query.
    CREATE TABLE event_occurrences (
        event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        PRIMARY KEY (event_id, starts_at)
    ) WITHOUT ROWID;
    CREATE INDEX event_occurrences_by_start ON event_occurrences (starts_at, ends_at, event_id);

    CREATE TABLE device (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        device_id TEXT NOT NULL,
        token TEXT NOT NULL,
        registered_at INTEGER NOT NULL
    );

    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'failed')),
        created_at INTEGER NOT NULL
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

    CREATE TABLE notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        read INTEGER NOT NULL DEFAULT 0,
        entity_id TEXT,
        UNIQUE (kind, entity_id)
    );

    -- Folded text (see search::fold), so the tokenizer needs no diacritic rules.
    CREATE VIRTUAL TABLE search_index USING fts5 (
        kind UNINDEXED, entity_id UNINDEXED, title, body,
        tokenize = 'unicode61'
    );
    "#,
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection) -> Result<(), CoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        // A newer build wrote this file and the app was downgraded.
        return Err(CoreError::Storage {
            detail: format!("store schema {current} is newer than this build's {SCHEMA_VERSION}"),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "store migrated");
    }
    Ok(())
}

//! The budget's tables (schema version 5). Editions, projects and results
//! are kept whole as their wire JSON; a fetch replaces what it lists. The
//! draft and the cast hold choices only: never the voter's identity.

use chrono::{DateTime, Utc};
use mm_protocol::budget::model::{BallotReceipt, Edition, PoolChoice, Project};
use mm_protocol::budget::wire::EditionResults;
use mm_protocol::error::Message;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::model::CastState;
use crate::error::Error;
use crate::store::{Store, from_ts, ts};

/// The server's refusal of a cast, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredError {
    pub code: String,
    pub message: Message,
    #[serde(default)]
    pub field: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LocalCast {
    pub edition: i64,
    pub state: CastState,
    pub idempotency_key: String,
    pub outbox_id: Option<i64>,
    pub pools: Vec<PoolChoice>,
    pub receipt: Option<BallotReceipt>,
    pub error: Option<StoredError>,
    pub created_at: DateTime<Utc>,
}

// ---- what was fetched ----

fn touch(tx: &Transaction<'_>, what: &str, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO budget_fetches (what, fetched_at) VALUES (?1, ?2)
         ON CONFLICT (what) DO UPDATE SET fetched_at = excluded.fetched_at",
        params![what, ts(now)],
    )?;
    Ok(())
}

pub fn fetched_at(c: &Connection, what: &str) -> Result<Option<DateTime<Utc>>, Error> {
    Ok(c.query_row("SELECT fetched_at FROM budget_fetches WHERE what = ?1", [what], |r| r.get::<_, i64>(0))
        .optional()?
        .map(from_ts))
}

/// Replaces the editions with the server's list (an edition it no longer
/// lists goes, with its projects and results; drafts and casts stay).
pub fn save_editions(tx: &Transaction<'_>, editions: &[Edition], now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute("DELETE FROM budget_editions", [])?;
    for e in editions {
        tx.execute(
            "INSERT INTO budget_editions (id, year, body) VALUES (?1, ?2, ?3)",
            params![e.id, e.year, serde_json::to_string(e)?],
        )?;
    }
    tx.execute("DELETE FROM budget_projects WHERE edition NOT IN (SELECT id FROM budget_editions)", [])?;
    tx.execute("DELETE FROM budget_results WHERE edition NOT IN (SELECT id FROM budget_editions)", [])?;
    touch(tx, "editions", now)
}

/// Newest first.
pub fn editions(c: &Connection) -> Result<Vec<Edition>, Error> {
    let mut stmt = c.prepare_cached("SELECT body FROM budget_editions ORDER BY year DESC, id DESC")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body?)?);
    }
    Ok(out)
}

pub fn edition(c: &Connection, id: i64) -> Result<Option<Edition>, Error> {
    let body: Option<String> =
        c.query_row("SELECT body FROM budget_editions WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

/// Replaces an edition's projects with the server's list.
pub fn save_projects(tx: &Transaction<'_>, edition: i64, projects: &[Project], now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute("DELETE FROM budget_projects WHERE edition = ?1", [edition])?;
    for p in projects.iter().filter(|p| p.edition == edition) {
        tx.execute(
            "INSERT OR REPLACE INTO budget_projects (id, edition, pool, body) VALUES (?1, ?2, ?3, ?4)",
            params![p.id, p.edition, p.pool, serde_json::to_string(p)?],
        )?;
    }
    touch(tx, &format!("projects:{edition}"), now)
}

/// By pool, then ballot number, then id.
pub fn projects(c: &Connection, edition: i64) -> Result<Vec<Project>, Error> {
    let mut stmt = c.prepare_cached("SELECT body FROM budget_projects WHERE edition = ?1")?;
    let rows = stmt.query_map([edition], |r| r.get::<_, String>(0))?;
    let mut out: Vec<Project> = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body?)?);
    }
    out.sort_by_key(|p| (p.pool, p.number.unwrap_or(u32::MAX), p.id));
    Ok(out)
}

pub fn project(c: &Connection, id: i64) -> Result<Option<Project>, Error> {
    let body: Option<String> =
        c.query_row("SELECT body FROM budget_projects WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

pub fn save_results(tx: &Transaction<'_>, results: &EditionResults, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT OR REPLACE INTO budget_results (edition, body) VALUES (?1, ?2)",
        params![results.edition, serde_json::to_string(results)?],
    )?;
    touch(tx, &format!("results:{}", results.edition), now)
}

pub fn results(c: &Connection, edition: i64) -> Result<Option<EditionResults>, Error> {
    let body: Option<String> =
        c.query_row("SELECT body FROM budget_results WHERE edition = ?1", [edition], |r| r.get(0)).optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

// ---- the draft ----

pub fn draft(c: &Connection, edition: i64) -> Result<Vec<PoolChoice>, Error> {
    let body: Option<String> =
        c.query_row("SELECT pools FROM budget_ballot_drafts WHERE edition = ?1", [edition], |r| r.get(0)).optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?.unwrap_or_default())
}

pub fn save_draft(tx: &Transaction<'_>, edition: i64, pools: &[PoolChoice], now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO budget_ballot_drafts (edition, pools, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (edition) DO UPDATE SET pools = excluded.pools, updated_at = excluded.updated_at",
        params![edition, serde_json::to_string(pools)?, ts(now)],
    )?;
    Ok(())
}

// ---- casts ----

pub fn cast(c: &Connection, edition: i64) -> Result<Option<LocalCast>, Error> {
    let row = c
        .query_row(
            "SELECT state, idempotency_key, outbox_id, pools, receipt, error, created_at
             FROM budget_casts WHERE edition = ?1",
            [edition],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((state, idempotency_key, outbox_id, pools, receipt, error, created_at)) = row else {
        return Ok(None);
    };
    Ok(Some(LocalCast {
        edition,
        state: CastState::parse(&state),
        idempotency_key,
        outbox_id,
        pools: serde_json::from_str(&pools)?,
        receipt: receipt.map(|r| serde_json::from_str(&r)).transpose()?,
        error: error.map(|e| serde_json::from_str(&e)).transpose()?,
        created_at: from_ts(created_at),
    }))
}

/// A new cast (`queued`), replacing a refused one.
pub fn insert_cast(tx: &Transaction<'_>, c: &LocalCast) -> Result<(), Error> {
    tx.execute(
        "INSERT OR REPLACE INTO budget_casts
            (edition, state, idempotency_key, outbox_id, pools, receipt, error, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL, NULL, ?6, ?6)",
        params![
            c.edition,
            c.state.as_str(),
            c.idempotency_key,
            c.outbox_id,
            serde_json::to_string(&c.pools)?,
            ts(c.created_at)
        ],
    )?;
    Ok(())
}

/// The server's 201: the receipt, and the choices as it counted them.
pub fn cast_done(tx: &Transaction<'_>, edition: i64, receipt: &BallotReceipt, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "UPDATE budget_casts SET state = 'cast', outbox_id = NULL, receipt = ?2, pools = ?3, error = NULL,
            updated_at = ?4 WHERE edition = ?1",
        params![edition, serde_json::to_string(receipt)?, serde_json::to_string(&receipt.pools)?, ts(now)],
    )?;
    Ok(())
}

pub fn cast_refused(tx: &Transaction<'_>, edition: i64, error: &StoredError, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "UPDATE budget_casts SET state = 'refused', outbox_id = NULL, error = ?2, updated_at = ?3 WHERE edition = ?1",
        params![edition, serde_json::to_string(error)?, ts(now)],
    )?;
    Ok(())
}

/// A retry that failed for now: the reason is shown beside `queued`.
pub fn cast_waiting(tx: &Transaction<'_>, edition: i64, error: &StoredError, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "UPDATE budget_casts SET error = ?2, updated_at = ?3 WHERE edition = ?1 AND state = 'queued'",
        params![edition, serde_json::to_string(error)?, ts(now)],
    )?;
    Ok(())
}

// ---- no identity left behind ----

/// Zeroes what this connection deletes or moves from now on (SQLite's
/// `secure_delete`, a per-connection setting): an outbox item holding a
/// voter's identity, once deleted or rewritten by a retry, leaves no copy
/// in the page's free space or the free list.
pub fn secure_delete(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

/// Truncates the WAL (`Store::checkpoint_truncate`): it still holds the
/// frames written while the identity was in the outbox. Best effort: a
/// busy reader makes it a partial checkpoint, and the next one finishes
/// the job.
pub fn scrub(store: &Store) {
    match store.checkpoint_truncate() {
        Ok(true) => {}
        Ok(false) => tracing::info!("budget: the WAL was only partly truncated after a ballot (a reader was busy)"),
        Err(e) => tracing::warn!(code = crate::error::CoreError::from(e).code(), "budget: the WAL could not be truncated after a ballot"),
    }
}

//! The job queue's table (`migrations/sqlite/0011_jobs.sql`). [`enqueue`]
//! takes the business write's transaction; the rest is the worker's and
//! the back office's.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::publish::audit;
use super::{SqliteStore, parse_ts, teryt, ts};
use crate::store::jobs::{DueJobs, JobFilter, JobRow, JobState, JobStore, NewJob};
use crate::store::{Actor, StoreError, StoreResult};

/// Enqueues `job` in the caller's transaction, due now; a job whose dedupe
/// key exists already (in any state) is not enqueued again. True when new.
/// The job is gmina `g`'s, and so are its dedupe key and the one it waits for.
pub(super) fn enqueue(tx: &Transaction<'_>, g: &str, job: &NewJob, now: DateTime<Utc>) -> StoreResult<bool> {
    enqueue_at(tx, g, job, now, now)
}

/// [`enqueue`], due at `due` (a notification sent at a set time).
pub(super) fn enqueue_at(tx: &Transaction<'_>, g: &str, job: &NewJob, now: DateTime<Utc>, due: DateTime<Utc>) -> StoreResult<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO jobs (gmina, kind, payload, dedupe_key, waits_for, next_attempt_at, created_at, updated_at)
             VALUES (?6, ?1, ?2, ?3, ?4, ?7, ?5, ?5) ON CONFLICT (gmina, dedupe_key) DO NOTHING",
        )?
        .execute(params![job.kind, job.payload, job.dedupe_key, job.waits_for, ts(now), g, ts(due)])?;
    Ok(n > 0)
}

const COLUMNS: &str =
    "id, kind, payload, state, attempts, next_attempt_at, last_error, dedupe_key, created_at, updated_at, gmina";

fn row(r: &Row<'_>) -> rusqlite::Result<JobRow> {
    let state: String = r.get(3)?;
    Ok(JobRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        payload: r.get(2)?,
        state: JobState::parse(&state).unwrap_or(JobState::Dead),
        attempts: r.get(4)?,
        next_attempt_at: parse_ts(&r.get::<_, String>(5)?)?,
        last_error: r.get(6)?,
        dedupe_key: r.get(7)?,
        created_at: parse_ts(&r.get::<_, String>(8)?)?,
        updated_at: parse_ts(&r.get::<_, String>(9)?)?,
        gmina: teryt(r.get(10)?)?,
    })
}

fn due(c: &Connection, kinds: &[&str], now: DateTime<Utc>, limit: u32) -> StoreResult<DueJobs> {
    if kinds.is_empty() {
        return Ok(DueJobs::default());
    }
    let marks = vec!["?"; kinds.len()].join(", ");
    let mut args: Vec<rusqlite::types::Value> = vec![ts(now).into()];
    args.extend(kinds.iter().map(|k| rusqlite::types::Value::from((*k).to_owned())));
    let sql = format!(
        "SELECT {COLUMNS} FROM jobs j WHERE state = 'pending' AND next_attempt_at <= ?1 AND kind IN ({marks})
           AND (waits_for IS NULL OR EXISTS (SELECT 1 FROM jobs d WHERE d.gmina = j.gmina AND d.dedupe_key = j.waits_for
                                                 AND d.state = 'done'))
         ORDER BY next_attempt_at, id LIMIT {limit}"
    );
    let jobs = c
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(args.iter()), row)?
        .collect::<Result<Vec<_>, _>>()?;
    let next: Option<String> = c
        .prepare_cached(&format!(
            "SELECT MIN(next_attempt_at) FROM jobs WHERE state = 'pending' AND next_attempt_at > ?1 AND kind IN ({marks})"
        ))?
        .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
    Ok(DueJobs { jobs, next_at: next.map(|t| parse_ts(&t)).transpose()? })
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn due_jobs(&self, kinds: Vec<&'static str>, now: DateTime<Utc>, limit: u32) -> StoreResult<DueJobs> {
        self.read(move |c| due(c, &kinds, now, limit)).await
    }

    async fn job_done(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        self.write(move |tx| {
            tx.prepare_cached(
                "UPDATE jobs SET state = 'done', last_error = NULL, updated_at = ?2 WHERE id = ?1 AND state = 'pending'",
            )?
            .execute(params![id, ts(now)])?;
            Ok(())
        })
        .await
    }

    async fn job_failed(
        &self,
        id: i64,
        error: String,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(move |tx| {
            let (state, next) = match retry_at {
                Some(t) => ("pending", ts(t)),
                None => ("dead", ts(now)),
            };
            tx.prepare_cached(
                "UPDATE jobs SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3,
                 last_error = ?4, updated_at = ?5 WHERE id = ?1 AND state = 'pending'",
            )?
            .execute(params![id, state, next, error, ts(now)])?;
            Ok(())
        })
        .await
    }

    async fn jobs(&self, filter: JobFilter) -> StoreResult<Vec<JobRow>> {
        let g = self.scope();
        self.read(move |c| {
            let sql = format!(
                "SELECT {COLUMNS} FROM jobs WHERE gmina = ?4 AND (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR kind = ?2)
                 ORDER BY id DESC LIMIT ?3"
            );
            let rows = c
                .prepare_cached(&sql)?
                .query_map(params![filter.state.map(JobState::as_str), filter.kind, filter.limit, g], row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn job(&self, id: i64) -> StoreResult<Option<JobRow>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1 AND gmina = ?2"))?
                .query_row(params![id, g], row)
                .optional()?)
        })
        .await
    }

    async fn job_counts(&self) -> StoreResult<Vec<(String, JobState, u64)>> {
        let g = self.scope();
        self.read(move |c| {
            let rows = c
                .prepare_cached(
                    "SELECT kind, state, COUNT(*) FROM jobs WHERE gmina = ?1 GROUP BY kind, state ORDER BY kind, state",
                )?
                .query_map([g], |r| {
                    let state: String = r.get(1)?;
                    Ok((r.get(0)?, JobState::parse(&state).unwrap_or(JobState::Dead), r.get::<_, i64>(2)? as u64))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn retry_job(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let kind: Option<String> = tx
                .query_row(
                    "SELECT kind FROM jobs WHERE id = ?1 AND gmina = ?2 AND state = 'dead'",
                    params![id, g],
                    |r| r.get(0),
                )
                .optional()?;
            let kind = kind.ok_or(StoreError::NotFound)?;
            tx.execute(
                "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1",
                params![id, ts(now)],
            )?;
            // Audited per outside system (`ezd.retry`), as the EZD page did.
            let system = kind.split('.').next().unwrap_or("job");
            audit(tx, &g, &actor, now, &format!("{system}.retry"), "job", Some(&id.to_string()), json!({"kind": kind}))?;
            Ok(())
        })
        .await?;
        self.shared.jobs_ready.notify_one();
        Ok(())
    }

    fn job_signal(&self) -> Arc<tokio::sync::Notify> {
        self.shared.jobs_ready.clone()
    }
}

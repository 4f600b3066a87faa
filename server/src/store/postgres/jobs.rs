//! The job queue's table, as `store/sqlite/jobs.rs`, claimed across
//! instances: `due_jobs` takes the due rows `FOR UPDATE SKIP LOCKED` and
//! moves their next attempt a lease ahead in the same statement, so two
//! instances asking at once get disjoint jobs, and a job whose instance
//! died runs again once its lease ran out (delivery stays at least once;
//! each kind makes its effect exactly once itself).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;
use tokio_postgres::Row;

use super::publish::audit;
use super::{PostgresStore, Tx, parse_time, teryt, ts, write_tx};
use crate::store::jobs::{DueJobs, JobFilter, JobRow, JobState, JobStore, NewJob};
use crate::store::{Actor, StoreError, StoreResult};

/// How long a claimed job is hidden from other instances while it runs,
/// unless `--job-lease-secs` says otherwise (`PostgresStore::with_job_lease`).
pub(super) const DEFAULT_LEASE: chrono::Duration = chrono::Duration::minutes(10);

/// Enqueues `job` in the caller's transaction, due now; a job whose dedupe
/// key exists already (in any state) is not enqueued again. True when new.
/// The job is gmina `g`'s, and so are its dedupe key and the one it waits for.
pub(super) async fn enqueue(tx: &Tx<'_>, g: &str, job: &NewJob, now: DateTime<Utc>) -> StoreResult<bool> {
    enqueue_at(tx, g, job, now, now).await
}

/// [`enqueue`], due at `due` (a notification sent at a set time).
pub(super) async fn enqueue_at(tx: &Tx<'_>, g: &str, job: &NewJob, now: DateTime<Utc>, due: DateTime<Utc>) -> StoreResult<bool> {
    let n = tx
        .c
        .execute(
            "INSERT INTO jobs (gmina, kind, payload, dedupe_key, waits_for, next_attempt_at, created_at, updated_at)
             VALUES ($6, $1, $2, $3, $4, $7, $5, $5) ON CONFLICT (gmina, dedupe_key) DO NOTHING",
            &[&job.kind, &job.payload, &job.dedupe_key, &job.waits_for, &ts(now), &g, &ts(due)],
        )
        .await?;
    if n > 0 {
        tx.job_ready();
    }
    Ok(n > 0)
}

const COLUMNS: &str =
    "id, kind, payload, state, attempts, next_attempt_at, last_error, dedupe_key, created_at, updated_at, gmina";

fn row(r: &Row) -> StoreResult<JobRow> {
    Ok(JobRow {
        id: r.get(0),
        gmina: teryt(r.get(10))?,
        kind: r.get(1),
        payload: r.get(2),
        state: JobState::parse(r.get(3)).unwrap_or(JobState::Dead),
        attempts: u32::try_from(r.get::<_, i64>(4)).unwrap_or(u32::MAX),
        next_attempt_at: parse_time(r.get(5))?,
        last_error: r.get(6),
        dedupe_key: r.get(7),
        created_at: parse_time(r.get(8))?,
        updated_at: parse_time(r.get(9))?,
    })
}

async fn claim(tx: &Tx<'_>, kinds: &[&str], now: DateTime<Utc>, limit: u32, lease: chrono::Duration) -> StoreResult<DueJobs> {
    let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
    let rows = tx
        .c
        .query(
            &format!(
                "WITH due AS (
                     SELECT id, next_attempt_at AS was FROM jobs j
                     WHERE state = 'pending' AND next_attempt_at <= $1 AND kind = ANY($2)
                       AND (waits_for IS NULL OR EXISTS (SELECT 1 FROM jobs d WHERE d.gmina = j.gmina AND d.dedupe_key = j.waits_for
                                                             AND d.state = 'done'))
                     ORDER BY next_attempt_at, id LIMIT $3
                     FOR UPDATE SKIP LOCKED
                 )
                 UPDATE jobs SET next_attempt_at = $4 FROM due WHERE jobs.id = due.id
                 RETURNING {}, due.was",
                COLUMNS.split(", ").map(|c| format!("jobs.{c}")).collect::<Vec<_>>().join(", ")
            ),
            &[&ts(now), &kinds, &i64::from(limit), &ts(now + lease)],
        )
        .await?;
    let mut jobs = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut job = row(r)?;
        // As it was due: the lease is the queue's own business.
        job.next_attempt_at = parse_time(r.get(11))?;
        jobs.push(job);
    }
    jobs.sort_by(|a, b| a.next_attempt_at.cmp(&b.next_attempt_at).then(a.id.cmp(&b.id)));
    let next: Option<String> = tx
        .c
        .query_one(
            "SELECT MIN(next_attempt_at) FROM jobs WHERE state = 'pending' AND next_attempt_at > $1 AND kind = ANY($2)",
            &[&ts(now), &kinds],
        )
        .await?
        .get(0);
    Ok(DueJobs { jobs, next_at: next.as_deref().map(parse_time).transpose()? })
}

#[async_trait]
impl JobStore for PostgresStore {
    async fn due_jobs(&self, kinds: Vec<&'static str>, now: DateTime<Utc>, limit: u32) -> StoreResult<DueJobs> {
        if kinds.is_empty() {
            return Ok(DueJobs::default());
        }
        let lease = self.shared.job_lease;
        write_tx!(self, |tx| { claim(tx, &kinds, now, limit, lease).await })
    }

    async fn job_done(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx| {
            let n = tx
                .c
                .execute(
                    "UPDATE jobs SET state = 'done', last_error = NULL, updated_at = $2 WHERE id = $1 AND state = 'pending'",
                    &[&id, &ts(now)],
                )
                .await?;
            // A job waiting for this one may run now.
            if n > 0 {
                tx.job_ready();
            }
            Ok(())
        })
    }

    async fn job_failed(&self, id: i64, error: String, retry_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx| {
            let (state, next) = match retry_at {
                Some(t) => ("pending", ts(t)),
                None => ("dead", ts(now)),
            };
            tx.c.execute(
                "UPDATE jobs SET state = $2, attempts = attempts + 1, next_attempt_at = $3,
                 last_error = $4, updated_at = $5 WHERE id = $1 AND state = 'pending'",
                &[&id, &state, &next, &error, &ts(now)],
            )
            .await?;
            Ok(())
        })
    }

    async fn jobs(&self, filter: JobFilter) -> StoreResult<Vec<JobRow>> {
        let rows = self
            .reader()
            .await?
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM jobs WHERE gmina = $4 AND ($1::TEXT IS NULL OR state = $1)
                     AND ($2::TEXT IS NULL OR kind = $2) ORDER BY id DESC LIMIT $3"
                ),
                &[&filter.state.map(JobState::as_str), &filter.kind, &i64::from(filter.limit), &self.scope()],
            )
            .await?;
        rows.iter().map(row).collect()
    }

    async fn job(&self, id: i64) -> StoreResult<Option<JobRow>> {
        let r = self.reader().await?.query_opt(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1 AND gmina = $2"), &[&id, &self.scope()]).await?;
        r.as_ref().map(row).transpose()
    }

    async fn job_counts(&self) -> StoreResult<Vec<(String, JobState, u64)>> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT kind, state, COUNT(*) FROM jobs WHERE gmina = $1 GROUP BY kind, state ORDER BY kind, state",
                &[&self.scope()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), JobState::parse(r.get(1)).unwrap_or(JobState::Dead), super::count(r.get(2))))
            .collect())
    }

    async fn retry_job(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            let kind: String = tx
                .c
                .query_opt("SELECT kind FROM jobs WHERE id = $1 AND gmina = $2 AND state = 'dead' FOR UPDATE", &[&id, &g])
                .await?
                .ok_or(StoreError::NotFound)?
                .get(0);
            tx.c.execute(
                "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = $2, updated_at = $2 WHERE id = $1",
                &[&id, &ts(now)],
            )
            .await?;
            tx.job_ready();
            // Audited per outside system (`ezd.retry`).
            let system = kind.split('.').next().unwrap_or("job");
            audit(tx, g, &actor, now, &format!("{system}.retry"), "job", Some(&id.to_string()), json!({"kind": kind})).await
        })
    }

    fn job_signal(&self) -> Arc<tokio::sync::Notify> {
        self.shared.jobs_ready.clone()
    }

    /// Claimed with a lease (see the module's doc).
    fn claims_due_jobs(&self) -> bool {
        true
    }
}

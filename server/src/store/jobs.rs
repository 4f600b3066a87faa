//! The one persisted job queue for every outside system (the EZD today;
//! payments, tax imports and push deliveries later). A job is enqueued
//! only inside the business write's transaction, so it exists exactly when
//! that write was committed; the worker (`crate::jobs`) delivers it at
//! least once. Nothing here knows what a kind does.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Actor, StoreResult};

/// A job to enqueue (in a business write's transaction).
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// The kind (`crate::jobs::JobKind::as_str`).
    pub kind: &'static str,
    /// The job itself, as JSON.
    pub payload: String,
    /// At most one job ever per key (pending, done or dead): enqueuing the
    /// same key again changes nothing.
    pub dedupe_key: Option<String>,
    /// The dedupe key of a job that must be done before this one runs.
    pub waits_for: Option<String>,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its next attempt (or running now).
    Pending,
    Done,
    /// A dead letter: out of attempts, waiting for an official's retry.
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        [JobState::Pending, JobState::Done, JobState::Dead].into_iter().find(|k| k.as_str() == s)
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: i64,
    /// The gmina whose write enqueued it: the worker runs it with that
    /// gmina's handle (`Tenancy::for_gmina`).
    pub gmina: mm_protocol::gmina::Teryt,
    pub kind: String,
    pub payload: String,
    pub state: JobState,
    /// Failed attempts so far (set back to 0 by a retry).
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub dedupe_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl JobRow {
    /// The report a job is about, by the payload's `report_id` (the
    /// convention of every job about a report): the back office shows a
    /// department's officials only their own reports' jobs.
    pub fn report_id(&self) -> Option<i64> {
        serde_json::from_str::<serde_json::Value>(&self.payload).ok()?.get("report_id")?.as_i64()
    }
}

/// Which jobs to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub kind: Option<String>,
    pub limit: u32,
}

/// What the worker claims: the jobs due now, and when the next pending
/// one comes due (to sleep until then).
#[derive(Debug, Clone, Default)]
pub struct DueJobs {
    pub jobs: Vec<JobRow>,
    pub next_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Deployment-wide (the worker claims for every gmina): pending jobs of these kinds due by `now` whose `waits_for` job is
    /// done, oldest due first; and the earliest later due time.
    async fn due_jobs(&self, kinds: Vec<&'static str>, now: DateTime<Utc>, limit: u32) -> StoreResult<DueJobs>;
    /// Deployment-wide, like `due_jobs` (by the claimed job's global id):
    /// the attempt succeeded.
    async fn job_done(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()>;
    /// Deployment-wide: the attempt failed: retried at `retry_at`, or a
    /// dead letter (`None`).
    async fn job_failed(
        &self,
        id: i64,
        error: String,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn jobs(&self, filter: JobFilter) -> StoreResult<Vec<JobRow>>;
    async fn job(&self, id: i64) -> StoreResult<Option<JobRow>>;
    /// How many jobs of each kind are in each state.
    async fn job_counts(&self) -> StoreResult<Vec<(String, JobState, u64)>>;
    /// Puts a dead letter back in the queue, due now, with its attempts
    /// reset; audited as `<system>.retry` (the kind's prefix: `ezd.retry`).
    /// `NotFound` when the job is not a dead letter.
    async fn retry_job(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()>;
    /// Notified after every commit that made a job runnable (an enqueue,
    /// a retry), so the worker need not poll.
    fn job_signal(&self) -> Arc<tokio::sync::Notify>;
}

//! The one worker of the job queue.
//!
//! Guarantees: at least once (a job is marked done only after its `run`
//! returned Ok, so a crash or a lost answer means another attempt; jobs
//! make that exactly once themselves, e.g. the EZD's search-before-create
//! on the report's reference); exponential backoff with jitter between
//! attempts, never sooner than a `Retry-After` the other side named; after
//! the kind's last attempt the job is a dead letter, shown on
//! `/admin/jobs` with its last error and a retry action.
//!
//! Throughput: each kind runs up to its own number of jobs at once, so a
//! slow system never starves another and the queue keeps up with the
//! write rate; the worker holds the database only for short writes. It
//! sleeps until the store signals a commit that made a job runnable, a
//! running job finishes, or the next retry comes due; a long safety
//! interval covers rows written by another process.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use mm_protocol::gmina::Teryt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::model::{Job, JobContext, JobError};
use crate::state::Clock;
use crate::store::jobs::JobRow;
use crate::store::{Store, StoreError};

/// How a kind's failed attempts are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The first retry's delay; doubled each attempt.
    pub base: Duration,
    /// The longest delay between attempts.
    pub max: Duration,
    /// Attempts before a job becomes a dead letter.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { base: Duration::from_secs(2), max: Duration::from_secs(15 * 60), max_attempts: 12 }
    }
}

/// `base · 2^attempts`, capped, with "equal jitter": a uniformly random
/// point in the upper half, so retries of many jobs spread out.
pub fn backoff(policy: &RetryPolicy, attempts: u32) -> Duration {
    let exp = policy.base.saturating_mul(1u32 << attempts.min(20));
    let d = exp.min(policy.max);
    d.mul_f64(0.5 + rand::random::<f64>() * 0.5)
}

/// The delay before the next attempt after `error`: the backoff, or the
/// other side's `Retry-After` when that is later.
pub fn retry_delay(policy: &RetryPolicy, attempts: u32, error: &JobError) -> Duration {
    let d = backoff(policy, attempts);
    match error {
        JobError::Temporary { retry_after: Some(after), .. } => d.max(*after),
        _ => d,
    }
}

/// A kind's runner, its payload parsed.
#[async_trait]
trait Handler: Send + Sync {
    async fn run(&self, gmina: &Teryt, payload: &str) -> Result<(), JobError>;
}

struct Typed<J: Job> {
    ctx: Arc<J::Context>,
}

#[async_trait]
impl<J: Job> Handler for Typed<J> {
    async fn run(&self, gmina: &Teryt, payload: &str) -> Result<(), JobError> {
        let job: J = serde_json::from_str(payload)
            .map_err(|e| JobError::Rejected(format!("unreadable {} payload: {e}", J::KIND.as_str())))?;
        let ctx = self.ctx.for_gmina(gmina).await?;
        job.run(&ctx).await
    }
}

struct Kind {
    handler: Arc<dyn Handler>,
    slots: Arc<Semaphore>,
    policy: RetryPolicy,
}

pub struct Worker {
    store: Arc<dyn Store>,
    clock: Clock,
    kinds: HashMap<&'static str, Kind>,
    /// Jobs running now (claimed from the table, not yet recorded).
    running: Arc<Mutex<HashSet<i64>>>,
    /// The longest sleep with nothing due (rows from another process).
    pub idle_max: Duration,
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Worker {
        Worker {
            store,
            clock,
            kinds: HashMap::new(),
            running: Arc::default(),
            idle_max: Duration::from_secs(30),
        }
    }

    /// Runs jobs of `J`'s kind against `ctx`, at most `concurrency` at once.
    /// One handler per kind: a second registration is a programming error.
    pub fn register<J: Job>(&mut self, ctx: Arc<J::Context>, concurrency: usize, policy: RetryPolicy) -> &mut Self {
        let kind = Kind {
            handler: Arc::new(Typed::<J> { ctx }),
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            policy: RetryPolicy { max_attempts: policy.max_attempts.max(1), ..policy },
        };
        assert!(self.kinds.insert(J::KIND.as_str(), kind).is_none(), "{} registered twice", J::KIND.as_str());
        self
    }

    /// Claims what is due and has a free slot, kind by kind (so one
    /// kind's backlog never hides another's jobs), and starts it in `set`.
    /// Returns how many started and when the next pending job comes due.
    async fn start_due(
        &self,
        set: &mut JoinSet<()>,
    ) -> Result<(usize, Option<chrono::DateTime<chrono::Utc>>), StoreError> {
        let mut started = 0;
        let mut next_at: Option<chrono::DateTime<chrono::Utc>> = None;
        for (&name, kind) in &self.kinds {
            let free = kind.slots.available_permits();
            if free == 0 {
                continue;
            }
            // Jobs of this kind already running are due too; ask past them.
            let running = self.running.lock().unwrap_or_else(|p| p.into_inner()).len();
            let limit = u32::try_from(free + running).unwrap_or(u32::MAX);
            let due = self.store.due_jobs(vec![name], self.clock.now(), limit).await?;
            next_at = match (next_at, due.next_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            for job in due.jobs {
                if !self.running.lock().unwrap_or_else(|p| p.into_inner()).insert(job.id) {
                    continue;
                }
                let Ok(permit) = kind.slots.clone().try_acquire_owned() else {
                    self.running.lock().unwrap_or_else(|p| p.into_inner()).remove(&job.id);
                    break;
                };
                let (handler, policy) = (kind.handler.clone(), kind.policy);
                let (store, clock, running) = (self.store.clone(), self.clock.clone(), self.running.clone());
                set.spawn(async move {
                    let result = handler.run(&job.gmina, &job.payload).await;
                    if let Err(e) = record(store.as_ref(), &clock, &policy, &job, result).await {
                        tracing::warn!(job = job.id, kind = %job.kind, error = %e, "jobs: cannot record an attempt");
                    }
                    running.lock().unwrap_or_else(|p| p.into_inner()).remove(&job.id);
                    drop(permit);
                });
                started += 1;
            }
        }
        Ok((started, next_at))
    }

    /// Runs every job due now (and what becomes due as they finish, such
    /// as a case after its registration) to its recorded outcome; the
    /// number of attempts. For tests and one-off runs.
    pub async fn run_due(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        for _ in 0..1000 {
            let mut set = JoinSet::new();
            let (n, _) = self.start_due(&mut set).await?;
            while set.join_next().await.is_some() {}
            if n == 0 {
                break;
            }
            total += n;
        }
        Ok(total)
    }

    /// The worker on its own task until `shutdown` completes; then it
    /// claims nothing more and lets running jobs finish (an unfinished
    /// one is simply attempted again at the next start).
    pub fn spawn(self, shutdown: impl Future<Output = ()> + Send + 'static) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { self.run(shutdown).await })
    }

    async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        let signal = self.store.job_signal();
        let mut set = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let sleep = match self.start_due(&mut set).await {
                Ok((_, next)) => next
                    .and_then(|t| (t - self.clock.now()).to_std().ok())
                    .map_or(self.idle_max, |d| d.min(self.idle_max)),
                Err(e) => {
                    tracing::warn!(error = %e, "jobs: cannot read the queue");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = &mut shutdown => break,
                _ = signal.notified() => {}
                Some(_) = set.join_next(), if !set.is_empty() => {}
                _ = tokio::time::sleep(sleep) => {}
            }
            // Every job finished meanwhile frees its slot before the next
            // claim, so one claim refills them all.
            while set.try_join_next().is_some() {}
        }
        while set.join_next().await.is_some() {}
        tracing::info!("jobs: worker stopped");
    }
}

/// Records an attempt's outcome: done, retried later, or a dead letter.
async fn record(
    store: &dyn Store,
    clock: &Clock,
    policy: &RetryPolicy,
    job: &JobRow,
    result: Result<(), JobError>,
) -> Result<(), StoreError> {
    let now = clock.now();
    let e = match result {
        Ok(()) => return store.job_done(job.id, now).await,
        Err(e) => e,
    };
    let attempts = job.attempts + 1;
    let retry_at = (attempts < policy.max_attempts).then(|| {
        now + chrono::Duration::from_std(retry_delay(policy, job.attempts, &e)).unwrap_or_default()
    });
    if retry_at.is_none() {
        tracing::error!(job = job.id, kind = %job.kind, error = %e, "job dead-lettered");
    } else {
        tracing::info!(job = job.id, kind = %job.kind, attempts, error = %e, "job failed; will retry");
    }
    store.job_failed(job.id, e.to_string(), retry_at, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy { base: Duration::from_secs(1), max: Duration::from_secs(60), max_attempts: 5 };
        for attempts in 0..30 {
            let d = backoff(&p, attempts);
            let full = Duration::from_secs(1u64 << attempts.min(20)).min(Duration::from_secs(60));
            assert!(d >= full / 2 && d <= full, "{attempts}: {d:?} vs {full:?}");
        }
        let spread: HashSet<_> = (0..20).map(|_| backoff(&p, 5).as_millis()).collect();
        assert!(spread.len() > 1, "jitter varies the delay");
    }

    #[test]
    fn retry_after_is_honoured_and_never_shortens_the_backoff() {
        let p = RetryPolicy { base: Duration::from_secs(1), max: Duration::from_secs(60), max_attempts: 5 };
        let later = JobError::Temporary { message: "429".into(), retry_after: Some(Duration::from_secs(120)) };
        assert_eq!(retry_delay(&p, 0, &later), Duration::from_secs(120));
        let sooner = JobError::Temporary { message: "503".into(), retry_after: Some(Duration::from_millis(1)) };
        assert!(retry_delay(&p, 3, &sooner) >= Duration::from_secs(4));
        assert!(retry_delay(&p, 0, &JobError::Rejected("400".into())) <= Duration::from_secs(1));
    }
}

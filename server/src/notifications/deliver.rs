//! The `push.deliver` job: a notification's pending deliveries sent through
//! the push services (docs/plans/issue-16.md §0 "A delivery is a job").
//!
//! The deliveries table is the queue. A job claims due rows in batches
//! (each claimed row leased for [`LEASE`]: a sender that crashed gives its
//! rows back when the lease ends), sends them with at most the lane's
//! concurrency per service, and records each result within
//! [`FLUSH_EVERY`] of its answer, so a `kill -9` repeats at most the sends
//! answered in that window. Those few repeats carry the notification's
//! collapse key (`apns-collapse-id`, FCM `collapse_key`, Web Push `Topic`):
//! the services and the phone show one notification.
//!
//! Results: taken → `delivered`; the service's dead-token signal →
//! `dead`, the registration dropped; a 429/5xx/timeout → tried again after
//! the backoff or the service's `Retry-After` (which also pauses that
//! service's lane), up to [`MAX_ATTEMPTS`]; our own fault → `failed`.
//! When rows remain for later (quiet hours, retries) the job enqueues the
//! next one for the earliest of them, in the same transaction that reads it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mm_protocol::gmina::Teryt;
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use super::transports::{GminaPush, PushTransports};
use crate::jobs::{Job, JobContext, JobError, JobKind, RetryPolicy, backoff, new_job};
use crate::push::{Message, Outcome};
use crate::state::Clock;
use crate::store::jobs::NewJob;
use crate::store::notifications::{ClaimedDelivery, DeliveryOutcome, DeliveryResult, NotificationStatus};
use crate::store::{Store, StoreError};

/// How long a claimed row is the claimer's by default (`--push-lease-ms`):
/// a claimed row waits at most for the sends ahead of it in its lane
/// (`CLAIM` / concurrency rounds of one timeout) and a lane's pause of up to
/// [`LONGEST_WAIT`], well under this. A crashed sender's rows are sent by
/// the next job after it.
pub const LEASE: Duration = Duration::from_secs(120);
/// Rows claimed at once.
pub const CLAIM: u32 = 256;
/// Results are written at least this often (and every [`FLUSH_ROWS`]).
pub const FLUSH_EVERY: Duration = Duration::from_millis(20);
pub const FLUSH_ROWS: usize = 128;
/// The longest pause of a lane a claimed send waits out in place.
pub const LONGEST_WAIT: Duration = Duration::from_secs(5);
/// Sends of one delivery before it is given up as `failed`.
pub const MAX_ATTEMPTS: u32 = 10;
/// Between two attempts of one delivery when the service named no time.
pub const RETRY: RetryPolicy = RetryPolicy { base: Duration::from_secs(5), max: Duration::from_secs(30 * 60), max_attempts: MAX_ATTEMPTS };

/// What the sender runs against, for one gmina.
pub struct DeliverContext {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    pub transports: Arc<PushTransports>,
    /// The gmina's transports (set by `for_gmina`).
    pub push: Arc<GminaPush>,
    pub gmina: Teryt,
    /// How long claimed rows are this sender's ([`LEASE`]).
    pub lease: Duration,
}

impl DeliverContext {
    pub fn new(store: Arc<dyn Store>, clock: Clock, transports: Arc<PushTransports>) -> DeliverContext {
        let gmina = store.gmina_scope().clone();
        DeliverContext { store, clock, transports, push: Arc::default(), gmina, lease: LEASE }
    }
}

#[async_trait::async_trait]
impl JobContext for DeliverContext {
    async fn for_gmina(&self, gmina: &Teryt) -> Result<Arc<DeliverContext>, JobError> {
        let store = self.store.for_gmina(gmina);
        let settings = crate::jobs::gmina_settings(store.as_ref(), gmina).await?;
        let push = self
            .transports
            .of(gmina, settings.push_credentials.as_deref())
            .map_err(|e| JobError::Rejected(format!("cannot open the gmina's push credentials: {e}")))?;
        Ok(Arc::new(DeliverContext {
            store,
            clock: self.clock.clone(),
            transports: self.transports.clone(),
            push,
            gmina: gmina.clone(),
            lease: self.lease,
        }))
    }
}

/// Notification `notification_id`'s deliveries due at `due`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliverJob {
    pub notification_id: i64,
    pub due: DateTime<Utc>,
}

impl DeliverJob {
    /// For `NotificationStore::schedule_deliveries`.
    pub fn at(notification_id: i64, due: DateTime<Utc>) -> NewJob {
        new_job(&DeliverJob { notification_id, due })
    }
}

impl Job for DeliverJob {
    const KIND: JobKind = JobKind::PushDeliver;
    /// One job per notification and due time: a fan-out retried after a
    /// crash, or two senders scheduling the same next time, add none.
    /// A job only ends when nothing due remains, so the next due time it
    /// schedules is always later than its own.
    const DEDUPLICATED: bool = true;
    type Context = DeliverContext;

    fn dedupe_key(&self) -> String {
        format!("{}@{}", self.notification_id, self.due.timestamp_micros())
    }

    async fn run(&self, ctx: &DeliverContext) -> Result<(), JobError> {
        let db = |e: StoreError| JobError::temporary(format!("database: {e}"));
        let Some(n) = ctx.store.notification(self.notification_id).await.map_err(db)? else {
            return Err(JobError::Rejected("the notification is gone".into()));
        };
        if n.status == NotificationStatus::Cancelled {
            return Ok(());
        }
        let message = Arc::new(Message { id: n.id, class: n.class, title: n.title, body: n.body, link: n.link });
        let sent = send_due(ctx, &message).await.map_err(db)?;
        let next = ctx.store.schedule_deliveries(n.id, DeliverJob::at, ctx.clock.now()).await.map_err(db)?;
        tracing::info!(notification = n.id, sent, next = ?next, "pushes sent");
        Ok(())
    }
}

/// Sends every delivery of the message's notification that is due, until
/// none is; how many were tried.
async fn send_due(ctx: &DeliverContext, message: &Arc<Message>) -> Result<usize, StoreError> {
    let mut in_flight: JoinSet<DeliveryOutcome> = JoinSet::new();
    let mut results: Vec<DeliveryOutcome> = Vec::new();
    let mut last_flush = tokio::time::Instant::now();
    let mut exhausted = false;
    let mut tried = 0;
    loop {
        // Keep about two claims' worth in flight: the lanes bound the sends.
        if !exhausted && in_flight.len() < CLAIM as usize {
            let now = ctx.clock.now();
            let lease = now + chrono::Duration::from_std(ctx.lease).unwrap_or_default();
            let claimed = ctx.store.claim_deliveries(message.id, now, lease, CLAIM).await?;
            exhausted = claimed.is_empty();
            tried += claimed.len();
            for d in claimed {
                in_flight.spawn(send_one(ctx.push.clone(), ctx.transports.clone(), ctx.gmina.clone(), ctx.clock.clone(), message.clone(), d));
            }
        }
        if in_flight.is_empty() {
            break;
        }
        match tokio::time::timeout(FLUSH_EVERY, in_flight.join_next()).await {
            Ok(Some(Ok(outcome))) => results.push(outcome),
            // A send that panicked: its row stays `sending` and comes back
            // when the lease ends.
            Ok(Some(Err(e))) => tracing::error!(error = %e, "a push send task failed"),
            Ok(None) | Err(_) => {}
        }
        if results.len() >= FLUSH_ROWS || (!results.is_empty() && last_flush.elapsed() >= FLUSH_EVERY) {
            ctx.store.record_deliveries(std::mem::take(&mut results), ctx.clock.now()).await?;
            last_flush = tokio::time::Instant::now();
        }
    }
    if !results.is_empty() {
        ctx.store.record_deliveries(results, ctx.clock.now()).await?;
    }
    Ok(tried)
}

/// One send through its lane, and what to record.
async fn send_one(
    push: Arc<GminaPush>,
    transports: Arc<PushTransports>,
    gmina: Teryt,
    clock: Clock,
    message: Arc<Message>,
    d: ClaimedDelivery,
) -> DeliveryOutcome {
    let failed = |error: &str| DeliveryResult::Failed { error: error.into() };
    let result = match &d.registration {
        None => failed("the device has no push registration any more"),
        Some(reg) => match push.for_registration(reg) {
            None => failed(&format!("no {} credentials for this gmina", reg.transport().as_str())),
            Some(transport) => {
                let lane = transports.lane(&gmina, reg);
                // A long pause is not waited out holding claimed rows
                // (their lease would end): they go back with its end as
                // their time, and a later job sends them.
                if let Some(left) = lane.paused_for().filter(|left| *left > LONGEST_WAIT) {
                    let at = clock.now() + chrono::Duration::from_std(left).unwrap_or_default();
                    return DeliveryOutcome {
                        id: d.id,
                        device_id: d.device_id,
                        result: DeliveryResult::Retry { at, error: "the service asked to wait".into() },
                    };
                }
                let outcome = {
                    let _slot = lane.enter().await;
                    transport.send(reg, &message).await
                };
                match outcome {
                    Outcome::Delivered => DeliveryResult::Delivered,
                    Outcome::Dead { reason } => DeliveryResult::Dead { error: reason, registration: reg.clone() },
                    Outcome::Rejected { reason } => DeliveryResult::Failed { error: reason },
                    Outcome::Retry { after } => {
                        if let Some(after) = after {
                            lane.pause(after);
                        }
                        let attempts = d.attempts + 1;
                        if attempts >= MAX_ATTEMPTS {
                            failed(&format!("gave up after {attempts} attempts"))
                        } else {
                            let wait = after.unwrap_or_default().max(backoff(&RETRY, d.attempts));
                            let at = clock.now() + chrono::Duration::from_std(wait).unwrap_or_default();
                            DeliveryResult::Retry { at, error: format!("retry: {}", after.map_or("no answer or 5xx".to_owned(), |a| format!("Retry-After {}s", a.as_secs()))) }
                        }
                    }
                }
            }
        },
    };
    DeliveryOutcome { id: d.id, device_id: d.device_id, result }
}

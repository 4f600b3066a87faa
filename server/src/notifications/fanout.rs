//! The `push.fanout` job: at a notification's send time, its recipients
//! are chosen and one delivery per device is written (its feed entry, and
//! its push when the device has a registration). Idempotent: a job retried
//! after a crash finds the notification sent and writes nothing
//! (`FanOut::AlreadySent`), and deliveries are unique per device.

use std::sync::Arc;

use mm_protocol::gmina::Teryt;
use mm_protocol::notifications::deliver_at;
use serde::{Deserialize, Serialize};

use super::deliver::DeliverJob;
use crate::jobs::{Job, JobContext, JobError, JobKind, new_job};
use crate::state::Clock;
use crate::store::jobs::NewJob;
use crate::store::notifications::{FanOut, Recipient, choose_recipients};
use crate::store::{Store, StoreError};

/// What the fan-out runs against: the gmina's store and the clock.
pub struct FanOutContext {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
}

#[async_trait::async_trait]
impl JobContext for FanOutContext {
    async fn for_gmina(&self, gmina: &Teryt) -> Result<Arc<FanOutContext>, JobError> {
        Ok(Arc::new(FanOutContext { store: self.store.for_gmina(gmina), clock: self.clock.clone() }))
    }
}

/// One notification's fan-out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanOutJob {
    pub notification_id: i64,
}

impl FanOutJob {
    /// The job `create_notification` enqueues with the new id.
    pub fn for_notification(id: i64) -> NewJob {
        new_job(&FanOutJob { notification_id: id })
    }
}

impl Job for FanOutJob {
    const KIND: JobKind = JobKind::PushFanout;
    const DEDUPLICATED: bool = true;
    type Context = FanOutContext;

    fn dedupe_key(&self) -> String {
        self.notification_id.to_string()
    }

    async fn run(&self, ctx: &FanOutContext) -> Result<(), JobError> {
        let db = |e: StoreError| match e {
            StoreError::NotFound => JobError::Rejected("the notification is gone".into()),
            e => JobError::temporary(format!("database: {e}")),
        };
        match fan_out(ctx.store.as_ref(), self.notification_id, ctx.clock.now()).await.map_err(db)? {
            FanOut::Sent { recipients, to_push } => {
                tracing::info!(notification = self.notification_id, recipients, to_push, "notification fanned out");
            }
            FanOut::Cancelled => return Ok(()),
            // A retry after a crash: the pushes may not be scheduled yet.
            FanOut::AlreadySent => {}
        }
        // The pushes, as their own job: the fan-out's rows are committed,
        // so a crash from here on loses nothing (`deliver`'s dedupe key
        // makes this idempotent).
        ctx.store.schedule_deliveries(self.notification_id, DeliverJob::at, ctx.clock.now()).await.map_err(db)?;
        Ok(())
    }
}

/// Chooses the recipients of notification `id` (topic, category and gmina
/// by SQL, the areas by `protocol::notifications::matches`), each with the
/// time its push may go (`deliver_at`: quiet hours, never for alerts), and
/// writes the deliveries.
pub async fn fan_out(store: &dyn Store, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<FanOut, StoreError> {
    let n = store.notification(id).await?.ok_or(StoreError::NotFound)?;
    let (_, localities) = store.gmina().await?;
    let chosen = choose_recipients(&n.target, store.candidates(&n.target, n.report).await?, &localities);
    let recipients = chosen
        .into_iter()
        .map(|c| Recipient { not_before: deliver_at(c.quiet_hours.as_ref(), n.class, now), device_id: c.device_id })
        .collect();
    store.fan_out(id, recipients, now).await
}

/// How many devices a notification for `target` would reach now: the same
/// choice as [`fan_out`] (the SQL's candidates, the areas by
/// `choose_recipients`), writing nothing. The back office's "reaches about
/// N devices": devices subscribe and leave until the send time.
pub async fn count_recipients(store: &dyn Store, target: &mm_protocol::notifications::Target) -> Result<usize, StoreError> {
    let (_, localities) = store.gmina().await?;
    Ok(choose_recipients(target, store.candidates(target, None).await?, &localities).len())
}

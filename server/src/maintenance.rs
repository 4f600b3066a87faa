//! The periodic clean-up (security review, findings 5 and 7): one pass
//! every `--maintenance-every-minutes`, and one before the server starts
//! serving. A pass
//!
//! 1. cleans the photos stored before uploads were cleaned (migration 8
//!    lists them): each is decoded and re-encoded like a new upload, so no
//!    EXIF position, serial or owner stays on disk or reaches the EZD; one
//!    that does not decode (the review's bomb and fake PNG were accepted
//!    then) is removed;
//! 2. deletes orphan photos: uploaded, but named by no report after
//!    [`Retention::orphan_photos`];
//! 3. deletes idempotency rows older than [`Retention::idempotency`];
//! 4. deletes devices unseen for [`Retention::unseen_devices`] that
//!    neither made nor follow a report still open;
//! 5. the budget's retention and expired SMS codes, the budget's and the
//!    consultations', in every gmina (`purge_budget`).
//!
//! Tests call [`Maintenance::run_once`] directly.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::reports::model::PhotoMeta;
use crate::reports::photos;
use crate::state::Clock;
use crate::store::{Store, StoreResult};

/// How long things are kept before a pass collects them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// An upload no report names. The core uploads a report's photos and
    /// posts the report in one go, so a gap of more than minutes means the
    /// phone lost its connection in between; 72 h lets it come back over a
    /// weekend. Abusive uploads are bounded by the rate limits meanwhile.
    pub orphan_photos: Duration,
    /// An idempotency row is needed only while a client may still retry a
    /// request whose answer it lost. The core retries until it gets an
    /// answer; 30 days covers a phone left offline for weeks (holidays
    /// without roaming). Past that a retry would make a second report or
    /// device, which the rows no longer justify keeping.
    pub idempotency: Duration,
    /// A device whose token has not been used for 2 years is an app
    /// removed or a phone replaced. A device is kept while it made or
    /// follows a report that is still open (it waits for news of it).
    pub unseen_devices: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            orphan_photos: Duration::hours(72),
            idempotency: Duration::days(30),
            unseen_devices: Duration::days(730),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Collected {
    /// Photos stored raw, now replaced by their clean copy.
    pub photos_cleaned: u64,
    /// Photos stored raw that do not decode, removed.
    pub photos_undecodable: u64,
    pub orphan_photos: u64,
    pub idempotency_rows: u64,
    pub devices: u64,
}

/// The persistence a pass needs.
#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// Up to `limit` ids of photos stored before uploads were cleaned.
    async fn raw_photos(&self, limit: u32) -> StoreResult<Vec<String>>;
    /// Replaces a raw photo's file and row by its clean copy; `None`: it
    /// does not decode, so its row and file go. Either way it leaves the list.
    async fn replace_raw_photo(
        &self,
        id: &str,
        clean: Option<(PhotoMeta, Vec<u8>)>,
    ) -> StoreResult<()>;
    /// Deletes up to `limit` photos uploaded before `uploaded_before` that
    /// no report names (rows and files).
    async fn collect_orphan_photos(
        &self,
        uploaded_before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<u64>;
    async fn collect_idempotency(&self, created_before: DateTime<Utc>) -> StoreResult<u64>;
    /// Deletes up to `limit` devices last seen before `seen_before` that
    /// neither made nor follow an open report. Their follows of closed
    /// reports go (the counts are republished), and the closed reports
    /// they made keep everything but the link to the device.
    async fn collect_devices(&self, seen_before: DateTime<Utc>, limit: u32) -> StoreResult<u64>;
}

/// Rows handled per statement, so one pass never holds the writer long.
const BATCH: u32 = 500;

#[derive(Clone)]
pub struct Maintenance {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    pub retention: Retention,
}

impl Maintenance {
    /// One pass (see the module's doc).
    pub async fn run_once(&self) -> StoreResult<Collected> {
        let mut done = Collected::default();
        self.clean_raw_photos(&mut done).await?;
        let now = self.clock.now();
        loop {
            let n = self
                .store
                .collect_orphan_photos(now - self.retention.orphan_photos, BATCH)
                .await?;
            done.orphan_photos += n;
            if n < u64::from(BATCH) {
                break;
            }
        }
        done.idempotency_rows = self
            .store
            .collect_idempotency(now - self.retention.idempotency)
            .await?;
        loop {
            let n = self
                .store
                .collect_devices(now - self.retention.unseen_devices, BATCH)
                .await?;
            done.devices += n;
            if n < u64::from(BATCH) {
                break;
            }
        }
        if done != Collected::default() {
            tracing::info!(?done, "maintenance pass");
        }
        self.purge_budget(now).await?;
        Ok(done)
    }

    /// The participatory budget's retention (docs/BUDGET.md "What is
    /// stored"): SMS codes a day after they expire, and the register,
    /// phones and voter keys of editions past `retention_years` after
    /// voting, in every gmina; proposers' contact data likewise. The
    /// consultations' SMS codes go a day after they expire too (issuing a
    /// code clears the gmina's old ones, but after a consultation's last
    /// code nothing else would).
    async fn purge_budget(&self, now: DateTime<Utc>) -> StoreResult<()> {
        let projects = self.store.purge_budget(now).await?;
        let (mut sms_codes, mut editions, mut consultation_codes) = (0, 0, 0);
        for g in self.store.list_gminas().await? {
            let gmina = self.store.for_gmina(&g.teryt);
            let purged = gmina.purge_ballots(now).await?;
            sms_codes += purged.sms_codes;
            editions += purged.editions;
            consultation_codes += gmina.purge_consultation_sms_codes(now).await?;
        }
        if projects + sms_codes + editions + consultation_codes > 0 {
            tracing::info!(projects, sms_codes, editions, consultation_codes, "budget and consultations retention pass");
        }
        Ok(())
    }

    async fn clean_raw_photos(&self, done: &mut Collected) -> StoreResult<()> {
        loop {
            let ids = self.store.raw_photos(BATCH).await?;
            if ids.is_empty() {
                return Ok(());
            }
            for id in ids {
                let clean = match self.store.photo(&id).await {
                    Ok(Some((meta, bytes))) => match photos::clean_blocking(bytes.into()).await {
                        Ok(c) => Some(PhotoMeta {
                            content_type: "image/jpeg".into(),
                            bytes: c.jpeg.len() as u64,
                            width: c.width,
                            height: c.height,
                            ..meta
                        })
                        .map(|m| (m, c.jpeg)),
                        Err(e) => {
                            tracing::warn!(photo = %id, error = %e.0.message.en, "a stored photo does not decode; removed");
                            None
                        }
                    },
                    Ok(None) => None,
                    Err(e) => {
                        tracing::warn!(photo = %id, error = %e, "a stored photo cannot be read; removed");
                        None
                    }
                };
                match clean {
                    Some(_) => done.photos_cleaned += 1,
                    None => done.photos_undecodable += 1,
                }
                self.store.replace_raw_photo(&id, clean).await?;
            }
        }
    }

    /// Runs a pass every `every`, on its own task, until the process ends.
    pub fn spawn(self, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await; // the first tick is now: `main` ran that pass
            loop {
                tick.tick().await;
                if let Err(e) = self.run_once().await {
                    tracing::error!(error = %e, "maintenance pass failed");
                }
            }
        })
    }
}

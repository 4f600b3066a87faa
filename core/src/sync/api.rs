//! `core.sync()` and the outbox: what goes to the server and what comes back.

use std::sync::Arc;

use chrono::Utc;

use super::model::{OutboxSummary, SyncListener, SyncOptions, SyncSummary};
use crate::app::registration;
use crate::error::{CoreError, Error};
use crate::gminas::Tenant;
use crate::{Core, devices, outbox, sync};

impl Core {
    /// Flushes the outbox, then pulls every page of changes. A flush that
    /// cannot reach the server leaves the writes queued; the pull then
    /// reports the network error. Once the pull got through, writes that
    /// were waiting out a network failure's backoff are sent at once.
    pub async fn sync(
        &self,
        options: SyncOptions,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> Result<SyncSummary, CoreError> {
        let _sync = self.sync_lock.lock().await;
        // One gmina from start to end, whatever is chosen meanwhile.
        let tenant = self.chosen_or_sole().await?;
        let base = self.server_url();
        self.flush(&tenant, &base).await?;
        let summary = sync::pull(&tenant.store, &tenant.http, &base, options.page_size, listener.as_ref()).await?;
        // The server answered: writes held back only because it could not
        // be reached (a report made offline) go now, not after their backoff.
        // Other gminas' writes (queued before a switch) go to the same server.
        let woken = tenant.store.write(|tx| outbox::retry_network_failures(tx, Utc::now()))?
            + self.wake_others(&tenant.teryt);
        if woken > 0 {
            self.flush(&tenant, &base).await?;
        }
        // Tax figures are personal: never in the feed, fetched with the token.
        crate::taxes::refresh_if_linked(&tenant, &base).await;
        // The resident's waste addresses' schedules (public reads, no token).
        crate::waste::refresh_if_any(&tenant, &base).await;
        // The device's own notification feed and subscription (issue 16).
        crate::notifications::refresh(&tenant.store, &tenant.http, &base, listener.as_ref()).await;
        Ok(summary)
    }

    /// Sends what is due in the outbox.
    pub async fn flush_outbox(&self) -> Result<OutboxSummary, CoreError> {
        let tenant = self.store.get()?;
        let base = self.server_url();
        let f = self.flush(&tenant, &base).await?;
        Ok(OutboxSummary {
            sent: f.sent,
            pending: f.pending,
            failed: f.failed,
        })
    }

    /// Every write the server refused (reports, follows, the registration),
    /// back in the queue; how many. Sent by the next flush or sync.
    pub fn retry_failed_writes(&self) -> Result<u32, CoreError> {
        Ok(self.store.write(|tx| outbox::retry_failed(tx, None, Utc::now()))?)
    }

    /// The one way the outbox is flushed: under `flush_lock`, and with a
    /// registration queued whenever the install has none pending (one the
    /// server refused is replaced, so writes never wait for ever). Then the
    /// writes other gminas on the device still hold, each under its own
    /// name (`gminas` module: why they are not kept back).
    pub(crate) async fn flush(&self, tenant: &Tenant, base: &str) -> Result<outbox::Flushed, Error> {
        let _flushing = self.flush_lock.lock().await;
        let request = registration(&self.config);
        tenant
            .store
            .write(|tx| devices::ensure_queued(tx, &request, Utc::now()).map(|_| ()))?;
        let flushed = outbox::flush(&tenant.store, &tenant.http, base).await;
        self.flush_others(base, &tenant.teryt).await;
        flushed
    }
}

//! `core.sync()` and the outbox: what goes to the server and what comes back.

use std::sync::Arc;

use chrono::Utc;

use super::model::{OutboxSummary, SyncListener, SyncOptions, SyncSummary};
use crate::app::registration;
use crate::error::{CoreError, Error};
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
        let base = self.server_url();
        self.flush(&base).await?;
        let summary = sync::pull(&self.store, &self.http, &base, options.page_size, listener.as_ref()).await?;
        // The server answered: writes held back only because it could not
        // be reached (a report made offline) go now, not after their backoff.
        let woken = self.store.write(|tx| outbox::retry_network_failures(tx, Utc::now()))?;
        if woken > 0 {
            self.flush(&base).await?;
        }
        Ok(summary)
    }

    /// Sends what is due in the outbox.
    pub async fn flush_outbox(&self) -> Result<OutboxSummary, CoreError> {
        let base = self.server_url();
        let f = self.flush(&base).await?;
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
    /// server refused is replaced, so writes never wait for ever).
    pub(crate) async fn flush(&self, base: &str) -> Result<outbox::Flushed, Error> {
        let _flushing = self.flush_lock.lock().await;
        let request = registration(&self.config);
        self.store
            .write(|tx| devices::ensure_queued(tx, &request, Utc::now()).map(|_| ()))?;
        outbox::flush(&self.store, &self.http, base).await
    }
}

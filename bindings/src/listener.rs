use std::sync::Arc;

use crate::error::ListenerError;
use crate::news::Notification;
use crate::records::SyncProgress;

/// Implemented by the shell (Kotlin interface / Swift protocol) to hear
/// about a sync as it runs. Called on the syncing thread, between pages:
/// return quickly and hop to the UI thread yourself. A method that throws
/// comes back as an `Err`, which is logged; the sync carries on.
#[uniffi::export(with_foreign)]
pub trait CoreListener: Send + Sync {
    fn on_sync_progress(&self, progress: SyncProgress) -> Result<(), ListenerError>;
    /// A new notification (e.g. an alert arrived with this sync).
    fn on_notification(&self, notification: Notification) -> Result<(), ListenerError>;
}

/// The shell's listener as the core's `SyncListener`.
pub(crate) struct Adapter(pub Arc<dyn CoreListener>);

impl mm_core::SyncListener for Adapter {
    fn on_progress(&self, progress: mm_core::SyncProgress) {
        if let Err(e) = self.0.on_sync_progress(progress.into()) {
            tracing::warn!(error = %e, "sync listener failed in on_sync_progress; sync continues");
        }
    }

    fn on_notification(&self, notification: mm_core::Notification) {
        if let Err(e) = self.0.on_notification(notification.into()) {
            tracing::warn!(error = %e, "sync listener failed in on_notification; sync continues");
        }
    }
}

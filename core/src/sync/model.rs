//! What a sync and an outbox flush take and answer.

use serde::{Deserialize, Serialize};

use crate::notifications::Notification;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOptions {
    /// Changes per page (server default 500, at most 2000).
    pub page_size: Option<u32>,
}

/// Told about sync as it goes. Called on the syncing task, between pages.
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
    fn on_notification(&self, notification: Notification);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub page: u32,
    pub applied_total: u32,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSummary {
    pub pages: u32,
    /// Changes applied (upserts and deletes).
    pub applied: u32,
    /// Changes of collections this build does not know (newer server).
    pub skipped: u32,
    /// Nothing new since the last sync.
    pub unchanged: bool,
    pub cursor: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxSummary {
    pub sent: u32,
    /// Still queued (will be retried).
    pub pending: u32,
    /// Rejected by the server; kept for the resident to see.
    pub failed: u32,
}

//! `core.notifications()`: the bell.

use super::Notification;
use crate::error::CoreError;
use crate::{Core, notifications};

/// What the core raised for the resident; from `Core::notifications`.
pub struct NotificationsApi<'a> {
    pub(crate) core: &'a Core,
}

impl NotificationsApi<'_> {
    pub fn list(&self) -> Result<Vec<Notification>, CoreError> {
        Ok(self.core.store.read(notifications::list)?)
    }

    /// The badge on the bell: how many notifications are unread.
    pub fn unread_count(&self) -> Result<u32, CoreError> {
        Ok(self.core.store.read(notifications::unread_count)?)
    }

    pub fn mark_read(&self, id: i64) -> Result<(), CoreError> {
        Ok(self.core.store.write(|tx| notifications::mark_read(tx, id))?)
    }
}

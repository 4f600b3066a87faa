//! `core.news()`: the news list and one item.

use chrono::{DateTime, Utc};
use mm_protocol::news::{News, Priority};

use crate::error::CoreError;
use crate::{Core, news};

/// News and alerts; from `Core::news`.
pub struct NewsApi<'a> {
    pub(crate) core: &'a Core,
}

impl NewsApi<'_> {
    /// Visible news: alerts first, then important, then newest.
    pub fn visible(&self, now: DateTime<Utc>) -> Result<Vec<News>, CoreError> {
        Ok(self.core.store.read(|c| news::visible(c, now, Priority::Normal, Priority::Alert, u32::MAX))?)
    }

    pub fn item(&self, id: i64) -> Result<News, CoreError> {
        Ok(self.core.store.read(|c| news::get(c, id))?)
    }
}

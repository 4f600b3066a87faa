//! Reading the publication log for `GET /api/v1/sync`.

use std::sync::atomic::Ordering;

use async_trait::async_trait;

use super::SqliteStore;
use crate::store::{LogRow, StoreResult, SyncStore};

#[async_trait]
impl SyncStore for SqliteStore {
    fn max_seq(&self) -> u64 {
        self.shared.max_seq.load(Ordering::SeqCst)
    }

    async fn log_page(&self, cursor: u64, limit: u32) -> StoreResult<(Vec<LogRow>, bool)> {
        let g = self.scope();
        self.read(move |c| {
            // One read transaction: the page is one snapshot of the log.
            let tx = c.unchecked_transaction()?;
            let mut rows = {
                let mut stmt = tx.prepare_cached(
                    "SELECT seq, collection, id, body FROM public_items WHERE gmina = ?1 AND seq > ?2
                     ORDER BY seq LIMIT ?3",
                )?;
                stmt.query_map(rusqlite::params![g, cursor as i64, limit as i64 + 1], |r| {
                    Ok(LogRow { seq: r.get::<_, i64>(0)? as u64, collection: r.get(1)?, id: r.get(2)?, body: r.get(3)? })
                })?
                .collect::<Result<Vec<_>, _>>()?
            };
            tx.finish()?;
            let has_more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            Ok((rows, has_more))
        })
        .await
    }

    /// The writer sets `max_seq` after its COMMIT, so a reader can serve a
    /// row (and a cursor naming it) a moment before the counter moves; a
    /// phone asking at once with that cursor must not be told it is invalid.
    async fn committed_max_seq(&self) -> StoreResult<u64> {
        let max = self.read(super::publish::max_seq).await?;
        Ok(self.shared.max_seq.fetch_max(max, Ordering::SeqCst).max(max))
    }
}

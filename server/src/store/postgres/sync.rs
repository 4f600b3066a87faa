//! Reading the publication log for `GET /api/v1/sync`.

use std::sync::atomic::Ordering;

use async_trait::async_trait;

use super::{PostgresStore, count};
use crate::store::{LogRow, StoreResult, SyncStore};

#[async_trait]
impl SyncStore for PostgresStore {
    /// This instance's commits at once, other instances' as their `NOTIFY`
    /// arrives (`listener.rs`).
    fn max_seq(&self) -> u64 {
        self.shared.max_seq.load(Ordering::SeqCst)
    }

    async fn log_page(&self, cursor: u64, limit: u32) -> StoreResult<(Vec<LogRow>, bool)> {
        // One statement: the page is one snapshot of the log.
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT seq, collection, id, body FROM public_items WHERE gmina = $3 AND seq > $1 ORDER BY seq LIMIT $2",
                &[&i64::try_from(cursor).unwrap_or(i64::MAX), &(i64::from(limit) + 1), &self.scope()],
            )
            .await?;
        let mut rows: Vec<LogRow> = rows
            .iter()
            .map(|r| LogRow { seq: count(r.get(0)), collection: r.get(1), id: r.get(2), body: r.get(3) })
            .collect();
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        // A page may show a seq whose NOTIFY has not arrived yet.
        if let Some(last) = rows.last() {
            self.shared.max_seq.fetch_max(last.seq, Ordering::SeqCst);
        }
        Ok((rows, has_more))
    }

    /// Read from the table (the `NOTIFY` may still be on its way), and
    /// remembered.
    async fn committed_max_seq(&self) -> StoreResult<u64> {
        let max = super::publish::max_seq(&self.reader().await?).await?;
        Ok(self.shared.max_seq.fetch_max(max, Ordering::SeqCst).max(max))
    }
}

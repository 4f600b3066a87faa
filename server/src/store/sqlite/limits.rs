//! [`LimitStore`] on SQLite: a take is one write on the single writer
//! (group-committed like every other), so two takes never interleave.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, parse_ts, ts};
use crate::store::StoreResult;
use crate::store::limits::{BucketSpec, LimitStore, RetryAfter, refill, stored_key, wait_for};

#[async_trait]
impl LimitStore for SqliteStore {
    async fn take(
        &self,
        buckets: Vec<BucketSpec>,
        charged: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<(), RetryAfter>> {
        self.write(move |tx| {
            let charged = charged.as_deref().map(stored_key);
            if let Some(c) = &charged {
                let at: Option<String> = tx
                    .prepare_cached("SELECT at FROM rate_charged WHERE key = ?1")?
                    .query_row([c], |r| r.get(0))
                    .optional()?;
                if let Some(at) = at
                    && now - parse_ts(&at)? < chrono::Duration::hours(1)
                {
                    return Ok(Ok(()));
                }
            }
            let mut wait = RetryAfter::ZERO;
            let mut refreshed = Vec::with_capacity(buckets.len());
            for b in &buckets {
                let key = stored_key(&b.key);
                let row: Option<(f64, String)> = tx
                    .prepare_cached("SELECT tokens, at FROM rate_buckets WHERE key = ?1")?
                    .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let tokens = match row {
                    Some((tokens, at)) => refill(tokens, parse_ts(&at)?, now, b.per_hour),
                    None => f64::from(b.per_hour),
                };
                wait = wait.max(wait_for(tokens, b.per_hour));
                refreshed.push((key, tokens - 1.0));
            }
            if wait > RetryAfter::ZERO {
                return Ok(Err(wait));
            }
            let now = ts(now);
            for (key, tokens) in refreshed {
                tx.prepare_cached(
                    "INSERT INTO rate_buckets (key, tokens, at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
                )?
                .execute(params![key, tokens, now])?;
            }
            if let Some(c) = charged {
                tx.prepare_cached("INSERT OR REPLACE INTO rate_charged (key, at) VALUES (?1, ?2)")?
                    .execute(params![c, now])?;
            }
            Ok(Ok(()))
        })
        .await
    }

    async fn purge_limits(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.write(move |tx| {
            let before = ts(before);
            let buckets = tx.execute("DELETE FROM rate_buckets WHERE at < ?1", [&before])?;
            let charged = tx.execute("DELETE FROM rate_charged WHERE at < ?1", [&before])?;
            Ok((buckets + charged) as u64)
        })
        .await
    }
}

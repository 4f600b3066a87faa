//! [`LimitStore`] on PostgreSQL (`store::limits`), several instances
//! taking from the same buckets: a take makes sure every bucket has a row,
//! then locks them all in key order (`FOR UPDATE`; two instances taking
//! the same pair never deadlock) and writes them back only when every one
//! has a token, all in one transaction. The arithmetic is `limits::refill`
//! and `limits::wait_for`, shared with SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{PostgresStore, parse_time, ts, write_tx};
use crate::store::StoreResult;
use crate::store::limits::{BucketSpec, LimitStore, RetryAfter, refill, stored_key, wait_for};

#[async_trait]
impl LimitStore for PostgresStore {
    async fn take(
        &self,
        buckets: Vec<BucketSpec>,
        charged: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<(), RetryAfter>> {
        write_tx!(self, |tx| {
            let charged = charged.as_deref().map(stored_key);
            if let Some(c) = &charged {
                let at: Option<String> =
                    tx.c.query_opt("SELECT at FROM rate_charged WHERE key = $1", &[c]).await?.map(|r| r.get(0));
                if let Some(at) = at
                    && now - parse_time(&at)? < chrono::Duration::hours(1)
                {
                    return Ok(Ok(()));
                }
            }
            let mut specs: Vec<(String, u32)> = buckets.iter().map(|b| (stored_key(&b.key), b.per_hour)).collect();
            specs.sort();
            specs.dedup_by(|a, b| a.0 == b.0);
            let keys: Vec<String> = specs.iter().map(|s| s.0.clone()).collect();
            let full: Vec<f64> = specs.iter().map(|s| f64::from(s.1)).collect();
            let now_s = ts(now);
            // A new key starts full.
            tx.c.execute(
                "INSERT INTO rate_buckets (key, tokens, at)
                 SELECT k, t, $3 FROM UNNEST($1::TEXT[], $2::FLOAT8[]) AS n(k, t)
                 ON CONFLICT (key) DO NOTHING",
                &[&keys, &full, &now_s],
            )
            .await?;
            let rows = tx
                .c
                .query(
                    "SELECT key, tokens, at FROM rate_buckets WHERE key = ANY($1) ORDER BY key COLLATE \"C\" FOR UPDATE",
                    &[&keys],
                )
                .await?;
            let mut stored = std::collections::HashMap::new();
            for row in &rows {
                stored.insert(row.get::<_, String>(0), (row.get::<_, f64>(1), parse_time(row.get(2))?));
            }
            let mut wait = RetryAfter::ZERO;
            let mut left = Vec::with_capacity(specs.len());
            for (key, per_hour) in &specs {
                let (tokens, at) = stored.get(key).copied().unwrap_or((f64::from(*per_hour), now));
                let tokens = refill(tokens, at, now, *per_hour);
                wait = wait.max(wait_for(tokens, *per_hour));
                left.push(tokens - 1.0);
            }
            if wait > RetryAfter::ZERO {
                // Nothing taken: the new rows were full anyway.
                return Ok(Err(wait));
            }
            tx.c.execute(
                "UPDATE rate_buckets AS b SET tokens = n.t, at = $3
                 FROM UNNEST($1::TEXT[], $2::FLOAT8[]) AS n(k, t) WHERE b.key = n.k",
                &[&keys, &left, &now_s],
            )
            .await?;
            if let Some(c) = charged {
                tx.c.execute(
                    "INSERT INTO rate_charged (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
                    &[&c, &now_s],
                )
                .await?;
            }
            Ok(Ok(()))
        })
    }

    async fn purge_limits(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        write_tx!(self, |tx| {
            let before = ts(before);
            let buckets = tx.c.execute("DELETE FROM rate_buckets WHERE at < $1", &[&before]).await?;
            let charged = tx.c.execute("DELETE FROM rate_charged WHERE at < $1", &[&before]).await?;
            Ok(buckets + charged)
        })
    }
}

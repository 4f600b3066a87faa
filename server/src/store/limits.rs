//! Residents' write limits kept in the database, for a deployment of
//! several instances behind one load balancer: with buckets in each
//! process's memory (`reports::ratelimit`), a device behind a round-robin
//! balancer would get its allowance once per instance. `--shared-limits`
//! (on by itself with PostgreSQL) makes the limiter take its tokens here.
//!
//! The buckets are the memory limiter's: each holds an hour's allowance
//! and refills continuously. The arithmetic is [`refill`] and
//! [`wait_for`], shared by every backend; a backend reads the buckets, and
//! writes them back only when every one has a token (all or none), in one
//! transaction that serialises with any other instance's on the same keys.
//!
//! Keys are stored as SHA-256 of the limiter's key: the rows name no
//! device id or client address, and live at most an hour after their last
//! use ([`LimitStore::purge_limits`]).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;

/// One bucket to take a token from: the limiter's key and its allowance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSpec {
    pub key: String,
    pub per_hour: u32,
}

/// How long before a bucket has a token again.
pub type RetryAfter = Duration;

#[async_trait]
pub trait LimitStore: Send + Sync {
    /// Takes one token from each of `buckets`, all or none, in one
    /// transaction, unless `charged` names a request already charged
    /// within the hour (a retry): that passes free. `Ok(Err(wait))`: at
    /// least one bucket is empty; nothing was taken.
    async fn take(
        &self,
        buckets: Vec<BucketSpec>,
        charged: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<(), RetryAfter>>;
    /// Deletes the buckets and charged requests last touched before
    /// `before` (an hour ago: they are full again, or forgotten, anyway).
    async fn purge_limits(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

/// Seconds in the hour a bucket's allowance is for.
pub const HOUR_SECS: f64 = 3600.0;

/// The tokens a bucket holds at `now`: what it held at `at` plus the
/// refill since, at most its capacity. A clock behind `at` (another
/// instance's, a little ahead) refills nothing rather than draining.
pub fn refill(tokens: f64, at: DateTime<Utc>, now: DateTime<Utc>, per_hour: u32) -> f64 {
    let cap = f64::from(per_hour);
    let elapsed = (now - at).num_microseconds().unwrap_or(i64::MAX).max(0) as f64 / 1e6;
    (tokens + elapsed * cap / HOUR_SECS).min(cap)
}

/// How long until a bucket holding `tokens` has one: zero when it has one
/// now, else at least a second (`Retry-After` counts whole seconds).
pub fn wait_for(tokens: f64, per_hour: u32) -> Duration {
    if tokens >= 1.0 {
        return Duration::ZERO;
    }
    let rate = f64::from(per_hour) / HOUR_SECS;
    let secs = if rate > 0.0 { (1.0 - tokens) / rate } else { HOUR_SECS };
    Duration::from_secs_f64(secs.ceil().max(1.0))
}

/// What a key is stored as: its SHA-256, hex.
pub fn stored_key(key: &str) -> String {
    crate::auth::token::sha256_hex(key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_continuously_up_to_their_capacity() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(refill(0.0, t0, t0 + chrono::Duration::minutes(30), 30), 15.0);
        assert_eq!(refill(29.0, t0, t0 + chrono::Duration::hours(5), 30), 30.0);
        assert_eq!(refill(2.0, t0, t0 - chrono::Duration::seconds(5), 30), 2.0, "a clock behind refills nothing");
        assert_eq!(wait_for(1.0, 30), Duration::ZERO);
        assert_eq!(wait_for(0.0, 30), Duration::from_secs(120));
        assert_eq!(wait_for(0.999, 3600), Duration::from_secs(1));
        assert_eq!(wait_for(0.0, 0), Duration::from_secs(3600));
    }
}

//! Rate limits on residents' writes (reports, photos, follows, Open311
//! POST): token buckets in memory, one per device and one per client IP.
//! A bucket holds an hour's allowance and refills continuously, so a
//! resident may send a burst and then keeps the hourly rate. The per-IP
//! default is high because an office or a mobile operator's NAT puts many
//! residents behind one address. A retried request (same idempotency key)
//! is not charged again.
//!
//! Device registrations (`POST /api/v1/devices`, anonymous) have a bucket
//! of their own per client address: without it, a fresh device per write
//! would escape the per-device limit (security review, finding 7).
//!
//! Several instances behind one load balancer share their buckets through
//! the database instead (`--shared-limits`, [`RateLimiter::share_through`],
//! `store::limits`): the same keys, allowances and refill, counted once for
//! the deployment. Handlers call [`RateLimiter::admit`] and
//! [`RateLimiter::admit_registration`], which pick the one in force.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use mm_protocol::error::ErrorCode;
use mm_protocol::validation::FieldError;

use crate::error::AppError;
use crate::store::StoreError;
use crate::store::limits::{BucketSpec, LimitStore};

/// Writes allowed per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub device_per_hour: u32,
    pub ip_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            device_per_hour: 30,
            ip_per_hour: 2000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Registrations per client address per hour. An install registers once
/// in its life, so this is generous for the residents behind one office
/// or carrier NAT address, and tight for a script minting devices.
pub const REGISTRATIONS_PER_HOUR: u32 = 60;

struct Inner {
    limits: Limits,
    registrations_per_hour: u32,
    buckets: HashMap<String, Bucket>,
    /// Idempotency keys already charged (device/key -> when).
    charged: HashMap<String, Instant>,
    /// The size past which the next write forgets entries older than an
    /// hour (see [`prune_if_large`]).
    prune_above: usize,
    /// How many times it did (tests read it).
    prunes: u64,
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            limits: Limits::default(),
            registrations_per_hour: REGISTRATIONS_PER_HOUR,
            buckets: HashMap::new(),
            charged: HashMap::new(),
            prune_above: PRUNE_AT,
            prunes: 0,
        }
    }
}

#[derive(Default)]
pub struct RateLimiter {
    inner: Mutex<Inner>,
    /// Where the buckets live when instances share them; unset: in `inner`.
    shared: OnceLock<Arc<dyn LimitStore>>,
}

const HOUR: f64 = 3600.0;
/// Above this many tracked buckets or charged keys, those older than an
/// hour (full buckets, retries past their window) are forgotten.
const PRUNE_AT: usize = 100_000;

impl RateLimiter {
    pub fn new(limits: Limits) -> RateLimiter {
        let r = RateLimiter::default();
        r.configure(limits);
        r
    }

    /// Changes the limits (tests set them low); forgets every bucket.
    pub fn configure(&self, limits: Limits) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.limits = limits;
        g.buckets.clear();
        g.charged.clear();
    }

    pub fn limits(&self) -> Limits {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).limits
    }

    /// Changes the registrations allowed per address per hour.
    pub fn set_registrations_per_hour(&self, per_hour: u32) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.registrations_per_hour = per_hour;
        g.buckets.retain(|k, _| !k.starts_with("r:"));
    }

    /// Takes one token from the client address's registration bucket, or
    /// says how long to wait. An address the server does not know (only
    /// in-process tests have none) is not limited. `retry` names an
    /// idempotency key already charged from this address: it passes free.
    /// In memory only: handlers call [`admit_registration`](Self::admit_registration).
    fn check_registration(&self, ip: Option<IpAddr>, retry: Option<&str>) -> Result<(), Duration> {
        let Some(ip) = ip else { return Ok(()) };
        let now = Instant::now();
        let address = address_key(ip);
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let retry_id = retry.map(|k| format!("r:{address}/{k}"));
        if let Some(id) = &retry_id
            && g.charged.contains_key(id)
        {
            return Ok(());
        }
        let per_hour = g.registrations_per_hour;
        take(&mut g, &[(format!("r:{address}"), per_hour)], retry_id, now)
    }

    /// Takes one token from the device's and the IP's bucket, or says how
    /// long to wait. `retry` names a request already charged (device and
    /// idempotency key): it passes free. In memory only: handlers call
    /// [`admit`](Self::admit).
    fn check(
        &self,
        device: Option<&str>,
        ip: Option<IpAddr>,
        retry: Option<&str>,
    ) -> Result<(), Duration> {
        let now = Instant::now();
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let retry_id = retry.map(|k| format!("{}/{k}", device.unwrap_or("-")));
        if let Some(id) = &retry_id
            && g.charged.contains_key(id)
        {
            return Ok(());
        }
        let limits = g.limits;
        let mut wanted = Vec::with_capacity(2);
        if let Some(d) = device {
            wanted.push((format!("d:{d}"), limits.device_per_hour));
        }
        if let Some(ip) = ip {
            wanted.push((format!("i:{}", address_key(ip)), limits.ip_per_hour));
        }
        take(&mut g, &wanted, retry_id, now)
    }
}

/// The same limits, counted in the database every instance shares.
impl RateLimiter {
    /// From now on the buckets are `store`'s (`--shared-limits`): every
    /// instance over the same database counts one device's or address's
    /// writes together. Set once, at start-up.
    pub fn share_through(&self, store: Arc<dyn LimitStore>) {
        let _ = self.shared.set(store);
    }

    /// [`check`](Self::check), in the database when the buckets are shared.
    pub async fn admit(
        &self,
        device: Option<&str>,
        ip: Option<IpAddr>,
        retry: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), Duration> {
        let Some(store) = self.shared.get() else {
            return self.check(device, ip, retry);
        };
        let limits = self.limits();
        let mut wanted = Vec::with_capacity(2);
        if let Some(d) = device {
            wanted.push(BucketSpec { key: format!("d:{d}"), per_hour: limits.device_per_hour });
        }
        if let Some(ip) = ip {
            wanted.push(BucketSpec { key: format!("i:{}", address_key(ip)), per_hour: limits.ip_per_hour });
        }
        let charged = retry.map(|k| format!("{}/{k}", device.unwrap_or("-")));
        take_shared(store.as_ref(), wanted, charged, now).await
    }

    /// Takes one token from each named bucket (key, allowance per hour),
    /// all or none, in memory or in the shared database: the budget's
    /// `ballot:{device}`, `sms-device:{device}` and `sms-phone:{edition}:{hash
    /// of the phone key}` buckets (never a number in clear). `retry` names a
    /// request already charged: it passes free.
    pub async fn admit_buckets(
        &self,
        wanted: Vec<(String, u32)>,
        retry: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), Duration> {
        let retry_id = retry.map(|k| format!("b:{k}"));
        let Some(store) = self.shared.get() else {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(id) = &retry_id
                && g.charged.contains_key(id)
            {
                return Ok(());
            }
            let wanted: Vec<(String, u32)> = wanted.into_iter().map(|(k, n)| (format!("b:{k}"), n)).collect();
            return take(&mut g, &wanted, retry_id, Instant::now());
        };
        let wanted = wanted.into_iter().map(|(k, per_hour)| BucketSpec { key: format!("b:{k}"), per_hour }).collect();
        take_shared(store.as_ref(), wanted, retry_id, now).await
    }

    /// [`check_registration`](Self::check_registration), in the database
    /// when the buckets are shared.
    pub async fn admit_registration(
        &self,
        ip: Option<IpAddr>,
        retry: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), Duration> {
        let Some(store) = self.shared.get() else {
            return self.check_registration(ip, retry);
        };
        let Some(ip) = ip else { return Ok(()) };
        let address = address_key(ip);
        let per_hour = self.inner.lock().unwrap_or_else(|p| p.into_inner()).registrations_per_hour;
        let wanted = vec![BucketSpec { key: format!("r:{address}"), per_hour }];
        let charged = retry.map(|k| format!("r:{address}/{k}"));
        take_shared(store.as_ref(), wanted, charged, now).await
    }
}

/// A database that cannot be asked admits the write: the write itself
/// goes to the same database and fails there with its own error, rather
/// than as a 429 the client would wait out for nothing.
async fn take_shared(
    store: &dyn LimitStore,
    wanted: Vec<BucketSpec>,
    charged: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Duration> {
    match store.take(wanted, charged, now).await {
        Ok(decision) => decision,
        Err(e) => {
            tracing::warn!(error = %e, "shared rate limits unavailable; write admitted");
            Ok(())
        }
    }
}

/// Deletes the shared buckets unused for an hour, every `every`, until
/// the process ends (the rows say nothing a missing row would not).
pub fn spawn_shared_purge(
    store: Arc<dyn LimitStore>,
    clock: crate::state::Clock,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match store.purge_limits(clock.now() - chrono::Duration::hours(1)).await {
                Ok(n) => tracing::debug!(rows = n, "shared rate limits purged"),
                Err(e) => tracing::warn!(error = %e, "cannot purge the shared rate limits"),
            }
        }
    })
}

/// Takes one token from each of `wanted`'s buckets (key, allowance per
/// hour), all or none; remembers `retry_id` as charged.
fn take(
    g: &mut Inner,
    wanted: &[(String, u32)],
    retry_id: Option<String>,
    now: Instant,
) -> Result<(), Duration> {
    let mut wait = Duration::ZERO;
    let mut refreshed = Vec::with_capacity(wanted.len());
    for (key, per_hour) in wanted {
        let cap = f64::from(*per_hour);
        let rate = cap / HOUR;
        let b = g.buckets.get(key).copied().unwrap_or(Bucket {
            tokens: cap,
            at: now,
        });
        let tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(cap);
        if tokens < 1.0 {
            let secs = if rate > 0.0 {
                (1.0 - tokens) / rate
            } else {
                HOUR
            };
            wait = wait.max(Duration::from_secs_f64(secs.ceil().max(1.0)));
        }
        refreshed.push((key.clone(), tokens));
    }
    if wait > Duration::ZERO {
        return Err(wait);
    }
    for (key, tokens) in refreshed {
        g.buckets.insert(
            key,
            Bucket {
                tokens: tokens - 1.0,
                at: now,
            },
        );
    }
    if let Some(id) = retry_id {
        g.charged.insert(id, now);
    }
    prune_if_large(g, now);
    Ok(())
}

/// Forgets the entries older than an hour once the maps hold more than
/// `prune_above`, then waits until they have doubled before looking
/// again: each entry is visited a bounded number of times, however many
/// are younger than an hour. With a fixed threshold, once more entries
/// than that were younger than an hour every write walked both maps and
/// removed nothing: 270,000 ballots in the 30-minute soak made every
/// resident's write (and the mutex every other one waits on) cost a walk
/// of 100,000+ entries, and the server fell behind (`docs/BENCHMARKS.md`,
/// "Soak"). The same many keys sent on purpose would do it too.
fn prune_if_large(g: &mut Inner, now: Instant) {
    if g.buckets.len().max(g.charged.len()) <= g.prune_above {
        return;
    }
    let hour = Duration::from_secs(3600);
    g.charged.retain(|_, at| now.duration_since(*at) < hour);
    g.buckets.retain(|_, b| now.duration_since(b.at) < hour);
    g.prune_above = PRUNE_AT.max(2 * g.buckets.len().max(g.charged.len()));
    g.prunes += 1;
}

/// The key a client address is counted under: an IPv4 address as it is,
/// an IPv6 address by its /64 prefix (RFC 6177: one subscriber, one LAN,
/// usually holds a whole /64, so counting single addresses lets one client
/// rotate through 2^64 of them). IPv4-mapped IPv6 counts as the IPv4.
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The client's address as the listener saw it (no proxy headers are
/// trusted: a reverse proxy in front would need its own limit).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// A write refused: an ordinary error, or 429 with `Retry-After`.
#[derive(Debug)]
pub enum WriteError {
    App(AppError),
    RateLimited(Duration),
}

impl WriteError {
    pub fn rate_limited_error() -> AppError {
        AppError::new(
            ErrorCode::RateLimited,
            "Za dużo zgłoszeń w krótkim czasie. Spróbuj ponownie później.",
            "Too many requests in a short time. Try again later.",
        )
    }
}

impl IntoResponse for WriteError {
    fn into_response(self) -> Response {
        match self {
            WriteError::App(e) => e.into_response(),
            WriteError::RateLimited(wait) => {
                let mut r = Self::rate_limited_error().into_response();
                if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
        }
    }
}

impl From<AppError> for WriteError {
    fn from(e: AppError) -> Self {
        WriteError::App(e)
    }
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> Self {
        WriteError::App(e.into())
    }
}

impl From<FieldError> for WriteError {
    fn from(e: FieldError) -> Self {
        WriteError::App(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More than `PRUNE_AT` keys younger than an hour: the maps are walked
    /// once when they pass it and again only when they have doubled, not
    /// on every write; entries older than an hour go at that walk.
    #[test]
    fn many_young_keys_are_walked_once_per_doubling_not_on_every_write() {
        let r = RateLimiter::new(Limits { device_per_hour: 1_000_000, ip_per_hour: 1_000_000 });
        let now = Instant::now();
        {
            let mut g = r.inner.lock().unwrap();
            let old = now.checked_sub(Duration::from_secs(7200)).unwrap();
            for i in 0..1000 {
                g.charged.insert(format!("old-{i}"), old);
            }
        }
        let write = |i: usize| take(&mut r.inner.lock().unwrap(), &[("d:one".to_owned(), 1_000_000)], Some(format!("d:one/{i}")), now);
        for i in 0..PRUNE_AT - 1000 {
            write(i).unwrap();
        }
        assert_eq!(r.inner.lock().unwrap().prunes, 0, "not yet past the threshold");
        for i in PRUNE_AT - 1000..PRUNE_AT + 5000 {
            write(i).unwrap();
        }
        let g = r.inner.lock().unwrap();
        assert_eq!(g.prunes, 1, "one walk for 6,000 writes past the threshold");
        assert!(!g.charged.contains_key("old-0"), "the hour-old retries went at that walk");
        assert_eq!(g.charged.len(), PRUNE_AT + 5000, "every young key kept");
        // The walk came at the 100,001st entry and left 99,001 young ones.
        assert_eq!(g.prune_above, 2 * (PRUNE_AT - 1000 + 1), "the next walk when they have doubled");
    }

    #[test]
    fn buckets_empty_and_retries_pass_free() {
        let r = RateLimiter::new(Limits {
            device_per_hour: 2,
            ip_per_hour: 1000,
        });
        assert!(r.check(Some("a"), None, Some("k1")).is_ok());
        assert!(
            r.check(Some("a"), None, Some("k1")).is_ok(),
            "a retry is free"
        );
        assert!(r.check(Some("a"), None, Some("k2")).is_ok());
        let wait = r.check(Some("a"), None, Some("k3")).unwrap_err();
        assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_secs(1800));
        assert!(
            r.check(Some("b"), None, None).is_ok(),
            "other devices unaffected"
        );
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let r = RateLimiter::new(Limits {
            device_per_hour: 100,
            ip_per_hour: 1,
        });
        assert!(r.check(Some("x"), Some(ip), None).is_ok());
        assert!(r.check(Some("y"), Some(ip), None).is_err());
    }

    #[test]
    fn ipv6_counts_by_its_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(address_key(mapped), "10.0.0.1");
        let r = RateLimiter::new(Limits {
            device_per_hour: 100,
            ip_per_hour: 1,
        });
        assert!(r.check(None, Some(a), None).is_ok());
        assert!(r.check(None, Some(b), None).is_err(), "same /64, same bucket");
        assert!(r.check(None, Some(c), None).is_ok());
    }

    #[test]
    fn registrations_count_per_address_apart_from_writes() {
        let r = RateLimiter::new(Limits::default());
        r.set_registrations_per_hour(2);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::2".parse().unwrap();
        let other: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(r.check_registration(Some(a), Some("k1")).is_ok());
        assert!(r.check_registration(Some(a), Some("k1")).is_ok(), "a retry is free");
        assert!(r.check_registration(Some(same_64), None).is_ok());
        assert!(r.check_registration(Some(a), None).is_err(), "the /64's bucket is empty");
        assert!(r.check_registration(Some(other), None).is_ok());
        assert!(r.check(Some("d"), Some(a), None).is_ok(), "writes have their own bucket");
        assert!(r.check_registration(None, None).is_ok(), "no address: not limited");
    }
}

//! Push transports (issue 16, `docs/plans/issue-16.md` §0 and §2): the
//! three services a notification reaches a phone through, behind one
//! trait, each speaking its real protocol over reqwest on rustls (no
//! OpenSSL):
//!
//! - [`apns`]: Apple Push Notification service, HTTP/2 with a token-based
//!   ES256 provider JWT;
//! - [`fcm`]: Firebase Cloud Messaging HTTP v1 with an OAuth2 access token
//!   from a service account (RS256 JWT grant, RFC 7523);
//! - [`webpush`]: Web Push (RFC 8030) for UnifiedPush and browsers, the
//!   body encrypted per RFC 8291 (`aes128gcm`, RFC 8188; [`ece`]) and
//!   signed per RFC 8292 (VAPID);
//! - [`ssrf`]: which Web Push endpoints the server may call.
//!
//! A transport answers every send with an [`Outcome`]; what to do with it
//! (retry the job, clear the registration) is the job's (not wired yet).
//! The per-class knobs (priority, TTL, urgency, Android channel) come from
//! one table, [`mm_protocol::notifications::knobs`].

pub mod apns;
pub mod ece;
pub mod fcm;
pub mod ssrf;
pub mod webpush;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use mm_protocol::notifications::{ClassKnobs, Link, NotificationClass, PushRegistration, Transport, knobs};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Serialize;

pub use apns::{Apns, ApnsConfig};
pub use fcm::{Fcm, FcmConfig, ServiceAccount};
pub use webpush::{VapidKey, WebPush, WebPushConfig};

/// What one notification says, the same for every transport. The text is
/// short (the phone reads the whole of it in the feed); its size is
/// checked against each service's limit before anything is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The notification's id: the collapse key of every service
    /// (`apns-collapse-id`, FCM `collapse_key`, Web Push `Topic`), so a
    /// send repeated after a crash replaces the first on the phone.
    pub id: i64,
    pub class: NotificationClass,
    pub title: String,
    pub body: String,
    pub link: Option<Link>,
}

/// The fields a shell reads, as JSON (the Web Push cleartext, the `mm`
/// object of the APNs payload, FCM `data`).
#[derive(Serialize)]
struct Fields<'a> {
    id: i64,
    class: NotificationClass,
    title: &'a str,
    body: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<&'a Link>,
}

impl Message {
    pub fn knobs(&self) -> &'static ClassKnobs {
        knobs(self.class)
    }

    fn fields(&self) -> Fields<'_> {
        Fields { id: self.id, class: self.class, title: &self.title, body: &self.body, link: self.link.as_ref() }
    }

    /// The collapse key: `n<id>`. RFC 8030 §5.4 allows at most 32
    /// characters of the base64url alphabet in `Topic`, Apple 64 bytes in
    /// `apns-collapse-id`; an i64 is at most 20 digits.
    pub fn collapse_key(&self) -> String {
        format!("n{}", self.id).replace('-', "_")
    }
}

/// What a service answered one send with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the service (which is not yet on the phone).
    Delivered,
    /// Try again: after the service's `Retry-After` when it gave one
    /// (429, 503), else after the queue's own backoff (5xx, a timeout, a
    /// refused connection, our credentials refreshed).
    Retry { after: Option<Duration> },
    /// The service's own signal that this registration will never work
    /// again: clear it (the device stays).
    Dead { reason: String },
    /// Our fault (payload too large, a request the service calls
    /// malformed, a refused endpoint): never retried.
    Rejected { reason: String },
}

/// One push service.
#[async_trait]
pub trait PushTransport: Send + Sync {
    fn transport(&self) -> Transport;

    /// Sends `message` to one device. Never panics and never returns an
    /// error type: every failure is one of the [`Outcome`]s.
    async fn send(&self, registration: &PushRegistration, message: &Message) -> Outcome;
}

/// The wall clock the transports read (token lifetimes, `iat`, `exp`,
/// `apns-expiration`, an HTTP-date `Retry-After`); tests move it.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(SystemTime::now)
}

/// Seconds since the Unix epoch on `clock`.
pub(crate) fn unix_now(clock: &Clock) -> u64 {
    clock().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// How every transport's HTTP client is built.
#[derive(Clone, Default)]
pub struct HttpOptions {
    /// Bounds each request, connection included (default 10 s).
    pub timeout: Option<Duration>,
    /// A PEM certificate trusted besides the web PKI roots: tests only (the
    /// fake APNs's test CA; the future `--push-ca FILE`).
    pub extra_root_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOptions")
            .field("timeout", &self.timeout)
            .field("extra_root_pem", &self.extra_root_pem.as_ref().map(|_| "…"))
            .finish()
    }
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest `Retry-After` passed on; longer asks wait this long and ask
/// again.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Errors building a transport (bad key, bad URL), said without the secret.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("{0}")]
    Config(String),
}

fn config(msg: impl Into<String>) -> PushError {
    PushError::Config(msg.into())
}

impl HttpOptions {
    /// A reqwest builder with the options and what every push request
    /// shares: no redirects (UnifiedPush's server spec: an application
    /// server does not follow them; APNs and FCM never send them).
    pub(crate) fn builder(&self) -> Result<reqwest::ClientBuilder, PushError> {
        let mut b = reqwest::Client::builder()
            .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .connect_timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mMieszkaniec/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &self.extra_root_pem {
            let cert = reqwest::Certificate::from_pem(pem).map_err(|e| config(format!("the extra root certificate: {e}")))?;
            b = b.add_root_certificate(cert);
        }
        Ok(b)
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, capped
/// at [`MAX_RETRY_AFTER`]; `None` when absent or unreadable.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let d = match v.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = httpdate::parse_http_date(v).ok()?;
            at.duration_since(now).unwrap_or(Duration::ZERO)
        }
    };
    Some(d.min(MAX_RETRY_AFTER))
}

/// What every service means by these statuses: 429 (RFC 6585 §4) and 503
/// (RFC 9110 §15.6.4) with their `Retry-After`, any other 5xx retried after
/// the queue's backoff. `None` for the statuses each transport reads itself.
pub(crate) fn common_retry(status: u16, headers: &HeaderMap, now: SystemTime) -> Option<Outcome> {
    match status {
        429 | 503 => Some(Outcome::Retry { after: retry_after(headers, now) }),
        500..=599 => Some(Outcome::Retry { after: None }),
        _ => None,
    }
}

/// A request that failed before an answer: a timeout, a refused or reset
/// connection. Retried; the reason names no token or URL.
pub(crate) fn network_failure(e: &reqwest::Error) -> Outcome {
    tracing::debug!(timeout = e.is_timeout(), connect = e.is_connect(), "push request failed before an answer");
    Outcome::Retry { after: None }
}

/// The reason in a service's JSON error body, cut short, for the log and
/// the delivery row (never a token: no service echoes one).
pub(crate) fn short(s: &str) -> String {
    s.chars().take(120).collect()
}

/// Base64url without padding (RFC 4648 §5), as JWTs and VAPID keys use.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

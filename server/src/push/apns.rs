//! APNs, the provider API (Apple, "Sending notification requests to
//! APNs"; `NOTIFICATIONS-WASTE.md` §2):
//!
//! - HTTP/2 over TLS only: `POST {base}/3/device/<hex token>`, one
//!   connection kept open (reqwest's pool) and requests multiplexed on it;
//! - token-based authentication: `authorization: bearer <JWT>` with header
//!   `{"alg":"ES256","kid":KEY_ID}` and claims `{"iss":TEAM_ID,"iat":now}`,
//!   signed with the `.p8` key. Apple refuses a token older than an hour
//!   (`403 ExpiredProviderToken`) and one renewed more often than every
//!   20 minutes (`429 TooManyProviderTokenUpdates`), so one token is
//!   reused for [`DEFAULT_TOKEN_REFRESH`];
//! - headers `apns-topic` (the bundle id), `apns-push-type: alert`,
//!   `apns-priority` (10 now, 5 power-aware), `apns-expiration` (epoch
//!   seconds until which APNs stores it), `apns-collapse-id`;
//! - the payload at most 4096 bytes (Apple: regular notifications);
//! - dead tokens: `410 Unregistered`/`ExpiredToken`, `400 BadDeviceToken`,
//!   `400 DeviceTokenNotForTopic` (Apple: do not retry these).

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mm_protocol::notifications::{ApnsEnvironment, PushRegistration, Transport};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Clock, HttpOptions, Message, Outcome, PushError, PushTransport, common_retry, config, network_failure, short,
    system_clock, unix_now,
};

pub const PRODUCTION_URL: &str = "https://api.push.apple.com";
pub const SANDBOX_URL: &str = "https://api.sandbox.push.apple.com";

/// Apple: refresh no more than once every 20 minutes and no less than
/// once an hour; 40 minutes sits in the middle.
pub const DEFAULT_TOKEN_REFRESH: Duration = Duration::from_secs(40 * 60);
const MIN_TOKEN_REFRESH: Duration = Duration::from_secs(20 * 60);
const MAX_TOKEN_REFRESH: Duration = Duration::from_secs(55 * 60);

/// Apple's limit for a regular (non-VoIP) notification payload.
pub const MAX_PAYLOAD: usize = 4096;

/// One gmina's APNs credentials and where to send.
#[derive(Clone)]
pub struct ApnsConfig {
    /// The `.p8` file's content (PKCS#8 PEM, P-256).
    pub key_pem: String,
    /// The key's 10-character Key ID (JWT `kid`).
    pub key_id: String,
    /// The developer team (JWT `iss`).
    pub team_id: String,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
    pub production_url: String,
    pub sandbox_url: String,
    /// How long one provider token is reused (20–55 minutes).
    pub token_refresh: Duration,
    /// Where the provider token is kept between runs (mode 0600): a
    /// restarted server signing a new token within 20 minutes of the last
    /// is refused by Apple (`429 TooManyProviderTokenUpdates`), so it
    /// reuses the one it had. `None`: in memory only.
    pub token_cache: Option<std::path::PathBuf>,
    pub http: HttpOptions,
    pub clock: Clock,
}

impl ApnsConfig {
    /// Apple's hosts, [`DEFAULT_TOKEN_REFRESH`], the system clock.
    pub fn new(key_pem: impl Into<String>, key_id: impl Into<String>, team_id: impl Into<String>, topic: impl Into<String>) -> Self {
        ApnsConfig {
            key_pem: key_pem.into(),
            key_id: key_id.into(),
            team_id: team_id.into(),
            topic: topic.into(),
            production_url: PRODUCTION_URL.into(),
            sandbox_url: SANDBOX_URL.into(),
            token_refresh: DEFAULT_TOKEN_REFRESH,
            token_cache: None,
            http: HttpOptions::default(),
            clock: system_clock(),
        }
    }

    /// Both hosts at one base URL (a test fake).
    pub fn with_base_url(mut self, url: &str) -> Self {
        self.production_url = url.trim_end_matches('/').into();
        self.sandbox_url = self.production_url.clone();
        self
    }
}

impl std::fmt::Debug for ApnsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsConfig")
            .field("key_pem", &"[redacted]")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .field("topic", &self.topic)
            .field("production_url", &self.production_url)
            .field("sandbox_url", &self.sandbox_url)
            .field("token_refresh", &self.token_refresh)
            .field("http", &self.http)
            .finish()
    }
}

#[derive(Serialize)]
struct ProviderClaims<'a> {
    iss: &'a str,
    iat: u64,
}

#[derive(Serialize, Deserialize)]
struct ProviderToken {
    jwt: String,
    iat: u64,
}

impl ProviderToken {
    /// The token kept by an earlier run, if it is there and readable.
    fn load(path: &std::path::Path) -> Option<ProviderToken> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    /// Keeps the token for the next run: written beside, then renamed, so a
    /// crash leaves the old file or the new one. A failure only costs the
    /// reuse, so it is logged, not returned.
    fn store(&self, path: &std::path::Path) {
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension("tmp");
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            std::io::Write::write_all(&mut options.open(&tmp)?, &serde_json::to_vec(self).unwrap_or_default())?;
            std::fs::rename(&tmp, path)
        };
        if let Err(e) = write() {
            tracing::warn!(error = %e, "cannot keep the APNs provider token for the next run");
        }
    }
}

/// The APNs transport of one set of credentials.
pub struct Apns {
    key: EncodingKey,
    key_id: String,
    team_id: String,
    topic: String,
    production_url: String,
    sandbox_url: String,
    token_refresh: Duration,
    clock: Clock,
    client: reqwest::Client,
    token: Mutex<Option<ProviderToken>>,
    token_cache: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Apns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Apns").field("key_id", &self.key_id).field("team_id", &self.team_id).field("topic", &self.topic).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    reason: String,
}

impl Apns {
    pub fn new(cfg: ApnsConfig) -> Result<Apns, PushError> {
        let key = EncodingKey::from_ec_pem(cfg.key_pem.as_bytes())
            .map_err(|_| config("the APNs key is not a P-256 private key in PKCS#8 PEM (a .p8 file)"))?;
        if cfg.key_id.len() != 10 || !cfg.key_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(config("the APNs key id is 10 letters and digits"));
        }
        if cfg.team_id.is_empty() || !cfg.team_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(config("the APNs team id is letters and digits"));
        }
        if cfg.topic.is_empty() || !cfg.topic.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(config("the APNs topic is the app's bundle id"));
        }
        if !(MIN_TOKEN_REFRESH..=MAX_TOKEN_REFRESH).contains(&cfg.token_refresh) {
            return Err(config("the APNs token refresh is 20 to 55 minutes (Apple: at most every 20, at least every 60)"));
        }
        for u in [&cfg.production_url, &cfg.sandbox_url] {
            let url = reqwest::Url::parse(u).map_err(|_| config("an APNs URL is not a URL"))?;
            if url.scheme() != "https" {
                return Err(config("APNs is HTTP/2 over TLS: its URL is https://"));
            }
        }
        // APNs speaks only HTTP/2: ALPN offers `h2` alone.
        let client = cfg.http.builder()?.http2_prior_knowledge().build().map_err(|e| config(format!("APNs client: {e}")))?;
        Ok(Apns {
            key,
            key_id: cfg.key_id,
            team_id: cfg.team_id,
            topic: cfg.topic,
            production_url: cfg.production_url,
            sandbox_url: cfg.sandbox_url,
            token_refresh: cfg.token_refresh,
            clock: cfg.clock,
            client,
            token: Mutex::new(cfg.token_cache.as_deref().and_then(ProviderToken::load)),
            token_cache: cfg.token_cache,
        })
    }

    /// The provider token: the cached one while younger than the refresh
    /// interval, else a new one.
    fn provider_token(&self) -> Result<String, Outcome> {
        let now = unix_now(&self.clock);
        let mut slot = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = slot.as_ref()
            && now.saturating_sub(t.iat) < self.token_refresh.as_secs()
            && now >= t.iat
        {
            return Ok(t.jwt.clone());
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        header.typ = None;
        let jwt = jsonwebtoken::encode(&header, &ProviderClaims { iss: &self.team_id, iat: now }, &self.key).map_err(|_| {
            tracing::error!("cannot sign the APNs provider token");
            Outcome::Rejected { reason: "cannot sign the APNs provider token".into() }
        })?;
        let token = ProviderToken { jwt: jwt.clone(), iat: now };
        if let Some(path) = &self.token_cache {
            token.store(path);
        }
        *slot = Some(token);
        Ok(jwt)
    }

    /// Forgets the provider token after APNs refused it.
    fn drop_token(&self, refused: &str) {
        let mut slot = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|t| t.jwt == refused) {
            *slot = None;
        }
    }

    /// The JSON payload: `aps` for iOS to show, `mm` for the app.
    pub fn payload(message: &Message) -> serde_json::Value {
        let k = message.knobs();
        let mut mm = json!({"id": message.id, "class": message.class});
        if let Some(link) = &message.link {
            mm["link"] = json!(link);
        }
        json!({
            "aps": {
                "alert": {"title": message.title, "body": message.body},
                "sound": "default",
                // iOS 15+: `time-sensitive` breaks through Focus and the
                // scheduled summary (Apple, UNNotificationInterruptionLevel);
                // `critical` needs an entitlement we do not have.
                "interruption-level": k.apns_interruption_level,
            },
            "mm": mm,
        })
    }
}

#[async_trait]
impl PushTransport for Apns {
    fn transport(&self) -> Transport {
        Transport::Apns
    }

    async fn send(&self, registration: &PushRegistration, message: &Message) -> Outcome {
        let PushRegistration::Apns { token_hex, environment } = registration else {
            return Outcome::Rejected { reason: "not an APNs registration".into() };
        };
        // The token goes into the path: hex only (Apple would answer 400
        // BadDeviceToken anyway).
        if token_hex.is_empty() || !token_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Outcome::Dead { reason: "BadDeviceToken".into() };
        }
        let body = match serde_json::to_vec(&Self::payload(message)) {
            Ok(b) => b,
            Err(_) => return Outcome::Rejected { reason: "payload not serialisable".into() },
        };
        if body.len() > MAX_PAYLOAD {
            return Outcome::Rejected { reason: format!("payload_too_large: {} bytes, APNs takes {MAX_PAYLOAD}", body.len()) };
        }
        let jwt = match self.provider_token() {
            Ok(t) => t,
            Err(o) => return o,
        };
        let k = message.knobs();
        let base = match environment {
            ApnsEnvironment::Production => &self.production_url,
            ApnsEnvironment::Sandbox => &self.sandbox_url,
        };
        let now = self.clock();
        let expiration = unix_now(&self.clock) + u64::from(k.ttl_secs);
        let resp = self
            .client
            .post(format!("{base}/3/device/{}", token_hex.to_ascii_lowercase()))
            .bearer_auth(&jwt)
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", k.apns_priority.to_string())
            .header("apns-expiration", expiration.to_string())
            .header("apns-collapse-id", message.collapse_key())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => return network_failure(&e),
        };
        let status = resp.status().as_u16();
        if status == 200 {
            return Outcome::Delivered;
        }
        let headers = resp.headers().clone();
        let reason = resp.json::<ErrorBody>().await.map(|b| b.reason).unwrap_or_default();
        tracing::info!(status, reason = %short(&reason), "APNs refused a notification");
        match (status, reason.as_str()) {
            (410, _) | (400, "BadDeviceToken" | "DeviceTokenNotForTopic") => {
                Outcome::Dead { reason: if reason.is_empty() { "Unregistered".into() } else { short(&reason) } }
            }
            (403, "ExpiredProviderToken" | "InvalidProviderToken") => {
                self.drop_token(&jwt);
                Outcome::Retry { after: None }
            }
            (413, _) => Outcome::Rejected { reason: "PayloadTooLarge".into() },
            _ => common_retry(status, &headers, now)
                .unwrap_or_else(|| Outcome::Rejected { reason: format!("APNs {status} {}", short(&reason)) }),
        }
    }
}

impl Apns {
    fn clock(&self) -> std::time::SystemTime {
        (self.clock)()
    }
}

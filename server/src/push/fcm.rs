//! Firebase Cloud Messaging HTTP v1 (firebase.google.com/docs/reference/
//! fcm/rest/v1/projects.messages/send; `NOTIFICATIONS-WASTE.md` §1):
//!
//! - `POST {base}/v1/projects/{project_id}/messages:send`, one message per
//!   request (the batch API is gone since 2024), `Authorization: Bearer`
//!   an OAuth2 access token;
//! - the token from the service account's JSON key by the JWT bearer grant
//!   (RFC 7523; Google "Using OAuth 2.0 for Server to Server
//!   Applications"): an RS256 JWT with `iss` = `client_email`, `scope`,
//!   `aud` = `token_uri`, `iat`, `exp` ≤ one hour later, POSTed as
//!   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…`;
//!   the answer's `access_token` is kept until shortly before `expires_in`;
//! - `android.priority` `high` for alerts (may wake a dozing phone) with
//!   `notification.channel_id` `alerts`, else `normal` and `general`;
//!   `android.ttl` as `"<seconds>s"`, `collapse_key`;
//! - at most 4096 bytes of message (Firebase ErrorCode reference);
//! - dead tokens: `404` (`UNREGISTERED`), `400 INVALID_ARGUMENT` whose
//!   details are an `FcmError` (a malformed token, unlike a
//!   `google.rpc.BadRequest`, which is our payload), `403
//!   SENDER_ID_MISMATCH` (a token of another project).

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mm_protocol::notifications::{PushRegistration, Transport};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Clock, HttpOptions, Message, Outcome, PushError, PushTransport, common_retry, config, network_failure, short,
    system_clock, unix_now,
};

pub const DEFAULT_URL: &str = "https://fcm.googleapis.com";
/// The OAuth scope FCM accepts (also `cloud-platform`, which is wider).
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// FCM's limit on a message's keys and values.
pub const MAX_PAYLOAD: usize = 4096;
/// An access token is renewed this long before Google says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);
/// The grant JWT's lifetime: Google takes at most an hour.
const GRANT_LIFETIME: u64 = 3600;

/// The fields of a Google service-account key file that the grant needs.
#[derive(Clone, Deserialize)]
pub struct ServiceAccount {
    pub project_id: String,
    pub client_email: String,
    /// PKCS#8 PEM, RSA.
    pub private_key: String,
    pub token_uri: String,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("private_key", &"[redacted]")
            .field("token_uri", &self.token_uri)
            .finish()
    }
}

impl ServiceAccount {
    /// Reads the JSON key file's text; the error never quotes it.
    pub fn from_json(text: &str) -> Result<ServiceAccount, PushError> {
        let sa: ServiceAccount = serde_json::from_str(text).map_err(|_| {
            config("not a Google service-account key: JSON with project_id, client_email, private_key and token_uri expected")
        })?;
        if sa.project_id.is_empty() || !sa.project_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(config("the service account's project_id is letters, digits and '-'"));
        }
        Ok(sa)
    }
}

/// One gmina's FCM credentials and where to send.
#[derive(Clone)]
pub struct FcmConfig {
    pub account: ServiceAccount,
    /// `https://fcm.googleapis.com`, or a fake's URL.
    pub base_url: String,
    /// Overrides the account's `token_uri` (a fake's `/token`).
    pub token_url: Option<String>,
    pub http: HttpOptions,
    pub clock: Clock,
}

impl FcmConfig {
    pub fn new(account: ServiceAccount) -> Self {
        FcmConfig { account, base_url: DEFAULT_URL.into(), token_url: None, http: HttpOptions::default(), clock: system_clock() }
    }
}

impl std::fmt::Debug for FcmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FcmConfig")
            .field("account", &self.account)
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("http", &self.http)
            .finish()
    }
}

#[derive(Serialize)]
struct GrantClaims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

struct AccessToken {
    token: String,
    renew_at: SystemTime,
}

/// The FCM transport of one service account.
pub struct Fcm {
    key: EncodingKey,
    client_email: String,
    send_url: String,
    /// The `aud` of the grant: the account's `token_uri`, which Google
    /// checks, whatever URL the grant is POSTed to.
    audience: String,
    token_url: String,
    clock: Clock,
    client: reqwest::Client,
    /// One token fetch at a time: the others wait for it.
    token: tokio::sync::Mutex<Option<AccessToken>>,
}

impl std::fmt::Debug for Fcm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fcm").field("client_email", &self.client_email).field("send_url", &self.send_url).finish_non_exhaustive()
    }
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: ErrorInner,
}

#[derive(Deserialize, Default)]
struct ErrorInner {
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<ErrorDetail>,
}

#[derive(Deserialize, Default)]
struct ErrorDetail {
    #[serde(rename = "@type", default)]
    kind: String,
    #[serde(rename = "errorCode", default)]
    error_code: String,
}

impl ErrorInner {
    /// The `FcmError` detail's code, when the error carries one.
    fn fcm_code(&self) -> Option<&str> {
        self.details.iter().find(|d| d.kind.ends_with("google.firebase.fcm.v1.FcmError")).map(|d| d.error_code.as_str())
    }
}

/// Why no access token could be had.
enum TokenFailure {
    Retry,
    Refused,
}

impl Fcm {
    pub fn new(cfg: FcmConfig) -> Result<Fcm, PushError> {
        let key = EncodingKey::from_rsa_pem(cfg.account.private_key.as_bytes())
            .map_err(|_| config("the service account's private_key is not an RSA key in PEM"))?;
        let token_url = cfg.token_url.clone().unwrap_or_else(|| cfg.account.token_uri.clone());
        for u in [&cfg.base_url, &token_url, &cfg.account.token_uri] {
            let url = reqwest::Url::parse(u).map_err(|_| config("an FCM URL is not a URL"))?;
            if !matches!(url.scheme(), "https" | "http") {
                return Err(config("an FCM URL is https:// (http:// only for a test fake)"));
            }
        }
        let client = cfg.http.builder()?.build().map_err(|e| config(format!("FCM client: {e}")))?;
        Ok(Fcm {
            key,
            client_email: cfg.account.client_email,
            send_url: format!("{}/v1/projects/{}/messages:send", cfg.base_url.trim_end_matches('/'), cfg.account.project_id),
            audience: cfg.account.token_uri,
            token_url,
            clock: cfg.clock,
            client,
            token: tokio::sync::Mutex::new(None),
        })
    }

    async fn access_token(&self) -> Result<String, TokenFailure> {
        let mut slot = self.token.lock().await;
        let now = (self.clock)();
        if let Some(t) = slot.as_ref()
            && now < t.renew_at
        {
            return Ok(t.token.clone());
        }
        let iat = unix_now(&self.clock);
        let claims = GrantClaims { iss: &self.client_email, scope: SCOPE, aud: &self.audience, iat, exp: iat + GRANT_LIFETIME };
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        let assertion = jsonwebtoken::encode(&header, &claims, &self.key).map_err(|_| {
            tracing::error!("cannot sign the FCM grant");
            TokenFailure::Refused
        })?;
        let resp = self
            .client
            .post(&self.token_url)
            .form(&[("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion.as_str())])
            .send()
            .await
            .map_err(|e| {
                network_failure(&e);
                TokenFailure::Retry
            })?;
        let status = resp.status().as_u16();
        if status != 200 {
            // RFC 6749 §5.2: 400 `invalid_grant` and friends are our
            // credentials; a 5xx or 429 is Google's moment.
            tracing::warn!(status, "Google refused the FCM access token grant");
            return Err(if status == 429 || status >= 500 { TokenFailure::Retry } else { TokenFailure::Refused });
        }
        let answer: TokenAnswer = resp.json().await.map_err(|_| TokenFailure::Retry)?;
        let lifetime = Duration::from_secs(answer.expires_in).saturating_sub(TOKEN_MARGIN);
        *slot = Some(AccessToken { token: answer.access_token.clone(), renew_at: now + lifetime });
        Ok(answer.access_token)
    }

    async fn drop_token(&self, refused: &str) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.token == refused) {
            *slot = None;
        }
    }

    /// The `message` object without its target (which FCM does not count
    /// against the limit).
    pub fn message(message: &Message) -> serde_json::Value {
        let k = message.knobs();
        let mut data = json!({"id": message.id.to_string(), "class": k_class(message)});
        if let Some(link) = &message.link {
            // `data` is map<string, string> (FCM v1 `Message.data`).
            data["link"] = json!(serde_json::to_string(link).unwrap_or_default());
        }
        json!({
            "notification": {"title": message.title, "body": message.body},
            "data": data,
            "android": {
                "priority": k.fcm_priority,
                "ttl": format!("{}s", k.ttl_secs),
                "collapse_key": message.collapse_key(),
                "notification": {"channel_id": k.android_channel_id},
            },
        })
    }
}

fn k_class(message: &Message) -> String {
    serde_json::to_value(message.class).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[async_trait]
impl PushTransport for Fcm {
    fn transport(&self) -> Transport {
        Transport::Fcm
    }

    async fn send(&self, registration: &PushRegistration, message: &Message) -> Outcome {
        let PushRegistration::Fcm { token } = registration else {
            return Outcome::Rejected { reason: "not an FCM registration".into() };
        };
        let mut msg = Self::message(message);
        let size = serde_json::to_vec(&msg).map_or(usize::MAX, |v| v.len());
        if size > MAX_PAYLOAD {
            return Outcome::Rejected { reason: format!("payload_too_large: {size} bytes, FCM takes {MAX_PAYLOAD}") };
        }
        msg["token"] = json!(token);
        let access = match self.access_token().await {
            Ok(t) => t,
            Err(TokenFailure::Retry) => return Outcome::Retry { after: None },
            Err(TokenFailure::Refused) => return Outcome::Rejected { reason: "FCM credentials refused by Google".into() },
        };
        let now = (self.clock)();
        let resp = self.client.post(&self.send_url).bearer_auth(&access).json(&json!({"message": msg})).send().await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => return network_failure(&e),
        };
        let status = resp.status().as_u16();
        if status == 200 {
            return Outcome::Delivered;
        }
        let headers = resp.headers().clone();
        let err = resp.json::<ErrorBody>().await.unwrap_or_default().error;
        let code = err.fcm_code().unwrap_or("").to_owned();
        tracing::info!(status, status_text = %short(&err.status), code = %short(&code), "FCM refused a message");
        match status {
            404 => Outcome::Dead { reason: if code.is_empty() { "UNREGISTERED".into() } else { short(&code) } },
            // An `FcmError` detail: the token; a `BadRequest`: our payload.
            400 if err.fcm_code().is_some() => Outcome::Dead { reason: format!("INVALID_ARGUMENT ({})", short(&code)) },
            403 if code == "SENDER_ID_MISMATCH" => Outcome::Dead { reason: code },
            401 => {
                self.drop_token(&access).await;
                Outcome::Retry { after: None }
            }
            _ => common_retry(status, &headers, now)
                .unwrap_or_else(|| Outcome::Rejected { reason: format!("FCM {status} {}", short(&err.status)) }),
        }
    }
}

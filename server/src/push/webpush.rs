//! Web Push: UnifiedPush on Android without Google services, and browsers
//! (`NOTIFICATIONS-WASTE.md` §3).
//!
//! - RFC 8030: `POST` the encrypted body to the subscription's endpoint
//!   with `TTL` (§5.2, seconds the push service keeps it), `Urgency`
//!   (§5.3), `Topic` (§5.4, a later message with the same topic replaces
//!   an undelivered one); `201 Created` on acceptance;
//! - RFC 8291: the body encrypted to the subscription's `p256dh` key with
//!   its 16-byte `auth` secret, in the RFC 8188 `aes128gcm` content coding
//!   ([`super::ece`], on ring);
//! - RFC 8292 (VAPID): `Authorization: vapid t=<JWT>, k=<public key>`, the
//!   JWT ES256 with `aud` = the endpoint's origin (port included, RFC 6454
//!   §6.2), `exp` at most 24 hours ahead, `sub` a contact URI;
//! - UnifiedPush AND_3.0.0: at most 4096 bytes encrypted, so 3993 bytes of
//!   cleartext; its server spec: `404` (and RFC 8030's `410`) = gone,
//!   `413` too large, `429` slow down, no redirects followed;
//! - the endpoint is checked against SSRF at every send ([`super::ssrf`]).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mm_protocol::notifications::rules::base64url_decode;
use mm_protocol::notifications::{PushRegistration, Transport};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::Serialize;

use super::ece::{self, EceError};
use super::ssrf::{self, GuardedResolver};
use super::{
    Clock, HttpOptions, Message, Outcome, PushError, PushTransport, b64url, common_retry, config, network_failure,
    system_clock, unix_now,
};

/// RFC 8291 leaves 4096 − 86 (header) − 16 (tag) − 1 (padding delimiter).
pub const MAX_CLEARTEXT: usize = 3993;
/// A VAPID JWT lives 12 hours (RFC 8292 §2: at most 24) and is reused per
/// origin until an hour before it ends.
const VAPID_LIFETIME: u64 = 12 * 3600;
const VAPID_MARGIN: u64 = 3600;

/// The server's VAPID key pair (P-256). The file `mm-server push
/// vapid-keygen` writes is its PKCS#8 PEM, as APNs's `.p8`.
#[derive(Clone)]
pub struct VapidKey {
    secret: p256::SecretKey,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey").field("public_key", &self.public_key()).field("secret", &"[redacted]").finish()
    }
}

impl VapidKey {
    /// A new key pair from the operating system's random source.
    pub fn generate() -> VapidKey {
        VapidKey { secret: p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng) }
    }

    /// Reads a PKCS#8 PEM; the error never quotes it.
    pub fn from_pem(pem: &str) -> Result<VapidKey, PushError> {
        let secret = p256::SecretKey::from_pkcs8_pem(pem).map_err(|_| config("the VAPID key is not a P-256 private key in PKCS#8 PEM"))?;
        Ok(VapidKey { secret })
    }

    /// The private key as PKCS#8 PEM, for the key file (mode 0600).
    pub fn to_pem(&self) -> Result<String, PushError> {
        self.secret.to_pkcs8_pem(LineEnding::LF).map(|s| s.to_string()).map_err(|_| config("cannot encode the VAPID key"))
    }

    /// The public key as the 87-character base64url of its uncompressed
    /// point: `k=` of the header, and what an app hands a UnifiedPush
    /// distributor at registration.
    pub fn public_key(&self) -> String {
        b64url(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    fn encoding_key(&self) -> Result<EncodingKey, PushError> {
        let der = self.secret.to_pkcs8_der().map_err(|_| config("cannot encode the VAPID key"))?;
        Ok(EncodingKey::from_ec_der(der.as_bytes()))
    }
}

/// `mm-server push vapid-keygen`: a new key's PEM (for the file) and its
/// public key (for the apps).
pub fn vapid_keygen() -> Result<(String, String), PushError> {
    let key = VapidKey::generate();
    Ok((key.to_pem()?, key.public_key()))
}

/// Checks a subscription's keys as RFC 8291 §3 wants them: `p256dh` a
/// point on P-256, `auth` 16 bytes (the registration route can call this
/// to refuse a bad key before storing it).
pub fn check_subscription_keys(p256dh: &str, auth: &str) -> Result<(p256::PublicKey, [u8; 16]), PushError> {
    let key = base64url_decode(p256dh)
        .and_then(|b| p256::PublicKey::from_sec1_bytes(&b).ok())
        .ok_or_else(|| config("p256dh is not a P-256 public key"))?;
    let auth: [u8; 16] =
        base64url_decode(auth).and_then(|b| b.try_into().ok()).ok_or_else(|| config("auth is not 16 bytes"))?;
    Ok((key, auth))
}

/// The server's Web Push settings.
#[derive(Clone)]
pub struct WebPushConfig {
    pub vapid: VapidKey,
    /// RFC 8292 §2.1 `sub`: `mailto:` or `https:` of whoever runs the
    /// server, for a push service to reach.
    pub contact: String,
    /// Tests only (`--push-allow-loopback`): loopback endpoints, over http.
    pub allow_loopback: bool,
    pub http: HttpOptions,
    pub clock: Clock,
}

impl WebPushConfig {
    pub fn new(vapid: VapidKey, contact: impl Into<String>) -> Self {
        WebPushConfig { vapid, contact: contact.into(), allow_loopback: false, http: HttpOptions::default(), clock: system_clock() }
    }
}

impl std::fmt::Debug for WebPushConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebPushConfig")
            .field("vapid", &self.vapid)
            .field("contact", &self.contact)
            .field("allow_loopback", &self.allow_loopback)
            .field("http", &self.http)
            .finish()
    }
}

#[derive(Serialize)]
struct VapidClaims<'a> {
    aud: &'a str,
    exp: u64,
    sub: &'a str,
}

/// The Web Push transport.
pub struct WebPush {
    key: EncodingKey,
    public_key: String,
    contact: String,
    allow_loopback: bool,
    clock: Clock,
    client: reqwest::Client,
    /// VAPID JWT per origin, with its `exp`.
    vapid: Mutex<HashMap<String, (String, u64)>>,
}

impl std::fmt::Debug for WebPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebPush").field("public_key", &self.public_key).field("allow_loopback", &self.allow_loopback).finish_non_exhaustive()
    }
}

impl WebPush {
    pub fn new(cfg: WebPushConfig) -> Result<WebPush, PushError> {
        if !(cfg.contact.starts_with("mailto:") || cfg.contact.starts_with("https://")) {
            return Err(config("the VAPID contact is a mailto: or https: URI (RFC 8292 §2.1)"));
        }
        let client = cfg
            .http
            .builder()?
            .dns_resolver(std::sync::Arc::new(GuardedResolver { allow_loopback: cfg.allow_loopback }))
            .build()
            .map_err(|e| config(format!("Web Push client: {e}")))?;
        Ok(WebPush {
            key: cfg.vapid.encoding_key()?,
            public_key: cfg.vapid.public_key(),
            contact: cfg.contact,
            allow_loopback: cfg.allow_loopback,
            clock: cfg.clock,
            client,
            vapid: Mutex::new(HashMap::new()),
        })
    }

    /// The `Authorization` value for an origin.
    fn vapid_header(&self, origin: &str) -> Result<String, Outcome> {
        let now = unix_now(&self.clock);
        let mut cache = self.vapid.lock().unwrap_or_else(|e| e.into_inner());
        let jwt = match cache.get(origin) {
            Some((jwt, exp)) if now + VAPID_MARGIN < *exp && now + 24 * 3600 >= *exp => jwt.clone(),
            _ => {
                let exp = now + VAPID_LIFETIME;
                let claims = VapidClaims { aud: origin, exp, sub: &self.contact };
                let mut header = Header::new(Algorithm::ES256);
                header.typ = Some("JWT".into());
                let jwt = jsonwebtoken::encode(&header, &claims, &self.key)
                    .map_err(|_| Outcome::Rejected { reason: "cannot sign the VAPID token".into() })?;
                if cache.len() > 1000 {
                    cache.clear();
                }
                cache.insert(origin.to_owned(), (jwt.clone(), exp));
                jwt
            }
        };
        Ok(format!("vapid t={jwt}, k={}", self.public_key))
    }
}

#[async_trait]
impl PushTransport for WebPush {
    fn transport(&self) -> Transport {
        Transport::WebPush
    }

    async fn send(&self, registration: &PushRegistration, message: &Message) -> Outcome {
        let PushRegistration::WebPush { endpoint, p256dh, auth } = registration else {
            return Outcome::Rejected { reason: "not a Web Push registration".into() };
        };
        let url = match ssrf::check_endpoint(endpoint, self.allow_loopback) {
            Ok(u) => u,
            Err(r) => return Outcome::Rejected { reason: format!("endpoint refused: {r}") },
        };
        let bad_keys = || Outcome::Rejected { reason: "the subscription's p256dh or auth is not a valid key".into() };
        let (Some(ua_public), Some(auth)) = (base64url_decode(p256dh), base64url_decode(auth)) else {
            return bad_keys();
        };
        let cleartext = match serde_json::to_vec(&message.fields()) {
            Ok(c) => c,
            Err(_) => return Outcome::Rejected { reason: "payload not serialisable".into() },
        };
        if cleartext.len() > MAX_CLEARTEXT {
            return Outcome::Rejected {
                reason: format!("payload_too_large: {} bytes, Web Push takes {MAX_CLEARTEXT}", cleartext.len()),
            };
        }
        let body = match ece::encrypt(&cleartext, &ua_public, &auth) {
            Ok(b) => b,
            Err(EceError::BadSubscriptionKey) => return bad_keys(),
            Err(EceError::TooLong | EceError::Crypto) => {
                return Outcome::Rejected { reason: "RFC 8291 encryption failed".into() };
            }
        };
        let authorization = match self.vapid_header(&url.origin().ascii_serialization()) {
            Ok(a) => a,
            Err(o) => return o,
        };
        let k = message.knobs();
        let now = (self.clock)();
        let resp = self
            .client
            .post(url)
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header("TTL", k.ttl_secs.to_string())
            .header("Urgency", k.web_push_urgency)
            .header("Topic", message.collapse_key())
            .header(reqwest::header::CONTENT_ENCODING, "aes128gcm")
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(body)
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) if ssrf::refused_by_resolver(&e) => {
                return Outcome::Rejected { reason: format!("endpoint refused: {}", ssrf::ResolvedNotPublic) };
            }
            Err(e) => return network_failure(&e),
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        tracing::debug!(status, "Web Push answered");
        match status {
            200..=202 => Outcome::Delivered,
            404 | 410 => Outcome::Dead { reason: format!("endpoint gone ({status})") },
            413 => Outcome::Rejected { reason: "payload too large (413)".into() },
            // Anything a 3xx: we do not follow redirects.
            _ => common_retry(status, &headers, now).unwrap_or_else(|| Outcome::Rejected { reason: format!("Web Push {status}") }),
        }
    }
}


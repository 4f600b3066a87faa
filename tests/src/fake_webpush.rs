//! A fake Web Push service / UnifiedPush distributor endpoint on a loopback
//! port, playing both the push service and the phone: it hands out
//! subscriptions ([`FakeWebPush::subscribe`]: an endpoint URL, a P-256 key
//! pair whose public half is `p256dh`, a 16-byte `auth`), and for each
//! `POST /push/{id}` it checks (`NOTIFICATIONS-WASTE.md` §3):
//!
//! - RFC 8292 (VAPID): `Authorization: vapid t=<JWT>, k=<key>`, the JWT
//!   ES256 verified with `k`, `aud` = this fake's origin (scheme, host and
//!   port), `exp` in the future and at most 24 hours ahead, `sub` a
//!   `mailto:` or `https:` URI; with [`FakeWebPush::require_vapid`], `k`
//!   must be that key (as a UnifiedPush server given a VAPID key at
//!   registration);
//! - RFC 8030: `TTL` present (§5.2), `Urgency` one of `very-low`, `low`,
//!   `normal`, `high` (§5.3), `Topic` at most 32 base64url characters (§5.4);
//! - RFC 8291/8188: `Content-Encoding: aes128gcm`, at most 4096 bytes
//!   (UnifiedPush AND_3.0.0; `413` above), and it **decrypts** the body
//!   with the subscription's private key, keeping the cleartext;
//! - answers `201 Created` with a `Location`; an unknown or removed
//!   subscription `404` or `410` ([`FakeWebPush::remove`]).
//!
//! Fails on demand ([`Fault`]): 429 with `Retry-After`, 413, 500, slow.
//! Self-contained: `server/tests/main.rs` includes this file.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use p256::elliptic_curve::sec1::ToEncodedPoint;

/// What the next requests meet (until cleared).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// `429` with `Retry-After: secs`.
    TooMany { retry_after_secs: u64 },
    /// `413 Payload Too Large`.
    TooLarge,
    /// `500`.
    Http500,
    /// Waits this long, then answers as usual.
    Slow(Duration),
}

/// A subscription as the phone would register it with the server.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: u32,
    pub endpoint: String,
    /// The public key, uncompressed point, base64url.
    pub p256dh: String,
    /// The 16-byte authentication secret, base64url.
    pub auth: String,
}

/// One message received and decrypted.
#[derive(Debug, Clone)]
pub struct Received {
    pub subscription: u32,
    /// The decrypted body.
    pub cleartext: String,
    pub encrypted_bytes: usize,
    pub ttl: u64,
    pub urgency: Option<String>,
    pub topic: Option<String>,
    /// The VAPID public key (`k=`).
    pub vapid_key: String,
    pub vapid_sub: String,
}

#[derive(Clone)]
struct Keys {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

#[derive(Default)]
struct St {
    fault: Option<Fault>,
    once: VecDeque<Fault>,
    keys: HashMap<u32, Keys>,
    /// Removed subscriptions and the status they answer (404 or 410).
    gone: HashMap<u32, u16>,
    required_vapid: Option<String>,
    received: Vec<Received>,
    refusals: Vec<String>,
    requests: u32,
    seen_jwts: HashSet<String>,
    /// VAPID JWTs whose signature was checked, with their `k` and claims:
    /// a sender reuses one per origin for hours (RFC 8292 §2), and a
    /// reused token is checked again only for its claims.
    verified: HashMap<(String, String), serde_json::Value>,
}

pub struct FakeWebPush {
    /// `http://127.0.0.1:PORT`, also the origin VAPID's `aud` must name.
    pub url: String,
    st: Arc<Mutex<St>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeWebPush {
    fn drop(&mut self) {
        self.server.abort();
    }
}

struct Shared {
    st: Arc<Mutex<St>>,
    origin: String,
}

impl FakeWebPush {
    pub async fn start() -> FakeWebPush {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let st = Arc::new(Mutex::new(St::default()));
        let shared = Arc::new(Shared { st: st.clone(), origin: url.clone() });
        let app = Router::new().route("/push/{id}", post(push)).with_state(shared);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeWebPush { url, st, server }
    }

    /// A new subscription with a fresh key pair and secret.
    pub fn subscribe(&self) -> Subscription {
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let mut auth = [0u8; 16];
        p256::elliptic_curve::rand_core::RngCore::fill_bytes(&mut p256::elliptic_curve::rand_core::OsRng, &mut auth);
        let p256dh = URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes());
        let mut s = self.st.lock().unwrap();
        let id = s.keys.len() as u32 + 1;
        s.keys.insert(id, Keys { secret, auth });
        Subscription { id, endpoint: format!("{}/push/{id}", self.url), p256dh, auth: URL_SAFE_NO_PAD.encode(auth) }
    }

    /// The subscription is gone: it answers `status` (404 or 410).
    pub fn remove(&self, id: u32, status: u16) {
        self.st.lock().unwrap().gone.insert(id, status);
    }

    /// Only this VAPID public key (base64url) is accepted.
    pub fn require_vapid(&self, public_key: &str) {
        self.st.lock().unwrap().required_vapid = Some(public_key.to_owned());
    }

    pub fn set_fault(&self, fault: Fault) {
        self.st.lock().unwrap().fault = Some(fault);
    }

    pub fn fault_once(&self, fault: Fault) {
        self.st.lock().unwrap().once.push_back(fault);
    }

    pub fn clear_fault(&self) {
        let mut s = self.st.lock().unwrap();
        s.fault = None;
        s.once.clear();
    }

    pub fn received(&self) -> Vec<Received> {
        self.st.lock().unwrap().received.clone()
    }

    pub fn received_for(&self, id: u32) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.subscription == id).collect()
    }

    pub fn refusals(&self) -> Vec<String> {
        self.st.lock().unwrap().refusals.clone()
    }

    pub fn requests(&self) -> u32 {
        self.st.lock().unwrap().requests
    }

    /// Distinct VAPID JWTs seen.
    pub fn distinct_vapid_tokens(&self) -> usize {
        self.st.lock().unwrap().seen_jwts.len()
    }
}

fn refuse(st: &Mutex<St>, status: StatusCode, why: &str) -> Response {
    st.lock().unwrap().refusals.push(why.to_owned());
    (status, why.to_owned()).into_response()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

async fn push(State(sh): State<Arc<Shared>>, Path(id): Path<u32>, headers: HeaderMap, body: Bytes) -> Response {
    let st = &sh.st;
    let fault = {
        let mut s = st.lock().unwrap();
        s.requests += 1;
        s.once.pop_front().or_else(|| s.fault.clone())
    };
    match fault {
        Some(Fault::Http500) => return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
        Some(Fault::TooLarge) => return (StatusCode::PAYLOAD_TOO_LARGE, "too large").into_response(),
        Some(Fault::TooMany { retry_after_secs }) => {
            return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, retry_after_secs.to_string())], "slow down").into_response();
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);

    // VAPID (RFC 8292 §3): `vapid t=…, k=…`.
    let Some(auth) = h("authorization") else { return refuse(st, StatusCode::UNAUTHORIZED, "no Authorization") };
    let Some(params) = auth.strip_prefix("vapid ") else { return refuse(st, StatusCode::UNAUTHORIZED, "not the vapid scheme") };
    let mut t = None;
    let mut k = None;
    for p in params.split(',') {
        match p.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.to_owned()),
            Some(("k", v)) => k = Some(v.to_owned()),
            _ => {}
        }
    }
    let (Some(t), Some(k)) = (t, k) else { return refuse(st, StatusCode::UNAUTHORIZED, "vapid t and k") };
    let Some(raw) = URL_SAFE_NO_PAD.decode(&k).ok().filter(|r| r.len() == 65 && r[0] == 4) else {
        return refuse(st, StatusCode::UNAUTHORIZED, "k is not an uncompressed P-256 point");
    };
    let required = st.lock().unwrap().required_vapid.clone();
    if required.is_some_and(|r| r != k) {
        return refuse(st, StatusCode::FORBIDDEN, "not the VAPID key of the registration");
    }
    let known = st.lock().unwrap().verified.get(&(t.clone(), k.clone())).cloned();
    let claims = match known {
        Some(claims) => claims,
        None => {
            let verify = DecodingKey::from_ec_components(&URL_SAFE_NO_PAD.encode(&raw[1..33]), &URL_SAFE_NO_PAD.encode(&raw[33..65])).unwrap();
            let mut v = Validation::new(Algorithm::ES256);
            v.set_audience(&[sh.origin.as_str()]);
            v.set_required_spec_claims(&["exp", "aud", "sub"]);
            v.validate_exp = false;
            let claims = match jsonwebtoken::decode::<serde_json::Value>(&t, &verify, &v) {
                Ok(d) => d.claims,
                Err(e) => return refuse(st, StatusCode::UNAUTHORIZED, &format!("VAPID JWT: {e}")),
            };
            st.lock().unwrap().verified.insert((t.clone(), k.clone()), claims.clone());
            claims
        }
    };
    // RFC 8292 §2: `exp` in the future (no leeway), and no more than 24
    // hours from the request; checked at every request.
    let exp = claims["exp"].as_u64();
    if exp.is_none_or(|exp| exp < now()) {
        return refuse(st, StatusCode::UNAUTHORIZED, "VAPID JWT: ExpiredSignature");
    }
    if exp.is_none_or(|exp| exp > now() + 24 * 3600) {
        return refuse(st, StatusCode::UNAUTHORIZED, "VAPID exp more than 24 h ahead");
    }
    let sub = claims["sub"].as_str().unwrap_or("").to_owned();
    if !(sub.starts_with("mailto:") || sub.starts_with("https://")) {
        return refuse(st, StatusCode::UNAUTHORIZED, "VAPID sub is not mailto: or https:");
    }

    // RFC 8030 headers.
    let Some(ttl) = h("ttl").and_then(|v| v.parse::<u64>().ok()) else { return refuse(st, StatusCode::BAD_REQUEST, "TTL") };
    let urgency = h("urgency");
    if urgency.as_deref().is_some_and(|u| !["very-low", "low", "normal", "high"].contains(&u)) {
        return refuse(st, StatusCode::BAD_REQUEST, "Urgency");
    }
    let topic = h("topic");
    if topic.as_deref().is_some_and(|t| t.len() > 32 || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) {
        return refuse(st, StatusCode::BAD_REQUEST, "Topic");
    }
    if h("content-encoding").as_deref() != Some("aes128gcm") {
        return refuse(st, StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be aes128gcm");
    }
    if body.len() > 4096 {
        return refuse(st, StatusCode::PAYLOAD_TOO_LARGE, "over 4096 bytes");
    }

    let keys = {
        let s = st.lock().unwrap();
        if let Some(status) = s.gone.get(&id) {
            return StatusCode::from_u16(*status).unwrap().into_response();
        }
        let Some(keys) = s.keys.get(&id) else { return StatusCode::NOT_FOUND.into_response() };
        keys.clone()
    };
    // Outside the lock: concurrent requests decrypt in parallel.
    let auth = web_push_native::Auth::clone_from_slice(&keys.auth);
    let decrypted = web_push_native::decrypt(body.to_vec(), &keys.secret, &auth);
    let mut s = st.lock().unwrap();
    let cleartext = match decrypted {
        Ok(c) => c,
        Err(e) => {
            s.refusals.push(format!("cannot decrypt: {e}"));
            return (StatusCode::BAD_REQUEST, "cannot decrypt").into_response();
        }
    };
    let Ok(cleartext) = String::from_utf8(cleartext) else {
        s.refusals.push("cleartext not UTF-8".into());
        return (StatusCode::BAD_REQUEST, "not UTF-8").into_response();
    };
    s.seen_jwts.insert(t);
    s.received.push(Received {
        subscription: id,
        cleartext,
        encrypted_bytes: body.len(),
        ttl,
        urgency,
        topic,
        vapid_key: k,
        vapid_sub: sub,
    });
    let n = s.received.len();
    (StatusCode::CREATED, [(header::LOCATION, format!("/message/{n}"))]).into_response()
}

//! A fake APNs provider API (`POST /3/device/<token>`), over HTTP/2 and TLS
//! on a loopback port, with a test CA made at start (rcgen) that the client
//! is told to trust. It checks what Apple checks ("Sending notification
//! requests to APNs", "Handling notification responses from APNs";
//! `NOTIFICATIONS-WASTE.md` §2), answering with Apple's status and
//! `{"reason": …}`:
//!
//! - HTTP/2 only (a request over HTTP/1.1 is refused);
//! - `authorization: bearer <JWT>`: ES256, `kid` = [`KEY_ID`], `iss` =
//!   [`TEAM_ID`], signed by this fake's key ([`FakeApns::key_pem`], the
//!   `.p8` a test hands the client); a token whose `iat` is over an hour
//!   old is `403 ExpiredProviderToken`, a new token less than 20 minutes
//!   (of `iat`) after the previous one `429 TooManyProviderTokenUpdates`;
//! - `apns-topic` = [`TOPIC`], `apns-push-type`, `apns-priority` (10, 5 or
//!   1), `apns-expiration` (digits), `apns-collapse-id` (≤ 64 bytes);
//! - the payload at most 4096 bytes (`413 PayloadTooLarge`), JSON with `aps`;
//! - a token marked [`FakeApns::unregister`] is `410 Unregistered`.
//!
//! Fails on demand ([`Fault`]): 429 with `Retry-After`, 500, slow.
//! Self-contained on purpose: `server/tests/main.rs` includes this file.

#![allow(dead_code)]

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Version, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::json;
use tokio_rustls::rustls;

pub const KEY_ID: &str = "FAKEKEY123";
pub const TEAM_ID: &str = "FAKETEAM12";
pub const TOPIC: &str = "pl.mmieszkaniec.app";

/// What the next requests meet (until cleared).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// `429 TooManyRequests` with `Retry-After: secs`.
    TooMany { retry_after_secs: u64 },
    /// `500 InternalServerError`.
    Http500,
    /// Waits this long, then answers as usual.
    Slow(Duration),
}

/// One notification the fake accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub token: String,
    /// The provider JWT it came with.
    pub jwt: String,
    pub iat: u64,
    pub topic: String,
    pub push_type: String,
    pub priority: String,
    pub expiration: u64,
    pub collapse_id: Option<String>,
    pub payload: serde_json::Value,
    pub bytes: usize,
}

#[derive(Default)]
struct St {
    fault: Option<Fault>,
    /// Faults for the next requests only, then `fault` again.
    once: VecDeque<Fault>,
    dead: HashSet<String>,
    received: Vec<Received>,
    refusals: Vec<String>,
    requests: u32,
    /// The last provider token accepted and its `iat`.
    last_token: Option<(String, u64)>,
    connections: u32,
}

pub struct FakeApns {
    /// `https://127.0.0.1:PORT`
    pub url: String,
    /// The test CA the client must trust (PEM).
    pub ca_pem: String,
    /// The provider key, as Apple's `.p8` (PKCS#8 PEM, P-256).
    pub key_pem: String,
    st: Arc<Mutex<St>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeApns {
    fn drop(&mut self) {
        self.server.abort();
    }
}

struct Shared {
    st: Arc<Mutex<St>>,
    verify: DecodingKey,
}

impl FakeApns {
    /// Starts on the current tokio runtime.
    pub async fn start() -> FakeApns {
        // The provider key (a `.p8`): P-256.
        let provider = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let raw = provider.public_key_raw();
        let verify = DecodingKey::from_ec_components(&URL_SAFE_NO_PAD.encode(&raw[1..33]), &URL_SAFE_NO_PAD.encode(&raw[33..65])).unwrap();

        // A CA and a certificate for 127.0.0.1 and localhost signed by it.
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "mMieszkaniec fake APNs test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

        let provider_crypto = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider_crypto)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .unwrap();
        // APNs offers HTTP/2 only.
        tls.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

        let st = Arc::new(Mutex::new(St::default()));
        let shared = Arc::new(Shared { st: st.clone(), verify });
        let app = Router::new().route("/3/device/{token}", post(push)).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let st2 = st.clone();
        let server = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                st2.lock().unwrap().connections += 1;
                let acceptor = acceptor.clone();
                let app = app.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                        .await;
                });
            }
        });
        FakeApns {
            url: format!("https://{addr}"),
            ca_pem: ca_cert.pem(),
            key_pem: provider.serialize_pem(),
            st,
            server,
        }
    }

    pub fn set_fault(&self, fault: Fault) {
        self.st.lock().unwrap().fault = Some(fault);
    }

    /// A fault for the next request only.
    pub fn fault_once(&self, fault: Fault) {
        self.st.lock().unwrap().once.push_back(fault);
    }

    pub fn clear_fault(&self) {
        let mut s = self.st.lock().unwrap();
        s.fault = None;
        s.once.clear();
    }

    /// From now on `token` answers `410 Unregistered`.
    pub fn unregister(&self, token: &str) {
        self.st.lock().unwrap().dead.insert(token.to_ascii_lowercase());
    }

    pub fn received(&self) -> Vec<Received> {
        self.st.lock().unwrap().received.clone()
    }

    pub fn received_for(&self, token: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.token == token).collect()
    }

    /// Requests refused for a protocol error, and Apple's reason.
    pub fn refusals(&self) -> Vec<String> {
        self.st.lock().unwrap().refusals.clone()
    }

    pub fn requests(&self) -> u32 {
        self.st.lock().unwrap().requests
    }

    /// TCP connections accepted (HTTP/2 multiplexes requests on one).
    pub fn connections(&self) -> u32 {
        self.st.lock().unwrap().connections
    }
}

fn apple(status: StatusCode, reason: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], json!({"reason": reason}).to_string()).into_response()
}

fn refuse(st: &Mutex<St>, status: StatusCode, reason: &str) -> Response {
    st.lock().unwrap().refusals.push(reason.to_owned());
    apple(status, reason)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

async fn push(
    State(sh): State<Arc<Shared>>,
    Path(token): Path<String>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let st = &sh.st;
    let fault = {
        let mut s = st.lock().unwrap();
        s.requests += 1;
        s.once.pop_front().or_else(|| s.fault.clone())
    };
    match fault {
        Some(Fault::Http500) => return apple(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError"),
        Some(Fault::TooMany { retry_after_secs }) => {
            let mut r = apple(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests");
            r.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
            return r;
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    if version != Version::HTTP_2 {
        return refuse(st, StatusCode::HTTP_VERSION_NOT_SUPPORTED, "HTTP/2 required");
    }
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);

    // Provider token (Apple: "Establishing a token-based connection to APNs").
    // The scheme is case-insensitive (RFC 9110 §11.1): Apple writes `bearer`.
    let bearer = h("authorization").and_then(|v| v.split_once(' ').filter(|(s, _)| s.eq_ignore_ascii_case("bearer")).map(|(_, t)| t.to_owned()));
    let Some(jwt) = bearer else {
        return refuse(st, StatusCode::FORBIDDEN, "MissingProviderToken");
    };
    // The connection's current token was verified when it came first
    // (APNs too keeps it: the provider may send it for up to an hour).
    let current = st.lock().unwrap().last_token.as_ref().filter(|(last, _)| *last == jwt).map(|(_, iat)| *iat);
    let iat = match current {
        Some(iat) => iat,
        None => {
            let Ok(head) = jsonwebtoken::decode_header(&jwt) else {
                return refuse(st, StatusCode::FORBIDDEN, "InvalidProviderToken");
            };
            if head.alg != Algorithm::ES256 || head.kid.as_deref() != Some(KEY_ID) {
                return refuse(st, StatusCode::FORBIDDEN, "InvalidProviderToken");
            }
            let mut v = Validation::new(Algorithm::ES256);
            v.required_spec_claims = HashSet::new();
            v.validate_exp = false;
            v.validate_aud = false;
            let Ok(data) = jsonwebtoken::decode::<serde_json::Value>(&jwt, &sh.verify, &v) else {
                return refuse(st, StatusCode::FORBIDDEN, "InvalidProviderToken");
            };
            if data.claims["iss"] != TEAM_ID {
                return refuse(st, StatusCode::FORBIDDEN, "InvalidProviderToken");
            }
            let Some(iat) = data.claims["iat"].as_u64() else {
                return refuse(st, StatusCode::FORBIDDEN, "InvalidProviderToken");
            };
            iat
        }
    };
    if now().saturating_sub(iat) > 3600 {
        return refuse(st, StatusCode::FORBIDDEN, "ExpiredProviderToken");
    }
    {
        let mut s = st.lock().unwrap();
        match &s.last_token {
            Some((last, _)) if *last == jwt => {}
            Some((_, last_iat)) if iat.saturating_sub(*last_iat) < 20 * 60 => {
                s.refusals.push("TooManyProviderTokenUpdates".into());
                return apple(StatusCode::TOO_MANY_REQUESTS, "TooManyProviderTokenUpdates");
            }
            _ => s.last_token = Some((jwt.clone(), iat)),
        }
    }

    // Headers (Apple: "Sending notification requests to APNs", table 1).
    let Some(topic) = h("apns-topic") else { return refuse(st, StatusCode::BAD_REQUEST, "MissingTopic") };
    if topic != TOPIC {
        return refuse(st, StatusCode::BAD_REQUEST, "TopicDisallowed");
    }
    let push_type = h("apns-push-type").unwrap_or_default();
    if !["alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity"].contains(&push_type.as_str()) {
        return refuse(st, StatusCode::BAD_REQUEST, "InvalidPushType");
    }
    let priority = h("apns-priority").unwrap_or_else(|| "10".into());
    if !["10", "5", "1"].contains(&priority.as_str()) {
        return refuse(st, StatusCode::BAD_REQUEST, "BadPriority");
    }
    let expiration = match h("apns-expiration").map(|e| e.parse::<u64>()) {
        None => 0,
        Some(Ok(e)) => e,
        Some(Err(_)) => return refuse(st, StatusCode::BAD_REQUEST, "BadExpirationDate"),
    };
    let collapse_id = h("apns-collapse-id");
    if collapse_id.as_ref().is_some_and(|c| c.len() > 64) {
        return refuse(st, StatusCode::BAD_REQUEST, "BadCollapseId");
    }
    if !(64..=200).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return refuse(st, StatusCode::BAD_REQUEST, "BadDeviceToken");
    }
    if body.len() > 4096 {
        return refuse(st, StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge");
    }
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return refuse(st, StatusCode::BAD_REQUEST, "BadPayload");
    };
    if !payload["aps"].is_object() {
        return refuse(st, StatusCode::BAD_REQUEST, "PayloadEmpty");
    }
    let mut s = st.lock().unwrap();
    if s.dead.contains(&token.to_ascii_lowercase()) {
        let ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        return (StatusCode::GONE, [(header::CONTENT_TYPE, "application/json")], json!({"reason": "Unregistered", "timestamp": ms}).to_string())
            .into_response();
    }
    s.received.push(Received {
        token: token.to_ascii_lowercase(),
        jwt,
        iat,
        topic,
        push_type,
        priority,
        expiration,
        collapse_id,
        payload,
        bytes: body.len(),
    });
    let n = s.received.len();
    (StatusCode::OK, [("apns-id", format!("00000000-0000-4000-8000-{n:012}"))]).into_response()
}

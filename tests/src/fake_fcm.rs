//! A fake FCM HTTP v1 with its OAuth2 token endpoint, on a loopback port
//! (`NOTIFICATIONS-WASTE.md` §1):
//!
//! - `POST /token`: Google's JWT bearer grant (RFC 7523; "Using OAuth 2.0
//!   for Server to Server Applications"): a form with `grant_type =
//!   urn:ietf:params:oauth:grant-type:jwt-bearer` and `assertion`, an RS256
//!   JWT signed with the service account's key ([`PRIVATE_KEY_PEM`]) with
//!   `iss` = [`CLIENT_EMAIL`], a `scope` naming FCM, `aud` = this
//!   `token_uri`, `exp` at most an hour after `iat`; answers
//!   `{"access_token", "expires_in", "token_type": "Bearer"}` or RFC 6749
//!   §5.2's `400 {"error": "invalid_grant"}`;
//! - `POST /v1/projects/{id}/messages:send`: the bearer must be a token it
//!   issued and not expired (`401 UNAUTHENTICATED`), the project
//!   [`PROJECT`], one `message` with exactly one of `token`, `topic`,
//!   `condition`, `data` values strings, `android.priority` `normal` or
//!   `high`, `android.notification.channel_id`, at most 4096 bytes;
//!   answers `{"name": "projects/…/messages/…"}`;
//! - a token marked [`FakeFcm::unregister`] is `404 NOT_FOUND` with an
//!   `FcmError` `UNREGISTERED` detail, as FCM does.
//!
//! Fails on demand ([`Fault`]): 429 `RESOURCE_EXHAUSTED` with `Retry-After`,
//! 500, slow. Self-contained: `server/tests/main.rs` includes this file.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::json;

pub const PROJECT: &str = "mm-fake-project";
pub const CLIENT_EMAIL: &str = "push@mm-fake-project.iam.gserviceaccount.com";

/// A throwaway RSA key made for these tests only (`openssl genpkey`); it
/// signs nothing anywhere else.
pub const PRIVATE_KEY_PEM: &str = r"-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDEADgHr9PdjdXg
VStio8OSQmtoI326MCG77n3m4+Oc+2ECLVv2jc1oDZGJbw7a4rtJUvKhyQjm83kQ
A26RpIUNVzbv2TWL3eCS5Csen8wjQuXUZ8zoexcYTMZKJSJiTYx0M/lt6WvWdXvr
8Bt5F6rZX4gghHRk+26Uu4NqCuE0TckJmbolVL4UudWEglqIX4IP1FW2KzKgUF/l
oEoGIjsKk4V8EFZNc8Ib0hgGUkYc81uorrW5Msv/t9QyGdPYOEhAg7+CLKfACG7B
VbDSm4QkOygdbB4O44pWA/kKrnzmVQjA9+5onsSkAzy0mPGzUnWIubH9P5gWfeKL
jGeEhuxVAgMBAAECggEAAzhgs0mhgLydlLW5hIGdyzehpaCdpnM3fqu0sFgyq2fa
6Gr/3Y1nYEwGxdwIAbMjchk1iNBxf7/kz41K4gQytm0mJysprM5cq/UpOzPTagnl
lkeNT42EK99JC7tP9Q8CnX8kHDjvT2L3QgFcJjFsGm2uIiCi++zAnJt3FYUvvYj5
Q95CMOJpvU5IhumXxmsGjTeZ2yNbwEUweBykeQM0D2jVucaC2Ai0yburXKlxXecH
9qkA0CJdYSwhbEc2lVn3Lb7bBiJumH0mFaF12NWjKSmBoPqCAFCEJ4Ml/SQjEWVH
9XBkkHHP45UensZxa5a+zKEQdPkCNOlvlmark9MYIQKBgQDrAH/Se1U+4jhE1ZQJ
Qbz4KXqjqxsA/G4UTg02TEgUsMBmeh2yXo7gQ2KyggPQ+1yQU/0vvM6b8wG9Acgh
V4sIY5q187WYegAJ7ZiC0yS15lx7+2SYpnaFBheeRXl9Wss+cP3gd+HhgjQcOKc4
wc21KtlgvYc2RreXACceYnuu4QKBgQDVg5j4NpqZ1T4GFiV9rHC8miyBTnl8NFUx
EgzJRcl9ZqD7jmc6xsLtCMS6Iyvqy8jffou6I9DlkJohylmx5JSiihrXgxA8hlie
LYoRdPobBiL1AfWxyn6fMNMX1WdaHvsN9cj1MX7QX+t9eGweVlh/IixgsavbgBf2
ljYoBvVv9QKBgCbZNEhFXzhACXFHpWtKVMTphn6cAKDPGht9M63wOlJBTe0i7tnX
y+LDAQPlfmADza+GUuqbWcRqDbWDH+RzJmbCoIbHvRNxx6PchUPLR9xSMqPEUULy
8dDXyvu9HHJemg6+exmqd8rhzV+E9g/p6emzJbBaZInScvMhcVYSjcPBAoGAGXoW
aqe5UtnLCNbjqldFLHwJC3TdsiBcefp5ZBrbrAbu9pVLZAwLflUphDxmJSIj2ecz
rQZRCtNyUM3gXgW0ZqCsC0MsUMyHDnjInMSkg0z8JtgRBSHwcfZVeeaQ6oP/2O6X
CArb4ulPJC2WWRhcfu8I9JC+vPZP5bCOzb/m0XECgYBrfyP3gMA4GF2blzJHic0y
9WtjOO4QmeaT5lMNY0c6BL8cJ/fpvwDK+B94VNfmgN6qJ9rlEZPVW/dWzaE/338u
anoJDVRCA9jBKG4oAHjmWj9irAeJqjNMxn82o02H4q+JAHLb82NMt60Erm0vJCst
n00To8+lDARPN6GniqNMxg==
-----END PRIVATE KEY-----
";
pub const PUBLIC_KEY_PEM: &str = r"-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxAA4B6/T3Y3V4FUrYqPD
kkJraCN9ujAhu+595uPjnPthAi1b9o3NaA2RiW8O2uK7SVLyockI5vN5EANukaSF
DVc279k1i93gkuQrHp/MI0Ll1GfM6HsXGEzGSiUiYk2MdDP5belr1nV76/AbeReq
2V+IIIR0ZPtulLuDagrhNE3JCZm6JVS+FLnVhIJaiF+CD9RVtisyoFBf5aBKBiI7
CpOFfBBWTXPCG9IYBlJGHPNbqK61uTLL/7fUMhnT2DhIQIO/giynwAhuwVWw0puE
JDsoHWweDuOKVgP5Cq585lUIwPfuaJ7EpAM8tJjxs1J1iLmx/T+YFn3ii4xnhIbs
VQIDAQAB
-----END PUBLIC KEY-----
";

/// What the next requests to `messages:send` meet (until cleared).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// `429 RESOURCE_EXHAUSTED` with `Retry-After: secs`.
    TooMany { retry_after_secs: u64 },
    /// `500 INTERNAL`.
    Http500,
    /// Waits this long, then answers as usual.
    Slow(Duration),
    /// `400 INVALID_ARGUMENT` with a `google.rpc.BadRequest` detail (our payload).
    BadRequest,
}

/// One message the fake accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub token: String,
    pub access_token: String,
    pub message: serde_json::Value,
}

impl Received {
    pub fn priority(&self) -> &str {
        self.message["android"]["priority"].as_str().unwrap_or("")
    }

    pub fn channel_id(&self) -> &str {
        self.message["android"]["notification"]["channel_id"].as_str().unwrap_or("")
    }
}

#[derive(Default)]
struct St {
    fault: Option<Fault>,
    once: VecDeque<Fault>,
    dead: HashSet<String>,
    /// Access tokens issued, with the second they expire.
    tokens: HashMap<String, u64>,
    grants: u32,
    expires_in: u64,
    received: Vec<Received>,
    refusals: Vec<String>,
    requests: u32,
}

pub struct FakeFcm {
    pub url: String,
    st: Arc<Mutex<St>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeFcm {
    fn drop(&mut self) {
        self.server.abort();
    }
}

struct Shared {
    st: Arc<Mutex<St>>,
    token_uri: String,
    verify: DecodingKey,
}

impl FakeFcm {
    pub async fn start() -> FakeFcm {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let st = Arc::new(Mutex::new(St { expires_in: 3599, ..St::default() }));
        let shared = Arc::new(Shared {
            st: st.clone(),
            token_uri: format!("{url}/token"),
            verify: DecodingKey::from_rsa_pem(PUBLIC_KEY_PEM.as_bytes()).unwrap(),
        });
        let app = Router::new()
            .route("/token", post(token))
            .route("/v1/projects/{project}/messages:send", post(send))
            .with_state(shared);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeFcm { url, st, server }
    }

    /// The service account's JSON key file, as the Firebase console gives it.
    pub fn service_account_json(&self) -> serde_json::Value {
        json!({
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": "0123456789abcdef0123456789abcdef01234567",
            "private_key": PRIVATE_KEY_PEM,
            "client_email": CLIENT_EMAIL,
            "client_id": "100000000000000000000",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": format!("{}/token", self.url),
        })
    }

    /// How long the next access tokens live (`expires_in`).
    pub fn set_expires_in(&self, secs: u64) {
        self.st.lock().unwrap().expires_in = secs;
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

    /// From now on `token` answers `404 UNREGISTERED`.
    pub fn unregister(&self, token: &str) {
        self.st.lock().unwrap().dead.insert(token.to_owned());
    }

    /// Access tokens granted so far.
    pub fn grants(&self) -> u32 {
        self.st.lock().unwrap().grants
    }

    pub fn received(&self) -> Vec<Received> {
        self.st.lock().unwrap().received.clone()
    }

    pub fn refusals(&self) -> Vec<String> {
        self.st.lock().unwrap().refusals.clone()
    }

    pub fn requests(&self) -> u32 {
        self.st.lock().unwrap().requests
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Google's error shape (google.rpc.Status), with an optional detail.
fn google_error(status: StatusCode, code_name: &str, message: &str, detail: Option<serde_json::Value>) -> Response {
    let mut e = json!({"error": {"code": status.as_u16(), "message": message, "status": code_name}});
    if let Some(d) = detail {
        e["error"]["details"] = json!([d]);
    }
    (status, Json(e)).into_response()
}

fn fcm_detail(code: &str) -> serde_json::Value {
    json!({"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code})
}

fn refuse(st: &Mutex<St>, why: &str) -> Response {
    st.lock().unwrap().refusals.push(why.to_owned());
    google_error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", why, Some(json!({"@type": "type.googleapis.com/google.rpc.BadRequest"})))
}

fn grant_refused(st: &Mutex<St>, why: &str) -> Response {
    st.lock().unwrap().refusals.push(format!("grant: {why}"));
    (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": why}))).into_response()
}

async fn token(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let st = &sh.st;
    let fields: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    if fields.get("grant_type").map(String::as_str) != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return grant_refused(st, "unsupported grant_type");
    }
    let Some(assertion) = fields.get("assertion") else { return grant_refused(st, "no assertion") };
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[sh.token_uri.as_str()]);
    v.set_issuer(&[CLIENT_EMAIL]);
    v.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
    let data = match jsonwebtoken::decode::<serde_json::Value>(assertion, &sh.verify, &v) {
        Ok(d) => d,
        Err(e) => return grant_refused(st, &format!("bad assertion: {e}")),
    };
    let c = &data.claims;
    let (Some(iat), Some(exp)) = (c["iat"].as_u64(), c["exp"].as_u64()) else { return grant_refused(st, "iat/exp") };
    if exp <= iat || exp - iat > 3600 {
        return grant_refused(st, "exp more than an hour after iat");
    }
    let scope = c["scope"].as_str().unwrap_or("");
    if !scope.split(' ').any(|s| s == "https://www.googleapis.com/auth/firebase.messaging" || s == "https://www.googleapis.com/auth/cloud-platform") {
        return grant_refused(st, "scope");
    }
    let mut s = st.lock().unwrap();
    s.grants += 1;
    let token = format!("ya29.fake-access-token-{}", s.grants);
    let expires_in = s.expires_in;
    s.tokens.insert(token.clone(), now() + expires_in);
    Json(json!({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"})).into_response()
}

async fn send(State(sh): State<Arc<Shared>>, Path(project): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let st = &sh.st;
    let fault = {
        let mut s = st.lock().unwrap();
        s.requests += 1;
        s.once.pop_front().or_else(|| s.fault.clone())
    };
    match fault {
        Some(Fault::Http500) => return google_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "Internal error encountered.", None),
        Some(Fault::TooMany { retry_after_secs }) => {
            let mut r = google_error(StatusCode::TOO_MANY_REQUESTS, "RESOURCE_EXHAUSTED", "Quota exceeded.", Some(fcm_detail("QUOTA_EXCEEDED")));
            r.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
            return r;
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::BadRequest) => return refuse(st, "fault: BadRequest"),
        None => {}
    }
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).map(str::to_owned);
    let valid = bearer.as_ref().and_then(|b| st.lock().unwrap().tokens.get(b).copied()).is_some_and(|exp| exp > now());
    if !valid {
        st.lock().unwrap().refusals.push("bad bearer".into());
        return google_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "Request had invalid authentication credentials.", None);
    }
    if project != PROJECT {
        st.lock().unwrap().refusals.push("wrong project".into());
        return google_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED", "Permission denied.", Some(fcm_detail("SENDER_ID_MISMATCH")));
    }
    let Ok(req) = serde_json::from_slice::<serde_json::Value>(&body) else { return refuse(st, "not JSON") };
    let Some(msg) = req.get("message").filter(|m| m.is_object()).cloned() else { return refuse(st, "no message") };
    let targets = ["token", "topic", "condition"].iter().filter(|k| msg.get(**k).is_some()).count();
    if targets != 1 {
        return refuse(st, "exactly one of token, topic, condition");
    }
    let Some(token) = msg["token"].as_str().map(str::to_owned) else { return refuse(st, "no token") };
    if msg.get("data").is_some_and(|data| !data.as_object().is_some_and(|o| o.values().all(|v| v.is_string()))) {
        return refuse(st, "data values must be strings");
    }
    let priority = msg["android"]["priority"].as_str().unwrap_or("").to_ascii_lowercase();
    if priority != "high" && priority != "normal" {
        return refuse(st, "android.priority");
    }
    if msg["android"]["notification"]["channel_id"].as_str().is_none_or(str::is_empty) {
        return refuse(st, "android.notification.channel_id");
    }
    if let Some(ttl) = msg["android"].get("ttl") {
        let ok = ttl.as_str().and_then(|t| t.strip_suffix('s')).is_some_and(|n| n.parse::<f64>().is_ok());
        if !ok {
            return refuse(st, "android.ttl");
        }
    }
    let mut counted = msg.clone();
    counted.as_object_mut().unwrap().remove("token");
    if serde_json::to_vec(&counted).unwrap().len() > 4096 {
        return refuse(st, "Message too big");
    }
    let mut s = st.lock().unwrap();
    if s.dead.contains(&token) {
        drop(s);
        return google_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Requested entity was not found.", Some(fcm_detail("UNREGISTERED")));
    }
    s.received.push(Received { token, access_token: bearer.unwrap_or_default(), message: msg });
    let n = s.received.len();
    Json(json!({"name": format!("projects/{PROJECT}/messages/0:{n}")})).into_response()
}

//! A fake SMSAPI.pl (`POST /sms.do`, the endpoint `server/src/sms/smsapi.rs`
//! calls; its notes say what of the real protocol is confirmed and what is
//! not), on a loopback port. It checks what the client must send: the
//! bearer token (error 101 otherwise), a form body with `to` (digits,
//! 9–15), `message`, `encoding=utf-8`, `format=json`, `idx` (≤ 255) and
//! `check_idx=1`, a registered sender name when `from` is given (error 14
//! otherwise); it keeps every accepted message so a test can read the code
//! out of the text, and answers as SMSAPI does: HTTP 200 with
//! `{"count", "list": [{"id", "points", "number", "status", …}]}`, or HTTP
//! 200 with `{"error": code, "message": …}`.
//!
//! With `check_idx=1` a second message under an `idx` it has accepted
//! already is refused with error 53, as SMSAPI does. It fails on demand
//! ([`Fault`]): a 500, a 429 with `Retry-After`, an answer slower than the
//! client's timeout, a given SMSAPI error code (101 authorisation, 13 no
//! valid number, 103 no points, 202 busy…), a 401, an answer that is not
//! JSON.
//!
//! Self-contained on purpose (axum, form_urlencoded, serde_json, tokio):
//! `server/tests/sms.rs` includes this file with `#[path]`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

pub const TOKEN: &str = "fake-smsapi-oauth-token-0123456789abcdef";
/// The one sender name registered on the fake's account.
pub const SENDER: &str = "Siechnice";

/// What the next requests meet (until cleared).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    None,
    /// HTTP 500 with an HTML body.
    Http500,
    /// HTTP 429 with `Retry-After: secs`.
    TooMany { retry_after_secs: u64 },
    /// Waits this long, then answers as usual (and accepts the message).
    Slow(Duration),
    /// HTTP 200 with `{"error": code, "message": …}`.
    Error(u32),
    /// HTTP 401 with `{"error": 101, …}` (if SMSAPI answers a bad bearer
    /// token with a 401 rather than a 200: unverified, so both are faked).
    Unauthorized401,
    /// HTTP 200 with a body that is not JSON.
    Garbage,
}

/// One message the fake accepted.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub id: String,
    pub to: String,
    pub message: String,
    pub from: Option<String>,
    pub idx: String,
    /// Every field of the form, as received (decoded).
    pub fields: HashMap<String, String>,
    pub content_type: String,
}

impl Accepted {
    /// The first run of 6 digits in the text (the one-time code).
    pub fn code(&self) -> Option<String> {
        let chars: Vec<char> = self.message.chars().collect();
        chars.windows(6).enumerate().find_map(|(i, w)| {
            let before = i.checked_sub(1).and_then(|j| chars.get(j)).is_some_and(char::is_ascii_digit);
            let after = chars.get(i + 6).is_some_and(char::is_ascii_digit);
            (w.iter().all(char::is_ascii_digit) && !before && !after).then(|| w.iter().collect())
        })
    }
}

#[derive(Default)]
struct St {
    fault: Option<Fault>,
    accepted: Vec<Accepted>,
    requests: u32,
    /// Requests refused and why (a wrong token, a missing field).
    refusals: Vec<String>,
    next: u64,
}

pub struct FakeSms {
    pub url: String,
    st: Arc<Mutex<St>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSms {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeSms {
    /// The environment that makes `mm-server` send through this fake
    /// (`MM_SMS=smsapi`, its URL, and a credentials file with [`TOKEN`]
    /// written into `dir`).
    pub fn server_env(&self, dir: &std::path::Path) -> Vec<(&'static str, String)> {
        let credentials = dir.join("smsapi.json");
        std::fs::write(&credentials, json!({"token": TOKEN}).to_string()).unwrap();
        vec![
            ("MM_SMS", "smsapi".to_owned()),
            ("MM_SMS_URL", self.url.clone()),
            ("MM_SMS_CREDENTIALS", credentials.to_string_lossy().into_owned()),
        ]
    }

    /// Starts on the current tokio runtime.
    pub async fn start() -> FakeSms {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let st = Arc::new(Mutex::new(St { next: 1_700_000_000, ..St::default() }));
        let app = Router::new().route("/sms.do", post(send)).with_state(st.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSms { url: format!("http://{addr}"), st, server }
    }

    /// The credentials file `--sms-credentials` takes for this fake.
    pub fn credentials_json() -> serde_json::Value {
        json!({"token": TOKEN})
    }

    pub fn set_fault(&self, fault: Fault) {
        self.st.lock().unwrap().fault = Some(fault);
    }

    pub fn clear_fault(&self) {
        self.st.lock().unwrap().fault = None;
    }

    pub fn accepted(&self) -> Vec<Accepted> {
        self.st.lock().unwrap().accepted.clone()
    }

    /// The last message accepted for `to` (E.164 or digits).
    pub fn last_to(&self, to: &str) -> Option<Accepted> {
        let digits = to.trim_start_matches('+');
        self.st.lock().unwrap().accepted.iter().rev().find(|a| a.to == digits).cloned()
    }

    /// Requests received, answered or not.
    pub fn requests(&self) -> u32 {
        self.st.lock().unwrap().requests
    }

    pub fn refusals(&self) -> Vec<String> {
        self.st.lock().unwrap().refusals.clone()
    }
}

/// SMSAPI's error answer: HTTP 200, `{"error": code, "message": …}`.
fn api_error(code: u32, message: &str) -> Response {
    Json(json!({"error": code, "message": message})).into_response()
}

fn refuse(st: &Mutex<St>, code: u32, why: &str) -> Response {
    st.lock().unwrap().refusals.push(why.to_owned());
    api_error(code, why)
}

async fn send(State(st): State<Arc<Mutex<St>>>, headers: HeaderMap, body: Bytes) -> Response {
    let fault = {
        let mut s = st.lock().unwrap();
        s.requests += 1;
        s.fault.clone()
    };
    match fault {
        Some(Fault::Http500) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "<html><body>Internal Server Error</body></html>").into_response();
        }
        Some(Fault::TooMany { retry_after_secs }) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                "Too Many Requests",
            )
                .into_response();
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::Error(code)) => return api_error(code, "fake SMSAPI error"),
        Some(Fault::Unauthorized401) => {
            return (StatusCode::UNAUTHORIZED, Json(json!({"error": 101, "message": "Authorization failed"}))).into_response();
        }
        Some(Fault::Garbage) => return "ERROR:8".into_response(),
        Some(Fault::None) | None => {}
    }
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(TOKEN) {
        return refuse(&st, 101, "Authorization failed");
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return refuse(&st, 8, "not a form body");
    }
    let fields: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    if field("format") != "json" {
        return refuse(&st, 8, "format=json missing");
    }
    if field("encoding") != "utf-8" {
        return refuse(&st, 8, "encoding=utf-8 missing");
    }
    let to = field("to");
    if !(9..=15).contains(&to.len()) || !to.bytes().all(|b| b.is_ascii_digit()) {
        return refuse(&st, 13, "No correct phone numbers");
    }
    let message = field("message");
    if message.is_empty() {
        return refuse(&st, 11, "Message empty");
    }
    let from = fields.get("from").cloned();
    if from.as_deref().is_some_and(|f| f != SENDER) {
        return refuse(&st, 14, "Invalid sender field");
    }
    let idx = field("idx");
    if idx.is_empty() || idx.len() > 255 {
        return refuse(&st, 27, "idx missing or too long");
    }
    if field("check_idx") != "1" {
        return refuse(&st, 8, "check_idx=1 missing");
    }
    let mut s = st.lock().unwrap();
    if s.accepted.iter().any(|a| a.idx == idx) {
        s.refusals.push("duplicate idx".into());
        return api_error(53, "Not unique idx");
    }
    s.next += 1;
    let id = s.next.to_string();
    let accepted = Accepted {
        id: id.clone(),
        to: to.to_owned(),
        message: message.to_owned(),
        from,
        idx: idx.to_owned(),
        fields: fields.clone(),
        content_type,
    };
    s.accepted.push(accepted);
    let parts = if message.chars().count() <= 70 { 1 } else { message.chars().count().div_ceil(67) };
    Json(json!({
        "count": 1,
        "list": [{
            "id": id, "points": 0.16 * parts as f64, "number": to, "date_sent": 1_780_000_000,
            "submitted_number": to, "status": "QUEUE", "idx": idx, "error": null,
            "length": message.chars().count(), "parts": parts,
        }]
    }))
    .into_response()
}

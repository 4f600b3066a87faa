//! The built-in sandbox gateway (`--payments sandbox`, what `make run`
//! uses): served by the server itself under `/sandbox/p24/`, speaking the
//! Przelewy24 REST v1 protocol, so the server's P24 client talks to it over
//! HTTP exactly as to the real gateway: `api/v1/transaction/register` and
//! `verify` check HTTP Basic and the `sign`; `trnRequest/{token}` is the
//! payer's page with "Zapłać" (the signed notification goes to
//! `urlStatus`, then the browser to `urlReturn`) and "Odrzuć" (no
//! notification, as P24 sends none for a payment not made).
//!
//! No money moves and nothing is kept across restarts (memory only).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine;
use serde_json::json;

use super::escape_html;
use super::p24::{self, Credentials, Notification, RegisterRequest, VerifyRequest};
use crate::state::AppState;

/// Where the sandbox lives on this server.
pub const PREFIX: &str = "/sandbox/p24";

/// The sandbox's one merchant account (every gmina shares it).
pub fn credentials() -> Credentials {
    Credentials { merchant_id: 100_001, pos_id: 100_001, api_key: "sandbox-api-key".into(), crc: "sandbox-crc".into(), email: None }
}

struct Transaction {
    register: RegisterRequest,
    order_id: Option<i64>,
}

/// The sandbox's transactions, by token.
pub struct Sandbox {
    creds: Credentials,
    transactions: Mutex<HashMap<String, Transaction>>,
    next: AtomicI64,
    http: reqwest::Client,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox {
            creds: credentials(),
            transactions: Mutex::new(HashMap::new()),
            next: AtomicI64::new(chrono::Utc::now().timestamp() % 1_000_000 * 1000),
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default(),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{PREFIX}/api/v1/testAccess"), get(test_access))
        .route(&format!("{PREFIX}/api/v1/transaction/register"), post(register))
        .route(&format!("{PREFIX}/api/v1/transaction/verify"), put(verify))
        .route(&format!("{PREFIX}/trnRequest/{{token}}"), get(payer_page))
        .route(&format!("{PREFIX}/trnRequest/{{token}}/pay"), post(pay))
        .route(&format!("{PREFIX}/trnRequest/{{token}}/reject"), post(reject))
}

fn p24_error(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({"error": text, "code": status.as_u16()}))).into_response()
}

/// What the sandbox's paths answer when it is off.
fn off() -> Response {
    p24_error(StatusCode::NOT_FOUND, "The sandbox gateway is off")
}

fn authorised(s: &Sandbox, headers: &HeaderMap) -> bool {
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", s.creds.pos_id, s.creds.api_key));
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .is_some_and(|v| v == expected)
}

async fn test_access(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(s) = state.sandbox.as_deref() else { return off() };
    if !authorised(s, &headers) {
        return p24_error(StatusCode::UNAUTHORIZED, "Incorrect authentication");
    }
    Json(json!({"data": true, "error": ""})).into_response()
}

async fn register(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(s) = state.sandbox.as_deref() else { return off() };
    if !authorised(s, &headers) {
        return p24_error(StatusCode::UNAUTHORIZED, "Incorrect authentication");
    }
    let Ok(r) = serde_json::from_slice::<RegisterRequest>(&body) else {
        return p24_error(StatusCode::BAD_REQUEST, "Invalid or missing fields");
    };
    if r.merchant_id != s.creds.merchant_id || r.pos_id != s.creds.pos_id {
        return p24_error(StatusCode::BAD_REQUEST, "Incorrect merchantId or posId");
    }
    if r.sign != p24::register_sign(&r.session_id, r.merchant_id, r.amount, &r.currency, &s.creds.crc) {
        return p24_error(StatusCode::BAD_REQUEST, "Incorrect CRC value");
    }
    if r.amount < 1 || r.session_id.is_empty() || r.session_id.len() > 100 || r.url_status.len() > 250 {
        return p24_error(StatusCode::BAD_REQUEST, "Invalid sessionId, amount or urlStatus");
    }
    let token = format!("SBX{:X}", s.next.fetch_add(1, Ordering::Relaxed));
    s.transactions.lock().unwrap_or_else(|p| p.into_inner()).insert(token.clone(), Transaction { register: r, order_id: None });
    Json(json!({"data": {"token": token}, "responseCode": 0})).into_response()
}

async fn verify(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(s) = state.sandbox.as_deref() else { return off() };
    if !authorised(s, &headers) {
        return p24_error(StatusCode::UNAUTHORIZED, "Incorrect authentication");
    }
    let Ok(v) = serde_json::from_slice::<VerifyRequest>(&body) else {
        return p24_error(StatusCode::BAD_REQUEST, "Invalid or missing fields");
    };
    if v.sign != p24::verify_sign(&v.session_id, v.order_id, v.amount, &v.currency, &s.creds.crc) {
        return p24_error(StatusCode::BAD_REQUEST, "Incorrect CRC value");
    }
    let known = s.transactions.lock().unwrap_or_else(|p| p.into_inner()).values().any(|t| {
        t.register.session_id == v.session_id && t.order_id == Some(v.order_id) && t.register.amount == v.amount
    });
    if !known {
        return p24_error(StatusCode::BAD_REQUEST, "Transaction not found");
    }
    Json(json!({"data": {"status": "success"}, "responseCode": 0})).into_response()
}

async fn payer_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(s) = state.sandbox.as_deref() else { return off() };
    let txns = s.transactions.lock().unwrap_or_else(|p| p.into_inner());
    let Some(t) = txns.get(&token) else {
        return (StatusCode::NOT_FOUND, Html("<!doctype html><title>Brak transakcji</title><p>Nie ma takiej transakcji.</p>".to_owned()))
            .into_response();
    };
    let token = escape_html(&token);
    Html(format!(
        "<!doctype html><html lang=\"pl\"><meta charset=\"utf-8\"><title>Przelewy24 — piaskownica</title>\
         <h1>Bramka płatności (piaskownica)</h1>\
         <p>To jest testowa bramka mMieszkańca: żadne pieniądze nie są pobierane.</p>\
         <p>{}</p><p>Kwota: <strong>{}</strong></p>\
         <form method=\"post\" action=\"{PREFIX}/trnRequest/{token}/pay\"><button type=\"submit\">Zapłać</button></form>\
         <form method=\"post\" action=\"{PREFIX}/trnRequest/{token}/reject\"><button type=\"submit\">Odrzuć</button></form>",
        escape_html(&t.register.description),
        super::format_zloty(t.register.amount),
    ))
    .into_response()
}

/// "Zapłać": the payment succeeds; the notification is sent (and awaited,
/// so the page the payer returns to already shows it paid).
async fn pay(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(s) = state.sandbox.as_deref() else { return off() };
    let order_id = s.next.fetch_add(1, Ordering::Relaxed);
    let (notification, url_status, url_return) = {
        let mut txns = s.transactions.lock().unwrap_or_else(|p| p.into_inner());
        let Some(t) = txns.get_mut(&token) else {
            return p24_error(StatusCode::NOT_FOUND, "Unknown token");
        };
        t.order_id = Some(order_id);
        let r = &t.register;
        let n = Notification {
            merchant_id: r.merchant_id,
            pos_id: r.pos_id,
            session_id: r.session_id.clone(),
            amount: r.amount,
            origin_amount: r.amount,
            currency: r.currency.clone(),
            order_id,
            method_id: 154,
            statement: format!("p24-{order_id}"),
            sign: String::new(),
        }
        .signed(&s.creds.crc);
        (n, r.url_status.clone(), r.url_return.clone())
    };
    match s.http.post(&url_status).json(&notification).send().await {
        Ok(resp) if resp.status().is_success() => {}
        Ok(resp) => tracing::warn!(status = resp.status().as_u16(), "sandbox gateway: the notification was refused"),
        Err(e) => tracing::warn!(error = %e.without_url(), "sandbox gateway: the notification was not delivered"),
    }
    Redirect::to(&url_return).into_response()
}

/// "Odrzuć": the payer gave up; P24 notifies nothing, the payment stays
/// pending until it expires.
async fn reject(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(s) = state.sandbox.as_deref() else { return off() };
    let url_return = s.transactions.lock().unwrap_or_else(|p| p.into_inner()).get(&token).map(|t| t.register.url_return.clone());
    match url_return {
        Some(u) => Redirect::to(&u).into_response(),
        None => p24_error(StatusCode::NOT_FOUND, "Unknown token"),
    }
}

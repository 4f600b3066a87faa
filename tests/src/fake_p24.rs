//! A fake Przelewy24 (REST v1, ../shared/reference/TAXES-PAYMENTS.md §4):
//! `POST /api/v1/transaction/register`, `PUT /api/v1/transaction/verify`
//! and the payer's page `GET /trnRequest/{token}`, on a loopback port. It
//! checks what the real gateway checks: HTTP Basic posId:apiKey (401), the
//! body's merchant and POS ids, and the `sign` (400 on a wrong one), with
//! its own implementation of the sign (the JSON written out by hand here,
//! not the server's code), so a drift in the server's is caught.
//!
//! A test completes a payment (`complete`, or `POST /__test/complete/
//! {sessionId}?mode=…` from another process): the fake then POSTs the
//! signed notification to the registration's `urlStatus`, as P24 does for a
//! successful payment. It fails on demand: a slow or hanging register, 500s,
//! a lost notification, a notification sent twice, a forged one (wrong
//! sign), one with another amount, a verify that fails.
//!
//! Self-contained on purpose (axum, reqwest, serde_json, sha2, tokio):
//! `server/tests/payments.rs` includes this file with `#[path]`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};
use sha2::{Digest, Sha384};

pub const MERCHANT_ID: i64 = 271_828;
pub const POS_ID: i64 = 271_828;
pub const API_KEY: &str = "fake-p24-api-key";
pub const CRC: &str = "fake-p24-crc/ż";

/// What the next requests meet.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    None,
    /// `register` waits this long before answering.
    SlowRegister(Duration),
    /// `register` answers 500.
    Register500,
    /// `verify` answers 400 (P24's "transaction not found / sign wrong").
    VerifyFails,
    /// `verify` answers 500.
    Verify500,
}

/// How `complete` notifies.
#[derive(Debug, Clone, PartialEq)]
pub enum Notify {
    Once,
    /// The notification is never sent (the payer paid; we never hear).
    Lost,
    Twice,
    /// Signed with another CRC (someone who does not hold ours).
    Forged,
    /// Properly signed, but for this amount instead of the registered one.
    OtherAmount(i64),
}

impl Notify {
    fn parse(s: &str) -> Option<Notify> {
        Some(match s {
            "once" | "" => Notify::Once,
            "lost" => Notify::Lost,
            "twice" => Notify::Twice,
            "forged" => Notify::Forged,
            other => Notify::OtherAmount(other.strip_prefix("amount:")?.parse().ok()?),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Transaction {
    pub token: String,
    pub session_id: String,
    pub amount: i64,
    pub description: String,
    pub url_return: String,
    pub url_status: String,
    pub order_id: Option<i64>,
    pub verified: bool,
    /// Registration order (a session registered again has a later one).
    pub seq: i64,
}

#[derive(Default)]
struct St {
    fault: Option<Fault>,
    /// By token.
    transactions: HashMap<String, Transaction>,
    registers: u32,
    verifies: u32,
    /// Requests refused and why (a wrong sign, wrong auth).
    refusals: Vec<String>,
    next: i64,
}

pub struct FakeP24 {
    pub url: String,
    st: Arc<Mutex<St>>,
    http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
    /// When started outside a runtime (`start_blocking`).
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for FakeP24 {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// P24's `sign`: SHA-384 hex of the JSON with the keys in this order,
/// written out by hand (numbers bare, strings JSON-quoted, nothing escaped
/// beyond what JSON requires: serde_json's string quoting does exactly that).
pub fn sign(fields: &[(&str, Value)]) -> String {
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    let text = format!("{{{}}}", body.join(","));
    Sha384::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn register_sign(session: &str, merchant: i64, amount: i64, currency: &str) -> String {
    sign(&[
        ("sessionId", json!(session)),
        ("merchantId", json!(merchant)),
        ("amount", json!(amount)),
        ("currency", json!(currency)),
        ("crc", json!(CRC)),
    ])
}

fn verify_sign(session: &str, order: i64, amount: i64, currency: &str) -> String {
    sign(&[
        ("sessionId", json!(session)),
        ("orderId", json!(order)),
        ("amount", json!(amount)),
        ("currency", json!(currency)),
        ("crc", json!(CRC)),
    ])
}

/// The notification P24 sends for `t`, signed with `crc`.
pub fn notification(t: &Transaction, order_id: i64, amount: i64, crc: &str) -> Value {
    let statement = format!("p24-{order_id}");
    let s = sign(&[
        ("merchantId", json!(MERCHANT_ID)),
        ("posId", json!(POS_ID)),
        ("sessionId", json!(t.session_id)),
        ("amount", json!(amount)),
        ("originAmount", json!(amount)),
        ("currency", json!("PLN")),
        ("orderId", json!(order_id)),
        ("methodId", json!(154)),
        ("statement", json!(statement)),
        ("crc", json!(crc)),
    ]);
    json!({
        "merchantId": MERCHANT_ID, "posId": POS_ID, "sessionId": t.session_id, "amount": amount,
        "originAmount": amount, "currency": "PLN", "orderId": order_id, "methodId": 154,
        "statement": statement, "sign": s,
    })
}

impl FakeP24 {
    /// Starts on the current tokio runtime.
    pub async fn start() -> FakeP24 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let st = Arc::new(Mutex::new(St { next: 7_000_000, ..St::default() }));
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        let app = router(Ctx { st: st.clone(), http: http.clone() });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeP24 { url: format!("http://{addr}"), st, http, server, rt: None }
    }

    /// Starts on a runtime of its own (for tests without one).
    pub fn start_blocking() -> FakeP24 {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let mut fake = rt.block_on(FakeP24::start());
        fake.rt = Some(rt);
        fake
    }

    /// The credentials file `--p24-credentials` takes for this fake.
    pub fn credentials_json() -> Value {
        json!({"merchant_id": MERCHANT_ID, "pos_id": POS_ID, "api_key": API_KEY, "crc": CRC})
    }

    pub fn set_fault(&self, fault: Fault) {
        self.st.lock().unwrap().fault = Some(fault);
    }

    pub fn transactions(&self) -> Vec<Transaction> {
        self.st.lock().unwrap().transactions.values().cloned().collect()
    }

    pub fn transaction(&self, session_id: &str) -> Option<Transaction> {
        self.st.lock().unwrap().transactions.values().find(|t| t.session_id == session_id).cloned()
    }

    /// Register requests received (accepted or not).
    pub fn registers(&self) -> u32 {
        self.st.lock().unwrap().registers
    }

    pub fn verifies(&self) -> u32 {
        self.st.lock().unwrap().verifies
    }

    /// Requests refused (wrong auth, wrong sign), with why.
    pub fn refusals(&self) -> Vec<String> {
        self.st.lock().unwrap().refusals.clone()
    }

    /// The payer paid: the fake notifies `urlStatus` as `how` says and
    /// returns the HTTP statuses our server answered (none when lost).
    pub async fn complete(&self, session_id: &str, how: Notify) -> Vec<u16> {
        complete(&Ctx { st: self.st.clone(), http: self.http.clone() }, session_id, how).await
    }

    /// `complete` for tests without a runtime (`start_blocking`).
    pub fn complete_blocking(&self, session_id: &str, how: Notify) -> Vec<u16> {
        let rt = self.rt.as_ref().expect("started with start_blocking");
        rt.block_on(self.complete(session_id, how))
    }

    /// Sends this exact notification body to the session's `urlStatus`
    /// (an out-of-order or replayed one).
    pub async fn send_raw(&self, session_id: &str, body: Value) -> u16 {
        let url = self.transaction(session_id).expect("registered").url_status;
        self.http.post(url).json(&body).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
    }
}

#[derive(Clone)]
struct Ctx {
    st: Arc<Mutex<St>>,
    http: reqwest::Client,
}

fn router(ctx: Ctx) -> Router {
    Router::new()
        .route("/api/v1/testAccess", get(test_access))
        .route("/api/v1/transaction/register", post(register))
        .route("/api/v1/transaction/verify", put(verify))
        .route("/trnRequest/{token}", get(payer_page))
        .route("/__test/complete/{session}", post(control_complete))
        .with_state(ctx)
}

fn error(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({"error": text, "code": status.as_u16()}))).into_response()
}

/// HTTP Basic posId:apiKey, as P24 checks it.
fn authorised(headers: &HeaderMap) -> bool {
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{POS_ID}:{API_KEY}"));
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .is_some_and(|v| v == expected)
}

async fn test_access(headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Incorrect authentication");
    }
    Json(json!({"data": true, "error": ""})).into_response()
}

fn refuse(ctx: &Ctx, status: StatusCode, why: &str) -> Response {
    ctx.st.lock().unwrap().refusals.push(why.to_owned());
    error(status, why)
}

async fn register(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let fault = {
        let mut st = ctx.st.lock().unwrap();
        st.registers += 1;
        st.fault.clone()
    };
    match fault {
        Some(Fault::SlowRegister(d)) => tokio::time::sleep(d).await,
        Some(Fault::Register500) => return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
        _ => {}
    }
    if !authorised(&headers) {
        return refuse(&ctx, StatusCode::UNAUTHORIZED, "Incorrect authentication");
    }
    let Ok(b) = serde_json::from_slice::<Value>(&body) else {
        return refuse(&ctx, StatusCode::BAD_REQUEST, "Invalid JSON");
    };
    let (Some(session), Some(merchant), Some(pos), Some(amount), Some(currency), Some(given)) = (
        b["sessionId"].as_str(),
        b["merchantId"].as_i64(),
        b["posId"].as_i64(),
        b["amount"].as_i64(),
        b["currency"].as_str(),
        b["sign"].as_str(),
    ) else {
        return refuse(&ctx, StatusCode::BAD_REQUEST, "Missing field");
    };
    for f in ["description", "email", "country", "language", "urlReturn", "urlStatus"] {
        if b[f].as_str().is_none_or(str::is_empty) {
            return refuse(&ctx, StatusCode::BAD_REQUEST, &format!("Missing {f}"));
        }
    }
    if merchant != MERCHANT_ID || pos != POS_ID {
        return refuse(&ctx, StatusCode::BAD_REQUEST, "Incorrect merchantId or posId");
    }
    if session.is_empty() || session.len() > 100 || amount < 1 || currency != "PLN" {
        return refuse(&ctx, StatusCode::BAD_REQUEST, "Invalid sessionId, amount or currency");
    }
    if given != register_sign(session, merchant, amount, currency) {
        return refuse(&ctx, StatusCode::BAD_REQUEST, "Incorrect CRC value");
    }
    let mut st = ctx.st.lock().unwrap();
    st.next += 1;
    let seq = st.next;
    let token = format!("TKN{seq:X}");
    st.transactions.insert(
        token.clone(),
        Transaction {
            token: token.clone(),
            session_id: session.into(),
            amount,
            description: b["description"].as_str().unwrap_or("").into(),
            url_return: b["urlReturn"].as_str().unwrap_or("").into(),
            url_status: b["urlStatus"].as_str().unwrap_or("").into(),
            order_id: None,
            verified: false,
            seq,
        },
    );
    Json(json!({"data": {"token": token}, "responseCode": 0})).into_response()
}

async fn verify(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let fault = {
        let mut st = ctx.st.lock().unwrap();
        st.verifies += 1;
        st.fault.clone()
    };
    match fault {
        Some(Fault::VerifyFails) => return error(StatusCode::BAD_REQUEST, "Transaction not found"),
        Some(Fault::Verify500) => return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
        _ => {}
    }
    if !authorised(&headers) {
        return refuse(&ctx, StatusCode::UNAUTHORIZED, "Incorrect authentication");
    }
    let Ok(b) = serde_json::from_slice::<Value>(&body) else {
        return refuse(&ctx, StatusCode::BAD_REQUEST, "Invalid JSON");
    };
    let (Some(session), Some(order), Some(amount), Some(currency), Some(given)) = (
        b["sessionId"].as_str(),
        b["orderId"].as_i64(),
        b["amount"].as_i64(),
        b["currency"].as_str(),
        b["sign"].as_str(),
    ) else {
        return refuse(&ctx, StatusCode::BAD_REQUEST, "Missing field");
    };
    if b["merchantId"].as_i64() != Some(MERCHANT_ID) || b["posId"].as_i64() != Some(POS_ID) {
        return refuse(&ctx, StatusCode::BAD_REQUEST, "Incorrect merchantId or posId");
    }
    if given != verify_sign(session, order, amount, currency) {
        return refuse(&ctx, StatusCode::BAD_REQUEST, "Incorrect CRC value");
    }
    let mut st = ctx.st.lock().unwrap();
    let Some(t) = st
        .transactions
        .values_mut()
        .find(|t| t.session_id == session && t.order_id == Some(order) && t.amount == amount)
    else {
        return error(StatusCode::BAD_REQUEST, "Transaction not found");
    };
    t.verified = true;
    Json(json!({"data": {"status": "success"}, "responseCode": 0})).into_response()
}

async fn payer_page(State(ctx): State<Ctx>, Path(token): Path<String>) -> Response {
    let st = ctx.st.lock().unwrap();
    match st.transactions.get(&token) {
        Some(t) => Html(format!("<!doctype html><title>Przelewy24 (fake)</title><p>{} gr</p>", t.amount)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Unknown token"),
    }
}

async fn control_complete(
    State(ctx): State<Ctx>,
    Path(session): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(how) = Notify::parse(q.get("mode").map(String::as_str).unwrap_or("once")) else {
        return error(StatusCode::BAD_REQUEST, "mode: once|lost|twice|forged|amount:N");
    };
    let statuses = complete(&ctx, &session, how).await;
    Json(json!({"statuses": statuses})).into_response()
}

async fn complete(ctx: &Ctx, session_id: &str, how: Notify) -> Vec<u16> {
    let (t, order) = {
        let mut st = ctx.st.lock().unwrap();
        st.next += 1;
        let order = st.next;
        // The latest registration of the session is the one the payer used.
        let Some(t) = st
            .transactions
            .values_mut()
            .filter(|t| t.session_id == session_id)
            .max_by_key(|t| t.seq)
        else {
            return vec![];
        };
        t.order_id = Some(order);
        (t.clone(), order)
    };
    let body = match &how {
        Notify::Forged => notification(&t, order, t.amount, "not-the-crc"),
        Notify::OtherAmount(a) => notification(&t, order, *a, CRC),
        _ => notification(&t, order, t.amount, CRC),
    };
    let times = match how {
        Notify::Lost => 0,
        Notify::Twice => 2,
        _ => 1,
    };
    let mut statuses = vec![];
    for _ in 0..times {
        let status = ctx.http.post(&t.url_status).json(&body).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
        statuses.push(status);
    }
    statuses
}

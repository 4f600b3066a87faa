//! A fake tax system (system dziedzinowy) with the vendor-style REST
//! endpoint `mm-server`'s HTTP adapter pulls (docs/TAXES.md, "Pulling from
//! the tax system"): `GET /taxpayers?gmina=TERYT&page=N[&changed_since=]`
//! with `Authorization: Bearer TOKEN`, answering pages in the import's JSON
//! shape plus `next_page`. It records every request and fails on demand:
//! 500, 429 with `Retry-After`, a slow answer, malformed JSON.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const TOKEN: &str = "tajny-token-systemu-podatkowego";

/// What one coming request meets (each fault is used once, in order).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    Status500,
    TooManyRequests { retry_after_secs: u64 },
    /// Waits this long, then answers normally.
    Slow(Duration),
    /// A body that is not JSON.
    Malformed,
}

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub query: HashMap<String, String>,
    pub authorized: bool,
    /// What it answered.
    pub status: u16,
}

#[derive(Default)]
struct St {
    taxpayers: Vec<Value>,
    liabilities: Vec<Value>,
    page_size: usize,
    faults: VecDeque<Fault>,
    /// A page answered with malformed JSON every time.
    malformed_page: Option<u64>,
    seen: Vec<Seen>,
}

pub struct FakeTax {
    pub url: String,
    st: Arc<Mutex<St>>,
    _rt: tokio::runtime::Runtime,
}

impl FakeTax {
    /// Serves `taxpayers` and `liabilities` (the import's JSON objects),
    /// `page_size` taxpayers (with their liabilities) a page.
    pub fn start(taxpayers: Vec<Value>, liabilities: Vec<Value>, page_size: usize) -> FakeTax {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let st = Arc::new(Mutex::new(St { taxpayers, liabilities, page_size: page_size.max(1), ..Default::default() }));
        let app = axum::Router::new().route("/taxpayers", axum::routing::get(page)).with_state(st.clone());
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTax { url: format!("http://{addr}"), st, _rt: rt }
    }

    /// The next requests meet these faults, one each.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        self.st.lock().unwrap().faults.extend(faults);
    }

    pub fn malformed_page(&self, page: Option<u64>) {
        self.st.lock().unwrap().malformed_page = page;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.st.lock().unwrap().seen.clone()
    }

    /// `{"token": TOKEN}` in `dir`, for `--tax-credentials`.
    pub fn credentials_file(&self, dir: &Path) -> PathBuf {
        let path = dir.join("tax-credentials.json");
        std::fs::write(&path, json!({ "token": TOKEN }).to_string()).unwrap();
        path
    }
}

async fn page(State(st): State<Arc<Mutex<St>>>, Query(query): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    let authorized = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"));
    let n: u64 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
    let (fault, body, status) = {
        let mut s = st.lock().unwrap();
        let fault = if authorized { s.faults.pop_front() } else { None };
        let start = (n as usize - 1) * s.page_size;
        let taxpayers: Vec<Value> = s.taxpayers.iter().skip(start).take(s.page_size).cloned().collect();
        let ids: Vec<&Value> = taxpayers.iter().map(|t| &t["id"]).collect();
        let liabilities: Vec<Value> = s.liabilities.iter().filter(|l| ids.contains(&&l["taxpayer"])).cloned().collect();
        let next = (start + s.page_size < s.taxpayers.len()).then_some(n + 1);
        let body = if s.malformed_page == Some(n) {
            "{\"taxpayers\": [{\"id\": \"broken".to_owned()
        } else {
            json!({ "taxpayers": taxpayers, "liabilities": liabilities, "next_page": next }).to_string()
        };
        let status = match (&fault, authorized) {
            (_, false) => 401,
            (Some(Fault::Status500), _) => 500,
            (Some(Fault::TooManyRequests { .. }), _) => 429,
            _ => 200,
        };
        s.seen.push(Seen { at: Instant::now(), query: query.clone(), authorized, status });
        (fault, body, status)
    };
    match fault {
        _ if status == 401 => (StatusCode::UNAUTHORIZED, "unauthorized").into_response(),
        Some(Fault::Status500) => (StatusCode::INTERNAL_SERVER_ERROR, "{\"error\": \"internal\"}").into_response(),
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, retry_after_secs.to_string())], "slow down").into_response()
        }
        Some(Fault::Slow(d)) => {
            tokio::time::sleep(d).await;
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Some(Fault::Malformed) => ([(header::CONTENT_TYPE, "application/json")], "{not json").into_response(),
        None => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
    }
}

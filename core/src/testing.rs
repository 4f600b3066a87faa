//! Test helpers: a tiny HTTP/1.1 server on loopback that answers canned
//! responses in order and records what it was asked, able to fail on
//! demand (5xx, an `ApiError`, a dropped connection); and sync fixtures.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub enum Reply {
    /// Status and JSON body.
    Json(u16, Value),
    /// Status, extra headers, JSON body.
    WithHeaders(u16, Vec<(&'static str, String)>, Value),
    /// A bare status, no body.
    Status(u16),
    /// Status, content type, raw body (a photo).
    Bytes(u16, &'static str, Vec<u8>),
    /// Read the request, then close without answering.
    Drop,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct FakeServer {
    pub url: String,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// The notification routes (`/api/v1/notifications/…`, `/api/v1/push/…`)
    /// have their own queue and record: every sync ends with two of them
    /// (the subscription and the feed), and a test of another feature
    /// should see only the requests it is about. Unanswered: 404.
    note_replies: Arc<Mutex<VecDeque<Reply>>>,
    note_requests: Arc<Mutex<Vec<Recorded>>>,
}

fn is_notification_route(target: &str) -> bool {
    target.starts_with("/api/v1/notifications") || target.starts_with("/api/v1/push/")
}

impl FakeServer {
    pub async fn start() -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let replies: Arc<Mutex<VecDeque<Reply>>> = Arc::default();
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let note_replies: Arc<Mutex<VecDeque<Reply>>> = Arc::default();
        let note_requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let (r, q) = (replies.clone(), requests.clone());
        let (nr, nq) = (note_replies.clone(), note_requests.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let (r, q) = (r.clone(), q.clone());
                let (nr, nq) = (nr.clone(), nq.clone());
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else {
                        return;
                    };
                    let (r, q) = if is_notification_route(&req.target) { (nr, nq) } else { (r, q) };
                    q.lock().unwrap().push(req);
                    let reply = r.lock().unwrap().pop_front().unwrap_or(Reply::Json(
                        404,
                        json!({"code": "not_found", "message": {"pl": "Brak odpowiedzi.", "en": "No canned reply."}}),
                    ));
                    let (status, headers, body, content_type) = match reply {
                        Reply::Drop => return,
                        Reply::Status(s) => (s, vec![], vec![], "application/json"),
                        Reply::Json(s, v) => (s, vec![], v.to_string().into_bytes(), "application/json"),
                        Reply::WithHeaders(s, h, v) => (s, h, v.to_string().into_bytes(), "application/json"),
                        Reply::Bytes(s, ct, b) => (s, vec![], b, ct),
                    };
                    let mut head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                        body.len()
                    );
                    if !body.is_empty() {
                        head.push_str(&format!("content-type: {content_type}\r\n"));
                    }
                    for (k, v) in headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(&body).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        FakeServer {
            url,
            replies,
            requests,
            note_replies,
            note_requests,
        }
    }

    /// A reply for the next request to a notification route.
    pub fn note_reply(&self, reply: Reply) -> &Self {
        self.note_replies.lock().unwrap().push_back(reply);
        self
    }

    /// The requests to the notification routes.
    pub fn note_requests(&self) -> Vec<Recorded> {
        self.note_requests.lock().unwrap().clone()
    }

    pub fn reply(&self, reply: Reply) -> &Self {
        self.replies.lock().unwrap().push_back(reply);
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

// ---- fixtures: sync changes in their wire form ----

pub fn upsert(seq: u64, collection: &str, data: Value) -> Value {
    json!({"op": "upsert", "seq": seq, "item": {"collection": collection, "data": data}})
}

pub fn delete(seq: u64, collection: &str, id: &str) -> Value {
    json!({"op": "delete", "seq": seq, "collection": collection, "id": id})
}

pub fn page(changes: Vec<Value>, next_cursor: &str, has_more: bool) -> Value {
    json!({"changes": changes, "next_cursor": next_cursor, "has_more": has_more})
}

pub fn news(id: i64, title: &str, priority: &str, published_at: &str) -> Value {
    json!({"id": id, "title": title, "body": format!("Treść: {title}."), "priority": priority,
           "published_at": published_at, "updated_at": published_at})
}

pub fn event(
    id: i64,
    title: &str,
    starts_at: &str,
    ends_at: &str,
    category: Option<&str>,
    rrule: Option<&str>,
) -> Value {
    let mut v = json!({"id": id, "title": title, "description": format!("Opis: {title}."),
        "starts_at": starts_at, "ends_at": ends_at, "all_day": false, "cancelled": false,
        "updated_at": "2026-01-01T00:00:00Z"});
    if let Some(c) = category {
        v["category"] = json!(c);
    }
    if let Some(r) = rrule {
        v["rrule"] = json!(r);
    }
    v
}

pub fn category(id: &str, name_pl: &str, name_en: &str) -> Value {
    json!({"id": id, "name_pl": name_pl, "name_en": name_en})
}

pub fn gmina() -> Value {
    json!({"id": "gmina", "name": "Gmina Siechnice", "teryt": "0223083",
        "boundary": {"rings": [[[17.0, 51.0], [17.3, 51.0], [17.3, 51.2], [17.0, 51.2], [17.0, 51.0]]]},
        "center": {"lat": 51.1, "lon": 17.15}})
}

pub fn locality(id: i64, name: &str) -> Value {
    json!({"id": id, "name": name, "kind": "village", "point": {"lat": 51.1, "lon": 17.1}})
}

pub fn parse_page(v: Value) -> mm_protocol::sync::SyncPage {
    serde_json::from_value(v).unwrap()
}

/// The gmina the fixtures are of (`gmina()`), as tests choose it.
pub fn siechnice() -> mm_protocol::gmina::Teryt {
    mm_protocol::gmina::Teryt::parse("0223083").unwrap()
}

/// A core's configuration for the tests: its store under `dir`, Siechnice,
/// the server at `url`, the CLI's platform, Polish.
pub fn config(dir: &tempfile::TempDir, url: &str) -> crate::CoreConfig {
    crate::CoreConfig {
        data_dir: dir.path().join("data"),
        gmina: Some(siechnice()),
        server_url: Some(url.into()),
        platform: mm_protocol::devices::Platform::Cli,
        app_version: "1.2.3".into(),
        locale: Some("pl-PL".into()),
    }
}

/// The device registration's answer (token `tok-1`).
pub fn registered() -> Reply {
    Reply::Json(201, json!({"device_id": "dev-1", "token": "tok-1"}))
}

/// A directory entry as the server sends it.
pub fn gmina_summary(teryt: &str, name: &str, powiat: &str, bbox: [f64; 4]) -> Value {
    json!({"teryt": teryt, "name": name, "powiat": powiat, "voivodeship": "dolnośląskie",
        "bbox": {"min_lat": bbox[0], "min_lon": bbox[1], "max_lat": bbox[2], "max_lon": bbox[3]},
        "center": {"lat": (bbox[0] + bbox[2]) / 2.0, "lon": (bbox[1] + bbox[3]) / 2.0},
        "branding": {"primary_color": "#1d4f91", "on_primary_color": "#ffffff"}})
}

/// Every byte of the store's files under `dir` (the database, its WAL and
/// shm), for the tests that check no personal data is left in them.
pub fn store_bytes(dir: &tempfile::TempDir) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.path().to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.extend(std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

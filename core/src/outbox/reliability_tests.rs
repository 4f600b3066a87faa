//! The outbox under the review's reliability findings (security-2026-12.md):
//! 14 (a 401 re-registers and resends; a refused registration does not
//! wedge the queue; a failed write can be retried) and 26 (`flush_outbox`
//! and `sync` never send the same item concurrently). Through [`Core`],
//! over real HTTP on loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::testing::*;
use crate::{Core, GeoPoint, MyReportState, ReportDraftUpdate, SyncOptions};

fn registered(n: u32) -> Reply {
    Reply::Json(201, json!({"device_id": format!("dev-{n}"), "token": format!("tok-{n}")}))
}

fn api_error(status: u16, code: &str) -> Reply {
    Reply::Json(status, json!({"code": code, "message": {"pl": "Błąd po polsku.", "en": "Error in English."}}))
}

fn summary(core_summary: crate::OutboxSummary) -> (u32, u32, u32) {
    (core_summary.sent, core_summary.pending, core_summary.failed)
}

fn paths(server: &FakeServer) -> Vec<String> {
    server.requests().iter().map(|r| format!("{} {}", r.method, r.target)).collect()
}

// ---- finding 14 ----

#[tokio::test]
async fn finding_14_a_401_on_a_queued_write_registers_again_and_resends() {
    let server = FakeServer::start().await;
    server.reply(registered(1));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    assert_eq!(summary(core.flush_outbox().await.unwrap()), (1, 0, 0));

    // The server was restored from a backup without this device.
    core.reports().follow(5).unwrap();
    server.reply(api_error(401, "unauthorized")).reply(registered(2)).reply(Reply::Status(204));
    assert_eq!(summary(core.flush_outbox().await.unwrap()), (2, 0, 0), "registered again and resent: {:?}", paths(&server));

    let reqs = server.requests();
    assert_eq!(
        paths(&server),
        ["POST /api/v1/devices", "POST /api/v1/reports/5/follow", "POST /api/v1/devices", "POST /api/v1/reports/5/follow"]
    );
    assert_eq!(reqs[1].header("authorization"), Some("Bearer tok-1"));
    assert_eq!(reqs[3].header("authorization"), Some("Bearer tok-2"), "the new token");
    assert_eq!(reqs[1].header("idempotency-key"), reqs[3].header("idempotency-key"), "the same write, resent");
    assert_ne!(reqs[0].header("idempotency-key"), reqs[2].header("idempotency-key"), "a new registration");
    let status = core.status().unwrap();
    assert!(status.device_registered);
    assert_eq!((status.pending_writes, status.failed_writes), (0, 0));
}

#[tokio::test]
async fn finding_14_a_401_right_after_registering_again_fails_the_write_instead_of_looping() {
    let server = FakeServer::start().await;
    server.reply(registered(1));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    core.flush_outbox().await.unwrap();
    core.reports().follow(5).unwrap();
    server.reply(api_error(401, "unauthorized")).reply(registered(2)).reply(api_error(401, "unauthorized"));
    assert_eq!(summary(core.flush_outbox().await.unwrap()), (1, 0, 1));
    assert_eq!(server.requests().len(), 4, "one registration per flush, not a loop: {:?}", paths(&server));
}

#[tokio::test]
async fn finding_14_a_refused_registration_does_not_wedge_the_outbox() {
    let server = FakeServer::start().await;
    server.reply(api_error(400, "invalid_field"));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    core.reports().follow(5).unwrap();
    assert_eq!(summary(core.flush_outbox().await.unwrap()), (0, 1, 1), "the registration refused, the follow waits");

    // Whatever made the server refuse is gone: the next flush registers
    // with a new request and the waiting write goes.
    server.reply(registered(1)).reply(Reply::Status(204));
    assert_eq!(summary(core.flush_outbox().await.unwrap()), (2, 0, 0), "{:?}", paths(&server));
    let reqs = server.requests();
    assert_eq!(paths(&server), ["POST /api/v1/devices", "POST /api/v1/devices", "POST /api/v1/reports/5/follow"]);
    assert_ne!(reqs[0].header("idempotency-key"), reqs[1].header("idempotency-key"));
    assert_eq!(reqs[2].header("authorization"), Some("Bearer tok-1"));
}

#[tokio::test]
async fn finding_14_a_failed_write_can_be_retried_not_only_discarded() {
    let server = FakeServer::start().await;
    server.reply(registered(1));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    core.flush_outbox().await.unwrap();
    core.reports().follow(5).unwrap();
    server.reply(api_error(403, "forbidden"));
    assert_eq!(summary(core.flush_outbox().await.unwrap()), (0, 0, 1));

    assert_eq!(core.retry_failed_writes().unwrap(), 1);
    let status = core.status().unwrap();
    assert_eq!((status.pending_writes, status.failed_writes), (1, 0));
    server.reply(Reply::Status(204));
    assert_eq!(summary(core.flush_outbox().await.unwrap()), (1, 0, 0));
    let reqs = server.requests();
    assert_eq!(reqs[1].header("idempotency-key"), reqs[2].header("idempotency-key"), "retried with its key");
    assert_eq!(core.retry_failed_writes().unwrap(), 0);
}

fn lamp_category() -> Value {
    json!({"id": "street_lamp", "name_pl": "Awaria latarni", "name_en": "Street lamp failure",
        "attributes": [{"code": "kind", "label_pl": "Rodzaj awarii", "label_en": "Kind of failure",
            "datatype": "single_choice", "required": true,
            "values": [{"key": "not_lit", "name_pl": "Nie świeci", "name_en": "Not lit"}]}],
        "target_hours": 72, "active": true})
}

#[tokio::test]
async fn finding_14_a_refused_report_can_be_retried() {
    let server = FakeServer::start().await;
    server.reply(registered(1)).reply(Reply::Json(
        200,
        page(vec![upsert(1, "gmina", gmina()), upsert(2, "report_categories", lamp_category())], "2", false),
    ));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    core.sync(SyncOptions::default(), None).await.unwrap();

    let draft = core.reports().create_draft("street_lamp").unwrap();
    core.reports().update_draft(
        &draft.id,
        ReportDraftUpdate {
            point: Some(GeoPoint { lat: 51.05, lon: 17.1 }),
            description: Some("Latarnia przy szkole nie świeci.".into()),
            answers: Some([("kind".to_string(), "not_lit".to_string())].into()),
            ..Default::default()
        },
    )
    .unwrap();
    let mine = core.reports().submit_draft(&draft.id).unwrap();
    assert!(core.reports().retry_failed(mine.local_id).is_err(), "only a refused report can be retried");

    server.reply(api_error(409, "conflict"));
    assert_eq!(summary(core.flush_outbox().await.unwrap()), (0, 0, 1));
    assert_eq!(core.reports().my_report(mine.local_id).unwrap().state, MyReportState::Failed);

    core.reports().retry_failed(mine.local_id).unwrap();
    assert_eq!(core.reports().my_report(mine.local_id).unwrap().state, MyReportState::Queued);
    server.reply(Reply::Json(
        201,
        json!({"id": 41, "category": "street_lamp", "point": {"lat": 51.05, "lon": 17.1},
            "description": "Latarnia przy szkole nie świeci.", "status": "new",
            "created_at": "2026-03-01T10:00:00Z", "updated_at": "2026-03-01T10:00:00Z",
            "history": [{"status": "new", "at": "2026-03-01T10:00:00Z"}], "followers": 1}),
    ));
    assert_eq!(summary(core.flush_outbox().await.unwrap()), (1, 0, 0));
    let sent = core.reports().my_report(mine.local_id).unwrap();
    assert_eq!((sent.state, sent.server_id), (MyReportState::Sent, Some(41)));
    let reqs = server.requests();
    let posts: Vec<_> = reqs.iter().filter(|r| r.target == "/api/v1/reports").collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].header("idempotency-key"), posts[1].header("idempotency-key"));
}

// ---- finding 26 ----

/// A server that answers every request after `delay` and records
/// `(method, path, idempotency key)` as each request arrives.
struct SlowServer {
    url: String,
    seen: Arc<Mutex<Vec<(String, String, String)>>>,
}

impl SlowServer {
    async fn start(delay: Duration) -> SlowServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // Every request here has a body small enough to come
                    // with its headers.
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let mut first = head.lines().next().unwrap_or("").split(' ');
                    let (method, target) = (first.next().unwrap_or("").to_owned(), first.next().unwrap_or("").to_owned());
                    let key = head
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("idempotency-key:").map(|v| v.trim().to_owned()))
                        .unwrap_or_default();
                    let path = target.split('?').next().unwrap_or("").to_owned();
                    log.lock().unwrap().push((method.clone(), path.clone(), key));
                    tokio::time::sleep(delay).await;
                    let (status, body) = match (method.as_str(), path.as_str()) {
                        ("POST", "/api/v1/devices") => ("201 Created", json!({"device_id": "dev-1", "token": "tok-1"}).to_string()),
                        ("GET", "/api/v1/sync") => ("200 OK", page(vec![], "0", false).to_string()),
                        _ => ("200 OK", "{}".to_owned()),
                    };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(answer.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        SlowServer { url, seen }
    }
}

#[tokio::test]
async fn finding_26_flush_and_sync_at_once_send_each_write_once_and_in_order() {
    let server = SlowServer::start(Duration::from_millis(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    core.flush_outbox().await.unwrap();
    assert!(core.status().unwrap().device_registered);

    core.reports().follow(7).unwrap();
    core.reports().unfollow(7).unwrap();
    let (flushed, synced) = tokio::join!(core.flush_outbox(), core.sync(SyncOptions::default(), None));
    flushed.unwrap();
    synced.unwrap();

    let seen = server.seen.lock().unwrap().clone();
    let follows: Vec<(String, String)> = seen
        .iter()
        .filter(|(_, path, _)| path == "/api/v1/reports/7/follow")
        .map(|(m, _, k)| (m.clone(), k.clone()))
        .collect();
    let methods: Vec<&str> = follows.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(methods, ["POST", "DELETE"], "each write once, the follow before the unfollow: {seen:?}");
    assert_ne!(follows[0].1, follows[1].1);
    let status = core.status().unwrap();
    assert_eq!((status.pending_writes, status.failed_writes), (0, 0));
}

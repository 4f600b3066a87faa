//! Reliability findings of the security review (`security-2026-12.md`),
//! each reproduced against the real binaries: `mm-server` (with the fake
//! EZD RP where the EZD is involved) and the `mm` CLI or the core.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use mm_e2e::fake_ezd::{CaseAnswer, FakeEzd};
use mm_e2e::{Mm, Official, Server, reqwest};
use serde_json::{Value, json};

// ---- helpers ----

/// A server with the EZD RP bridge on the fake: fast polls, and a retry
/// base long enough that a case's own backoff is visible next to the
/// poll interval.
fn ezd_server(dir: &std::path::Path, fake: &FakeEzd) -> Server {
    let creds = fake.credentials_file(dir).display().to_string();
    let env = [
        ("MM_EZD", "rp-api"),
        ("MM_EZD_URL", fake.url.as_str()),
        ("MM_EZD_CREDENTIALS", creds.as_str()),
        ("MM_EZD_RETRY_BASE_MS", "1000"),
        ("MM_EZD_RETRY_MAX_MS", "8000"),
        ("MM_EZD_MAX_ATTEMPTS", "1000"),
        ("MM_EZD_POLL_MS", "200"),
        ("MM_EZD_TIMEOUT_MS", "2000"),
        ("MM_RATE_DEVICE_PER_HOUR", "1000000"),
        ("MM_RATE_IP_PER_HOUR", "1000000"),
    ];
    Server::start_with(dir, true, &env).unwrap()
}

fn wait(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn device(url: &str) -> String {
    reqwest::blocking_client()
        .post(format!("{url}/api/v1/devices"))
        .json(&json!({"platform": "cli", "app_version": "1.0.0"}))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn report(url: &str, token: &str, n: usize) -> i64 {
    let r = reqwest::blocking_client()
        .post(format!("{url}/api/v1/reports"))
        .bearer_auth(token)
        .header("idempotency-key", format!("reliability-{n}"))
        .json(&json!({"category": "street_lamp", "point": {"lat": 51.0335, "lon": 17.15},
            "description": format!("Latarnia nr {n} nie świeci"), "answers": {"kind": "not_lit"}}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.json::<Value>().unwrap()["id"].as_i64().unwrap()
}

fn get_report(url: &str, id: i64) -> Value {
    reqwest::blocking_client().get(format!("{url}/api/v1/reports/{id}")).send().unwrap().json().unwrap()
}

fn accept(off: &Official, id: i64) {
    let (s, body) = off
        .request(reqwest::Method::POST, &format!("/api/v1/reports/{id}/status"), Some(json!({"status": "accepted"})))
        .unwrap();
    assert_eq!(s, 200, "{body}");
}

/// `n` reports, accepted, each with its case in the fake: (id, znak).
fn accepted_cases(server: &Server, n: usize) -> Vec<(i64, String)> {
    let token = device(&server.url);
    let ids: Vec<i64> = (0..n).map(|i| report(&server.url, &token, i)).collect();
    let off = server.official("dyspozytor", "dispatcher").unwrap();
    for id in &ids {
        accept(&off, *id);
    }
    wait("a case reference on every report", 60, || {
        ids.iter().all(|id| get_report(&server.url, *id)["case_reference"].is_string())
    });
    ids.iter().map(|id| (*id, get_report(&server.url, *id)["case_reference"].as_str().unwrap().to_owned())).collect()
}

fn public_notes(url: &str, id: i64, needle: &str) -> usize {
    get_report(url, id)["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["public_reply"].as_str().is_some_and(|r| r.contains(needle)))
        .count()
}

// ---- finding 11: one failing case never blocks the others ----

#[test]
fn finding_11_a_failing_ezd_case_does_not_block_polling_of_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeEzd::start();
    let server = ezd_server(dir.path(), &fake);
    let cases = accepted_cases(&server, 3);
    let [(_, gone), (closed_id, closed), (_, open)] = [cases[0].clone(), cases[1].clone(), cases[2].clone()];

    // The first case (lowest report id, polled first) was deleted in the
    // EZD; the second one is closed there; the third stays open.
    fake.set_case_answer(&gone, Some(CaseAnswer::NotFound));
    assert!(fake.set_case_status(&closed, 4));
    wait("the report of the closed case resolved despite the deleted one", 20, || {
        get_report(&server.url, closed_id)["status"] == "resolved"
    });

    // The deleted case is retried with a backoff of its own (1 s doubling)
    // while the healthy open case is asked at every poll (200 ms).
    let (gone_before, open_before) = (fake.case_polls(&gone), fake.case_polls(&open));
    std::thread::sleep(Duration::from_secs(4));
    let gone_polls = fake.case_polls(&gone) - gone_before;
    let open_polls = fake.case_polls(&open) - open_before;
    assert!(open_polls >= 6, "the open case is polled every round: {open_polls} polls in 4 s");
    assert!(
        gone_polls * 3 <= open_polls,
        "the failing case backs off on its own: {gone_polls} polls against {open_polls} of a healthy case"
    );
    assert!(gone_polls >= 1, "the failing case is still retried");

    // Once the EZD answers for it again, its change comes through too.
    fake.set_case_answer(&gone, None);
    assert!(fake.set_case_status(&gone, 4));
    wait("the once-failing case closes its report", 30, || get_report(&server.url, cases[0].0)["status"] == "resolved");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

// ---- finding 18: an unparseable answer is not a state ----

#[test]
fn finding_18_an_unparseable_ezd_answer_does_not_flap_the_case_nor_repeat_the_note() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeEzd::start();
    let server = ezd_server(dir.path(), &fake);
    let (id, znak) = accepted_cases(&server, 1).remove(0);

    assert!(fake.set_case_status(&znak, 3));
    wait("a note on suspension", 20, || public_notes(&server.url, id, "zawieszona") == 1);

    // A maintenance page answered with 200 for a while: several polls.
    let polls = fake.case_polls(&znak);
    fake.set_case_answer(&znak, Some(CaseAnswer::Html("<html><body>Przerwa techniczna / maintenance</body></html>".into())));
    wait("polls meeting the maintenance page", 20, || fake.case_polls(&znak) >= polls + 3);
    // The EZD is back; the case is still suspended there.
    fake.set_case_answer(&znak, None);
    let polls = fake.case_polls(&znak);
    wait("polls after the maintenance", 20, || fake.case_polls(&znak) >= polls + 3);

    assert_eq!(public_notes(&server.url, id, "zawieszona"), 1, "one suspension, one note: {}", get_report(&server.url, id));
    assert_eq!(get_report(&server.url, id)["status"], "accepted");

    // A real resumption still reaches the resident.
    assert!(fake.set_case_status(&znak, 5));
    wait("a note on resumption", 20, || public_notes(&server.url, id, "wznowiona") == 1);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

// ---- finding 13: slow clients, the connection limit, the shutdown deadline ----


fn plain_server(dir: &std::path::Path, env: &[(&str, &str)]) -> Server {
    Server::start_with(dir, false, env).unwrap()
}

fn connect(server: &Server) -> TcpStream {
    let s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    s
}

/// Waits for the server to close the connection (EOF or reset), for at
/// most `within`, writing `trickle` one byte at a time every 200 ms
/// meanwhile (a client that keeps the request alive). What the server
/// sent before closing, or `None` if it is still open.
fn closed_by_server(stream: &mut TcpStream, within: Duration, trickle: &[u8]) -> Option<Vec<u8>> {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let mut next_byte = 0;
    let mut last_write = Instant::now();
    while start.elapsed() < within {
        if next_byte < trickle.len() && last_write.elapsed() >= Duration::from_millis(200) {
            if stream.write_all(&trickle[next_byte..next_byte + 1]).is_err() {
                return Some(got);
            }
            next_byte += 1;
            last_write = Instant::now();
        }
        match stream.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return Some(got),
        }
    }
    None
}

fn healthz_ok(server: &Server) -> bool {
    reqwest::blocking_client()
        .get(format!("{}/healthz", server.url))
        .send()
        .is_ok_and(|r| r.status().is_success())
}

const SLOW: [(&str, &str); 3] =
    [("MM_HEADER_READ_TIMEOUT_MS", "1000"), ("MM_BODY_READ_TIMEOUT_MS", "1000"), ("MM_SHUTDOWN_DEADLINE_MS", "1500")];

#[test]
fn finding_13_a_client_holding_partial_headers_is_disconnected_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = plain_server(dir.path(), &SLOW);

    let mut partial = connect(&server);
    partial.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    let answer = closed_by_server(&mut partial, Duration::from_secs(8), b"");
    assert!(answer.is_some(), "a client with partial headers is still connected after 8 s (timeout 1 s)");

    // Dripping a header byte now and then does not extend the deadline.
    let mut dripping = connect(&server);
    dripping.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    let answer = closed_by_server(&mut dripping, Duration::from_secs(8), b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert!(answer.is_some(), "a client dripping header bytes is still connected after 8 s");

    // A connection that never sends a byte is not kept either.
    let mut idle = connect(&server);
    assert!(closed_by_server(&mut idle, Duration::from_secs(8), b"").is_some(), "an idle connection is kept open");

    assert!(healthz_ok(&server), "normal requests are served meanwhile");
}

#[test]
fn finding_13_a_partial_body_is_cut_after_the_body_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = plain_server(dir.path(), &SLOW);
    let mut slow = connect(&server);
    slow.write_all(b"POST /api/v1/devices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    let answer = closed_by_server(&mut slow, Duration::from_secs(8), b"").expect("a partial body still holds the connection after 8 s (timeout 1 s)");
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.starts_with("HTTP/1.1 2"), "an unfinished body is never a success: {text}");
    assert!(healthz_ok(&server));
}

#[test]
fn finding_13_sigterm_ends_the_server_within_the_deadline_despite_a_slow_client() {
    let dir = tempfile::tempdir().unwrap();
    // Long read timeouts: only the shutdown deadline can end this client.
    let server = plain_server(
        dir.path(),
        &[("MM_HEADER_READ_TIMEOUT_MS", "60000"), ("MM_BODY_READ_TIMEOUT_MS", "60000"), ("MM_SHUTDOWN_DEADLINE_MS", "1500")],
    );
    let mut slow = connect(&server);
    slow.write_all(b"POST /api/v1/devices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").unwrap();
    // The client keeps sending a byte every 200 ms from its own thread.
    let dripper = std::thread::spawn(move || closed_by_server(&mut slow, Duration::from_secs(25), &[b' '; 120]).is_some());
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let status = server.stop().expect("the server stops after SIGTERM");
    let took = started.elapsed();
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(6), "SIGTERM took {took:?} with a slow client open (deadline 1.5 s)");
    assert!(dripper.join().unwrap(), "the slow client was disconnected");
}

#[test]
fn finding_13_connections_over_the_limit_wait_and_normal_requests_succeed_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = plain_server(dir.path(), &[("MM_MAX_CONNECTIONS", "4"), ("MM_HEADER_READ_TIMEOUT_MS", "60000")]);
    let holders: Vec<TcpStream> = (0..4).map(|_| connect(&server)).collect();
    std::thread::sleep(Duration::from_millis(500));

    let mut fifth = connect(&server);
    fifth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut buf = [0u8; 512];
    let early = Instant::now();
    let mut served_early = Vec::new();
    while early.elapsed() < Duration::from_millis(1500) {
        match fifth.read(&mut buf) {
            Ok(n) => {
                served_early.extend_from_slice(&buf[..n]);
                break;
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => panic!("the fifth connection failed: {e}"),
        }
    }
    assert!(served_early.is_empty(), "a fifth connection was served over the limit of 4: {}", String::from_utf8_lossy(&served_early));

    drop(holders);
    let answer = closed_by_server(&mut fifth, Duration::from_secs(10), b"").expect("the queued connection is served once others close");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    assert!(healthz_ok(&server), "normal requests succeed after");
}

// ---- finding 14: the core recovers from a 401; a refused write can be retried ----


const LAMP_REPORT: [&str; 11] = [
    "report", "new", "--category", "street_lamp", "--lat", "51.0335", "--lon", "17.15",
    "--description", "Latarnia przy przystanku nie świeci", "--answer",
];

fn lamp_report(mm: &Mm) -> Value {
    let mut args = LAMP_REPORT.to_vec();
    args.push("kind=not_lit");
    mm.json(&args).unwrap()
}

#[test]
fn finding_14_a_report_gets_through_after_the_server_forgot_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server"), true).unwrap();
    let mm = Mm::new(&dir.path().join("mm"), &server.url);
    mm.json(&["sync"]).unwrap();
    assert_eq!(mm.json(&["status"]).unwrap()["device_registered"], true);

    // As if the server were restored from a backup without this device.
    let db = rusqlite::Connection::open(server.data_dir.join("mm.sqlite")).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(db.execute("UPDATE devices SET token_hash = 'lost'", []).unwrap(), 1);

    let first = lamp_report(&mm);
    assert_eq!(first["state"], "sent", "{first}");
    assert!(first["server_id"].is_i64());
    let second = lamp_report(&mm);
    assert_eq!(second["state"], "sent", "{second}");
    let status = mm.json(&["status"]).unwrap();
    assert_eq!((status["pending_writes"].as_i64(), status["failed_writes"].as_i64()), (Some(0), Some(0)), "{status}");
    let devices: i64 = db.query_row("SELECT count(*) FROM devices", [], |r| r.get(0)).unwrap();
    assert_eq!(devices, 2, "registered once more, not once per write");
}

#[test]
fn finding_14_mm_report_retry_sends_a_refused_report_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server"), true).unwrap();
    let admin = server.official("admin1", "admin").unwrap();
    let mm = Mm::new(&dir.path().join("mm"), &server.url);
    mm.json(&["sync"]).unwrap();

    let set_active = |active: bool| {
        let (s, list) = admin.request(reqwest::Method::GET, "/api/v1/report-categories", None).unwrap();
        assert_eq!(s, 200);
        let mut lamp = list.as_array().unwrap().iter().find(|c| c["id"] == "street_lamp").unwrap().clone();
        lamp["active"] = json!(active);
        let (s, body) = admin.request(reqwest::Method::PUT, "/api/v1/report-categories/street_lamp", Some(lamp)).unwrap();
        assert_eq!(s, 200, "{body}");
    };
    // The office closes the category before the app has synced it.
    set_active(false);
    let refused = lamp_report(&mm);
    assert_eq!(refused["state"], "failed", "{refused}");
    let local_id = refused["local_id"].as_i64().unwrap().to_string();

    set_active(true);
    let sent = mm.json(&["report", "retry", &local_id]).unwrap();
    assert_eq!(sent["state"], "sent", "{sent}");
    assert_eq!(mm.json(&["status"]).unwrap()["failed_writes"], 0);
}

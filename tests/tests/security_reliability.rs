//! Reliability findings of the security review (`security-2026-12.md`),
//! each reproduced against the real binaries: `mm-server` (with the fake
//! EZD RP where the EZD is involved) and the `mm` CLI or the core.

use std::time::{Duration, Instant};

use mm_e2e::fake_ezd::{CaseAnswer, FakeEzd};
use mm_e2e::{Official, Server, reqwest};
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

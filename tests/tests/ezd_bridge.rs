//! The EZD bridge against the fake EZD RP (`mm_e2e::fake_ezd`): a real
//! `mm-server --ezd rp-api`, reports made over HTTP and through the `mm`
//! CLI, the fake failing on demand. Every request the server sends must
//! conform to the Integrator API v2 document.

use std::time::{Duration, Instant};

use mm_e2e::fake_ezd::{Fault, FakeEzd};
use mm_e2e::{Mm, Official, Server, reqwest};
use serde_json::{Value, json};

fn args(fake: &FakeEzd, dir: &std::path::Path) -> Vec<(String, String)> {
    vec![
        ("MM_EZD".into(), "rp-api".into()),
        ("MM_EZD_URL".into(), fake.url.clone()),
        ("MM_EZD_CREDENTIALS".into(), fake.credentials_file(dir).display().to_string()),
        ("MM_EZD_RETRY_BASE_MS".into(), "50".into()),
        ("MM_EZD_RETRY_MAX_MS".into(), "400".into()),
        ("MM_EZD_MAX_ATTEMPTS".into(), "1000".into()),
        ("MM_EZD_POLL_MS".into(), "200".into()),
        ("MM_EZD_TIMEOUT_MS".into(), "2000".into()),
        ("MM_RATE_DEVICE_PER_HOUR".into(), "1000000".into()),
        ("MM_RATE_IP_PER_HOUR".into(), "1000000".into()),
    ]
}

fn start(dir: &std::path::Path, fake: &FakeEzd, addr: &str) -> Server {
    let a = args(fake, dir);
    let refs: Vec<(&str, &str)> = a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Server::start_at(dir, true, addr, &refs).unwrap()
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

fn report(url: &str, token: &str, n: usize) -> (i64, Duration) {
    let t = Instant::now();
    let r = reqwest::blocking_client()
        .post(format!("{url}/api/v1/reports"))
        .bearer_auth(token)
        .header("idempotency-key", format!("ezd-{n}"))
        .json(&json!({"category": "street_lamp", "point": {"lat": 51.0335, "lon": 17.15},
            "description": format!("Latarnia nr {n} nie świeci"), "answers": {"kind": "not_lit"}}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    (r.json::<Value>().unwrap()["id"].as_i64().unwrap(), t.elapsed())
}

fn get_report(url: &str, id: i64) -> Value {
    reqwest::blocking_client().get(format!("{url}/api/v1/reports/{id}")).send().unwrap().json().unwrap()
}

fn accept(off: &Official, id: i64) {
    let (s, body) = off.request(reqwest::Method::POST, &format!("/api/v1/reports/{id}/status"), Some(json!({"status": "accepted"}))).unwrap();
    assert_eq!(s, 200, "{body}");
}

fn is_znak(s: &str) -> bool {
    let p: Vec<&str> = s.split('.').collect();
    p.len() == 4
        && !p[0].is_empty()
        && p[0].chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && p[0].chars().any(|c| c.is_ascii_alphabetic())
        && p[1] == "7021"
        && p[2].parse::<u32>().is_ok()
        && p[3].len() == 4
        && p[3].parse::<u32>().is_ok()
}

fn assert_exactly_once(fake: &FakeEzd, n: usize) {
    let rpw = fake.rpw();
    let titles: std::collections::HashSet<_> = rpw.iter().map(|e| e.tytul.clone()).collect();
    assert_eq!(rpw.len(), n, "RPW entries: {:?}", rpw.iter().map(|e| &e.tytul).collect::<Vec<_>>());
    assert_eq!(titles.len(), n, "one entry per report");
}

#[test]
fn hundred_reports_while_ezd_is_down_then_cases_and_closure_reach_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeEzd::start();
    fake.down();
    let server = start(dir.path(), &fake, "127.0.0.1:0");
    let token = device(&server.url);
    let mut ids = vec![];
    let mut slowest = Duration::ZERO;
    // One report from the resident's own core, through the CLI.
    let mm = Mm::new(&dir.path().join("mm"), &server.url);
    mm.json(&["sync"]).unwrap();
    let mine = mm
        .json(&["report", "new", "--category", "street_lamp", "--lat", "51.0335", "--lon", "17.15",
            "--description", "Latarnia przy przystanku nie świeci", "--answer", "kind=not_lit"])
        .unwrap();
    mm.json(&["sync"]).unwrap();
    for n in 0..99 {
        let (id, took) = report(&server.url, &token, n);
        slowest = slowest.max(took);
        ids.push(id);
    }
    // The bridge never blocks residents: every report was answered while
    // the EZD was unreachable (bounded well below the EZD timeout).
    assert!(slowest < Duration::from_secs(2), "a report took {slowest:?} while the EZD was down");
    let mine_id = (1..=100).find(|id| !ids.contains(id) && get_report(&server.url, *id)["id"] == *id).expect("the CLI's report");
    let _ = mine;
    ids.push(mine_id);
    assert_eq!(ids.len(), 100);
    std::thread::sleep(Duration::from_millis(500));
    assert!(fake.rpw().is_empty());

    fake.up();
    wait("100 RPW entries", 60, || fake.rpw().len() >= 100);
    std::thread::sleep(Duration::from_millis(500));
    assert_exactly_once(&fake, 100);
    for e in fake.rpw() {
        let m = e.metadata.as_ref().expect("metadata was set");
        assert!(m["metadaneSystemowe"]["uwagi"].as_str().unwrap().starts_with("Zgłoszenie nr "));
        assert_eq!(m["metadaneNiesystemowe"][0]["wartosc"].as_str().unwrap(), e.tytul.trim_end_matches(".html"));
        assert!(e.tytul.ends_with(".html"), "the report document is the entry's document");
    }

    let off = server.official("dyspozytor", "dispatcher").unwrap();
    for id in &ids {
        accept(&off, *id);
    }
    wait("case references on every report", 60, || ids.iter().all(|id| get_report(&server.url, *id)["case_reference"].is_string()));
    let mut znaki = std::collections::HashSet::new();
    for id in &ids {
        let z = get_report(&server.url, *id)["case_reference"].as_str().unwrap().to_owned();
        assert!(is_znak(&z), "{z}");
        znaki.insert(z);
    }
    assert_eq!(znaki.len(), 100);
    assert_eq!(fake.cases().len(), 100, "one case per report");
    assert!(fake.cases().iter().all(|c| c.documents.len() == 1), "the report document is in its case");

    // The resident's core sees its case reference after a sync.
    mm.json(&["sync"]).unwrap();
    let my = mm.json(&["reports"]).unwrap().to_string();
    let my_znak = get_report(&server.url, mine_id)["case_reference"].as_str().unwrap().to_owned();
    assert!(my.contains(&my_znak), "core shows {my_znak}: {my}");

    // The office suspends the case, then resumes it: each reaches the
    // resident as a public note under the report's current status.
    let notes = |needle: &str| {
        get_report(&server.url, mine_id)["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["public_reply"].as_str().is_some_and(|r| r.contains(needle)))
    };
    assert!(fake.set_case_status(&my_znak, 3));
    wait("a note on suspension", 30, || notes("zawieszona"));
    assert_eq!(get_report(&server.url, mine_id)["status"], "accepted", "suspension keeps the status");
    assert!(fake.set_case_status(&my_znak, 5));
    wait("a note on resumption", 30, || notes("wznowiona"));
    mm.json(&["sync"]).unwrap();
    let mine = mm.json(&["report", &mine_id.to_string()]).unwrap().to_string();
    assert!(mine.contains("zawieszona") && mine.contains("wznowiona"), "the core sees both notes: {mine}");

    // The office closes the case in the EZD: the report is resolved, with a
    // public note naming the case, and the core sees it.
    assert!(fake.set_case_status(&my_znak, 4));
    wait("resolved after the case closed", 30, || get_report(&server.url, mine_id)["status"] == "resolved");
    let r = get_report(&server.url, mine_id);
    let last = r["history"].as_array().unwrap().last().unwrap().clone();
    assert!(last["public_reply"].as_str().unwrap().contains(&my_znak));
    mm.json(&["sync"]).unwrap();
    let my = mm.json(&["reports"]).unwrap().to_string();
    assert!(my.contains("resolved"), "{my}");

    // The server told the resident of each status change (what a push
    // carries, and the feed): in the app, one notification per step, the
    // one its own sync raised, now carrying the feed's id.
    let told = |status: &str| -> Option<Value> {
        let title = format!("Zgłoszenie nr {mine_id}: {status}");
        let list = mm.json(&["notifications"]).unwrap();
        let found: Vec<Value> = list.as_array().unwrap().iter().filter(|n| n["title"] == json!(title)).cloned().collect();
        assert!(found.len() <= 1, "{title} once: {list}");
        found.into_iter().next().filter(|n| n["feed_id"].is_i64())
    };
    wait("the status changes from the server's feed", 30, || {
        mm.json(&["sync"]).unwrap();
        told("Przyjęte").is_some() && told("Załatwione").is_some()
    });
    assert!(told("Załatwione").unwrap()["body"].as_str().unwrap().contains(&my_znak));

    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn a_lost_success_response_makes_no_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeEzd::start();
    // The registration call (`POST /dokumenty/{id}/rpw`) succeeds, its
    // answer is lost; so is the first case creation's.
    fake.set_fault(Fault::LoseResponse { path_contains: "/dokumenty/dok-".into(), remaining: 3 });
    let server = start(dir.path(), &fake, "127.0.0.1:0");
    let token = device(&server.url);
    let ids: Vec<i64> = (0..3).map(|n| report(&server.url, &token, n).0).collect();
    wait("3 RPW entries", 30, || fake.rpw().len() >= 3 && fake.rpw().iter().all(|e| e.metadata.is_some()));
    std::thread::sleep(Duration::from_secs(1));
    assert_exactly_once(&fake, 3);
    let lost = fake.requests().iter().filter(|(m, p)| m == "POST" && p.ends_with("/rpw") && p.contains("/dokumenty/")).count();
    assert_eq!(lost, 3, "each registration was sent once and found by the search after the lost answer");

    fake.set_fault(Fault::LoseResponse { path_contains: "/sprawy".into(), remaining: 2 });
    let off = server.official("dyspozytor", "dispatcher").unwrap();
    for id in &ids {
        accept(&off, *id);
    }
    wait("case references", 30, || ids.iter().all(|id| get_report(&server.url, *id)["case_reference"].is_string()));
    assert_eq!(fake.cases().len(), 3, "no duplicate case");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn kill_9_in_the_middle_of_delivery_still_registers_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeEzd::start();
    fake.set_fault(Fault::Slow(Duration::from_millis(60)));
    let server = start(dir.path(), &fake, "127.0.0.1:0");
    let token = device(&server.url);
    for n in 0..25 {
        report(&server.url, &token, n);
    }
    wait("some deliveries", 30, || fake.rpw().len() >= 4);
    let addr = server.addr();
    server.kill9();
    let delivered_before = fake.rpw().len();
    assert!(delivered_before < 25, "killed mid-delivery ({delivered_before})");
    fake.set_fault(Fault::None);
    let server = start(dir.path(), &fake, &addr);
    wait("all 25", 60, || fake.rpw().len() >= 25 && fake.rpw().iter().all(|e| e.metadata.is_some()));
    std::thread::sleep(Duration::from_secs(1));
    assert_exactly_once(&fake, 25);
    assert_eq!(fake.violations(), Vec::<String>::new());
    drop(server);
}

#[test]
fn the_conformance_check_rejects_requests_outside_the_document() {
    let fake = FakeEzd::start();
    let mut hm = axum::http::HeaderMap::new();
    hm.insert("content-type", "application/json".parse().unwrap());
    // No token, no SID, a field of the wrong type, an unknown field, and a
    // title over the 500-character limit.
    let body = json!({"idWykaz": 7021, "tytul": "x".repeat(501), "kategoriaArchiwalna": "B5", "rokZalozenia": 2026, "extra": 1});
    let v = fake.check("POST", "/ezdrp/integrator/v2/sprawy", &hm, body.to_string().as_bytes());
    let all = v.join("\n");
    for expected in ["Bearer", "SID", "idWykaz", "tytul", "numer: required", "extra"] {
        assert!(all.contains(expected), "{expected} not reported in:\n{all}");
    }
    assert!(!fake.check("GET", "/ezdrp/integrator/v2/nie-ma", &hm, b"").is_empty());
    hm.remove("content-type");
    let v = fake.check("POST", "/ezdrp/integrator/v2/sprawy", &hm, b"{}").join("\n");
    assert!(v.contains("content type"), "{v}");
}

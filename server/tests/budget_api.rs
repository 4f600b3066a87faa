//! The participatory budget's resident API (issue 15, docs/BUDGET.md) over
//! HTTP on the test backend (SQLite, or PostgreSQL with
//! `MM_TEST_BACKEND=postgres`): the phases, the SMS flow against the fake
//! SMSAPI, a change and the receipt, an idempotent replay, 200 parallel
//! ballots of one person from 200 devices (one counts), signatures,
//! submission and appeal. No PESEL, phone or code in any answer.

mod common;
#[path = "../../tests/src/fake_sms.rs"]
mod fake_sms;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::{Resp, TestApp};
use fake_sms::FakeSms;
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{EditionSettings, IdentityMode, PhaseDates, Pool, PoolKind};
use mm_server::sms::smsapi::{Credentials, SmsApi};
use mm_server::store::Actor;
use mm_server::store::budget::{Decision, NewEdition, NewProject, ProposerContact, Submitted, Verification};
use serde_json::{Value, json};

fn official() -> Actor {
    Actor("bo-official".into())
}

/// A valid PESEL born 1 Jan 1990 with serial `n` (checksum computed).
fn pesel(n: u32) -> String {
    let base = format!("900101{:04}", n % 10_000);
    let w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = base.chars().zip(w).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

fn identity(n: u32) -> Value {
    json!({"first_name": "Jan", "last_name": format!("Kowalski{}", "i".repeat(n as usize % 3)), "pesel": pesel(n)})
}

/// An edition of the test's gmina: submission open now, verification
/// for a day, appeals for another, voting from day 4 to day 5. A
/// gmina-wide pool with two projects on the ballot and one rejected
/// (proposed from `proposer`). Ids: (edition, pool, [on ballot], rejected).
struct Fixture {
    edition: i64,
    pool: i64,
    projects: Vec<i64>,
    rejected: i64,
}

async fn edition(t: &TestApp, settings: EditionSettings, proposer: &str) -> Fixture {
    let s = t.store.as_ref();
    let now = t.state.clock.now();
    let day = Duration::days(1);
    let dates = PhaseDates {
        submission_from: now - day,
        submission_to: now + day,
        verification_to: now + day * 2,
        appeal_to: now + day * 3,
        voting_from: now + day * 4,
        voting_to: now + day * 5,
    };
    let e = s.create_edition(official(), NewEdition { year: 2026, title: "BO 2026".into(), dates, settings }, now).await.unwrap();
    let pool = Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: "Ogólnogminna".into(),
        amount_grosze: 100_000_000,
        localities: vec![],
        residents: 9000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 1 },
    };
    let pool = s.upsert_pool(official(), e.id, pool, now).await.unwrap().id;
    let mut ids = Vec::new();
    for title in ["Ławki", "Plac zabaw", "Odrzucony"] {
        let p = NewProject {
            edition: e.id,
            pool,
            title: title.into(),
            description: "opis".into(),
            cost_grosze: 1_000_000,
            category: None,
            location: None,
            photos: vec![],
            contact: Some(ProposerContact { name: "Anna Nowak".into(), email: None, phone: None }),
        };
        let Submitted::New(p) = s.submit_project(proposer, p, None, now).await.unwrap() else { panic!() };
        ids.push(p.id);
    }
    let verdict = |decision| Verification { legal: true, feasible: true, estimate_grosze: None, department: None, decision };
    s.verify_project(official(), ids[0], verdict(Decision::OnBallot), now).await.unwrap();
    s.verify_project(official(), ids[1], verdict(Decision::OnBallot), now).await.unwrap();
    s.verify_project(official(), ids[2], verdict(Decision::Reject { reason: "Poza gminą".into() }), now).await.unwrap();
    Fixture { edition: e.id, pool, rejected: ids[2], projects: ids[..2].to_vec() }
}

fn pesel_settings() -> EditionSettings {
    EditionSettings { identity: IdentityMode::Pesel, ..EditionSettings::default() }
}

async fn device(t: &TestApp) -> String {
    let r = t.call("POST", "/api/v1/devices", None, Some(json!({"platform": "android", "app_version": "1.0.0"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

async fn write(t: &TestApp, method: &str, uri: &str, token: &str, key: &str, body: Value) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    t.send(req).await
}

fn ballot(f: &Fixture, who: Value, projects: &[i64]) -> Value {
    let choices: Vec<Value> = projects.iter().map(|p| json!({"project": p})).collect();
    json!({"identity": who, "residence_declared": true, "pools": [{"pool": f.pool, "projects": choices}]})
}

fn to_voting(t: &TestApp) {
    t.advance(Duration::days(4) + Duration::hours(12));
}

#[track_caller]
fn nothing_personal(r: &Resp) {
    let text = r.text();
    for secret in ["9001010", "Kowalski", "600100", "+48"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn editions_list_ids_phases_and_pools() {
    let t = TestApp::new().await;
    let f = edition(&t, pesel_settings(), "d").await;
    let r = t.get("/api/v1/budget/editions").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let e = &r.json()[0];
    assert_eq!(e["id"], f.edition);
    assert_eq!(e["phase"], "submission");
    assert_eq!(e["pools"][0]["id"], f.pool);
    let r = t.get(&format!("/api/v1/budget/editions/{}/projects?status=on_ballot", f.edition)).await;
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert!(!r.text().contains("Anna"), "no proposer data: {}", r.text());
    let r = t.get(&format!("/api/v1/budget/projects/{}", f.rejected)).await;
    assert_eq!(r.json()["status"], "rejected");
    assert!(!r.text().contains("Anna"));
    assert_eq!(t.get("/api/v1/budget/editions/999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&format!("/api/v1/budget/editions/{}/projects?status=bogus", f.edition)).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn ballots_count_only_while_voting_is_open() {
    let t = TestApp::new().await;
    let f = edition(&t, pesel_settings(), "d").await;
    let dev = device(&t).await;
    let uri = format!("/api/v1/budget/editions/{}/ballots", f.edition);
    let r = write(&t, "POST", &uri, &dev, "k1", ballot(&f, identity(1), &[f.projects[0]])).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "phase_closed".into()), "{}", r.text());
    to_voting(&t);
    let r = write(&t, "POST", &uri, &dev, "k2", ballot(&f, identity(1), &[f.projects[0]])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    nothing_personal(&r);
    assert_eq!(r.json()["channel"], "online");
    assert_eq!(r.json()["receipt_code"].as_str().unwrap().len(), 10);
    t.advance(Duration::days(1));
    let r = write(&t, "POST", &uri, &dev, "k3", ballot(&f, identity(2), &[f.projects[0]])).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "phase_closed".into()), "{}", r.text());
    let tally = t.store.tallies(f.edition, f.pool).await.unwrap();
    assert_eq!(tally.iter().map(|x| x.votes).sum::<u32>(), 1);
}

#[tokio::test]
async fn the_same_person_twice_is_already_voted_and_a_retry_replays_the_receipt() {
    let t = TestApp::new().await;
    let f = edition(&t, pesel_settings(), "d").await;
    to_voting(&t);
    let (d1, d2) = (device(&t).await, device(&t).await);
    let uri = format!("/api/v1/budget/editions/{}/ballots", f.edition);
    let body = ballot(&f, identity(7), &[f.projects[0], f.projects[1]]);
    let first = write(&t, "POST", &uri, &d1, "same-key", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let again = write(&t, "POST", &uri, &d1, "same-key", body.clone()).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
    assert_eq!(again.json(), first.json(), "the same receipt");
    let other = write(&t, "POST", &uri, &d2, "other-key", body).await;
    assert_eq!((other.status, other.code()), (StatusCode::CONFLICT, "already_voted".into()), "{}", other.text());
    assert!(other.json()["message"]["pl"].as_str().unwrap().contains("już"), "{}", other.text());
    assert!(other.json()["message"]["en"].as_str().unwrap().contains("already voted"), "{}", other.text());
    nothing_personal(&other);
    let tally = t.store.tallies(f.edition, f.pool).await.unwrap();
    assert_eq!(tally.iter().map(|x| x.votes).collect::<Vec<_>>(), [1, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn two_hundred_devices_one_person_one_vote() {
    let t = TestApp::new().await;
    let f = edition(&t, pesel_settings(), "d").await;
    to_voting(&t);
    let mut devices = Vec::new();
    for _ in 0..200 {
        devices.push(device(&t).await);
    }
    let t = Arc::new(t);
    let start = Arc::new(tokio::sync::Barrier::new(200));
    let uri = format!("/api/v1/budget/editions/{}/ballots", f.edition);
    let body = ballot(&f, identity(42), &[f.projects[0]]);
    let tasks: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(i, dev)| {
            let (t, start, uri, body) = (t.clone(), start.clone(), uri.clone(), body.clone());
            tokio::spawn(async move {
                start.wait().await;
                write(&t, "POST", &uri, &dev, &format!("k{i}"), body).await
            })
        })
        .collect();
    let (mut created, mut already) = (0, 0);
    for task in tasks {
        let r = task.await.unwrap();
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(r.code(), "already_voted", "{}", r.text());
                assert!(r.json()["message"]["en"].as_str().unwrap().contains("already voted"));
                already += 1;
            }
            other => panic!("{other}: {}", r.text()),
        }
    }
    assert_eq!((created, already), (1, 199));
    let tally = t.store.tallies(f.edition, f.pool).await.unwrap();
    assert_eq!(tally.iter().map(|x| x.votes).collect::<Vec<_>>(), [1]);
}

#[tokio::test]
async fn a_ballot_is_seen_by_device_and_receipt_and_changed_by_its_voter() {
    let t = TestApp::new().await;
    let f = edition(&t, EditionSettings { allow_change: true, ..pesel_settings() }, "d").await;
    to_voting(&t);
    let (d1, d2) = (device(&t).await, device(&t).await);
    let uri = format!("/api/v1/budget/editions/{}/ballots", f.edition);
    let r = write(&t, "POST", &uri, &d1, "k", ballot(&f, identity(3), &[f.projects[0]])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let receipt = r.json();
    let code = receipt["receipt_code"].as_str().unwrap().to_owned();
    let mine = format!("/api/v1/budget/editions/{}/ballot", f.edition);
    let r = t.call("GET", &mine, Some(&d1), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["receipt"], receipt);
    assert_eq!(r.json()["may_change"], true);
    assert_eq!(t.call("GET", &mine, Some(&d2), None).await.status, StatusCode::NOT_FOUND);
    let r = t.call("GET", &format!("{mine}?receipt={code}"), Some(&d2), None).await;
    assert_eq!(r.json()["receipt"]["ballot_id"], receipt["ballot_id"]);
    // Another person with the receipt code cannot change it.
    let change = |who: Value| json!({"identity": who, "receipt_code": code, "pools": [{"pool": f.pool, "projects": [{"project": f.projects[1]}]}]});
    let r = write(&t, "PUT", &mine, &d2, "c1", change(identity(4))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = write(&t, "PUT", &mine, &d2, "c2", change(identity(3))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["receipt"]["pools"][0]["projects"][0]["project"], f.projects[1]);
    assert!(r.json()["changed_at"].is_string());
    let tally = t.store.tallies(f.edition, f.pool).await.unwrap();
    assert_eq!(tally.iter().map(|x| (x.project, x.votes)).collect::<Vec<_>>(), [(f.projects[1], 1)]);
}

async fn with_fake_sms(mut t: TestApp, fake: &FakeSms) -> TestApp {
    let client = SmsApi::new(&fake.url, Credentials { token: fake_sms::TOKEN.into() }, None, StdDuration::from_secs(5)).unwrap();
    t.state.sms = Arc::new(client);
    t.app = mm_server::app(t.state.clone());
    t
}

#[tokio::test]
async fn the_sms_code_confirms_a_ballot_and_caps_a_phone() {
    let fake = FakeSms::start().await;
    let t = with_fake_sms(TestApp::new().await, &fake).await;
    let f = edition(&t, EditionSettings { sms: true, max_voters_per_phone: 5, ..pesel_settings() }, "d").await;
    to_voting(&t);
    let dev = device(&t).await;
    let codes_uri = format!("/api/v1/budget/editions/{}/sms-codes", f.edition);
    let uri = format!("/api/v1/budget/editions/{}/ballots", f.edition);
    let fake = &fake;
    let ask = |who: Value, phone: &'static str, key: String| {
        let (t, codes_uri, dev) = (&t, codes_uri.clone(), dev.clone());
        async move {
            let r = write(t, "POST", &codes_uri, &dev, &key, json!({"identity": who, "phone": phone})).await;
            assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
            nothing_personal(&r);
            let to = format!("48{}", phone.replace(' ', ""));
            let code = fake.last_to(&to).unwrap().code().unwrap();
            (r.json()["request_id"].as_str().unwrap().to_owned(), code)
        }
    };
    let with_sms = |who: Value, request: &str, code: &str| {
        let mut b = ballot(&f, who, &[f.projects[0]]);
        b["sms"] = json!({"request_id": request, "code": code});
        b
    };
    // Without a code: refused.
    let r = write(&t, "POST", &uri, &dev, "none", ballot(&f, identity(1), &[f.projects[0]])).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_sms_code".into()));
    // A wrong code, then the right one.
    let (req, code) = ask(identity(1), "600 100 200", "a1".into()).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = write(&t, "POST", &uri, &dev, "w1", with_sms(identity(1), &req, wrong)).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_sms_code".into()), "{}", r.text());
    nothing_personal(&r);
    assert!(!r.text().contains(wrong));
    let r = write(&t, "POST", &uri, &dev, "r1", with_sms(identity(1), &req, &code)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Five wrong codes lock the request: the fifth is 429 with Retry-After.
    let (req, code) = ask(identity(2), "600 100 300", "a2".into()).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for i in 1..=5 {
        let r = write(&t, "POST", &uri, &dev, &format!("l{i}"), with_sms(identity(2), &req, wrong)).await;
        if i < 5 {
            assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_sms_code".into()), "try {i}: {}", r.text());
        } else {
            assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "sms_locked".into()), "{}", r.text());
            assert!(r.headers.contains_key("retry-after"));
        }
    }
    let r = write(&t, "POST", &uri, &dev, "l6", with_sms(identity(2), &req, &code)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "locked even with the right code: {}", r.text());
    // An expired code.
    let (req, code) = ask(identity(3), "600 100 300", "a3".into()).await;
    t.advance(Duration::minutes(11));
    let r = write(&t, "POST", &uri, &dev, "e1", with_sms(identity(3), &req, &code)).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_sms_code".into()), "{}", r.text());
    // Five voters on one phone count; the sixth is phone_limit.
    for n in 10..15u32 {
        let (req, code) = ask(identity(n), "600 100 400", format!("p{n}")).await;
        let r = write(&t, "POST", &uri, &dev, &format!("v{n}"), with_sms(identity(n), &req, &code)).await;
        assert_eq!(r.status, StatusCode::CREATED, "voter {n}: {}", r.text());
    }
    let (req, code) = ask(identity(15), "600 100 400", "p15".into()).await;
    let r = write(&t, "POST", &uri, &dev, "v15", with_sms(identity(15), &req, &code)).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "phone_limit".into()), "{}", r.text());
    let tally = t.store.tallies(f.edition, f.pool).await.unwrap();
    assert_eq!(tally.iter().map(|x| x.votes).sum::<u32>(), 6);
    // The gateway down: 503 sms_unavailable.
    fake.set_fault(fake_sms::Fault::Http500);
    let r = write(&t, "POST", &codes_uri, &dev, "down", json!({"identity": identity(20), "phone": "600100500"})).await;
    assert_eq!((r.status, r.code()), (StatusCode::SERVICE_UNAVAILABLE, "sms_unavailable".into()), "{}", r.text());
}

#[tokio::test]
async fn residents_submit_sign_and_appeal() {
    let t = TestApp::new().await;
    let proposer = device(&t).await;
    let f = edition(&t, pesel_settings(), "another-device").await;
    let new = json!({"pool": f.pool, "title": "Ławki nad Oławą", "description": "Pięć ławek.", "cost_grosze": 500_000,
        "contact": {"name": "Anna Nowak", "email": "anna@example.pl"}});
    let uri = format!("/api/v1/budget/editions/{}/projects", f.edition);
    let r = write(&t, "POST", &uri, &proposer, "p1", new.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(!r.text().contains("Anna"), "{}", r.text());
    let project = r.json()["id"].as_i64().unwrap();
    let again = write(&t, "POST", &uri, &proposer, "p1", new.clone()).await;
    assert_eq!(again.json()["id"], project, "a retry is the same project");
    // Signatures: once per person.
    let signer = device(&t).await;
    let sign = format!("/api/v1/budget/projects/{project}/signatures");
    let r = write(&t, "POST", &sign, &signer, "s1", json!({"identity": identity(5)})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["signatures"], 1);
    let r = write(&t, "POST", &sign, &signer, "s2", json!({"identity": identity(5)})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = write(&t, "POST", &sign, &signer, "s3", json!({"identity": {"first_name": "A", "last_name": "B", "pesel": "90010100000"}})).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_identity".into()), "{}", r.text());
    assert!(!r.text().contains("90010100000"));
    // An appeal: the proposer's device only, until appeal_to.
    let reject = Verification {
        legal: false,
        feasible: true,
        estimate_grosze: None,
        department: None,
        decision: Decision::Reject { reason: "Teren prywatny".into() },
    };
    t.store.verify_project(official(), project, reject, t.state.clock.now()).await.unwrap();
    let appeal = format!("/api/v1/budget/projects/{project}/appeal");
    let text = json!({"text": "Proszę o ponowne rozpatrzenie."});
    let r = write(&t, "POST", &appeal, &signer, "a1", text.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = write(&t, "POST", &format!("/api/v1/budget/projects/{}/appeal", f.rejected), &proposer, "a2", text.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "another proposer's project: {}", r.text());
    let r = write(&t, "POST", &appeal, &proposer, "a3", text.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "appealed");
    // Submission is over after submission_to.
    t.advance(Duration::days(2));
    let r = write(&t, "POST", &uri, &proposer, "p2", new).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "phase_closed".into()), "{}", r.text());
}

/// Captures this thread's tracing output (as server/tests/sms.rs does).
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

struct LogWriter(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_pesel_phone_or_code_in_any_log_line() {
    let logs = Logs::default();
    let buf = logs.0.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_ansi(false)
        .with_writer(move || LogWriter(buf.clone()))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let fake = FakeSms::start().await;
    let t = with_fake_sms(TestApp::new().await, &fake).await;
    let f = edition(&t, EditionSettings { sms: true, ..pesel_settings() }, "d").await;
    to_voting(&t);
    let dev = device(&t).await;
    let who = identity(77);
    let codes_uri = format!("/api/v1/budget/editions/{}/sms-codes", f.edition);
    let r = write(&t, "POST", &codes_uri, &dev, "c1", json!({"identity": who, "phone": "600 700 800"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let request = r.json()["request_id"].as_str().unwrap().to_owned();
    let code = fake.last_to("48600700800").unwrap().code().unwrap();
    let uri = format!("/api/v1/budget/editions/{}/ballots", f.edition);
    let mut b = ballot(&f, who.clone(), &[f.projects[0]]);
    b["sms"] = json!({"request_id": request, "code": "999999"});
    write(&t, "POST", &uri, &dev, "w", b.clone()).await;
    b["sms"]["code"] = json!(code);
    let r = write(&t, "POST", &uri, &dev, "r", b.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let receipt = r.json()["receipt_code"].as_str().unwrap().to_owned();
    write(&t, "POST", &uri, &device(&t).await, "again", b).await;
    fake.set_fault(fake_sms::Fault::Http500);
    write(&t, "POST", &codes_uri, &dev, "c2", json!({"identity": identity(78), "phone": "600700801"})).await;
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(text.contains("budget ballot counted"), "the log is captured: {text}");
    for secret in [pesel(77).as_str(), pesel(78).as_str(), "Kowalski", "600700800", "600 700 800", "600700801", code.as_str(), "999999", receipt.as_str()] {
        assert!(!text.contains(secret), "{secret} in the log: {text}");
    }
}

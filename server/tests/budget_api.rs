//! The participatory budget's resident API (issue 15, docs/BUDGET.md) over
//! HTTP on the test backend (SQLite, or PostgreSQL with
//! `MM_TEST_BACKEND=postgres`): the phases, the SMS flow against the fake
//! SMSAPI, a change and the receipt, an idempotent replay, 200 parallel
//! ballots of one person from 200 devices (one counts), signatures,
//! submission and appeal. No PESEL, phone or code in any answer.

use crate::common;
use crate::fake_sms;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::logs::Logs;
use common::{Resp, TestApp};
use fake_sms::FakeSms;
use mm_protocol::budget::model::{EditionSettings, IdentityMode, PhaseDates};
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
    let pool = common::budget::gmina_wide_pool("Ogólnogminna");
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
    t.send(write_request(method, uri, token, key, body)).await
}

/// A device's write with its idempotency key, as the app's outbox sends it.
fn write_request(method: &str, uri: &str, token: &str, key: &str, body: Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
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
    // Five voters on one phone count; the sixth is phone_limit. Codes for
    // the fifth and sixth were sent while the phone had four voters: the
    // cast checks the cap again.
    for n in 10..14u32 {
        let (req, code) = ask(identity(n), "600 100 400", format!("p{n}")).await;
        let r = write(&t, "POST", &uri, &dev, &format!("v{n}"), with_sms(identity(n), &req, &code)).await;
        assert_eq!(r.status, StatusCode::CREATED, "voter {n}: {}", r.text());
    }
    let (req14, code14) = ask(identity(14), "600 100 400", "p14".into()).await;
    let (req15, code15) = ask(identity(15), "600 100 400", "p15".into()).await;
    let r = write(&t, "POST", &uri, &dev, "v14", with_sms(identity(14), &req14, &code14)).await;
    assert_eq!(r.status, StatusCode::CREATED, "the fifth voter: {}", r.text());
    let r = write(&t, "POST", &uri, &dev, "v15", with_sms(identity(15), &req15, &code15)).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "phone_limit".into()), "{}", r.text());
    let tally = t.store.tallies(f.edition, f.pool).await.unwrap();
    assert_eq!(tally.iter().map(|x| x.votes).sum::<u32>(), 6);
    // Now the phone is full: a seventh person asking for a code is refused
    // before any SMS goes out (nothing reaches the gateway), although the
    // phone's rate limit (6 codes an hour, all taken) would refuse a code.
    let sent = fake.requests();
    let r = write(&t, "POST", &codes_uri, &dev, "p16", json!({"identity": identity(16), "phone": "600100400"})).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "phone_limit".into()), "{}", r.text());
    nothing_personal(&r);
    assert!(r.json()["message"]["pl"].is_string() && r.json()["message"]["en"].is_string(), "{}", r.text());
    assert_eq!(fake.requests(), sent, "no SMS for a phone at its cap");
    // Another phone still gets its code (from another device: this one
    // has asked 10 times this hour).
    let dev2 = device(&t).await;
    let r = write(&t, "POST", &codes_uri, &dev2, "p16b", json!({"identity": identity(16), "phone": "600100401"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(fake.requests(), sent + 1);
    let req = r.json()["request_id"].as_str().unwrap().to_owned();
    let code = fake.last_to("48600100401").unwrap().code().unwrap();
    let r = write(&t, "POST", &uri, &dev2, "v16", with_sms(identity(16), &req, &code)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // The gateway down: 503 sms_unavailable.
    fake.set_fault(fake_sms::Fault::Http500);
    let r = write(&t, "POST", &codes_uri, &dev2, "down", json!({"identity": identity(20), "phone": "600100500"})).await;
    assert_eq!((r.status, r.code()), (StatusCode::SERVICE_UNAVAILABLE, "sms_unavailable".into()), "{}", r.text());
}

/// A proposal's photos: ids uploaded by `POST /api/v1/photos`, listed back
/// as the URLs that serve them; an id never uploaded is refused on
/// `photos`, and nothing is stored for it.
#[tokio::test]
async fn a_proposal_lists_its_uploaded_photos_as_urls() {
    let t = TestApp::new().await;
    let proposer = device(&t).await;
    let f = edition(&t, pesel_settings(), "another-device").await;
    let img = image::RgbImage::from_fn(4, 3, |x, y| image::Rgb([x as u8 * 60, y as u8 * 80, 100]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/photos")
        .header("authorization", format!("Bearer {proposer}"))
        .header("content-type", "image/jpeg")
        .body(Body::from(jpeg.into_inner()))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["photo_id"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/budget/editions/{}/projects", f.edition);
    let new = |photos: Vec<String>| {
        json!({"pool": f.pool, "title": "Plac zabaw", "description": "Huśtawki.", "cost_grosze": 500_000,
            "photos": photos, "contact": {"name": "Anna Nowak"}})
    };
    for bad in ["f".repeat(64), "../../admin".into()] {
        let r = write(&t, "POST", &uri, &proposer, &format!("bad-{}", bad.len()), new(vec![id.clone(), bad])).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_field".into()), "{}", r.text());
        assert_eq!(r.json()["field"], "photos");
    }
    let r = write(&t, "POST", &uri, &proposer, "p1", new(vec![id.clone(), id.clone()])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let url = format!("/api/v1/photos/{id}");
    assert_eq!(r.json()["photos"], json!([url]), "each photo once, as its URL");
    let r = t.get(&url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "image/jpeg");
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

#[tokio::test(flavor = "current_thread")]
async fn no_pesel_phone_or_code_in_any_log_line() {
    let (logs, _guard) = Logs::capture_with("trace");
    let fake = FakeSms::start().await;
    let t = with_fake_sms(TestApp::new().await, &fake).await;
    let f = edition(&t, EditionSettings { sms: true, ..pesel_settings() }, "d").await;
    to_voting(&t);
    let dev = device(&t).await;
    let who = identity(77);
    // Tests of this file run on parallel threads without this subscriber; one of
    // them may register a callsite at the moment ours is set, caching "no
    // interest" for it (tracing's interest cache is per process). Rebuilt here,
    // the cache includes this thread's subscriber for every callsite.
    tracing::callsite::rebuild_interest_cache();
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
    let text = logs.text();
    assert!(text.contains("budget ballot counted"), "the log is captured: {text}");
    for secret in [pesel(77).as_str(), pesel(78).as_str(), "Kowalski", "600700800", "600 700 800", "600700801", code.as_str(), "999999", receipt.as_str()] {
        assert!(!text.contains(secret), "{secret} in the log: {text}");
    }
}

/// The voting edition is held in memory (`budget::casting::VotingCache`);
/// a change written behind the server's back (raw SQL, as another instance
/// or the CLI would) is seen by the very next ballot, both ways, and the
/// end of voting is seen without any write.
#[tokio::test]
async fn the_cached_edition_follows_every_change() {
    let t = TestApp::new().await;
    let f = edition(&t, pesel_settings(), "d").await;
    to_voting(&t);
    let dev = device(&t).await;
    let uri = format!("/api/v1/budget/editions/{}/ballots", f.edition);
    let votes = |t: &TestApp| {
        let (store, edition, pool) = (t.store.clone(), f.edition, f.pool);
        async move { store.tallies(edition, pool).await.unwrap().iter().map(|x| (x.project, x.votes)).collect::<Vec<_>>() }
    };
    let r = write(&t, "POST", &uri, &dev, "c1", ballot(&f, identity(1), &[f.projects[1]])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(t.state.voting.len(), 1, "the edition in voting is held");
    let status = |s: &str| {
        let n = t.sql().execute(
            "UPDATE budget_projects SET status = ?1 WHERE id = ?2",
            &[common::backend::SqlValue::Text(s.into()), common::backend::SqlValue::Int(f.projects[1])],
        );
        assert_eq!(n, 1);
    };
    // Taken off the ballot behind the server's back: refused at once.
    status("rejected");
    let r = write(&t, "POST", &uri, &dev, "c2", ballot(&f, identity(2), &[f.projects[1]])).await;
    assert_eq!(r.status.as_u16() / 100, 4, "a project off the ballot: {}", r.text());
    assert_eq!(votes(&t).await, [(f.projects[1], 1)]);
    // Back on it: the held (fresh, "rejected") copy does not refuse it.
    status("on_ballot");
    let r = write(&t, "POST", &uri, &dev, "c3", ballot(&f, identity(2), &[f.projects[1]])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // The cost changed by an official (the generation moves on; the held
    // copy is dropped and the ballot counted on a fresh load).
    let before = t.store.edition_generation(f.edition).await.unwrap().unwrap();
    t.sql().execute(
        "UPDATE budget_projects SET cost_grosze = cost_grosze + 100 WHERE id = ?1",
        &[common::backend::SqlValue::Int(f.projects[0])],
    );
    assert!(t.store.edition_generation(f.edition).await.unwrap().unwrap() > before);
    let r = write(&t, "POST", &uri, &dev, "c4", ballot(&f, identity(3), &[f.projects[0]])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(votes(&t).await, [(f.projects[0], 1), (f.projects[1], 2)]);
    // Voting over: refused though the edition is held, nothing counted.
    t.advance(Duration::days(1));
    let r = write(&t, "POST", &uri, &dev, "c5", ballot(&f, identity(4), &[f.projects[0]])).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "phase_closed".into()), "{}", r.text());
    assert_eq!(votes(&t).await, [(f.projects[0], 1), (f.projects[1], 2)]);
    assert!(t.state.voting.is_empty(), "an edition out of voting is not held");
}

/// Every write of an edition, its pools or its projects moves the
/// generation on, and a cast against an old generation writes nothing.
#[tokio::test]
async fn a_cast_against_an_old_generation_writes_nothing() {
    use mm_protocol::budget::identity::normalise;
    use mm_protocol::budget::model::{BallotChannel, DuplicatePolicy, IdentityInput};
    use mm_server::budget::identity::BudgetKeys;
    use mm_server::store::ballots::{BallotChoice, BallotPolicy, CastOutcome, NewBallot};

    let t = TestApp::new().await;
    let s = t.store.clone();
    let f = edition(&t, pesel_settings(), "d").await;
    let g = |s: Arc<dyn mm_server::store::Store>, e: i64| async move { s.edition_generation(e).await.unwrap().unwrap() };
    assert_eq!(s.edition_generation(999_999).await.unwrap(), None);
    let g0 = g(s.clone(), f.edition).await;
    let now = t.state.clock.now();
    let e = s.edition(f.edition, now).await.unwrap().unwrap();
    // A pool written moves it on.
    let mut pool = e.pools[0].clone();
    pool.name = "Ogólnogminna 2".into();
    s.upsert_pool(official(), f.edition, pool, now).await.unwrap();
    let g1 = g(s.clone(), f.edition).await;
    assert!(g1 > g0, "pool: {g0} -> {g1}");
    to_voting(&t);
    let now = t.state.clock.now();
    let input = IdentityInput { first_name: "Ewa".into(), last_name: "Lis".into(), pesel: Some(pesel(9)), address: None, phone: None };
    let key = BudgetKeys::ephemeral().edition(s.gmina_scope(), f.edition);
    let new = NewBallot {
        edition: f.edition,
        policy: BallotPolicy { duplicates: DuplicatePolicy::FirstCounts, max_voters_per_phone: 0, allow_change: false },
        voter_key: key.voter(&normalise(IdentityMode::Pesel, &input).unwrap()),
        phone_key: None,
        channel: BallotChannel::Online,
        device: Some("dev-9".into()),
        entered_by: None,
        residence_declared: true,
        choices: vec![BallotChoice { pool: f.pool, project: f.projects[0], points: 1 }],
        receipt_key: key.clone(),
        idempotency: None,
        sms: None,
        now,
    };
    // A project written (an appeal decided late, a cost corrected) moves it on.
    t.sql().execute("UPDATE budget_projects SET title = 'Ławki 2' WHERE id = ?1", &[common::backend::SqlValue::Int(f.projects[0])]);
    let g2 = g(s.clone(), f.edition).await;
    assert!(g2 > g1, "project: {g1} -> {g2}");
    assert_eq!(s.cast_ballot_at(new.clone(), g1).await.unwrap(), None, "an old generation");
    assert!(s.tallies(f.edition, f.pool).await.unwrap().is_empty(), "nothing written");
    let outcome = s.cast_ballot_at(new.clone(), g2).await.unwrap();
    assert!(matches!(outcome, Some(CastOutcome::Counted { .. })), "{outcome:?}");
    assert_eq!(g(s.clone(), f.edition).await, g2, "a ballot does not move it");
    let mut other = new;
    other.edition = 999_999;
    assert!(s.cast_ballot_at(other, g2).await.is_err(), "no such edition");
}

/// A name-and-address voter's locality must be one of the gmina's: a
/// ballot, an SMS code (no SMS sent) and a signature naming another are
/// refused with the field, nothing written.
#[tokio::test]
async fn a_locality_outside_the_gmina_is_refused() {
    use common::backend::SqlValue;
    let fake = FakeSms::start().await;
    let t = with_fake_sms(TestApp::new().await, &fake).await;
    for (id, name) in [(1, "Siechnice"), (2, "Radwanice")] {
        let data = json!({"id": id, "name": name, "kind": "town", "point": {"lat": 51.03, "lon": 17.14}});
        t.sql().execute(
            "INSERT INTO localities (gmina, id, data) VALUES (?1, ?2, ?3)",
            &[SqlValue::Text(t.store.gmina_scope().to_string()), SqlValue::Int(id), SqlValue::Text(data.to_string())],
        );
    }
    let settings = EditionSettings { identity: IdentityMode::NameAddress, sms: true, ..EditionSettings::default() };
    let f = edition(&t, settings, "d").await;
    let dev = device(&t).await;
    let who = |locality: i64| json!({"first_name": "Jan", "last_name": "Kowalski", "address": {"locality": locality, "street": "Polna", "house": "1"}});
    let refused = |r: &Resp, what: &str| {
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_identity".into()), "{what}: {}", r.text());
        assert_eq!(r.json()["field"], "address.locality", "{what}: {}", r.text());
        assert!(r.json()["message"]["pl"].as_str().unwrap().contains("gminy"), "{what}: {}", r.text());
        assert!(r.json()["message"]["en"].as_str().unwrap().contains("gmina"), "{what}: {}", r.text());
        nothing_personal(r);
    };
    // A signature (before the phase is checked: the project is on the ballot).
    let r = write(&t, "POST", &format!("/api/v1/budget/projects/{}/signatures", f.projects[0]), &dev, "s1", json!({"identity": who(77)})).await;
    refused(&r, "signature");
    to_voting(&t);
    let codes_uri = format!("/api/v1/budget/editions/{}/sms-codes", f.edition);
    let uri = format!("/api/v1/budget/editions/{}/ballots", f.edition);
    let r = write(&t, "POST", &codes_uri, &dev, "a1", json!({"identity": who(77), "phone": "600100200"})).await;
    refused(&r, "SMS code");
    assert_eq!(fake.requests(), 0, "no SMS for a locality outside the gmina");
    let r = write(&t, "POST", &codes_uri, &dev, "a2", json!({"identity": who(2), "phone": "600100200"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let request = r.json()["request_id"].as_str().unwrap().to_owned();
    let code = fake.last_to("48600100200").unwrap().code().unwrap();
    let with_sms = |locality: i64| {
        let mut b = ballot(&f, who(locality), &[f.projects[0]]);
        b["sms"] = json!({"request_id": request, "code": code});
        b
    };
    let r = write(&t, "POST", &uri, &dev, "b1", with_sms(77)).await;
    refused(&r, "ballot");
    assert!(t.store.tallies(f.edition, f.pool).await.unwrap().is_empty());
    let r = write(&t, "POST", &uri, &dev, "b2", with_sms(2)).await;
    assert_eq!(r.status, StatusCode::CREATED, "the code was not used by the refusal: {}", r.text());
    assert_eq!(t.store.tallies(f.edition, f.pool).await.unwrap().len(), 1);
}

/// A support signature retried with its `Idempotency-Key` answers the
/// first receipt and counts once; another key for the same person is
/// refused as signed; the key with another person is a conflict.
#[tokio::test]
async fn a_signature_replayed_by_its_key_counts_once() {
    let t = TestApp::new().await;
    let proposer = device(&t).await;
    let f = edition(&t, pesel_settings(), "another-device").await;
    let new = json!({"pool": f.pool, "title": "Ławki", "description": "Pięć ławek.", "cost_grosze": 500_000,
        "contact": {"name": "Anna Nowak"}});
    let r = write(&t, "POST", &format!("/api/v1/budget/editions/{}/projects", f.edition), &proposer, "p1", new).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let project = r.json()["id"].as_i64().unwrap();
    let (d1, d2) = (device(&t).await, device(&t).await);
    let sign = format!("/api/v1/budget/projects/{project}/signatures");
    let first = write(&t, "POST", &sign, &d1, "k1", json!({"identity": identity(5)})).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    assert_eq!(first.json()["signatures"], 1);
    let again = write(&t, "POST", &sign, &d1, "k1", json!({"identity": identity(5)})).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
    assert_eq!(again.json(), first.json(), "the first answer again");
    // Another key (or device) for the same person: already signed.
    for (dev, key) in [(&d1, "k2"), (&d2, "k3")] {
        let r = write(&t, "POST", &sign, dev, key, json!({"identity": identity(5)})).await;
        assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "conflict".into()), "{}", r.text());
        assert!(r.json()["message"]["en"].as_str().unwrap().contains("already signed"), "{}", r.text());
        nothing_personal(&r);
    }
    // The key with another person: a conflict, nothing counted.
    let r = write(&t, "POST", &sign, &d1, "k1", json!({"identity": identity(6)})).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "idempotency_conflict".into()), "{}", r.text());
    // Another person: the second signature.
    let r = write(&t, "POST", &sign, &d2, "k4", json!({"identity": identity(6)})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["signatures"], 2, "the replay and the refusals counted nothing");
    // The same key on another device is another request.
    let r = write(&t, "POST", &sign, &d2, "k1", json!({"identity": identity(7)})).await;
    assert_eq!(r.json()["signatures"], 3, "{}", r.text());
}

/// `write` from a client address (what the listener's `ConnectInfo` says).
async fn write_from(t: &TestApp, ip: &str, uri: &str, token: &str, key: &str, body: Value) -> Resp {
    let addr = std::net::SocketAddr::new(ip.parse().unwrap(), 40000);
    let mut req = write_request("POST", uri, token, key, body);
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    t.send(req).await
}

/// SMS pumping (docs/SECURITY.md, "Probes of the second batch"): codes
/// cost the gmina money, and a device is free to make. One client address
/// (an IPv6 /64) gets at most `SMS_PER_ADDRESS_HOUR` codes across its
/// devices; the gmina at most its `sms_per_hour`, reached with an error
/// in the log; numbers that are not mobile (landlines, premium-rate 70x,
/// free-phone 80x) get no code at all. Each refusal sends nothing.
#[tokio::test]
async fn sms_codes_are_bounded_per_address_and_per_gmina_and_go_only_to_mobiles() {
    use mm_server::sms::codes::SMS_PER_ADDRESS_HOUR;
    let (logs, _guard) = Logs::capture_with("info");
    let fake = FakeSms::start().await;
    let t = with_fake_sms(TestApp::new().await, &fake).await;
    let f = edition(
        &t,
        EditionSettings {
            sms: true,
            ..pesel_settings()
        },
        "d",
    )
    .await;
    to_voting(&t);
    tracing::callsite::rebuild_interest_cache();
    let uri = format!("/api/v1/budget/editions/{}/sms-codes", f.edition);
    let ask = |n: u32| json!({"identity": identity(n), "phone": format!("600 2{:02} {:03}", n / 1000, n % 1000)});

    for landline in ["71 123 45 67", "+48 703 123 456", "800 123 456"] {
        let dev = device(&t).await;
        let r = write_from(
            &t,
            "198.51.100.9",
            &uri,
            &dev,
            "l",
            json!({"identity": identity(1), "phone": landline}),
        )
        .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::BAD_REQUEST, "invalid_identity".into()),
            "{landline}: {}",
            r.text()
        );
    }
    assert_eq!(fake.requests(), 0, "no code to a number that is not mobile");

    // One address, fresh devices (each under its own limit of 10).
    let mut sent = 0;
    let mut n = 0;
    let refused = loop {
        let dev = device(&t).await;
        let mut answer = None;
        for _ in 0..5 {
            n += 1;
            let r = write_from(&t, "2001:db8:1:2::7", &uri, &dev, &format!("k{n}"), ask(n)).await;
            if r.status != StatusCode::ACCEPTED {
                answer = Some(r);
                break;
            }
            sent += 1;
        }
        if let Some(r) = answer {
            break r;
        }
    };
    assert_eq!(
        sent, SMS_PER_ADDRESS_HOUR,
        "codes sent to one address's devices"
    );
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text()
    );
    // Another address of the same /64 is the same client.
    let dev = device(&t).await;
    let r = write_from(&t, "2001:db8:1:2:ffff::1", &uri, &dev, "same-64", ask(900)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(fake.accepted().len() as u32, SMS_PER_ADDRESS_HOUR);

    // The gmina's ceiling: 2 more this hour, whoever asks.
    let scope = t.store.gmina_scope().clone();
    let mut record = match t.store.gmina_record(&scope).await.unwrap() {
        Some(r) => r,
        None => t
            .store
            .add_gmina(
                Actor("test".into()),
                common::gmina_record(scope.as_str(), "Siechnice"),
                chrono::Utc::now(),
            )
            .await
            .unwrap(),
    };
    // A token bucket: lowered to 2, at most 2 are left now.
    record.settings.sms_per_hour = Some(2);
    t.store
        .update_gmina(Actor("test".into()), record, chrono::Utc::now())
        .await
        .unwrap();
    t.state.gminas.invalidate();
    let mut answers = Vec::new();
    for (i, ip) in ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
        .into_iter()
        .enumerate()
    {
        let dev = device(&t).await;
        answers.push(
            write_from(&t, ip, &uri, &dev, &format!("g{i}"), ask(950 + i as u32))
                .await
                .status,
        );
    }
    assert_eq!(
        answers,
        [
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    assert_eq!(fake.accepted().len() as u32, SMS_PER_ADDRESS_HOUR + 2);
    assert!(
        logs.text().contains("hourly ceiling was reached"),
        "the operators are told"
    );
}

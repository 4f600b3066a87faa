//! Bad ballots (issue 15, docs/BUDGET.md "The check order"): each a clear
//! 4xx with its code and field, and every budget table as it was before
//! (a wrong SMS code counts its one try, as the lock needs, and nothing
//! else). On the test backend (SQLite, or PostgreSQL with
//! `MM_TEST_BACKEND=postgres`).

use crate::common;
use crate::fake_sms;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::{Resp, TestApp};
use fake_sms::FakeSms;
use mm_protocol::budget::model::{EditionSettings, IdentityMode, PhaseDates};
use mm_protocol::gmina::Teryt;
use mm_server::gmina::setup::{self, NewGmina};
use mm_server::sms::smsapi::{Credentials, SmsApi};
use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
use mm_server::store::{Actor, Store};
use serde_json::{Value, json};

const A: &str = "0223083";
const B: &str = "0223032";

fn official() -> Actor {
    Actor("bo-official".into())
}

/// A valid PESEL born 1 Jan 1990 with serial `n`.
fn pesel(n: u32) -> String {
    let base = format!("900101{:04}", n % 10_000);
    let w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = base.chars().zip(w).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

/// An edition of `s` whose voting opens `voting_in` from now, with two
/// pools of one project each on the ballot: (edition, [(pool, project)]).
async fn edition(s: &dyn Store, now: chrono::DateTime<chrono::Utc>, voting_in: Duration, sms: bool) -> (i64, Vec<(i64, i64)>) {
    let day = Duration::days(1);
    let v = now + voting_in;
    let dates = PhaseDates {
        submission_from: v - day * 10,
        submission_to: v - day * 8,
        verification_to: v - day * 6,
        appeal_to: v - day * 4,
        voting_from: v,
        voting_to: v + day * 3,
    };
    let settings = EditionSettings { identity: IdentityMode::Pesel, sms, area_pools_per_ballot: 2, ..EditionSettings::default() };
    let created = v - day * 20;
    let e = s.create_edition(official(), NewEdition { year: 2026, title: "BO".into(), dates, settings }, created).await.unwrap();
    let mut out = Vec::new();
    for name in ["Ogólnogminna", "Osiedle"] {
        let pool = common::budget::gmina_wide_pool(name);
        let pool = s.upsert_pool(official(), e.id, pool, created).await.unwrap().id;
        let p = NewProject {
            edition: e.id,
            pool,
            title: format!("{name} ławki"),
            description: "opis".into(),
            cost_grosze: 1_000_000,
            category: None,
            location: None,
            photos: vec![],
            contact: None,
        };
        let Submitted::New(p) = s.submit_project("d", p, None, v - day * 9).await.unwrap() else { panic!() };
        let ok = Verification { legal: true, feasible: true, estimate_grosze: None, department: None, decision: Decision::OnBallot };
        s.verify_project(official(), p.id, ok, v - day * 7).await.unwrap();
        out.push((pool, p.id));
    }
    (e.id, out)
}

/// Every budget table's rows, and the SMS tries and phone counts.
fn snapshot(t: &TestApp) -> Vec<(String, i64)> {
    let sql = t.sql();
    let mut tables = sql.tables_named("budget_");
    tables.sort();
    let mut out: Vec<(String, i64)> =
        tables.iter().map(|tb| (tb.clone(), sql.int(&format!("SELECT COUNT(*) FROM {tb}"), &[]))).collect();
    out.push(("sms attempts".into(), sql.int("SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT) FROM budget_sms_codes", &[])));
    out.push(("phone voters".into(), sql.int("SELECT CAST(COALESCE(SUM(voters), 0) AS BIGINT) FROM budget_phones", &[])));
    out.push(("idempotency".into(), sql.int("SELECT COUNT(*) FROM idempotency", &[])));
    out
}

async fn device(t: &TestApp, gmina: &str) -> String {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/devices")
        .header("MM-Gmina", gmina)
        .header("content-type", "application/json")
        .body(Body::from(json!({"platform": "android", "app_version": "1.0.0"}).to_string()))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

async fn post(t: &TestApp, uri: &str, token: &str, key: &str, body: Body) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header("MM-Gmina", A)
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    t.send(req).await
}

fn ballot(who: &str, choices: &[(i64, i64)]) -> Value {
    let pools: Vec<Value> = choices.iter().map(|(pool, p)| json!({"pool": pool, "projects": [{"project": p}]})).collect();
    json!({"identity": {"first_name": "Jan", "last_name": "Kowalski", "pesel": who}, "residence_declared": true, "pools": pools})
}

#[tokio::test]
async fn bad_ballots_are_refused_with_nothing_written() {
    let mut t = TestApp::new().await;
    let fake = FakeSms::start().await;
    let client = SmsApi::new(&fake.url, Credentials { token: fake_sms::TOKEN.into() }, None, StdDuration::from_secs(5)).unwrap();
    t.state.sms = Arc::new(client);
    t.app = mm_server::app(t.state.clone());
    for (teryt, name) in [(A, "Siechnice"), (B, "Czernica")] {
        let new = NewGmina { teryt: teryt.into(), name: name.into(), powiat: "wrocławski".into(), voivodeship: "dolnośląskie".into(), boundary: None, admin_login: None };
        setup::add(t.store.as_ref(), new, chrono::Utc::now()).await.unwrap();
    }
    t.state.gminas.invalidate();
    let now = t.state.clock.now();
    let a = t.store.for_gmina(&Teryt::parse(A).unwrap());
    let b = t.store.for_gmina(&Teryt::parse(B).unwrap());
    let (open, pools) = edition(a.as_ref(), now, -Duration::days(1), false).await;
    let (later, later_pools) = edition(a.as_ref(), now, Duration::days(30), false).await;
    let (with_sms, sms_pools) = edition(a.as_ref(), now, -Duration::days(1), true).await;
    let (theirs, their_pools) = edition(b.as_ref(), now, -Duration::days(1), false).await;
    let dev = device(&t, A).await;
    let their_dev = device(&t, B).await;
    // An SMS request to answer wrongly.
    let r = post(&t, &format!("/api/v1/budget/editions/{with_sms}/sms-codes"), &dev, "sms", Body::from(
        json!({"identity": {"first_name": "Jan", "last_name": "Kowalski", "pesel": pesel(9)}, "phone": "600100200"}).to_string(),
    ))
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let request = r.json()["request_id"].as_str().unwrap().to_owned();
    let code = fake.last_to("48600100200").unwrap().code().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut wrong_sms = ballot(&pesel(9), &sms_pools[..1]);
    wrong_sms["sms"] = json!({"request_id": request, "code": wrong});
    let (p1, x1) = pools[0];
    let (_, x2) = pools[1];
    let mut bad_pesel = pesel(1);
    bad_pesel.replace_range(10..11, if bad_pesel.ends_with('0') { "1" } else { "0" });

    let ballots = |e: i64| format!("/api/v1/budget/editions/{e}/ballots");
    // (what, uri, device token, body, status, error code, field)
    type Case<'a> = (&'a str, String, &'a str, Body, StatusCode, &'a str, Option<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        ("outside the voting phase", ballots(later), &dev, Body::from(ballot(&pesel(1), &later_pools[..1]).to_string()), StatusCode::CONFLICT, "phase_closed", None),
        ("an unknown project", ballots(open), &dev, Body::from(ballot(&pesel(1), &[(p1, 999_999)]).to_string()), StatusCode::NOT_FOUND, "not_found", Some("pools[0].projects[0]")),
        ("another pool's project", ballots(open), &dev, Body::from(ballot(&pesel(1), &[(p1, x2)]).to_string()), StatusCode::BAD_REQUEST, "ballot_rule", Some("pools[0].projects[0]")),
        ("a wrong PESEL checksum", ballots(open), &dev, Body::from(ballot(&bad_pesel, &[(p1, x1)]).to_string()), StatusCode::BAD_REQUEST, "invalid_identity", Some("pesel")),
        ("a wrong SMS code", ballots(with_sms), &dev, Body::from(wrong_sms.to_string()), StatusCode::BAD_REQUEST, "invalid_sms_code", None),
        ("malformed JSON", ballots(open), &dev, Body::from("{\"identity\": "), StatusCode::BAD_REQUEST, "malformed_json", None),
        ("an oversized body", ballots(open), &dev, Body::from(vec![b' '; mm_server::MAX_BODY + 10]), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None),
        ("another gmina's edition", ballots(theirs), &dev, Body::from(ballot(&pesel(1), &their_pools[..1]).to_string()), StatusCode::NOT_FOUND, "not_found", None),
        ("another gmina's device token", ballots(open), &their_dev, Body::from(ballot(&pesel(1), &[(p1, x1)]).to_string()), StatusCode::UNAUTHORIZED, "", None),
    ];
    for (i, (what, uri, token, body, status, code, field)) in cases.into_iter().enumerate() {
        let before = snapshot(&t);
        let r = post(&t, &uri, token, &format!("k{i}"), body).await;
        assert_eq!(r.status, status, "{what}: {}", r.text());
        if !code.is_empty() {
            assert_eq!(r.code(), code, "{what}: {}", r.text());
            assert!(r.json()["message"]["pl"].is_string() && r.json()["message"]["en"].is_string(), "{what}");
        }
        if let Some(f) = field {
            assert_eq!(r.json()["field"], f, "{what}: {}", r.text());
        }
        for secret in ["9001010", "Kowalski", wrong, "600100200"] {
            assert!(!r.text().contains(secret), "{what}: {secret} in {}", r.text());
        }
        let mut after = snapshot(&t);
        if what == "a wrong SMS code" {
            let tries = after.iter_mut().find(|(k, _)| k == "sms attempts").unwrap();
            tries.1 -= 1;
        }
        assert_eq!(after, before, "{what} wrote something");
    }
    let tally: u32 = a.tallies(open, p1).await.unwrap().iter().map(|x| x.votes).sum();
    assert_eq!(tally, 0);
}

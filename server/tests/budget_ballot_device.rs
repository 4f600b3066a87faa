//! The ballot route's device cache (`budget::casting::VotingDevice`,
//! docs/plans/issue-15.md §7 item 1): a device read for one ballot is held
//! so the next makes no read before the register's transaction, yet a
//! device whose token was replaced or that was deleted (written behind the
//! server's back, as another instance or the maintenance job would) is
//! refused by the very next ballot, with nothing counted, and dropped.
//! On the test backend (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`).

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::backend::SqlValue;
use common::{Resp, TestApp};
use mm_protocol::budget::model::{EditionSettings, IdentityMode, PhaseDates};
use mm_server::store::Actor;
use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
use serde_json::{Value, json};

/// A valid PESEL born 2 Feb 1985 with serial `n` (checksum computed).
fn pesel(n: u32) -> String {
    let base = format!("850202{:04}", n % 10_000);
    let w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = base.chars().zip(w).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

/// An edition in voting now (PESEL identity) with one pool and one
/// project on the ballot: (edition, pool, project).
async fn voting_edition(t: &TestApp) -> (i64, i64, i64) {
    let s = t.store.as_ref();
    let official = || Actor("bo-official".into());
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
    let settings = EditionSettings { identity: IdentityMode::Pesel, ..EditionSettings::default() };
    let e = s.create_edition(official(), NewEdition { year: 2026, title: "BO 2026".into(), dates, settings }, now).await.unwrap();
    let pool = common::budget::gmina_wide_pool("Ogólnogminna");
    let pool = s.upsert_pool(official(), e.id, pool, now).await.unwrap().id;
    let p = NewProject {
        edition: e.id,
        pool,
        title: "Ławki".into(),
        description: "opis".into(),
        cost_grosze: 1_000_000,
        category: None,
        location: None,
        photos: vec![],
        contact: None,
    };
    let Submitted::New(p) = s.submit_project("d", p, None, now).await.unwrap() else { panic!("a new project") };
    let verdict = Verification { legal: true, feasible: true, estimate_grosze: None, department: None, decision: Decision::OnBallot };
    s.verify_project(official(), p.id, verdict, now).await.unwrap();
    t.advance(day * 4 + Duration::hours(12));
    (e.id, pool, p.id)
}

/// A registered device: (id, token).
async fn device(t: &TestApp) -> (String, String) {
    let r = t.call("POST", "/api/v1/devices", None, Some(json!({"platform": "android", "app_version": "1.0.0"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    (v["device_id"].as_str().unwrap().to_owned(), v["token"].as_str().unwrap().to_owned())
}

async fn cast(t: &TestApp, edition: i64, token: &str, key: &str, body: &Value) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/budget/editions/{edition}/ballots"))
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn a_held_device_is_refused_at_once_when_its_token_is_replaced_or_it_is_deleted() {
    let t = TestApp::new().await;
    let (edition, pool, project) = voting_edition(&t).await;
    let ballot = |n: u32| {
        json!({"identity": {"first_name": "Jan", "last_name": "Kowalski", "pesel": pesel(n)},
               "residence_declared": true, "pools": [{"pool": pool, "projects": [{"project": project}]}]})
    };
    let votes = || {
        let store = t.store.clone();
        async move { store.tallies(edition, pool).await.unwrap().iter().map(|x| x.votes).sum::<u32>() }
    };

    // Two ballots from one device: it is held after the first.
    let (a, token_a) = device(&t).await;
    assert_eq!(cast(&t, edition, &token_a, "a1", &ballot(1)).await.status, StatusCode::CREATED);
    assert_eq!(t.state.voting.devices_held(), 1, "the device is held");
    assert_eq!(cast(&t, edition, &token_a, "a2", &ballot(2)).await.status, StatusCode::CREATED);
    assert_eq!(votes().await, 2);

    // The token replaced behind the server's back (a re-registration
    // under a new key does this): the held device is refused at once.
    let n = t.sql().execute(
        "UPDATE devices SET token_hash = ?1 WHERE id = ?2",
        &[SqlValue::Text("0".repeat(64)), SqlValue::Text(a.clone())],
    );
    assert_eq!(n, 1);
    let r = cast(&t, edition, &token_a, "a3", &ballot(3)).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "unauthorized".into()), "{}", r.text());
    assert_eq!(votes().await, 2, "nothing counted");
    assert_eq!(t.state.voting.devices_held(), 0, "the refused device is no longer held");
    // Again: refused by the read now, as any unknown token.
    assert_eq!(cast(&t, edition, &token_a, "a4", &ballot(3)).await.status, StatusCode::UNAUTHORIZED);

    // A device deleted behind the server's back (the maintenance job
    // collects devices): refused at once too.
    let (b, token_b) = device(&t).await;
    assert_eq!(cast(&t, edition, &token_b, "b1", &ballot(4)).await.status, StatusCode::CREATED);
    assert_eq!(t.state.voting.devices_held(), 1);
    assert_eq!(t.sql().execute("DELETE FROM devices WHERE id = ?1", &[SqlValue::Text(b)]), 1);
    let r = cast(&t, edition, &token_b, "b2", &ballot(5)).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "unauthorized".into()), "{}", r.text());
    assert_eq!(votes().await, 3, "nothing counted");
    assert_eq!(t.state.voting.devices_held(), 0);

    // A retried key of a held device still answers its first receipt.
    let (_, token_c) = device(&t).await;
    let first = cast(&t, edition, &token_c, "c1", &ballot(6)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let again = cast(&t, edition, &token_c, "c1", &ballot(6)).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
    assert_eq!(again.json()["ballot_id"], first.json()["ballot_id"]);
    assert_eq!(votes().await, 4);
    // And a second ballot of the same person from it is refused.
    let r = cast(&t, edition, &token_c, "c2", &ballot(6)).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "already_voted".into()), "{}", r.text());
    assert_eq!(votes().await, 4);
}

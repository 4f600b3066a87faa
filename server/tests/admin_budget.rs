//! The back office's participatory budget pages (issue 15 WP4,
//! `admin/budget.rs`), through the router in-process over the test
//! backend's store (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`):
//! who may open them (admins and the budget department's officials;
//! everyone else 403, another gmina's edition 404), CSRF, the lot drawn
//! once and shown, no count before `voting_to` nor without the lot, the
//! count's trace as sentences, publication only once every pool is
//! counted, each step audited, and then the public results, linked from
//! the edition page once published.

use crate::common;
use crate::security_support;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::TestApp;
use mm_protocol::auth::Role;
use mm_protocol::budget::count::{CountingRule, Lang, describe};
use mm_protocol::budget::identity::normalise;
use mm_protocol::budget::model::{
    BallotChannel, DuplicatePolicy, EditionSettings, IdentityInput, IdentityMode, PhaseDates, Pool, PoolKind,
};
use mm_protocol::gmina::Teryt;
use mm_server::budget::identity::BudgetKeys;
use mm_server::store::ballots::{BallotChoice, BallotPolicy, CastOutcome, NewBallot};
use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
use mm_server::store::{Actor, Store};
use security_support::*;

const CZERNICA: &str = "0223032";
const ZL: i64 = 100;
const PESELS: [&str; 5] = ["44051401359", "02070803628", "90090515836", "85121612343", "76032409874"];

fn official() -> Actor {
    Actor("test".into())
}

/// An edition of `s` in voting until a day from `now`: one gmina-wide pool
/// (greedy, 100 000 zł) with three projects and five ballots.
async fn edition_in_voting(s: &dyn Store, now: DateTime<Utc>) -> (i64, i64, Vec<i64>) {
    let d = Duration::days;
    let dates = PhaseDates {
        submission_from: now - d(60),
        submission_to: now - d(50),
        verification_to: now - d(40),
        appeal_to: now - d(30),
        voting_from: now - d(20),
        voting_to: now + d(1),
    };
    let e = s
        .create_edition(official(), NewEdition { year: 2026, title: "BO 2026".into(), dates, settings: EditionSettings::default() }, now - d(61))
        .await
        .unwrap();
    let pool = Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: "Ogólnogminna".into(),
        amount_grosze: 100_000 * ZL,
        localities: vec![],
        residents: 25_000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 0 },
    };
    let pool = s.upsert_pool(official(), e.id, pool, now - d(61)).await.unwrap().id;
    let mut projects = Vec::new();
    for (i, (title, cost)) in [("Ławki", 40_000), ("Park", 50_000), ("Ścieżka", 30_000)].into_iter().enumerate() {
        let p = NewProject {
            edition: e.id,
            pool,
            title: title.into(),
            description: "Opis".into(),
            cost_grosze: cost * ZL,
            category: None,
            location: None,
            photos: vec![],
            contact: None,
        };
        let Submitted::New(p) = s.submit_project(&format!("dev-{i}"), p, None, now - d(55)).await.unwrap() else { panic!() };
        let v = Verification { legal: true, feasible: true, estimate_grosze: None, department: None, decision: Decision::OnBallot };
        s.verify_project(official(), p.id, v, now - d(45)).await.unwrap();
        projects.push(p.id);
    }
    let key = BudgetKeys::from_bytes(&[7u8; 32]).unwrap().edition(s.gmina_scope(), e.id);
    let choices: [&[usize]; 5] = [&[0, 1], &[0, 1], &[0], &[0, 2], &[1, 2]];
    for (n, c) in choices.iter().enumerate() {
        let input = IdentityInput { first_name: "Jan".into(), last_name: "Nowak".into(), pesel: Some(PESELS[n].into()), address: None, phone: None };
        let ballot = NewBallot {
            edition: e.id,
            policy: BallotPolicy { duplicates: DuplicatePolicy::FirstCounts, max_voters_per_phone: 5, allow_change: false },
            voter_key: key.voter(&normalise(IdentityMode::Pesel, &input).unwrap()),
            phone_key: None,
            channel: BallotChannel::Online,
            device: Some(format!("voter-{n}")),
            entered_by: None,
            residence_declared: true,
            choices: c.iter().map(|i| BallotChoice { pool, project: projects[*i], points: 1 }).collect(),
            receipt_key: key.clone(),
            idempotency: None,
            sms: None,
            now: now - d(10),
        };
        assert!(matches!(s.cast_ballot(ballot).await.unwrap(), CastOutcome::Counted { .. }));
    }
    (e.id, pool, projects)
}

/// Siechnice (the test store's own) with its edition, the budget
/// department and another; Czernica with an edition of its own.
struct World {
    t: TestApp,
    edition: i64,
    pool: i64,
    projects: Vec<i64>,
    budget_dept: i64,
    other_dept: i64,
    czernica_edition: i64,
}

async fn world() -> World {
    let t = TestApp::new().await;
    let now = t.state.clock.now();
    t.store.add_gmina(official(), mm_server::demo::czernica::siechnice_record(), now).await.unwrap();
    t.store.add_gmina(official(), mm_server::demo::czernica::record(), now).await.unwrap();
    let (edition, pool, projects) = edition_in_voting(t.store.as_ref(), now).await;
    let cz = t.store.for_gmina(&Teryt::parse(CZERNICA).unwrap());
    let (czernica_edition, _, _) = edition_in_voting(cz.as_ref(), now).await;
    let budget_dept = t.store.create_department(official(), "Budżet obywatelski", now).await.unwrap().id;
    let other_dept = t.store.create_department(official(), "Drogi", now).await.unwrap().id;
    World { t, edition, pool, projects, budget_dept, other_dept, czernica_edition }
}

/// A public API request in the test store's gmina.
async fn public(t: &TestApp, uri: &str) -> common::Resp {
    let req = axum::http::Request::builder()
        .uri(uri)
        .header("MM-Gmina", t.store.gmina_scope().as_str())
        .body(axum::body::Body::empty())
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn only_admins_and_the_budget_department_open_the_pages() {
    let w = world().await;
    let t = &w.t;
    let edition_page = format!("/admin/budget/editions/{}", w.edition);
    for (who, (cookie, _)) in [("admin", staff(t, Role::Admin).await), ("budget official", department_official(t, Some(w.budget_dept)).await)] {
        for page in ["/admin/budget", edition_page.as_str()] {
            let r = page_get(t, page, &cookie).await;
            assert_eq!(r.status, StatusCode::OK, "{who} {page}: {}", r.text());
            assert!(r.text().contains("href=\"/admin/budget\""), "{who} has the menu link");
        }
        assert!(page_get(t, "/admin/budget", &cookie).await.text().contains(&edition_page));
        // Another gmina's edition: not found.
        let r = page_get(t, &format!("/admin/budget/editions/{}", w.czernica_edition), &cookie).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}: Czernica's edition");
    }
    let refused = [
        ("dispatcher", staff(t, Role::Dispatcher).await),
        ("roads official", department_official(t, Some(w.other_dept)).await),
        ("official of no department", department_official(t, None).await),
    ];
    let audit = t.audit_len().await;
    for (who, (cookie, csrf)) in &refused {
        for page in ["/admin/budget", edition_page.as_str()] {
            assert_eq!(page_get(t, page, cookie).await.status, StatusCode::FORBIDDEN, "{who} {page}");
        }
        for post in [
            format!("/admin/budget/editions/{}/pools/{}/lot", w.edition, w.pool),
            format!("/admin/budget/editions/{}/pools/{}/count", w.edition, w.pool),
            format!("/admin/budget/editions/{}/publish", w.edition),
        ] {
            assert_eq!(form_post(t, &post, cookie, &format!("csrf={csrf}")).await.status, StatusCode::FORBIDDEN, "{who} {post}");
        }
    }
    assert!(t.store.lot(w.edition, w.pool).await.unwrap().is_none(), "no lot drawn");
    assert_eq!(t.audit_len().await, audit, "nothing audited");
}

#[tokio::test]
async fn lot_once_count_after_voting_publish_then_the_results_are_public() {
    let w = world().await;
    let t = &w.t;
    let (cookie, _) = department_official(t, Some(w.budget_dept)).await;
    let lot = format!("/admin/budget/editions/{}/pools/{}/lot", w.edition, w.pool);
    let count = format!("/admin/budget/editions/{}/pools/{}/count", w.edition, w.pool);
    let publish = format!("/admin/budget/editions/{}/publish", w.edition);

    // Without the CSRF token nothing happens.
    for post in [&lot, &count, &publish] {
        let r = form_post(t, post, &cookie, "").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{post} without CSRF");
        let r = form_post(t, post, &cookie, "csrf=0000").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{post} with a wrong token");
    }
    assert!(t.store.lot(w.edition, w.pool).await.unwrap().is_none());

    // Counting needs the lot; publishing needs the counts.
    // (Two days on, the session has expired: a fresh one.)
    t.advance(Duration::days(2));
    let (later, later_csrf) = department_official(t, Some(w.budget_dept)).await;
    let r = form_post(t, &count, &later, &format!("csrf={later_csrf}")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("losowanie"), "says why");
    t.advance(Duration::days(-2));
    let (cookie, csrf) = department_official(t, Some(w.budget_dept)).await;
    let ok = format!("csrf={csrf}");

    // The lot, once: shown and stored.
    let audit = t.audit_len().await;
    let r = form_post(t, &lot, &cookie, &ok).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let drawn = t.store.lot(w.edition, w.pool).await.unwrap().unwrap();
    let mut sorted = drawn.order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, w.projects, "every project on the ballot once");
    assert!(r.text().contains("class=\"lot\""), "the order is shown");
    assert_eq!(t.audit_len().await, audit + 1, "the lot audited");
    let r = form_post(t, &lot, &cookie, &ok).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a second lot: {}", r.text());
    assert_eq!(t.store.lot(w.edition, w.pool).await.unwrap().unwrap(), drawn, "the lot stays");

    // Voting is open: no count, no publication.
    let r = form_post(t, &count, &cookie, &ok).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(t.store.latest_count(w.edition, w.pool).await.unwrap().is_none());
    assert_eq!(form_post(t, &publish, &cookie, &ok).await.status, StatusCode::CONFLICT);

    t.advance(Duration::days(2));
    let (cookie, csrf) = department_official(t, Some(w.budget_dept)).await;
    let ok = format!("csrf={csrf}");
    let audit = t.audit_len().await;
    assert_eq!(form_post(t, &publish, &cookie, &ok).await.status, StatusCode::CONFLICT, "not counted yet");
    let results = format!("/api/v1/budget/editions/{}/results", w.edition);
    assert_eq!(public(t, &results).await.status, StatusCode::NOT_FOUND);
    // No link to the public results page before they are published.
    let edition_page = format!("/admin/budget/editions/{}", w.edition);
    let before = page_get(t, &edition_page, &cookie).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(!before.text().contains("id=\"public-results\""), "no link before publication");

    let r = form_post(t, &count, &cookie, &ok).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let stored = t.store.latest_count(w.edition, w.pool).await.unwrap().unwrap();
    // Greedy: Ławki (4 votes) and Park (3) fit in 100 000 zł; Ścieżka does not.
    assert_eq!(stored.outcome.selected, [w.projects[0], w.projects[1]]);
    // The trace as Polish sentences (HTML-escaped as the page writes them).
    let page = r.text();
    for step in &stored.outcome.trace {
        let sentence = describe(step, Lang::Pl).replace('"', "&quot;").replace('\'', "&#39;");
        assert!(page.contains(&sentence), "{sentence} on the page");
    }
    // A recount before publication is allowed.
    assert_eq!(form_post(t, &count, &cookie, &ok).await.status, StatusCode::OK);

    let r = form_post(t, &publish, &cookie, &ok).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("id=\"published\""));
    assert_eq!(t.audit_len().await, audit + 3, "two counts and the publication audited, the refusals not");
    assert_eq!(form_post(t, &count, &cookie, &ok).await.status, StatusCode::CONFLICT, "no recount after publication");
    assert_eq!(form_post(t, &publish, &cookie, &ok).await.status, StatusCode::CONFLICT, "published once");

    // The edition page links the public results page, naming the session's
    // gmina (two gminas here: without it the public page could not tell
    // whose edition), and the link opens it with no session and no header.
    let html = page_get(t, &edition_page, &cookie).await.text();
    let anchor = html.split("id=\"public-results\"").next().filter(|_| html.contains("id=\"public-results\"")).expect("the link");
    let href = anchor.rsplit("href=\"").next().unwrap().trim_end_matches([' ', '"']);
    assert_eq!(href, format!("/budget/editions/{}?gmina={}", w.edition, t.store.gmina_scope()));
    let page = t.get(href).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("Ścieżka"), "the edition's results");

    let r = public(t, &results).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let selected: Vec<i64> = r.json()["pools"][0]["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["selected"] == true)
        .map(|p| p["project"].as_i64().unwrap())
        .collect();
    assert_eq!(selected, [w.projects[0], w.projects[1]]);
    assert_eq!(r.json()["pools"][0]["ballots"], 5);
    let csv = public(t, &format!("/api/v1/budget/editions/{}/results.csv", w.edition)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text().contains("Ścieżka"));
}

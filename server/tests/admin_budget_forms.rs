//! The back office's forms that run a participatory budget edition (issue
//! 15 §7 item 2, `admin/budget/`): a new edition and its settings, pools,
//! the projects' queue with verification, rejection and appeals, paper
//! ballots. Through the router in-process over the test backend's store
//! (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`).
//!
//! Each refusal checks that nothing changed: missing or wrong CSRF,
//! another gmina's edition or project (404), officials of another
//! department or of none (403), oversized fields, malformed dates and
//! amounts, settings the protocol refuses. And the store allows one
//! appeal per project.

use crate::common;
use crate::security_support;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::TestApp;
use mm_protocol::auth::Role;
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{EditionSettings, IdentityMode, PhaseDates, Pool, PoolKind, ProjectStatus, VotingRule};
use mm_protocol::gmina::Teryt;
use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
use mm_server::store::{Actor, Conflict, Store, StoreError};
use security_support::*;

const CZERNICA: &str = "0223032";
const ZL: i64 = 100;
const PESEL: &str = "44051401359";

fn official() -> Actor {
    Actor("test".into())
}

/// A refused form: what it tries, the fields it changes, the id of the error it must show.
type BadForm<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

fn pool(amount_zl: i64) -> Pool {
    Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: "Ogólnogminna".into(),
        amount_grosze: amount_zl * ZL,
        localities: vec![],
        residents: 25_000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 0 },
    }
}

/// An edition of `s` with one gmina-wide pool and `n` submitted projects
/// (from devices `dev-0`…), with `dates` and `settings`; its id, pool and
/// projects.
async fn edition(s: &dyn Store, dates: PhaseDates, settings: EditionSettings, n: usize) -> (i64, i64, Vec<i64>) {
    let e = s
        .create_edition(official(), NewEdition { year: 2026, title: "BO testowy".into(), dates, settings }, dates.submission_from)
        .await
        .unwrap();
    let pool = s.upsert_pool(official(), e.id, pool(100_000), dates.submission_from).await.unwrap().id;
    let mut projects = Vec::new();
    for i in 0..n {
        let p = NewProject {
            edition: e.id,
            pool,
            title: format!("Projekt {i}"),
            description: "Opis".into(),
            cost_grosze: 10_000 * ZL,
            category: None,
            location: None,
            photos: vec![],
            contact: None,
        };
        let at = dates.submission_from + Duration::hours(1);
        let Submitted::New(p) = s.submit_project(&format!("dev-{i}"), p, None, at).await.unwrap() else { panic!() };
        projects.push(p.id);
    }
    (e.id, pool, projects)
}

/// Verification under way at `now`: submission closed, appeals open for
/// ten days, voting in twenty.
fn verifying(now: DateTime<Utc>) -> PhaseDates {
    let d = Duration::days;
    PhaseDates {
        submission_from: now - d(20),
        submission_to: now - d(10),
        verification_to: now + d(5),
        appeal_to: now + d(10),
        voting_from: now + d(20),
        voting_to: now + d(30),
    }
}

/// Voting open at `now`.
fn voting(now: DateTime<Utc>) -> PhaseDates {
    let d = Duration::days;
    PhaseDates {
        submission_from: now - d(60),
        submission_to: now - d(50),
        verification_to: now - d(40),
        appeal_to: now - d(30),
        voting_from: now - d(1),
        voting_to: now + d(10),
    }
}

/// Siechnice (the test store's own, with its localities) with an edition
/// in verification and one in voting (PESEL), the budget department and
/// another; Czernica with an edition of its own.
struct World {
    t: TestApp,
    verifying: i64,
    verifying_pool: i64,
    submitted: Vec<i64>,
    voting: i64,
    voting_pool: i64,
    on_ballot: Vec<i64>,
    budget_dept: i64,
    other_dept: i64,
    czernica_edition: i64,
    czernica_project: i64,
}

async fn world() -> World {
    let t = TestApp::new().await;
    let now = t.state.clock.now();
    t.store.add_gmina(official(), mm_server::demo::czernica::siechnice_record(), now).await.unwrap();
    t.store.add_gmina(official(), mm_server::demo::czernica::record(), now).await.unwrap();
    t.store.load_demo(mm_server::demo::siechnice(now.date_naive()), now).await.unwrap();
    let (verifying_id, verifying_pool, submitted) = edition(t.store.as_ref(), verifying(now), EditionSettings::default(), 3).await;
    let pesel = EditionSettings { identity: IdentityMode::Pesel, ..EditionSettings::default() };
    let (voting_id, voting_pool, on_ballot) = edition(t.store.as_ref(), voting(now), pesel, 2).await;
    for p in &on_ballot {
        let v = Verification { legal: true, feasible: true, estimate_grosze: None, department: None, decision: Decision::OnBallot };
        t.store.verify_project(official(), *p, v, now - Duration::days(45)).await.unwrap();
    }
    let cz = t.store.for_gmina(&Teryt::parse(CZERNICA).unwrap());
    let (czernica_edition, _, cz_projects) = edition(cz.as_ref(), verifying(now), EditionSettings::default(), 1).await;
    let budget_dept = t.store.create_department(official(), "Budżet obywatelski", now).await.unwrap().id;
    let other_dept = t.store.create_department(official(), "Drogi", now).await.unwrap().id;
    World {
        t,
        verifying: verifying_id,
        verifying_pool,
        submitted,
        voting: voting_id,
        voting_pool,
        on_ballot,
        budget_dept,
        other_dept,
        czernica_edition,
        czernica_project: cz_projects[0],
    }
}

/// Everything the forms could change, as text: editions with their pools
/// and settings, projects with their history, the tallies.
async fn snapshot(w: &World) -> String {
    let s = w.t.store.as_ref();
    let now = w.t.state.clock.now();
    let editions = s.editions(now).await.unwrap();
    let mut out = format!("{editions:?}");
    for e in &editions {
        for p in s.projects(mm_server::store::budget::ProjectFilter { edition: Some(e.id), ..Default::default() }).await.unwrap() {
            out.push_str(&format!("{:?}", s.project(p.id).await.unwrap()));
        }
        for pool in &e.pools {
            out.push_str(&format!("{:?}", s.tallies(e.id, pool.id).await.unwrap()));
        }
    }
    let cz = s.for_gmina(&Teryt::parse(CZERNICA).unwrap());
    out.push_str(&format!("{:?}", cz.editions(now).await.unwrap()));
    out.push_str(&format!("{:?}", cz.project(w.czernica_project).await.unwrap()));
    out
}

/// A valid new edition's form (cumulative: 10 points over at least 2
/// projects, at most 5 each), `extra` appended (a later key wins: the
/// form reads the first, so callers replace by building their own).
fn edition_form(csrf: &str, overrides: &[(&str, &str)]) -> String {
    let mut fields: Vec<(&str, String)> = vec![
        ("csrf", csrf.to_owned()),
        ("year", "2027".into()),
        ("title", "Budżet obywatelski 2027".into()),
        ("dates.submission_from", "2027-03-01T12:00".into()),
        ("dates.submission_to", "2027-04-01T12:00".into()),
        ("dates.verification_to", "2027-06-01T12:00".into()),
        ("dates.appeal_to", "2027-06-15T12:00".into()),
        ("dates.voting_from", "2027-09-01T12:00".into()),
        ("dates.voting_to", "2027-09-15T12:00".into()),
        ("voting.kind", "cumulative".into()),
        ("voting.min", "1".into()),
        ("voting.max", "3".into()),
        ("voting.points", "10".into()),
        ("voting.min_projects", "2".into()),
        ("voting.max_per_project", "5".into()),
        ("area_pools_per_ballot", "1".into()),
        ("identity", "pesel".into()),
        ("sms", "on".into()),
        ("max_voters_per_phone", "3".into()),
        ("declaration_of_residence", "on".into()),
        ("duplicates", "void_all".into()),
        ("tie_break.0", "more_votes".into()),
        ("tie_break.1", "lot".into()),
        ("tie_break.2", "".into()),
        ("retention_years", "5".into()),
    ];
    for (k, v) in overrides {
        match fields.iter_mut().find(|(n, _)| n == k) {
            Some(f) => f.1 = (*v).to_owned(),
            None => fields.push((k, (*v).to_owned())),
        }
    }
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

fn pool_form(csrf: &str, overrides: &[(&str, &str)]) -> String {
    let mut fields: Vec<(&str, String)> = vec![
        ("csrf", csrf.to_owned()),
        ("kind", "gmina_wide".into()),
        ("name", "Pula ogólnogminna".into()),
        ("amount", "500 000".into()),
        ("residents", "28000".into()),
        ("signatures_required", "20".into()),
        ("counting", "greedy".into()),
        ("min_votes", "0".into()),
    ];
    for (k, v) in overrides {
        match fields.iter_mut().find(|(n, _)| n == k) {
            Some(f) => f.1 = (*v).to_owned(),
            None => fields.push((k, (*v).to_owned())),
        }
    }
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

#[tokio::test]
async fn a_new_edition_is_checked_field_by_field_and_saved_only_when_valid() {
    let w = world().await;
    let t = &w.t;
    let (cookie, csrf) = department_official(t, Some(w.budget_dept)).await;
    let r = page_get(t, "/admin/budget/editions/new", &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("name=\"voting.points\""));

    // Each bad form: 400, the message by its field, nothing saved.
    let long = "x".repeat(201);
    let cases: Vec<BadForm<'_>> = vec![
        ("approval min above max", vec![("voting.kind", "approval"), ("voting.min", "4"), ("voting.max", "2")], "e-min-error"),
        ("cumulative: more points per project than points", vec![("voting.max_per_project", "11")], "e-max-per-project-error"),
        ("cumulative: K above N", vec![("voting.min_projects", "11")], "e-min-projects-error"),
        ("zero points", vec![("voting.points", "0")], "e-points-error"),
        ("tie-break without the lot", vec![("tie_break.1", "lower_cost")], "e-tie-error"),
        ("a tie key twice", vec![("tie_break.0", "lot"), ("tie_break.1", "lot")], "e-tie-error"),
        ("SMS with no phone cap", vec![("max_voters_per_phone", "0")], "e-phone-cap-error"),
        ("dates out of order", vec![("dates.voting_from", "2027-06-10T12:00")], "e-date-4-error"),
        ("voting ends before it starts", vec![("dates.voting_to", "2027-09-01T12:00")], "e-date-5-error"),
        ("a malformed date", vec![("dates.appeal_to", "15.06.2027")], "e-date-3-error"),
        ("an impossible date", vec![("dates.submission_to", "2027-02-30T12:00")], "e-date-1-error"),
        ("a malformed number", vec![("voting.points", "dziesięć")], "e-points-error"),
        ("a number out of range", vec![("retention_years", "300")], "e-retention-error"),
        ("no title", vec![("title", "  ")], "e-title-error"),
        ("an oversized title", vec![("title", long.as_str())], "e-title-error"),
        ("a year out of range", vec![("year", "20270")], "e-year-error"),
        ("an unknown identity mode", vec![("identity", "dowod")], "e-identity-error"),
        ("an unknown voting rule", vec![("voting.kind", "borda")], "e-voting-error"),
    ];
    let before = snapshot(&w).await;
    let audit = t.audit_len().await;
    for (what, fields, error_id) in &cases {
        let r = form_post(t, "/admin/budget/editions", &cookie, &edition_form(&csrf, fields)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.text());
        assert!(r.text().contains(&format!("id=\"{error_id}\"")), "{what}: the error by its field");
        assert!(r.text().contains("Nic nie zapisano"), "{what}: says nothing was saved");
    }
    // The Polish message of the protocol's rule, by the field.
    let r = form_post(t, "/admin/budget/editions", &cookie, &edition_form(&csrf, &[("tie_break.1", "lower_cost")])).await;
    assert!(r.text().contains("musi kończyć się losowaniem"), "{}", r.text());
    // Without the CSRF token, or a wrong one: refused.
    let body = edition_form(&csrf, &[]);
    let without = body.replacen(&format!("csrf={csrf}"), "csrf=", 1);
    assert_eq!(form_post(t, "/admin/budget/editions", &cookie, &without).await.status, StatusCode::FORBIDDEN);
    let wrong = body.replacen(&format!("csrf={csrf}"), "csrf=0000", 1);
    assert_eq!(form_post(t, "/admin/budget/editions", &cookie, &wrong).await.status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&w).await, before, "nothing saved");
    assert_eq!(t.audit_len().await, audit, "nothing audited");

    // The valid form: saved as typed, audited, and the edition page opens.
    let r = form_post(t, "/admin/budget/editions", &cookie, &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_len().await, audit + 1);
    let now = t.state.clock.now();
    let e = t.store.editions(now).await.unwrap().into_iter().find(|e| e.year == 2027).expect("the new edition");
    assert_eq!(r.headers["location"], format!("/admin/budget/editions/{}", e.id));
    assert_eq!(e.title, "Budżet obywatelski 2027");
    assert_eq!(e.settings.voting, VotingRule::Cumulative { points: 10, min_projects: 2, max_per_project: 5 });
    assert_eq!(e.settings.identity, IdentityMode::Pesel);
    assert!(e.settings.sms && !e.settings.allow_change);
    assert_eq!(e.settings.max_voters_per_phone, 3);
    assert_eq!(e.settings.duplicates, mm_protocol::budget::model::DuplicatePolicy::VoidAll);
    use mm_protocol::budget::count::TieKey;
    assert_eq!(e.settings.tie_break, [TieKey::MoreVotes, TieKey::Lot]);
    // 12:00 in Warsaw in March is 11:00 UTC.
    assert_eq!(e.dates.submission_from.to_rfc3339(), "2027-03-01T11:00:00+00:00");
    assert!(e.pools.is_empty());

    // Its settings again: shown, and changed (name and address, approval 1–2).
    let settings = format!("/admin/budget/editions/{}/settings", e.id);
    let r = page_get(t, &settings, &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("value=\"2027-03-01T12:00\""), "the dates in Warsaw time");
    let change =
        edition_form(&csrf, &[("identity", "name_address"), ("voting.kind", "approval"), ("voting.max", "2"), ("allow_change", "on")]);
    let r = form_post(t, &settings, &cookie, &change).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let e2 = t.store.edition(e.id, now).await.unwrap().unwrap();
    assert_eq!(e2.settings.identity, IdentityMode::NameAddress);
    assert_eq!(e2.settings.voting, VotingRule::Approval { min: 1, max: 2 });
    assert!(e2.settings.allow_change);
    // A bad change leaves it as it was.
    let r = form_post(t, &settings, &cookie, &edition_form(&csrf, &[("dates.voting_to", "nie")])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.store.edition(e.id, now).await.unwrap().unwrap(), e2);

    // Once voting has started the settings stay: the form is shown disabled, a post 409.
    let locked = format!("/admin/budget/editions/{}/settings", w.voting);
    let before = snapshot(&w).await;
    let r = page_get(t, &locked, &cookie).await;
    assert!(r.text().contains("id=\"locked\""));
    let r = form_post(t, &locked, &cookie, &edition_form(&csrf, &[("identity", "name_address")])).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(snapshot(&w).await, before);
}

#[tokio::test]
async fn pools_are_checked_against_the_settings_and_the_gminas_localities() {
    let w = world().await;
    let t = &w.t;
    let (cookie, csrf) = staff(t, Role::Admin).await;
    let now = t.state.clock.now();
    let (_, localities) = t.store.gmina().await.unwrap();
    assert!(localities.len() > 2, "the demo's localities");
    let (l1, l2) = (localities[0].id.to_string(), localities[1].id.to_string());
    let pools = format!("/admin/budget/editions/{}/pools", w.verifying);
    assert_eq!(page_get(t, &format!("{pools}/new"), &cookie).await.status, StatusCode::OK);

    let before = snapshot(&w).await;
    let audit = t.audit_len().await;
    let long = "n".repeat(201);
    let cases: Vec<BadForm<'_>> = vec![
        ("a malformed amount", vec![("amount", "pół miliona")], "p-amount-error"),
        ("grosze", vec![("amount", "150000,50")], "p-amount-error"),
        ("a zero amount", vec![("amount", "0")], "p-amount-error"),
        ("an amount past twelve digits", vec![("amount", "9999999999999")], "p-amount-error"),
        ("signatures above 0.1 %", vec![("signatures_required", "29")], "p-signatures-error"),
        ("an area pool without localities", vec![("kind", "area")], "p-localities-error"),
        ("another gmina's locality", vec![("kind", "area"), ("localities", "999999")], "p-localities-error"),
        ("no name", vec![("name", "")], "p-name-error"),
        ("an oversized name", vec![("name", long.as_str())], "p-name-error"),
        ("negative residents", vec![("residents", "-5")], "p-residents-error"),
        ("an unknown rule", vec![("counting", "dhondt")], "p-counting-error"),
    ];
    for (what, fields, error_id) in &cases {
        let r = form_post(t, &pools, &cookie, &pool_form(&csrf, fields)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.text());
        assert!(r.text().contains(&format!("id=\"{error_id}\"")), "{what}: by its field: {}", r.text());
    }
    let r = form_post(t, &pools, &cookie, &pool_form(&csrf, &[("amount", "150000,50")])).await;
    assert!(r.text().contains("pełnych złotych"), "the protocol's message");
    assert_eq!(snapshot(&w).await, before, "nothing saved");
    assert_eq!(t.audit_len().await, audit);

    // An area pool of two localities, 150 000 zł, equal shares.
    let area = pool_form(
        &csrf,
        &[
            ("kind", "area"),
            ("name", "Północ"),
            ("amount", "150 000"),
            ("counting", "mes"),
            ("localities", &l1),
            ("residents", "5000"),
            ("signatures_required", "5"),
        ],
    ) + &format!("&localities={l2}");
    let r = form_post(t, &pools, &cookie, &area).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_len().await, audit + 1, "audited");
    let e = t.store.edition(w.verifying, now).await.unwrap().unwrap();
    let added = e.pools.iter().find(|p| p.name == "Północ").expect("the area pool");
    assert_eq!(added.kind, PoolKind::Area);
    assert_eq!(added.amount_grosze, 150_000 * ZL);
    let mut want = vec![localities[0].id, localities[1].id];
    want.sort_unstable();
    assert_eq!(added.localities, want);
    assert_eq!(added.counting, CountingRule::EqualSharesAdd1 { comparison: false });

    // Edited: the amount; the other pool stays.
    let edit = format!("{pools}/{}", added.id);
    assert!(page_get(t, &edit, &cookie).await.text().contains("value=\"150000\""));
    let r = form_post(
        t,
        &edit,
        &cookie,
        &(pool_form(
            &csrf,
            &[
                ("kind", "area"),
                ("name", "Północ"),
                ("amount", "175000"),
                ("counting", "mes"),
                ("localities", &l1),
                ("residents", "5000"),
                ("signatures_required", "5"),
            ],
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let e2 = t.store.edition(w.verifying, now).await.unwrap().unwrap();
    assert_eq!(e2.pools.len(), 2);
    assert_eq!(e2.pools.iter().find(|p| p.id == added.id).unwrap().amount_grosze, 175_000 * ZL);
    assert_eq!(e2.pools.iter().find(|p| p.id == w.verifying_pool).unwrap(), e.pools.iter().find(|p| p.id == w.verifying_pool).unwrap());

    // Equal shares under a cumulative edition: refused by the settings' rule.
    let settings = format!("/admin/budget/editions/{}/settings", w.verifying);
    let form = page_get(t, &settings, &cookie).await.text();
    assert!(form.contains("id=\"edition-form\""));
    let cumulative = edition_form(&csrf, &[("title", "BO testowy")]);
    let r = form_post(t, &settings, &cookie, &cumulative).await;
    // The edition has an equal-shares pool now: the settings' rule refuses points.
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("id=\"form-error\""), "{}", r.text());

    // Another edition's pool under this edition's address: 404; a locked edition: 409.
    let before = snapshot(&w).await;
    let r = form_post(t, &format!("{pools}/{}", w.voting_pool), &cookie, &pool_form(&csrf, &[])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = form_post(t, &format!("/admin/budget/editions/{}/pools", w.voting), &cookie, &pool_form(&csrf, &[])).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(snapshot(&w).await, before);
}

#[tokio::test]
async fn the_queue_verifies_rejects_and_decides_one_appeal() {
    let w = world().await;
    let t = &w.t;
    let (cookie, csrf) = department_official(t, Some(w.budget_dept)).await;
    let now = t.state.clock.now();
    let queue = format!("/admin/budget/editions/{}/projects", w.verifying);
    let r = page_get(t, &queue, &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    for p in &w.submitted {
        assert!(r.text().contains(&format!("href=\"/admin/budget/projects/{p}\"")));
    }
    // Filtered: none on the ballot yet.
    let r = page_get(t, &format!("{queue}?status=on_ballot"), &cookie).await;
    assert!(!r.text().contains(&format!("href=\"/admin/budget/projects/{}\"", w.submitted[0])));

    let [a, b, c] = [w.submitted[0], w.submitted[1], w.submitted[2]];
    let verify = |p: i64| format!("/admin/budget/projects/{p}/verify");
    let before = snapshot(&w).await;
    let audit = t.audit_len().await;
    let bad: Vec<(&str, String, &str)> = vec![
        ("a rejection without a reason", format!("csrf={csrf}&decision=reject&reason=+"), "v-reason-error"),
        ("an oversized reason", format!("csrf={csrf}&decision=reject&reason={}", "r".repeat(2001)), "v-reason-error"),
        ("on the ballot though not feasible", format!("csrf={csrf}&decision=ballot&legal=on"), "v-decision-error"),
        ("a malformed estimate", format!("csrf={csrf}&decision=ballot&legal=on&feasible=on&estimate=dużo"), "v-estimate-error"),
        ("an estimate with grosze", format!("csrf={csrf}&decision=ballot&legal=on&feasible=on&estimate=100,10"), "v-estimate-error"),
        ("no decision", format!("csrf={csrf}&legal=on"), "v-decision-error"),
        ("an oversized department", format!("csrf={csrf}&decision=review&department={}", "d".repeat(201)), "v-department-error"),
    ];
    for (what, body, error_id) in &bad {
        let r = form_post(t, &verify(a), &cookie, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.text());
        assert!(r.text().contains(&format!("id=\"{error_id}\"")), "{what}");
    }
    assert_eq!(form_post(t, &verify(a), &cookie, "decision=reject&reason=x").await.status, StatusCode::FORBIDDEN, "no CSRF");
    assert_eq!(snapshot(&w).await, before, "nothing changed");
    assert_eq!(t.audit_len().await, audit);

    // Rejected with the reason: published in the history, audited.
    let r =
        form_post(t, &verify(a), &cookie, &format!("csrf={csrf}&decision=reject&legal=on&reason={}", enc("Teren nie należy do gminy.")))
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (p, private) = t.store.project(a).await.unwrap().unwrap();
    assert_eq!(p.status, ProjectStatus::Rejected);
    assert_eq!(p.rejection_reason.as_deref(), Some("Teren nie należy do gminy."));
    assert!(private.verification.unwrap().legal);
    let page = page_get(t, &format!("/admin/budget/projects/{a}"), &cookie).await.text();
    assert!(page.contains("Teren nie należy do gminy."));
    assert_eq!(t.audit_len().await, audit + 1);

    // On the ballot with the department's estimate: numbered, the estimate is the cost.
    let r = form_post(
        t,
        &verify(b),
        &cookie,
        &format!("csrf={csrf}&decision=ballot&legal=on&feasible=on&estimate=12000&department=Wydzia%C5%82+Inwestycji"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (p, _) = t.store.project(b).await.unwrap().unwrap();
    assert_eq!((p.status, p.cost_grosze, p.number.is_some()), (ProjectStatus::OnBallot, 12_000 * ZL, true));
    // A project on the ballot cannot be rejected now: 409, nothing changed.
    let before = snapshot(&w).await;
    let r = form_post(t, &verify(b), &cookie, &format!("csrf={csrf}&decision=reject&reason=x")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(snapshot(&w).await, before);

    // The proposer appeals (the API's store call); the department dismisses it.
    t.store.appeal("dev-0", a, "Teren jest gminny.".into(), now).await.unwrap();
    let appeal = |p: i64| format!("/admin/budget/projects/{p}/appeal");
    let page = page_get(t, &format!("/admin/budget/projects/{a}"), &cookie).await.text();
    assert!(page.contains("id=\"appeal-form\"") && page.contains("Teren jest gminny."));
    let before = snapshot(&w).await;
    for body in [format!("csrf={csrf}&decision=dismiss"), format!("csrf={csrf}&decision=maybe"), format!("csrf={csrf}")] {
        assert_eq!(form_post(t, &appeal(a), &cookie, &body).await.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(snapshot(&w).await, before);
    let r = form_post(t, &appeal(a), &cookie, &format!("csrf={csrf}&decision=dismiss&reason={}", enc("Księga wieczysta: Skarb Państwa.")))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (p, _) = t.store.project(a).await.unwrap().unwrap();
    assert_eq!(p.status, ProjectStatus::Rejected);
    assert_eq!(p.rejection_reason.as_deref(), Some("Księga wieczysta: Skarb Państwa."));
    let statuses: Vec<ProjectStatus> = p.history.iter().map(|h| h.status).collect();
    use ProjectStatus::*;
    assert_eq!(statuses, [Submitted, UnderVerification, Rejected, Appealed, Rejected]);
    // One appeal per project: the store refuses a second (ProjectStatus::may_move alone would allow it).
    let again = t.store.appeal("dev-0", a, "Jeszcze raz.".into(), now).await;
    assert!(matches!(again, Err(StoreError::Conflict(Conflict::ProjectStatus))), "{again:?}");
    assert_eq!(t.store.project(a).await.unwrap().unwrap().0.status, Rejected);
    assert!(page_get(t, &format!("/admin/budget/projects/{a}"), &cookie).await.text().contains("id=\"appealed-once\""));
    // Deciding an appeal that is not pending: 409.
    assert_eq!(form_post(t, &appeal(a), &cookie, &format!("csrf={csrf}&decision=uphold")).await.status, StatusCode::CONFLICT);

    // Another project: rejected, appealed, the appeal upheld: on the ballot.
    form_post(t, &verify(c), &cookie, &format!("csrf={csrf}&decision=reject&reason=Za+drogi")).await;
    t.store.appeal("dev-2", c, "Koszt jest realny.".into(), now).await.unwrap();
    let audit = t.audit_len().await;
    let r = form_post(t, &appeal(c), &cookie, &format!("csrf={csrf}&decision=uphold")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (p, _) = t.store.project(c).await.unwrap().unwrap();
    assert_eq!((p.status, p.rejection_reason.clone(), p.number.is_some()), (OnBallot, None, true));
    assert_eq!(t.audit_len().await, audit + 1, "the appeal's decision audited");
    let r = page_get(t, &format!("{queue}?status=on_ballot"), &cookie).await;
    assert!(r.text().contains(&format!("href=\"/admin/budget/projects/{c}\"")));
}

#[tokio::test]
async fn a_paper_ballot_counts_once_and_the_pesel_is_never_shown_back() {
    let w = world().await;
    let t = &w.t;
    let (cookie, csrf) = department_official(t, Some(w.budget_dept)).await;
    let paper = format!("/admin/budget/editions/{}/paper", w.voting);
    let r = page_get(t, &paper, &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("name=\"pesel\""), "the edition asks for the PESEL");
    assert!(!r.text().contains("name=\"address.house\""));
    let choice = format!("pool.{}", w.voting_pool);
    let card = |pesel: &str| {
        format!("csrf={csrf}&first_name=Jan&last_name=Nowak&pesel={pesel}&residence_declared=on&{}={}", enc(&choice), w.on_ballot[0])
    };
    let votes = || async { t.store.tallies(w.voting, w.voting_pool).await.unwrap().iter().map(|x| x.votes).sum::<u32>() };

    // A wrong PESEL: refused by its field, not shown back, nothing counted.
    let before = snapshot(&w).await;
    let r = form_post(t, &paper, &cookie, &card("44051401358")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("id=\"b-pesel-error\""));
    assert!(!r.text().contains("4405140135"), "the PESEL is not in the page");
    assert!(r.text().contains("value=\"Jan\""), "the names stay for the correction");
    // Too many projects for the rule (approval 1–3 of two is fine; none is not).
    let empty = format!("csrf={csrf}&first_name=Jan&last_name=Nowak&pesel={PESEL}&residence_declared=on");
    let r = form_post(t, &paper, &cookie, &empty).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(!r.text().contains(PESEL));
    let oversized = format!("csrf={csrf}&first_name={}&last_name=Nowak&pesel={PESEL}", "J".repeat(201));
    assert_eq!(form_post(t, &paper, &cookie, &oversized).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(form_post(t, &paper, &cookie, &card(PESEL).replacen(&csrf, "", 1)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&w).await, before, "nothing counted");

    // Counted once.
    let audit = t.audit_len().await;
    let r = form_post(t, &paper, &cookie, &card(PESEL)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Karta zapisana i policzona"));
    assert!(!r.text().contains(PESEL) && !r.text().contains("value=\"Jan\""), "the form is cleared");
    assert_eq!(votes().await, 1);
    // The same person again (the PESEL with spaces): the register refuses, plainly.
    let spaced = "440 514 013 59";
    let r = form_post(t, &paper, &cookie, &card(&enc(spaced))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("Ta osoba już głosowała na karcie papierowej"), "{}", r.text());
    assert!(!r.text().contains(PESEL) && !r.text().contains(spaced));
    assert_eq!(votes().await, 1, "the duplicate does not count");
    let _ = audit;

    // Another gmina's edition: 404; an edition not in voting: 409, nothing counted.
    let before = snapshot(&w).await;
    let r = form_post(t, &format!("/admin/budget/editions/{}/paper", w.czernica_edition), &cookie, &card(PESEL)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let other = format!("/admin/budget/editions/{}/paper", w.verifying);
    let locality = t.store.gmina().await.unwrap().1[0].id;
    let r = form_post(
        t,
        &other,
        &cookie,
        &format!("csrf={csrf}&first_name=Jan&last_name=Nowak&address.locality={locality}&address.house=1&residence_declared=on"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(snapshot(&w).await, before);
}

#[tokio::test]
async fn only_the_budget_department_and_admins_use_the_forms_and_only_in_their_gmina() {
    let w = world().await;
    let t = &w.t;
    let e = w.verifying;
    let project = w.submitted[0];
    let gets = [
        "/admin/budget/editions/new".to_owned(),
        format!("/admin/budget/editions/{e}/settings"),
        format!("/admin/budget/editions/{e}/pools/new"),
        format!("/admin/budget/editions/{e}/pools/{}", w.verifying_pool),
        format!("/admin/budget/editions/{e}/projects"),
        format!("/admin/budget/projects/{project}"),
        format!("/admin/budget/editions/{}/paper", w.voting),
    ];
    let posts = |csrf: &str| {
        vec![
            ("/admin/budget/editions".to_owned(), edition_form(csrf, &[])),
            (format!("/admin/budget/editions/{e}/settings"), edition_form(csrf, &[("identity", "pesel")])),
            (format!("/admin/budget/editions/{e}/pools"), pool_form(csrf, &[])),
            (format!("/admin/budget/editions/{e}/pools/{}", w.verifying_pool), pool_form(csrf, &[])),
            (format!("/admin/budget/projects/{project}/verify"), format!("csrf={csrf}&decision=reject&reason=x")),
            (format!("/admin/budget/projects/{project}/appeal"), format!("csrf={csrf}&decision=uphold")),
            (
                format!("/admin/budget/editions/{}/paper", w.voting),
                format!("csrf={csrf}&first_name=Jan&last_name=Nowak&pesel={PESEL}&pool.{}={}", w.voting_pool, w.on_ballot[0]),
            ),
        ]
    };
    let refused = [
        ("roads official", department_official(t, Some(w.other_dept)).await),
        ("official of no department", department_official(t, None).await),
        ("dispatcher", staff(t, Role::Dispatcher).await),
    ];
    let allowed = [("admin", staff(t, Role::Admin).await), ("budget official", department_official(t, Some(w.budget_dept)).await)];
    let before = snapshot(&w).await;
    let audit = t.audit_len().await;
    for (who, (cookie, csrf)) in refused {
        for page in &gets {
            assert_eq!(page_get(t, page, &cookie).await.status, StatusCode::FORBIDDEN, "{who} {page}");
        }
        for (uri, body) in posts(&csrf) {
            assert_eq!(form_post(t, &uri, &cookie, &body).await.status, StatusCode::FORBIDDEN, "{who} {uri}");
        }
    }
    // Czernica's edition and project from Siechnice's admin and budget official: 404.
    let cz = w.czernica_edition;
    let czp = w.czernica_project;
    for (who, (cookie, csrf)) in allowed {
        for page in [
            format!("/admin/budget/editions/{cz}/settings"),
            format!("/admin/budget/editions/{cz}/pools/new"),
            format!("/admin/budget/editions/{cz}/projects"),
            format!("/admin/budget/projects/{czp}"),
            format!("/admin/budget/editions/{cz}/paper"),
        ] {
            assert_eq!(page_get(t, &page, &cookie).await.status, StatusCode::NOT_FOUND, "{who} {page}");
        }
        for (uri, body) in [
            (format!("/admin/budget/editions/{cz}/settings"), edition_form(&csrf, &[])),
            (format!("/admin/budget/editions/{cz}/pools"), pool_form(&csrf, &[])),
            (format!("/admin/budget/projects/{czp}/verify"), format!("csrf={csrf}&decision=reject&reason=x")),
            (format!("/admin/budget/projects/{czp}/appeal"), format!("csrf={csrf}&decision=uphold")),
            (format!("/admin/budget/editions/{cz}/paper"), format!("csrf={csrf}&first_name=Jan&last_name=Nowak&pesel={PESEL}")),
        ] {
            assert_eq!(form_post(t, &uri, &cookie, &body).await.status, StatusCode::NOT_FOUND, "{who} {uri}");
        }
    }
    assert_eq!(snapshot(&w).await, before, "nothing changed");
    assert_eq!(t.audit_len().await, audit, "nothing audited");
}

/// Decisions keep to the edition's dates (admin/budget/projects.rs): a
/// verification decision until `verification_to`, an appeal's decision
/// until the vote opens (`voting_from`), so one lodged on the appeal
/// window's last day can still be decided after `appeal_to`. Outside
/// them: 409 saying until when, nothing changed, nothing audited.
#[tokio::test]
async fn decisions_keep_to_the_editions_verification_and_appeal_dates() {
    let w = world().await;
    let t = &w.t;
    let now = t.state.clock.now();
    let dates = t.store.edition(w.verifying, now).await.unwrap().unwrap().dates;
    let in_warsaw = |d: DateTime<Utc>| d.with_timezone(&mm_protocol::LOCAL_TZ).format("%Y-%m-%d %H:%M").to_string();
    let [a, b, c] = [w.submitted[0], w.submitted[1], w.submitted[2]];
    let verify = |p: i64| format!("/admin/budget/projects/{p}/verify");
    let appeal = |p: i64| format!("/admin/budget/projects/{p}/appeal");
    // In time: a and b rejected through the form, both appealed by their proposers.
    let (cookie, csrf) = department_official(t, Some(w.budget_dept)).await;
    for p in [a, b] {
        let r = form_post(t, &verify(p), &cookie, &format!("csrf={csrf}&decision=reject&reason=Za+drogi")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    t.store.appeal("dev-0", a, "Koszt jest realny.".into(), now).await.unwrap();
    t.store.appeal("dev-1", b, "Koszt jest realny.".into(), now).await.unwrap();

    // A minute past `verification_to`: c (still submitted) can no longer be put on the ballot or rejected.
    t.advance(dates.verification_to - now + Duration::minutes(1));
    let (cookie, csrf) = department_official(t, Some(w.budget_dept)).await;
    let before = snapshot(&w).await;
    let audit = t.audit_len().await;
    for body in [format!("csrf={csrf}&decision=ballot&legal=on&feasible=on"), format!("csrf={csrf}&decision=reject&reason=x")] {
        let r = form_post(t, &verify(c), &cookie, &body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{body}: {}", r.text());
        let page = r.text();
        assert!(page.contains("Weryfikacja projektów tej edycji zakończyła się"), "{page}");
        assert!(page.contains(&in_warsaw(dates.verification_to)), "the date, in Warsaw time: {page}");
    }
    assert_eq!(snapshot(&w).await, before, "nothing changed");
    assert_eq!(t.audit_len().await, audit, "nothing audited");
    assert_eq!(t.store.project(c).await.unwrap().unwrap().0.status, ProjectStatus::Submitted);

    // Past `appeal_to`, before the vote: a's appeal is still decided.
    t.advance(dates.appeal_to - t.state.clock.now() + Duration::hours(1));
    assert!(t.state.clock.now() > dates.appeal_to && t.state.clock.now() < dates.voting_from);
    let (cookie, csrf) = department_official(t, Some(w.budget_dept)).await;
    let r = form_post(t, &appeal(a), &cookie, &format!("csrf={csrf}&decision=uphold")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.store.project(a).await.unwrap().unwrap().0.status, ProjectStatus::OnBallot);

    // Once the vote opened: b's appeal stays undecided, whatever the decision.
    t.advance(dates.voting_from - t.state.clock.now() + Duration::minutes(1));
    let (cookie, csrf) = department_official(t, Some(w.budget_dept)).await;
    let before = snapshot(&w).await;
    let audit = t.audit_len().await;
    for body in [format!("csrf={csrf}&decision=uphold"), format!("csrf={csrf}&decision=dismiss&reason=Nie")] {
        let r = form_post(t, &appeal(b), &cookie, &body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{body}: {}", r.text());
        let page = r.text();
        assert!(page.contains("Odwołania można było rozpatrywać do rozpoczęcia głosowania"), "{page}");
        assert!(page.contains(&in_warsaw(dates.voting_from)), "{page}");
    }
    assert_eq!(snapshot(&w).await, before, "nothing changed");
    assert_eq!(t.audit_len().await, audit, "nothing audited");
    assert_eq!(t.store.project(b).await.unwrap().unwrap().0.status, ProjectStatus::Appealed);
}

//! Counting and the published results of the participatory budget (issue
//! 15, WP4: `budget/count.rs`, `budget/results.rs`), in process on the test
//! backend's store (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`):
//! no count without the lot or before `voting_to`; the count stored with
//! the ballots' SHA-256 and audited; nothing public before publication;
//! then the JSON and CSV carry every pool's projects with the votes and the
//! selection of the count, and recounting is refused.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use common::{Resp, TestApp};
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::identity::normalise;
use mm_protocol::budget::model::{
    BallotChannel, DuplicatePolicy, EditionSettings, IdentityInput, IdentityMode, PhaseDates, Pool, PoolKind,
    ProjectStatus,
};
use mm_protocol::geo::{GeoPoint, Polygon};
use mm_protocol::gmina::{Branding, Teryt};
use mm_server::budget::count::{CountPoolError, count_pool};
use mm_server::budget::identity::BudgetKeys;
use mm_server::store::ballots::{BallotChoice, BallotPolicy, CastOutcome, NewBallot};
use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
use mm_server::store::{Actor, Conflict, GminaRecord, GminaSettings, Store, StoreError};

const A: &str = "0223083";
const ZL: i64 = 100;
const PESELS: [&str; 8] =
    ["44051401359", "02070803628", "90090515836", "85121612343", "76032409874", "61111187651", "99010112342", "80010101230"];

fn official() -> Actor {
    Actor("bo-official".into())
}

async fn app() -> (TestApp, Arc<dyn Store>) {
    let t = TestApp::new().await;
    let g = GminaRecord {
        teryt: Teryt::parse(A).unwrap(),
        name: "Siechnice".into(),
        powiat: "wrocławski".into(),
        voivodeship: "dolnośląskie".into(),
        boundary: Some(Polygon { rings: vec![vec![[17.0, 51.0], [17.2, 51.0], [17.2, 51.1], [17.0, 51.0]]] }),
        center: Some(GeoPoint { lat: 51.05, lon: 17.1 }),
        branding: Branding { coat_of_arms_url: None, primary_color: "#AA0000".into(), on_primary_color: "#FFFFFF".into() },
        settings: GminaSettings::default(),
    };
    t.store.add_gmina(official(), g, t.state.clock.now()).await.unwrap();
    let a = t.store.for_gmina(&Teryt::parse(A).unwrap());
    (t, a)
}

async fn get(t: &TestApp, uri: &str) -> Resp {
    t.send(Request::builder().uri(uri).header("MM-Gmina", A).body(Body::empty()).unwrap()).await
}

/// Phases ending a day from `now`: submission two months ago, voting for
/// the last three weeks.
fn dates(now: DateTime<Utc>) -> PhaseDates {
    let d = Duration::days;
    PhaseDates {
        submission_from: now - d(60),
        submission_to: now - d(50),
        verification_to: now - d(40),
        appeal_to: now - d(30),
        voting_from: now - d(20),
        voting_to: now + d(1),
    }
}

struct World {
    edition: i64,
    wide: i64,
    area: i64,
    /// The gmina-wide pool's projects: 40 000, 50 000, 30 000 zł.
    wide_projects: Vec<i64>,
    area_projects: Vec<i64>,
    ballots: u32,
}

/// An edition in voting with two pools (greedy; MES with Add1), projects
/// on the ballot, and eight ballots (two on paper).
async fn edition_in_voting(a: &dyn Store, now: DateTime<Utc>) -> World {
    let dt = dates(now);
    let e = a
        .create_edition(
            official(),
            NewEdition { year: 2026, title: "BO 2026".into(), dates: dt, settings: EditionSettings::default() },
            dt.submission_from - Duration::days(1),
        )
        .await
        .unwrap();
    let pool = |name: &str, kind, counting| Pool {
        id: 0,
        kind,
        name: name.into(),
        amount_grosze: 100_000 * ZL,
        localities: if kind == PoolKind::Area { vec![1] } else { vec![] },
        residents: 25_000,
        signatures_required: 0,
        counting,
    };
    let before = dt.submission_from - Duration::days(1);
    let wide = a.upsert_pool(official(), e.id, pool("Ogólnogminna", PoolKind::GminaWide, CountingRule::Greedy { min_votes: 0 }), before).await.unwrap().id;
    let area = a
        .upsert_pool(official(), e.id, pool("Radwanice", PoolKind::Area, CountingRule::EqualSharesAdd1 { comparison: false }), before)
        .await
        .unwrap()
        .id;
    let on_ballot = |pool: i64, specs: &'static [(&'static str, i64)]| {
        async move {
            let mut ids = Vec::new();
            for (i, (title, cost)) in specs.iter().enumerate() {
                let p = NewProject {
                    edition: e.id,
                    pool,
                    title: (*title).into(),
                    description: "Opis".into(),
                    cost_grosze: cost * ZL,
                    category: Some("zieleń".into()),
                    location: Some(mm_protocol::budget::model::ProjectLocation::Point(GeoPoint { lat: 51.03, lon: 17.13 })),
                    photos: vec![],
                    contact: None,
                };
                let Submitted::New(p) = a.submit_project(&format!("dev-{pool}-{i}"), p, None, dt.submission_from + Duration::days(1)).await.unwrap() else {
                    panic!("replayed")
                };
                let v = Verification {
                    legal: true,
                    feasible: true,
                    estimate_grosze: Some(cost * ZL),
                    department: Some("WIK".into()),
                    decision: Decision::OnBallot,
                };
                a.verify_project(official(), p.id, v, dt.submission_to + Duration::days(1)).await.unwrap();
                ids.push(p.id);
            }
            ids
        }
    };
    let wide_projects =
        on_ballot(wide, &[("Ławki", 40_000), ("=HYPERLINK(\"http://x\";\"Park\")", 50_000), ("Ścieżka, rowerowa", 30_000)]).await;
    let area_projects = on_ballot(area, &[("Plac zabaw", 60_000), ("Siłownia", 50_000)]).await;

    let key = BudgetKeys::from_bytes(&[5u8; 32]).unwrap().edition(&Teryt::parse(A).unwrap(), e.id);
    // Votes: Ławki 4, Park 3, Ścieżka 2 in the gmina-wide pool.
    let choices: [&[(i64, i64)]; 8] = [
        &[(wide, 0), (wide, 1), (area, 0)],
        &[(wide, 0), (wide, 1)],
        &[(wide, 0), (area, 1)],
        &[(wide, 0), (wide, 2)],
        &[(wide, 1), (wide, 2)],
        &[(area, 0)],
        &[(area, 0), (area, 1)],
        &[(area, 1)],
    ];
    let ids = |pool: i64, i: i64| if pool == wide { wide_projects[i as usize] } else { area_projects[i as usize] };
    for (n, c) in choices.iter().enumerate() {
        let input = IdentityInput {
            first_name: "Zofia".into(),
            last_name: "Nowak".into(),
            pesel: Some(PESELS[n].into()),
            address: None,
            phone: None,
        };
        let paper = n >= 6;
        let ballot = NewBallot {
            edition: e.id,
            policy: BallotPolicy { duplicates: DuplicatePolicy::FirstCounts, max_voters_per_phone: 5, allow_change: false },
            voter_key: key.voter(&normalise(IdentityMode::Pesel, &input).unwrap()),
            phone_key: None,
            channel: if paper { BallotChannel::Paper } else { BallotChannel::Online },
            device: (!paper).then(|| format!("voter-{n}")),
            entered_by: paper.then(official),
            residence_declared: true,
            choices: c.iter().map(|(pool, i)| BallotChoice { pool: *pool, project: ids(*pool, *i), points: 1 }).collect(),
            receipt_key: key.clone(),
            idempotency: None,
            sms: None,
            now: dt.voting_from + Duration::days(1),
        };
        assert!(matches!(a.cast_ballot(ballot).await.unwrap(), CastOutcome::Counted { .. }));
    }
    World { edition: e.id, wide, area, wide_projects, area_projects, ballots: 5 }
}

#[tokio::test]
async fn a_pool_is_counted_after_its_lot_and_voting_then_published_as_json_and_csv() {
    let (t, a) = app().await;
    let now = t.state.clock.now();
    let w = edition_in_voting(a.as_ref(), now).await;
    let after = now + Duration::days(2);

    // No count without the lot; none before voting ends.
    let e = count_pool(a.clone(), official(), w.edition, w.wide, after).await.unwrap_err();
    assert!(matches!(e, CountPoolError::NoLot), "{e:?}");
    let mut order = w.wide_projects.clone();
    order.reverse();
    a.draw_lot(official(), w.edition, w.wide, order, now).await.unwrap();
    a.draw_lot(official(), w.edition, w.area, w.area_projects.clone(), now).await.unwrap();
    let e = count_pool(a.clone(), official(), w.edition, w.wide, now).await.unwrap_err();
    assert!(matches!(e, CountPoolError::VotingOpen), "{e:?}");
    assert!(a.latest_count(w.edition, w.wide).await.unwrap().is_none(), "nothing stored");
    // Another gmina's pool id, or none: not found.
    let e = count_pool(a.clone(), official(), w.edition, 999_999, after).await.unwrap_err();
    assert!(matches!(e, CountPoolError::NotFound), "{e:?}");

    // Nothing public before publication.
    for path in ["results", "results.json", "results.csv"] {
        let r = get(&t, &format!("/api/v1/budget/editions/{}/{path}", w.edition)).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "results_not_published".to_owned()), "{path}");
    }
    let r = get(&t, "/api/v1/budget/editions/999999/results").await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found".to_owned()));

    // Counted after voting (a recount before publication adds a row, the
    // latest counts), audited with ids only.
    let audit_before = t.audit_len().await;
    let first = count_pool(a.clone(), official(), w.edition, w.wide, after).await.unwrap();
    let wide = count_pool(a.clone(), official(), w.edition, w.wide, after).await.unwrap();
    assert!(wide.id > first.id);
    assert_eq!(wide.input_sha256, first.input_sha256);
    assert_eq!(wide.input_sha256, a.count_input(w.edition, w.wide).await.unwrap().input_sha256);
    // Greedy on 100 000 zł: Ławki (4 votes, 40 000), Park (3, 50 000);
    // Ścieżka (2, 30 000) no longer fits.
    assert_eq!(wide.outcome.selected, [w.wide_projects[0], w.wide_projects[1]]);
    assert_eq!(wide.outcome.spent, 90_000 * ZL);
    let area = count_pool(a.clone(), official(), w.edition, w.area, after).await.unwrap();
    assert!(!area.outcome.trace.is_empty());
    assert!(t.audit_len().await >= audit_before + 3, "each count audited");
    let stored = a.latest_count(w.edition, w.wide).await.unwrap().unwrap();
    assert_eq!((stored.id, &stored.outcome.selected, &stored.input_sha256), (wide.id, &wide.outcome.selected, &wide.input_sha256));
    assert_eq!(stored.outcome.trace, wide.outcome.trace);

    t.advance(Duration::days(2));
    a.publish_results(official(), w.edition, t.state.clock.now()).await.unwrap();

    let r = get(&t, &format!("/api/v1/budget/editions/{}/results", w.edition)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["edition"], w.edition);
    let pools = j["pools"].as_array().unwrap();
    assert_eq!(pools.len(), 2);
    let p0 = &pools[0];
    assert_eq!(p0["pool"], w.wide);
    assert_eq!(p0["ballots"], w.ballots);
    assert_eq!(p0["budget_grosze"], 100_000 * ZL);
    assert_eq!(p0["spent_grosze"], 90_000 * ZL);
    assert_eq!(p0["rule"]["rule"], "greedy");
    let rows: Vec<(i64, u64, bool)> = p0["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["project"].as_i64().unwrap(), p["votes"].as_u64().unwrap(), p["selected"].as_bool().unwrap()))
        .collect();
    assert_eq!(rows, [(w.wide_projects[0], 4, true), (w.wide_projects[1], 3, true), (w.wide_projects[2], 2, false)]);
    let trace = p0["trace"].as_array().unwrap();
    assert_eq!(trace.len(), wide.outcome.trace.len());
    assert!(trace.iter().all(|m| !m["pl"].as_str().unwrap().is_empty() && !m["en"].as_str().unwrap().is_empty()));
    // The area pool's selection is its count's.
    let area_selected: Vec<i64> = pools[1]["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["selected"] == true)
        .map(|p| p["project"].as_i64().unwrap())
        .collect();
    let mut expected = area.outcome.selected.clone();
    expected.sort_unstable();
    assert_eq!(area_selected, expected);
    assert_eq!(pools[1]["ballots"], 5);
    // The projects moved with the publication.
    assert_eq!(a.project(w.wide_projects[2]).await.unwrap().unwrap().0.status, ProjectStatus::NotSelected);

    let r = get(&t, &format!("/api/v1/budget/editions/{}/results.json", w.edition)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), j);
    assert!(r.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));

    let r = get(&t, &format!("/api/v1/budget/editions/{}/results.csv", w.edition)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "text/csv; charset=utf-8");
    let csv = r.text();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "pool_id,pool,project_id,number,title,category,cost_zl,votes,points,selected");
    assert_eq!(lines.len(), 1 + 5 + 1, "a row per project, CRLF after each: {csv}");
    assert!(lines[1].ends_with(",zieleń,40000,4,4,1"), "{}", lines[1]);
    // A formula is text, quoted as RFC 4180 wants for its quotes.
    assert!(lines[2].contains(",\"'=HYPERLINK(\"\"http://x\"\";\"\"Park\"\")\","), "{}", lines[2]);
    assert!(lines[3].contains(",\"Ścieżka, rowerowa\","), "{}", lines[3]);
    assert!(lines[3].ends_with(",30000,2,2,0"), "{}", lines[3]);

    // Published: no recount.
    let e = count_pool(a.clone(), official(), w.edition, w.wide, t.state.clock.now()).await.unwrap_err();
    assert!(matches!(e, CountPoolError::Store(StoreError::Conflict(Conflict::ResultsPublished))), "{e:?}");
}

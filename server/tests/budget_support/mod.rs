//! What the budget's results and Pabulib tests share: Siechnice with an
//! edition in voting (a gmina-wide and an area pool, projects on the
//! ballot) and ballots cast through the register with known PESELs.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use chrono::{DateTime, Duration, Utc};
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::identity::normalise;
use mm_protocol::budget::model::{
    BallotChannel, DuplicatePolicy, EditionSettings, IdentityInput, IdentityMode, PhaseDates, Pool, PoolKind,
};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Teryt;
use mm_server::budget::identity::BudgetKeys;
use mm_server::store::ballots::{BallotChoice, BallotPolicy, CastOutcome, NewBallot};
use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
use mm_server::store::{Actor, Store};

use crate::common::{Resp, TestApp};

pub const A: &str = "0223083";
pub const ZL: i64 = 100;
pub const PESELS: [&str; 8] =
    ["44051401359", "02070803628", "90090515836", "85121612343", "76032409874", "61111187651", "99010112342", "80010101230"];

pub fn official() -> Actor {
    Actor("bo-official".into())
}

pub async fn app() -> (TestApp, Arc<dyn Store>) {
    let t = TestApp::new().await;
    let g = crate::common::gmina_record(A, "Siechnice");
    t.store.add_gmina(official(), g, t.state.clock.now()).await.unwrap();
    let a = t.store.for_gmina(&Teryt::parse(A).unwrap());
    (t, a)
}

pub async fn get(t: &TestApp, uri: &str) -> Resp {
    t.send(Request::builder().uri(uri).header("MM-Gmina", A).body(Body::empty()).unwrap()).await
}

/// Phases ending a day from `now`: submission two months ago, voting for
/// the last three weeks.
pub fn dates(now: DateTime<Utc>) -> PhaseDates {
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

pub struct World {
    pub edition: i64,
    pub wide: i64,
    pub area: i64,
    /// The gmina-wide pool's projects: 40 000, 50 000, 30 000 zł.
    pub wide_projects: Vec<i64>,
    pub area_projects: Vec<i64>,
    pub ballots: u32,
}

/// An edition in voting with two pools (greedy; MES with Add1), projects
/// on the ballot, and eight ballots (two on paper).
pub async fn edition_in_voting(a: &dyn Store, now: DateTime<Utc>) -> World {
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

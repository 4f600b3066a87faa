//! `--demo`'s participatory budget (issue 15, item 9), on the test backend
//! (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`): last year's
//! edition published with its ballots and its pools counted greedily, with
//! equal shares + Add1 and with the comparison step; this year's in
//! voting; Czernica's in voting; loaded once; no generated PESEL in the
//! database file.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, Utc};
use common::TestApp;
use common::backend::sqlite_only;
use mm_protocol::LOCAL_TZ;
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{IdentityMode, Phase, ProjectStatus};
use mm_protocol::consultations::ConsultationStatus;
use mm_protocol::gmina::Teryt;
use mm_server::store::Store;
use mm_server::store::budget::ProjectFilter;
use mm_server::store::consultations::ModerationState;

async fn started() -> TestApp {
    let t = TestApp::new().await;
    let store = t.store.clone() as Arc<dyn Store>;
    let clock = t.state.clock.clone();
    let began = Instant::now();
    mm_server::demo::start(store.clone(), clock.clone(), false)
        .await
        .unwrap();
    mm_server::demo::start_neighbour(store, clock, false)
        .await
        .unwrap();
    eprintln!("demo start (both gminas): {:?}", began.elapsed());
    t
}

fn siechnice(t: &TestApp) -> Arc<dyn Store> {
    let teryt = mm_server::demo::czernica::siechnice_record().teryt;
    if t.store.gmina_scope() == &teryt {
        t.store.clone()
    } else {
        t.store.for_gmina(&teryt)
    }
}

fn czernica(t: &TestApp) -> Arc<dyn Store> {
    t.store
        .for_gmina(&mm_server::demo::czernica::record().teryt)
}

#[tokio::test]
async fn the_demo_has_a_published_edition_and_one_in_voting() {
    let t = started().await;
    let s = siechnice(&t);
    let now = Utc::now();
    let year = now.with_timezone(&LOCAL_TZ).year();
    let editions = s.editions(now).await.unwrap();
    assert_eq!(editions.len(), 2, "{editions:?}");

    let done = editions
        .iter()
        .find(|e| e.year == year - 1)
        .expect("last year's");
    assert_eq!(done.phase, Phase::Results);
    assert!(done.published_results);
    assert_eq!(done.settings.identity, IdentityMode::Pesel);
    assert_eq!(done.pools.len(), 3);
    let mut rules = Vec::new();
    let mut differs = false;
    for pool in &done.pools {
        let count = s
            .latest_count(done.id, pool.id)
            .await
            .unwrap()
            .expect("counted");
        assert_eq!(count.rule, pool.counting);
        assert!(!count.outcome.trace.is_empty(), "trace stored");
        assert!(
            s.lot(done.id, pool.id).await.unwrap().is_some(),
            "lot drawn"
        );
        rules.push(count.rule.clone());
        // What greedy would have chosen: by votes, each that still fits.
        let projects = s
            .projects(ProjectFilter {
                edition: Some(done.id),
                pool: Some(pool.id),
                ..Default::default()
            })
            .await
            .unwrap();
        let tallies = s.tallies(done.id, pool.id).await.unwrap();
        let votes = |id: i64| {
            tallies
                .iter()
                .find(|x| x.project == id)
                .map_or(0, |x| x.votes)
        };
        let mut by_votes: Vec<_> = projects
            .iter()
            .filter(|p| p.status != ProjectStatus::Rejected)
            .collect();
        by_votes.sort_by_key(|p| std::cmp::Reverse(votes(p.id)));
        let mut left = pool.amount_grosze;
        let mut greedy = HashSet::new();
        for p in by_votes {
            if p.cost_grosze <= left {
                left -= p.cost_grosze;
                greedy.insert(p.id);
            }
        }
        let selected: HashSet<i64> = projects
            .iter()
            .filter(|p| p.status == ProjectStatus::Selected)
            .map(|p| p.id)
            .collect();
        assert_eq!(
            selected,
            count
                .outcome
                .selected
                .iter()
                .copied()
                .collect::<HashSet<_>>(),
            "published = counted"
        );
        if matches!(pool.counting, CountingRule::EqualSharesAdd1 { .. }) && selected != greedy {
            differs = true;
        }
    }
    assert!(rules.contains(&CountingRule::Greedy { min_votes: 1 }));
    assert!(rules.contains(&CountingRule::EqualSharesAdd1 { comparison: false }));
    assert!(rules.contains(&CountingRule::EqualSharesAdd1 { comparison: true }));
    assert!(
        differs,
        "equal shares and greedy differ in at least one pool"
    );
    let projects = s
        .projects(ProjectFilter {
            edition: Some(done.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(projects.iter().filter(|p| p.number.is_some()).count() >= 18);
    assert!(
        projects
            .iter()
            .any(|p| p.status == ProjectStatus::Rejected && p.rejection_reason.is_some())
    );

    // Ballots: every voter chose in the gmina-wide pool.
    let wide = done
        .pools
        .iter()
        .find(|p| p.kind == mm_protocol::budget::model::PoolKind::GminaWide)
        .unwrap();
    let ballots: u32 = s
        .count_input(done.id, wide.id)
        .await
        .unwrap()
        .ballots
        .iter()
        .map(|b| b.weight)
        .sum();
    assert!(ballots >= 1_000, "{ballots} ballots");

    let open = editions
        .iter()
        .find(|e| e.year == year)
        .expect("this year's");
    assert_eq!(open.phase, Phase::Voting);
    assert!(open.settings.sms && open.settings.allow_change);
    assert_eq!(open.settings.identity, IdentityMode::NameAddress);
    let on_ballot = s
        .projects(ProjectFilter {
            edition: Some(open.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        on_ballot
            .iter()
            .all(|p| p.status == ProjectStatus::OnBallot)
            && on_ballot.len() >= 6
    );
    for pool in &open.pools {
        assert!(
            s.tallies(open.id, pool.id).await.unwrap().is_empty(),
            "no ballots yet"
        );
    }

    // Consultations: one open, one published, with answers and moderated texts.
    let cs = s.consultations(false).await.unwrap();
    assert_eq!(cs.len(), 2);
    let open = cs
        .iter()
        .find(|c| c.accepts_answers_at(now))
        .expect("an open consultation");
    assert!(open.anonymous);
    let published = cs
        .iter()
        .find(|c| c.status == ConsultationStatus::Published)
        .expect("a published one");
    assert!(!s.responses(published.id).await.unwrap().is_empty());
    for state in [ModerationState::Approved, ModerationState::Pending] {
        assert!(
            !s.text_answers(published.id, state)
                .await
                .unwrap()
                .is_empty(),
            "{state:?}"
        );
    }

    let c = czernica(&t).editions(now).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].phase, Phase::Voting);
}

#[tokio::test]
async fn a_second_start_loads_nothing_twice_and_gminas_stay_apart() {
    let t = started().await;
    let store = t.store.clone() as Arc<dyn Store>;
    mm_server::demo::start(store.clone(), t.state.clock.clone(), false)
        .await
        .unwrap();
    mm_server::demo::start_neighbour(store, t.state.clock.clone(), false)
        .await
        .unwrap();
    let now = Utc::now();
    let s = siechnice(&t);
    let c = czernica(&t);
    assert_eq!(s.editions(now).await.unwrap().len(), 2);
    assert_eq!(c.editions(now).await.unwrap().len(), 1);
    // Czernica's handle sees none of Siechnice's editions.
    for e in s.editions(now).await.unwrap() {
        assert!(c.edition(e.id, now).await.unwrap().is_none());
        assert!(
            c.projects(ProjectFilter {
                edition: Some(e.id),
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
        );
    }
    // A gmina without the demo has no edition.
    let other = Teryt::parse("0223011").unwrap();
    assert!(
        t.store
            .for_gmina(&other)
            .editions(now)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn no_generated_pesel_reaches_the_database_file() {
    if !sqlite_only("looks into the SQLite file") {
        return;
    }
    let t = started().await;
    let pesels: HashSet<Vec<u8>> = mm_server::demo::budget::voter_pesels()
        .into_iter()
        .map(String::into_bytes)
        .collect();
    assert_eq!(pesels.len(), mm_server::demo::budget::VOTERS);
    let mut files = 0;
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with(mm_server::store::sqlite::DB_FILE) {
            continue;
        }
        files += 1;
        let bytes = std::fs::read(&path).unwrap();
        let found = bytes.windows(11).any(|w| pesels.contains(w));
        assert!(!found, "a generated PESEL in {name}");
    }
    assert!(files >= 1, "the database file");
}

/// The budget part alone, as a first start loads it (printed; the brief
/// keeps it under ~3 s on SQLite in a debug build, asserted loosely so a
/// busy machine does not fail the suite).
#[tokio::test]
async fn the_budget_demo_loads_quickly() {
    let t = TestApp::new().await;
    let record = mm_server::demo::czernica::siechnice_record();
    let now = Utc::now();
    t.store
        .add_gmina(mm_server::store::Actor("demo".into()), record.clone(), now)
        .await
        .unwrap();
    let s = if t.store.gmina_scope() == &record.teryt {
        t.store.clone()
    } else {
        t.store.for_gmina(&record.teryt)
    };
    let began = Instant::now();
    assert!(
        mm_server::demo::budget::load_siechnice(s.clone(), now)
            .await
            .unwrap()
    );
    let took = began.elapsed();
    eprintln!("budget demo (Siechnice): {took:?}");
    assert!(took.as_secs() < 30, "{took:?}");
    assert!(
        !mm_server::demo::budget::load_siechnice(s.clone(), now)
            .await
            .unwrap(),
        "once"
    );
}

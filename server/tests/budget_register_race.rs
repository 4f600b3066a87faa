//! The one-vote register under a race (issue 15, plan §5): 200 concurrent
//! online casts of one voter key from 200 devices → exactly one counts,
//! 199 are told `AlreadyVoted`, the tally is 1. The register's primary key
//! is the only arbiter, on SQLite (the serial writer) and PostgreSQL
//! (`MM_TEST_BACKEND=postgres`, the unique index under concurrent
//! transactions).

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use common::backend::{SqlValue, open_store};
use mm_protocol::budget::model::{BallotChannel, DuplicatePolicy};
use mm_protocol::gmina::Teryt;
use mm_server::budget::identity::BudgetKeys;
use mm_server::store::ballots::{BallotChoice, BallotPolicy, CastOutcome, NewBallot};
use mm_server::store::Actor;

const A: &str = "0223083";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 12, 9, 0, 0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn two_hundred_concurrent_casts_of_one_person_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    root.add_gmina(Actor("test".into()), common::gmina_record(A, "Siechnice"), t0()).await.unwrap();
    let store = root.for_gmina(&Teryt::parse(A).unwrap());
    let sql = guard.sql(dir.path());
    let at = |s: &str| SqlValue::from(s);
    sql.execute(
        "INSERT INTO budget_editions (gmina, year, title, submission_from, submission_to, verification_to,
             appeal_to, voting_from, voting_to, settings, created_at, updated_at)
         VALUES (?1, 2026, 'BO 2026', ?2, ?2, ?2, ?2, ?2, ?3, '{}', ?2, ?2)",
        &[at(A), at("2026-01-01T00:00:00.000000Z"), at("2026-06-30T00:00:00.000000Z")],
    );
    let edition = sql.int("SELECT MAX(id) FROM budget_editions WHERE gmina = ?1", &[at(A)]);
    sql.execute(
        "INSERT INTO budget_pools (gmina, edition, position, kind, name, amount_grosze, counting)
         VALUES (?1, ?2, 1, 'gmina_wide', 'Cała gmina', 100000000, '{}')",
        &[at(A), edition.into()],
    );
    let pool = sql.int("SELECT MAX(id) FROM budget_pools WHERE gmina = ?1", &[at(A)]);
    sql.execute(
        "INSERT INTO budget_projects (gmina, edition, pool, number, title, description, cost_grosze, category,
             status, created_at, updated_at)
         VALUES (?1, ?2, ?3, 1, 'Ławki', 'Nad Oławą', 5000000, 'zielen', 'on_ballot', ?4, ?4)",
        &[at(A), edition.into(), pool.into(), at("2026-02-01T00:00:00.000000Z")],
    );
    let project = sql.int("SELECT MAX(id) FROM budget_projects WHERE gmina = ?1", &[at(A)]);

    let keys = BudgetKeys::from_bytes(&[3u8; 32]).unwrap().edition(&Teryt::parse(A).unwrap(), edition);
    let voter = keys.voter_key(format!("mm-bo-v1\x1f{edition}\x1fpesel\x1f44051401359").as_bytes());
    let start = Arc::new(tokio::sync::Barrier::new(200));
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (store, keys, start) = (store.clone(), keys.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                store
                    .cast_ballot(NewBallot {
                        edition,
                        policy: BallotPolicy {
                            duplicates: DuplicatePolicy::FirstCounts,
                            max_voters_per_phone: 5,
                            allow_change: false,
                        },
                        voter_key: voter,
                        phone_key: None,
                        channel: BallotChannel::Online,
                        device: Some(format!("device-{i}")),
                        entered_by: None,
                        residence_declared: true,
                        choices: vec![BallotChoice { pool, project, points: 1 }],
                        receipt_key: keys,
                        idempotency: None,
                        sms: None,
                        now: t0(),
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut counted = 0;
    let mut already = 0;
    for t in tasks {
        match t.await.unwrap() {
            CastOutcome::Counted { .. } => counted += 1,
            CastOutcome::AlreadyVoted { first_channel: BallotChannel::Online, .. } => already += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((counted, already), (1, 199));
    let tally = store.tallies(edition, pool).await.unwrap();
    assert_eq!(tally.len(), 1);
    assert_eq!((tally[0].project, tally[0].votes, tally[0].points), (project, 1, 1));
    assert_eq!(sql.int("SELECT COUNT(*) FROM budget_ballots", &[]), 1, "nothing written for the 199");
    assert_eq!(sql.int("SELECT COUNT(*) FROM budget_register", &[]), 1);
    assert_eq!(sql.int("SELECT COUNT(*) FROM budget_ballot_choices", &[]), 1);
    let input = store.count_input(edition, pool).await.unwrap();
    assert_eq!(input.ballots.len(), 1);
    assert_eq!(input.ballots[0].weight, 1);
}

/// A rough figure, not a bench (`mm-bench-budget-ballots` is): 16 tasks
/// cast 4,000 ballots of distinct voters; prints ballots/s. Run with
/// `cargo test --release -p mm-server --test budget_register_race -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
#[ignore = "a throughput figure, run by hand"]
async fn throughput_of_distinct_voters() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    root.add_gmina(Actor("test".into()), common::gmina_record(A, "Siechnice"), t0()).await.unwrap();
    let store = root.for_gmina(&Teryt::parse(A).unwrap());
    let sql = guard.sql(dir.path());
    let at = |s: &str| SqlValue::from(s);
    sql.execute(
        "INSERT INTO budget_editions (gmina, year, title, submission_from, submission_to, verification_to,
             appeal_to, voting_from, voting_to, settings, created_at, updated_at)
         VALUES (?1, 2026, 'BO 2026', ?2, ?2, ?2, ?2, ?2, ?3, '{}', ?2, ?2)",
        &[at(A), at("2026-01-01T00:00:00.000000Z"), at("2026-06-30T00:00:00.000000Z")],
    );
    let edition = sql.int("SELECT MAX(id) FROM budget_editions WHERE gmina = ?1", &[at(A)]);
    sql.execute(
        "INSERT INTO budget_pools (gmina, edition, position, kind, name, amount_grosze, counting)
         VALUES (?1, ?2, 1, 'gmina_wide', 'Cała gmina', 100000000, '{}')",
        &[at(A), edition.into()],
    );
    let pool = sql.int("SELECT MAX(id) FROM budget_pools WHERE gmina = ?1", &[at(A)]);
    let mut projects = Vec::new();
    for n in 1..=5 {
        sql.execute(
            "INSERT INTO budget_projects (gmina, edition, pool, number, title, description, cost_grosze, category,
                 status, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'P', 'D', 5000000, 'zielen', 'on_ballot', ?5, ?5)",
            &[at(A), edition.into(), pool.into(), n.into(), at("2026-02-01T00:00:00.000000Z")],
        );
        projects.push(sql.int("SELECT MAX(id) FROM budget_projects WHERE gmina = ?1", &[at(A)]));
    }
    let keys = BudgetKeys::from_bytes(&[3u8; 32]).unwrap().edition(&Teryt::parse(A).unwrap(), edition);
    let (tasks, per_task) = (16, 250);
    let started = std::time::Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let (store, keys, projects) = (store.clone(), keys.clone(), projects.clone());
            tokio::spawn(async move {
                for i in 0..per_task {
                    let voter = keys.voter_key(format!("voter-{t}-{i}").as_bytes());
                    let outcome = store
                        .cast_ballot(NewBallot {
                            edition,
                            policy: BallotPolicy {
                                duplicates: DuplicatePolicy::FirstCounts,
                                max_voters_per_phone: 5,
                                allow_change: false,
                            },
                            voter_key: voter,
                            phone_key: None,
                            channel: BallotChannel::Online,
                            device: Some(format!("device-{t}-{i}")),
                            entered_by: None,
                            residence_declared: true,
                            choices: projects.iter().take(3).map(|&project| BallotChoice { pool, project, points: 1 }).collect(),
                            receipt_key: keys.clone(),
                            idempotency: None,
                            sms: None,
                            now: t0(),
                        })
                        .await
                        .unwrap();
                    assert!(matches!(outcome, CastOutcome::Counted { .. }));
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    let n = tasks * per_task;
    let secs = started.elapsed().as_secs_f64();
    println!("{n} ballots in {secs:.2} s: {:.0} ballots/s", n as f64 / secs);
    assert_eq!(store.tallies(edition, pool).await.unwrap()[0].votes, n as u32);
}

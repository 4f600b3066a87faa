//! The job queue across instances on one PostgreSQL: two stores (two
//! pools) claim at once, over and over, and every job is claimed by
//! exactly one of them (`FOR UPDATE SKIP LOCKED` and a lease), none twice,
//! none left behind; a claimed job that its instance never finished comes
//! due again once its lease runs out. Needs PostgreSQL (`common/postgres.rs`).

use crate::common::postgres;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, Utc};
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::NewReport;
use mm_server::store::jobs::JobStore;
use mm_server::store::{Created, NewReportRecord, PostgresStore, ReportStore};

const REPORTS: usize = 60;

fn report(i: usize) -> NewReportRecord {
    NewReportRecord {
        device_id: None,
        idempotency: None,
        input: NewReport {
            category: "other".into(),
            point: GeoPoint { lat: 51.0335, lon: 17.15 },
            location_source: Default::default(),
            accuracy_m: None,
            address: None,
            description: format!("Zgłoszenie numer {i} do rejestracji."),
            answers: Default::default(),
            photo_ids: vec![],
            contact: None,
        },
        now: Utc::now(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_claim_every_job_exactly_once() {
    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(PostgresStore::connect(&db.url, dir.path()).await.unwrap());
    let b = Arc::new(PostgresStore::connect(&db.url, dir.path()).await.unwrap());
    for i in 0..REPORTS {
        assert!(matches!(a.create_report(report(i)).await.unwrap(), Created::New(_)));
    }
    // Each report enqueued its registration.
    let later = Utc::now() + Duration::seconds(1);
    let mut claimers = Vec::new();
    for store in [a.clone(), b.clone(), a.clone(), b.clone()] {
        claimers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let due = store.due_jobs(vec!["ezd.register"], later, 3).await.unwrap();
                if due.jobs.is_empty() {
                    return mine;
                }
                for j in due.jobs {
                    store.job_done(j.id, later).await.unwrap();
                    mine.push(j.id);
                }
            }
        }));
    }
    let mut claims: HashMap<i64, usize> = HashMap::new();
    let mut per_claimer = Vec::new();
    for c in claimers {
        let mine = c.await.unwrap();
        per_claimer.push(mine.len());
        for id in mine {
            *claims.entry(id).or_default() += 1;
        }
    }
    assert_eq!(claims.len(), REPORTS, "every job claimed: {per_claimer:?}");
    let twice: Vec<_> = claims.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "claimed more than once: {twice:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_its_instance_never_finished_comes_due_again_after_its_lease() {
    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = PostgresStore::connect(&db.url, dir.path()).await.unwrap();
    let b = PostgresStore::connect(&db.url, dir.path()).await.unwrap();
    a.create_report(report(0)).await.unwrap();
    let now = Utc::now() + Duration::seconds(1);
    let claimed = a.due_jobs(vec!["ezd.register"], now, 10).await.unwrap().jobs;
    assert_eq!(claimed.len(), 1);
    // Instance a dies with the job; b does not get it while the lease holds.
    drop(a);
    let soon = b.due_jobs(vec!["ezd.register"], now + Duration::minutes(1), 10).await.unwrap();
    assert!(soon.jobs.is_empty());
    assert!(soon.next_at.is_some(), "the worker learns when to look again");
    let after = b.due_jobs(vec!["ezd.register"], now + Duration::minutes(11), 10).await.unwrap();
    assert_eq!(after.jobs.iter().map(|j| j.id).collect::<Vec<_>>(), vec![claimed[0].id]);
}

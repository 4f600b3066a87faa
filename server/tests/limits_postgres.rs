//! Residents' write limits shared through PostgreSQL (`store::limits`,
//! `--shared-limits`): two instances taking from the same buckets at once
//! hand out the allowance once in all, a refused take takes nothing from
//! the other buckets, a charged request passes free when retried, and the
//! purge forgets old rows. Needs PostgreSQL (`common/postgres.rs`).

use crate::common::postgres;

use std::sync::Arc;

use chrono::{Duration, Utc};
use mm_server::store::PostgresStore;
use mm_server::store::limits::{BucketSpec, LimitStore};

fn bucket(key: &str, per_hour: u32) -> BucketSpec {
    BucketSpec { key: key.into(), per_hour }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_one_allowance() {
    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(PostgresStore::connect(&db.url, dir.path()).await.unwrap());
    let b = Arc::new(PostgresStore::connect(&db.url, dir.path()).await.unwrap());
    let now = Utc::now();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            s.take(vec![bucket("device:d1", 10), bucket("ip:10.0.0.1", 1000)], None, now).await.unwrap()
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 10, "the device's hourly allowance, once across both instances");
    // Refused by the device's bucket: the address's bucket lost nothing
    // (10 of 1000 taken), so another device from it still gets in.
    let refused = a.take(vec![bucket("device:d1", 10), bucket("ip:10.0.0.1", 1000)], None, now).await.unwrap();
    let wait = refused.unwrap_err();
    assert!(wait.as_secs() >= 1 && wait.as_secs() <= 360, "{wait:?}");
    for _ in 0..5 {
        b.take(vec![bucket("device:d2", 10), bucket("ip:10.0.0.1", 1000)], None, now).await.unwrap().unwrap();
    }
    // Six minutes later the device has one token again (10 an hour).
    let later = now + Duration::minutes(6);
    assert!(a.take(vec![bucket("device:d1", 10)], None, later).await.unwrap().is_ok());
    assert!(a.take(vec![bucket("device:d1", 10)], None, later).await.unwrap().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_charged_request_passes_free_when_retried_and_old_rows_go() {
    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = PostgresStore::connect(&db.url, dir.path()).await.unwrap();
    let b = PostgresStore::connect(&db.url, dir.path()).await.unwrap();
    let now = Utc::now();
    let key = Some("reports/d1/k-1".to_owned());
    assert!(a.take(vec![bucket("device:d3", 1)], key.clone(), now).await.unwrap().is_ok());
    assert!(b.take(vec![bucket("device:d3", 1)], None, now).await.unwrap().is_err(), "the one token is gone");
    assert!(b.take(vec![bucket("device:d3", 1)], key.clone(), now).await.unwrap().is_ok(), "a retry passes free");
    assert_eq!(a.purge_limits(now - Duration::hours(1)).await.unwrap(), 0);
    assert_eq!(a.purge_limits(now + Duration::seconds(1)).await.unwrap(), 2, "the bucket and the charged request");
    assert!(b.take(vec![bucket("device:d3", 1)], None, now).await.unwrap().is_ok(), "forgotten: full again");
}

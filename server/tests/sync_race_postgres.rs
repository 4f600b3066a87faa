//! Two instances on one PostgreSQL (two stores, two pools): four writers
//! publish through both while a reader on one pages the sync log by cursor
//! as a phone does. Every seq committed must reach the reader: the log's
//! seq order is its commit order (the publication lock, docs/DESIGN.md
//! "Sync"), so a cursor never passes a seq that commits later. And each
//! instance's `max_seq` learns of the other's commits (NOTIFY). Needs
//! PostgreSQL (`common/postgres.rs`).

use crate::common::postgres;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use mm_protocol::news::NewsInput;
use mm_server::store::{Actor, ContentStore, PostgresStore, SyncStore};

const WRITERS: usize = 4;
const WRITES_EACH: usize = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_change_is_missed_when_writes_race_a_sync_across_instances() {
    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(PostgresStore::connect(&db.url, dir.path()).await.unwrap());
    let b = Arc::new(PostgresStore::connect(&db.url, dir.path()).await.unwrap());

    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (b, done) = (b.clone(), done.clone());
        tokio::spawn(async move {
            let (mut cursor, mut seen) = (0u64, BTreeSet::new());
            loop {
                // Read the flag first: a page read after it is set sees all.
                let last_round = done.load(Ordering::SeqCst);
                loop {
                    let (rows, more) = b.log_page(cursor, 7).await.unwrap();
                    for r in &rows {
                        assert!(r.seq > cursor, "a page goes forward");
                        seen.insert((r.seq, r.collection.clone(), r.id.clone()));
                    }
                    cursor = rows.last().map_or(cursor, |r| r.seq);
                    if !more {
                        break;
                    }
                }
                if last_round {
                    return seen;
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        // Writers alternate between the two instances.
        let store = if w % 2 == 0 { a.clone() } else { b.clone() };
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..WRITES_EACH {
                let news = NewsInput {
                    title: format!("Komunikat {w}-{i}"),
                    body: "Treść.".into(),
                    priority: Default::default(),
                    published_at: None,
                    expires_at: None,
                };
                ids.push(store.create_news(Actor("race".into()), news, Utc::now()).await.unwrap().id);
            }
            ids
        }));
    }
    let mut created = Vec::new();
    for w in writers {
        created.extend(w.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.await.unwrap();

    // Every row the log holds now (each news item is its own entity, so
    // nothing was overwritten) was seen by the reader, each once.
    let (all, more) = a.log_page(0, 100_000).await.unwrap();
    assert!(!more);
    let all: BTreeSet<_> = all.into_iter().map(|r| (r.seq, r.collection, r.id)).collect();
    let missed: Vec<_> = all.difference(&seen).collect();
    assert!(missed.is_empty(), "the reader missed {} of {} changes: {:?}", missed.len(), all.len(), &missed[..missed.len().min(5)]);
    let news_seen = seen.iter().filter(|(_, c, _)| c == "news").count();
    assert_eq!(news_seen, WRITERS * WRITES_EACH);
    assert_eq!(created.len(), WRITERS * WRITES_EACH);
    // Seqs are dense: one per committed publication, none skipped.
    let max = all.iter().map(|r| r.0).max().unwrap();
    assert_eq!(max, all.len() as u64, "every seq from 1 to the highest is used");

    // Each instance's max_seq learns of the other's commits.
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.max_seq() != max || b.max_seq() != max {
        assert!(Instant::now() < deadline, "max_seq: a {} b {} want {max}", a.max_seq(), b.max_seq());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_hears_of_the_others_commits() {
    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = PostgresStore::connect(&db.url, dir.path()).await.unwrap();
    let b = PostgresStore::connect(&db.url, dir.path()).await.unwrap();
    let before = b.max_seq();
    let news = NewsInput { title: "Z A".into(), body: "Treść.".into(), priority: Default::default(), published_at: None, expires_at: None };
    a.create_news(Actor("t".into()), news, Utc::now()).await.unwrap();
    assert_eq!(a.max_seq(), before + 1, "its own commit at once");
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.max_seq() != before + 1 {
        assert!(Instant::now() < deadline, "b never heard of a's commit");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Behind a balancer a phone's next sync may reach another instance right
/// after one committed, before that one's `NOTIFY` arrived: the cursor is
/// above what this instance remembers, and must still be valid (it was
/// answered 400 `invalid_cursor`, and the phone synced from 0 again). The
/// other instance's commit is made here without a `NOTIFY`, so this one
/// cannot have heard of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_from_another_instance_is_valid_before_its_notify_arrives() {
    use axum::body::Body;
    use axum::http::Request;
    use mm_server::store::Tenancy;
    use tower::ServiceExt;

    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let b = PostgresStore::connect(&db.url, dir.path()).await.unwrap();
    let gmina = b.gmina_scope().as_str().to_owned();
    let known = b.max_seq();
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .execute(
            "INSERT INTO public_items (gmina, collection, id, seq, body) VALUES ($1, 'news', 'z-innej-instancji', $2, NULL)",
            &[&gmina, &i64::try_from(known + 1).unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(b.max_seq(), known, "nothing told this instance");
    let app = mm_server::app(mm_server::state::AppState::new(Arc::new(b)));
    let cursor = known + 1;
    let res = app.oneshot(Request::get(format!("/api/v1/sync?cursor={cursor}")).body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    assert_eq!(status, 200, "cursor {cursor} from another instance: {}", String::from_utf8_lossy(&body));
}

/// `connect` returns with its notification connection made and listening,
/// not still connecting on a task of its own: a connection left half made
/// when the caller's thread blocks (a current-thread runtime, as in every
/// test) held PostgreSQL in authentication for `authentication_timeout`
/// (60 s), and `DROP DATABASE` waited for it.
#[tokio::test]
async fn connect_returns_listening() {
    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = PostgresStore::connect(&db.url, dir.path()).await.unwrap();
    // Nothing awaited since: the listener's task has not run.
    let listening = std::thread::spawn({
        let url = db.url.clone();
        move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(connection);
                let row = client
                    .query_one(
                        "SELECT COUNT(*) FROM pg_stat_activity
                         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
                        &[],
                    )
                    .await
                    .unwrap();
                row.get::<_, i64>(0)
            })
        }
    })
    .join()
    .unwrap();
    assert_eq!(listening, 1, "the store's LISTEN is in place when connect returns");
    drop(store);
}

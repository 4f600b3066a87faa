//! `--demo`: the Siechnice data loads once per database.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use mm_server::store::ContentStore;

#[tokio::test]
async fn demo_loads_once_and_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let t = TestApp::in_dir(dir).await;
    assert!(
        mm_server::demo::load(t.store.as_ref(), chrono::Utc::now())
            .await
            .unwrap()
    );
    let seq = t.max_seq();
    assert!(seq > 0);
    let events = t
        .get("/api/v1/events")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    let news = t
        .get("/api/v1/news?all=false")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    assert!(events > 0 && news > 0);
    let gmina = t.get("/api/v1/gmina").await;
    assert_eq!(gmina.status, StatusCode::OK);
    assert_eq!(gmina.json()["gmina"]["teryt"], "0223083");

    // A second start on the same data dir: nothing duplicated.
    let again = mm_server::store::SqliteStore::open(&path).unwrap();
    assert!(
        !mm_server::demo::load(&again, chrono::Utc::now())
            .await
            .unwrap()
    );
    assert!(
        !mm_server::demo::load(t.store.as_ref(), chrono::Utc::now())
            .await
            .unwrap()
    );
    assert_eq!(again.list_events(None).await.unwrap().len(), events);
    assert_eq!(t.max_seq(), seq);
    assert_eq!(
        t.get("/api/v1/events")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        events
    );
}

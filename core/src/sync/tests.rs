use chrono::{DateTime, Utc};
use serde_json::json;

use super::*;
use crate::store::Store;
use crate::testing::*;

fn now() -> DateTime<Utc> {
    "2026-03-10T12:00:00Z".parse().unwrap()
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("mm.sqlite3")).unwrap()
}

fn page_one() -> SyncPage {
    parse_page(page(
        vec![
            upsert(1, "gmina", gmina()),
            upsert(2, "localities", locality(1, "Siechnice")),
            upsert(
                3,
                "event_categories",
                category("kultura", "Kultura", "Culture"),
            ),
            upsert(
                4,
                "news",
                news(1, "Nowy żłobek", "normal", "2026-03-01T10:00:00Z"),
            ),
            upsert(
                5,
                "events",
                event(
                    10,
                    "Koncert",
                    "2026-03-20T17:00:00Z",
                    "2026-03-20T19:00:00Z",
                    Some("kultura"),
                    None,
                ),
            ),
            // A collection from a newer server: skipped, not an error.
            upsert(
                6,
                "budget_projects",
                json!({"id": 1, "title": "Plac zabaw"}),
            ),
            json!({"op": "merge", "seq": 7}),
        ],
        "7",
        true,
    ))
}

fn page_two() -> SyncPage {
    parse_page(page(
        vec![
            upsert(
                8,
                "news",
                news(
                    1,
                    "Nowy żłobek otwarty",
                    "important",
                    "2026-03-01T10:00:00Z",
                ),
            ),
            delete(9, "events", "10"),
            delete(10, "localities", "1"),
            upsert(
                11,
                "news",
                news(2, "Burza", "alert", "2026-03-10T08:00:00Z"),
            ),
        ],
        "11",
        false,
    ))
}

#[test]
fn applies_upserts_tombstones_and_skips_unknown_collections() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let first = store
        .write(|tx| apply_page(tx, &page_one(), now()))
        .unwrap();
    assert_eq!((first.applied, first.skipped), (5, 2));
    assert!(first.notifications.is_empty());
    store
        .read(|c| {
            assert_eq!(gmina::get(c)?.unwrap().name, "Gmina Siechnice");
            assert_eq!(gmina::localities(c)?.len(), 1);
            assert_eq!(events::count(c)?, 1);
            assert_eq!(news::get(c, 1)?.title, "Nowy żłobek");
            assert_eq!(meta::get(c, meta::CURSOR)?.as_deref(), Some("7"));
            Ok(())
        })
        .unwrap();

    let second = store
        .write(|tx| apply_page(tx, &page_two(), now()))
        .unwrap();
    assert_eq!((second.applied, second.skipped), (4, 0));
    assert_eq!(
        second.notifications.len(),
        1,
        "a new visible alert notifies"
    );
    assert_eq!(second.notifications[0].entity_id.as_deref(), Some("2"));
    assert_eq!(second.notifications[0].link(), crate::NotificationLink::NewsItem { news_id: 2 });
    assert!(second.notifications[0].is_urgent());
    store
        .read(|c| {
            assert_eq!(news::get(c, 1)?.title, "Nowy żłobek otwarty");
            assert_eq!(news::count(c)?, 2);
            assert_eq!(events::count(c)?, 0);
            let occ: i64 =
                c.query_row("SELECT count(*) FROM event_occurrences", [], |r| r.get(0))?;
            assert_eq!(occ, 0, "a deleted event leaves no occurrences");
            assert!(
                crate::search::query(c, "koncert", 5)?.is_empty(),
                "nor search entries"
            );
            assert!(gmina::localities(c)?.is_empty());
            assert_eq!(meta::get(c, meta::CURSOR)?.as_deref(), Some("11"));
            Ok(())
        })
        .unwrap();

    // The same alert again (an edit): no second notification.
    let again = store
        .write(|tx| apply_page(tx, &page_two(), now()))
        .unwrap();
    assert!(again.notifications.is_empty());
    assert_eq!(store.read(notifications::list).unwrap().len(), 1);
}

#[test]
fn expired_and_future_alerts_do_not_notify() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut old = news(3, "Stara burza", "alert", "2026-01-01T00:00:00Z");
    old["expires_at"] = json!("2026-01-02T00:00:00Z");
    let later = news(4, "Jutro burza", "alert", "2026-03-11T00:00:00Z");
    let p = parse_page(page(
        vec![upsert(1, "news", old), upsert(2, "news", later)],
        "2",
        false,
    ));
    let out = store.write(|tx| apply_page(tx, &p, now())).unwrap();
    assert!(out.notifications.is_empty());
}

#[test]
fn a_failure_mid_sync_leaves_the_last_applied_page_and_resumes_from_it() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(&dir);
        store
            .write(|tx| apply_page(tx, &page_one(), now()))
            .unwrap();
        // The process dies while applying page 2: the transaction never commits.
        let r: Result<(), Error> = store.write(|tx| {
            apply_page(tx, &page_two(), now())?;
            Err(Error::Internal {
                detail: "killed".into(),
            })
        });
        assert!(r.is_err());
    }
    let store = open(&dir);
    store
        .read(|c| {
            assert_eq!(
                meta::get(c, meta::CURSOR)?.as_deref(),
                Some("7"),
                "cursor = page 1's"
            );
            assert_eq!(
                news::get(c, 1)?.title,
                "Nowy żłobek",
                "page 2's edit is not half-applied"
            );
            assert_eq!(events::count(c)?, 1, "page 2's tombstone is not applied");
            assert!(matches!(news::get(c, 2), Err(Error::NotFound { .. })));
            assert!(
                notifications::list(c)?.is_empty(),
                "no notification from a rolled-back page"
            );
            Ok(())
        })
        .unwrap();
    // Continuing applies page 2 once.
    let out = store
        .write(|tx| apply_page(tx, &page_two(), now()))
        .unwrap();
    assert_eq!(out.notifications.len(), 1);
}

#[test]
fn a_bad_tombstone_id_fails_the_whole_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let p = parse_page(page(
        vec![
            upsert(1, "news", news(1, "A", "normal", "2026-03-01T10:00:00Z")),
            delete(2, "news", "x"),
        ],
        "2",
        false,
    ));
    assert!(store.write(|tx| apply_page(tx, &p, now())).is_err());
    assert_eq!(store.read(news::count).unwrap(), 0);
    assert_eq!(store.read(|c| meta::get(c, meta::CURSOR)).unwrap(), None);
}

/// Where a first sync spends its time on the device (`make bench-core`
/// measures it end to end): the bench's 5,000 events (one in ten weekly)
/// and 2,000 news, applied page by page as a first sync does.
/// `cargo test --release -p mm-core first_sync_profile -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a check"]
fn first_sync_profile() {
    let start = "2026-12-01T08:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let items: Vec<serde_json::Value> = (0..7000)
        .map(|i| {
            if i < 5000 {
                let s = start + chrono::TimeDelta::hours((i * 7) % (24 * 92));
                let mut e = event(i, &format!("Wydarzenie testowe nr {i} w Siechnicach"), &s.to_rfc3339(), &(s + chrono::TimeDelta::hours(2)).to_rfc3339(), None, (i % 10 == 0).then_some("FREQ=WEEKLY;COUNT=8"));
                e["description"] = json!("Spotkanie mieszkańców, koncert albo zajęcia sportowe; opis dość długi, by przypominał prawdziwe wydarzenie w gminie.");
                e["place_name"] = json!("Gminny Ośrodek Kultury, ul. Jana Pawła II 12");
                upsert(i as u64 + 1, "events", e)
            } else {
                upsert(i as u64 + 1, "news", news(i, &format!("Komunikat nr {i}: utrudnienia w ruchu na ul. Opolskiej"), "normal", "2026-11-01T10:00:00Z"))
            }
        })
        .collect();
    for page_size in [500, 2000] {
        let mut runs = Vec::new();
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let store = open(&dir);
            let pages: Vec<SyncPage> = items
                .chunks(page_size)
                .enumerate()
                .map(|(n, c)| parse_page(page(c.to_vec(), &((n + 1) * page_size).to_string(), true)))
                .collect();
            let t = std::time::Instant::now();
            for p in &pages {
                store.write(|tx| apply_page(tx, p, now())).unwrap();
            }
            runs.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        runs.sort_by(f64::total_cmp);
        eprintln!("apply 7,000 changes in pages of {page_size}: median {:.1} ms, runs {runs:.1?}", runs[2]);
    }
}

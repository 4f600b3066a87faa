//! Counting and the published results of the participatory budget (issue
//! 15, WP4: `budget/count.rs`, `budget/results.rs`), in process on the test
//! backend's store (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`):
//! no count without the lot or before `voting_to`; the count stored with
//! the ballots' SHA-256 and audited; nothing public before publication;
//! then the JSON and CSV carry every pool's projects with the votes and the
//! selection of the count, and recounting is refused.

use crate::budget_support;

use axum::http::StatusCode;
use budget_support::*;
use chrono::Duration;
use mm_protocol::budget::model::ProjectStatus;
use mm_server::budget::count::{CountPoolError, count_pool};
use mm_server::store::{Conflict, StoreError};

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

use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::events::Event;

use super::*;
use crate::store::Store;
use crate::testing;

fn ev(
    id: i64,
    title: &str,
    starts: &str,
    ends: &str,
    category: Option<&str>,
    rrule: Option<&str>,
) -> Event {
    serde_json::from_value(testing::event(id, title, starts, ends, category, rrule)).unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn store_with(events: &[Event]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    store
        .write(|tx| {
            let w = window_for(tx, t("2026-03-01T00:00:00Z"))?;
            for e in events {
                upsert(tx, e, w)?;
            }
            Ok(())
        })
        .unwrap();
    (dir, store)
}

fn between(store: &Store, from: &str, to: &str, cat: Option<&str>) -> Vec<EventOccurrence> {
    let (from, to) = (
        local_midnight(d(from)),
        local_midnight(d(to).succ_opt().unwrap()),
    );
    store.read(|c| overlapping(c, from, to, cat)).unwrap()
}

#[test]
fn weekly_recurrence_keeps_local_time_across_dst() {
    // Thursdays 18:00 Warsaw; DST starts Sunday 29 March 2026.
    let e = ev(
        1,
        "Joga",
        "2026-03-19T17:00:00Z",
        "2026-03-19T18:00:00Z",
        None,
        Some("FREQ=WEEKLY;COUNT=4"),
    );
    let (_dir, store) = store_with(&[e]);
    let starts: Vec<DateTime<Utc>> = between(&store, "2026-03-01", "2026-04-30", None)
        .iter()
        .map(|o| o.starts_at)
        .collect();
    assert_eq!(
        starts,
        vec![
            t("2026-03-19T17:00:00Z"),
            t("2026-03-26T17:00:00Z"),
            t("2026-04-02T16:00:00Z"),
            t("2026-04-09T16:00:00Z")
        ]
    );
    let occ = between(&store, "2026-04-02", "2026-04-02", None);
    assert_eq!(occ.len(), 1);
    assert!(occ[0].recurring);
    assert_eq!(occ[0].ends_at - occ[0].starts_at, TimeDelta::hours(1));
}

#[test]
fn days_are_warsaw_days_not_utc_days() {
    // 23:30 Warsaw on 30 June is 21:30 UTC the same day; 00:30 on 1 July is
    // 22:30 UTC on 30 June: it belongs to July.
    let late = ev(
        1,
        "Późno",
        "2026-06-30T21:30:00Z",
        "2026-06-30T21:45:00Z",
        None,
        None,
    );
    let early = ev(
        2,
        "Wcześnie",
        "2026-06-30T22:30:00Z",
        "2026-06-30T22:45:00Z",
        None,
        None,
    );
    let (_dir, store) = store_with(&[late, early]);
    let june: Vec<i64> = between(&store, "2026-06-30", "2026-06-30", None)
        .iter()
        .map(|o| o.event_id)
        .collect();
    let july: Vec<i64> = between(&store, "2026-07-01", "2026-07-01", None)
        .iter()
        .map(|o| o.event_id)
        .collect();
    assert_eq!(june, vec![1]);
    assert_eq!(july, vec![2]);
    let m = store.read(|c| month_days(c, 2026, 7)).unwrap();
    assert_eq!(m, vec![DayCount { day: 1, count: 1 }]);
}

#[test]
fn multi_day_and_all_day_events_count_on_each_day() {
    // All-day 30 Jan – 2 Feb (Warsaw midnights, end exclusive: 3 Feb 00:00).
    let mut fair = ev(
        1,
        "Jarmark",
        "2026-01-29T23:00:00Z",
        "2026-02-02T23:00:00Z",
        Some("handel"),
        None,
    );
    fair.all_day = true;
    let evening = ev(
        2,
        "Wieczór",
        "2026-02-02T18:00:00Z",
        "2026-02-02T20:00:00Z",
        Some("kultura"),
        None,
    );
    let instant = ev(
        3,
        "Start",
        "2026-02-10T09:00:00Z",
        "2026-02-10T09:00:00Z",
        None,
        None,
    );
    let (_dir, store) = store_with(&[fair, evening, instant]);
    let feb = store.read(|c| month_days(c, 2026, 2)).unwrap();
    assert_eq!(
        feb,
        vec![
            DayCount { day: 1, count: 1 },
            DayCount { day: 2, count: 2 },
            DayCount { day: 10, count: 1 }
        ]
    );
    let jan = store.read(|c| month_days(c, 2026, 1)).unwrap();
    assert_eq!(
        jan,
        vec![
            DayCount { day: 30, count: 1 },
            DayCount { day: 31, count: 1 }
        ]
    );
    // The fair shows on 1 Feb although it started in January…
    assert_eq!(between(&store, "2026-02-01", "2026-02-01", None).len(), 1);
    // …and not on 3 Feb: its end is exclusive.
    assert!(between(&store, "2026-02-03", "2026-02-03", None).is_empty());
    assert_eq!(
        between(&store, "2026-02-10", "2026-02-10", None).len(),
        1,
        "an instant event counts"
    );
    let culture: Vec<i64> = between(&store, "2026-01-01", "2026-02-28", Some("kultura"))
        .iter()
        .map(|o| o.event_id)
        .collect();
    assert_eq!(culture, vec![2]);
    assert!(store.read(|c| month_days(c, 2026, 13)).is_err());
}

#[test]
fn upcoming_includes_what_is_under_way_in_order() {
    let past = ev(
        1,
        "Było",
        "2026-03-01T10:00:00Z",
        "2026-03-01T11:00:00Z",
        None,
        None,
    );
    let now_on = ev(
        2,
        "Trwa",
        "2026-03-05T10:00:00Z",
        "2026-03-05T14:00:00Z",
        None,
        None,
    );
    let weekly = ev(
        3,
        "Co tydzień",
        "2026-03-02T10:00:00Z",
        "2026-03-02T11:00:00Z",
        Some("sport"),
        Some("FREQ=WEEKLY"),
    );
    let (_dir, store) = store_with(&[past, now_on, weekly]);
    let now = t("2026-03-05T12:00:00Z");
    let up = store.read(|c| upcoming(c, now, 3, None)).unwrap();
    let got: Vec<(i64, DateTime<Utc>)> = up.iter().map(|o| (o.event_id, o.starts_at)).collect();
    assert_eq!(
        got,
        vec![
            (2, t("2026-03-05T10:00:00Z")),
            (3, t("2026-03-09T10:00:00Z")),
            (3, t("2026-03-16T10:00:00Z"))
        ]
    );
    assert!(
        store
            .read(|c| upcoming(c, now, 5, Some("sport")))
            .unwrap()
            .iter()
            .all(|o| o.event_id == 3)
    );
}

#[test]
fn an_edited_event_replaces_its_occurrences() {
    let e = ev(
        1,
        "Joga",
        "2026-03-02T17:00:00Z",
        "2026-03-02T18:00:00Z",
        None,
        Some("FREQ=DAILY;COUNT=10"),
    );
    let (_dir, store) = store_with(std::slice::from_ref(&e));
    assert_eq!(between(&store, "2026-03-01", "2026-03-31", None).len(), 10);
    let mut edited = e;
    edited.rrule = Some("FREQ=DAILY;COUNT=3".into());
    store
        .write(|tx| upsert(tx, &edited, Window::around(t("2026-03-01T00:00:00Z"))))
        .unwrap();
    assert_eq!(between(&store, "2026-03-01", "2026-03-31", None).len(), 3);
}

#[test]
fn a_stale_window_is_laid_out_again() {
    // An endless daily event synced long ago still shows up today.
    let e = ev(
        1,
        "Codziennie",
        "2026-01-01T08:00:00Z",
        "2026-01-01T09:00:00Z",
        None,
        Some("FREQ=DAILY"),
    );
    let (_dir, store) = store_with(&[e]);
    let far = "2029-06-01";
    assert!(
        between(&store, far, far, None).is_empty(),
        "outside the first window"
    );
    store
        .write(|tx| window_for(tx, t("2029-01-01T00:00:00Z")).map(|_| ()))
        .unwrap();
    assert_eq!(between(&store, far, far, None).len(), 1);
}

#[test]
fn five_thousand_events_in_a_month_query() {
    // Not timed (benchmarks do that): checks the query plan uses the index.
    let (_dir, store) = store_with(&[]);
    store
        .write(|tx| {
            let w = Window::around(t("2026-03-01T00:00:00Z"));
            for i in 0..5000 {
                let start = t("2026-01-01T10:00:00Z") + TimeDelta::hours(i * 5);
                let e = ev(
                    i,
                    &format!("E{i}"),
                    &start.to_rfc3339(),
                    &(start + TimeDelta::hours(1)).to_rfc3339(),
                    None,
                    None,
                );
                upsert(tx, &e, w)?;
            }
            Ok(())
        })
        .unwrap();
    let plan: String = store
        .read(|c| {
            let mut s = c.prepare(
                "EXPLAIN QUERY PLAN SELECT starts_at, ends_at FROM event_occurrences
                 WHERE starts_at >= 1 AND starts_at < 2 AND (ends_at > 1 OR (ends_at = starts_at AND starts_at >= 1))",
            )?;
            let rows: Vec<String> = s.query_map([], |r| r.get::<_, String>(3))?.collect::<Result<_, _>>()?;
            Ok(rows.join("; "))
        })
        .unwrap();
    assert!(plan.contains("event_occurrences_by_start"), "{plan}");
    let march = store.read(|c| month_days(c, 2026, 3)).unwrap();
    assert_eq!(march.iter().map(|d| d.count).sum::<u32>(), 31 * 24 / 5 + 1);
}

#[test]
fn the_subscribable_feed_is_on_the_cores_server_with_webcal_beside_it() {
    let f = api::calendar_feed("https://mmieszkaniec.siechnice.gmina.pl", None, None);
    assert_eq!(f.url, "https://mmieszkaniec.siechnice.gmina.pl/api/v1/calendar.ics");
    assert_eq!(f.subscribe_url, "webcal://mmieszkaniec.siechnice.gmina.pl/api/v1/calendar.ics");
    // A category is encoded; a server under a path keeps it.
    let f = api::calendar_feed("https://gmina.example/mm/", None, Some("dla dzieci&x"));
    assert_eq!(f.url, "https://gmina.example/mm/api/v1/calendar.ics?category=dla+dzieci%26x");
    assert_eq!(f.subscribe_url, "webcal://gmina.example/mm/api/v1/calendar.ics?category=dla+dzieci%26x");
    let f = api::calendar_feed("http://127.0.0.1:8080", None, Some(""));
    assert_eq!(f.subscribe_url, "webcal://127.0.0.1:8080/api/v1/calendar.ics");
    // A calendar app sends no MM-Gmina header: the gmina rides in the query.
    let siechnice = mm_protocol::gmina::Teryt::parse("0223083").unwrap();
    let f = api::calendar_feed("https://mm.example", Some(&siechnice), Some("kultura"));
    assert_eq!(f.url, "https://mm.example/api/v1/calendar.ics?gmina=0223083&category=kultura");
    assert_eq!(f.subscribe_url, "webcal://mm.example/api/v1/calendar.ics?gmina=0223083&category=kultura");
}

//! The facade over real HTTP on loopback and a real store file.

use std::sync::Mutex;

use serde_json::json;

use super::*;
use std::sync::Arc;
use chrono::NaiveDate;
use crate::{CoreError, EventDetail, MonthDay, Recurrence, RecurrenceDay, RecurrenceFrequency, Notification, OutboxSummary, SearchKind, SyncListener, SyncOptions, SyncProgress, SyncSummary};
use crate::testing::*;

fn api_error(status: u16, code: &str) -> Reply {
    Reply::Json(
        status,
        json!({"code": code, "message": {"pl": "Błąd po polsku.", "en": "Error in English."}, "field": "cursor"}),
    )
}

#[derive(Default)]
struct Recorder {
    progress: Mutex<Vec<SyncProgress>>,
    notes: Mutex<Vec<Notification>>,
}

impl SyncListener for Recorder {
    fn on_progress(&self, p: SyncProgress) {
        self.progress.lock().unwrap().push(p);
    }
    fn on_notification(&self, n: Notification) {
        self.notes.lock().unwrap().push(n);
    }
}

fn first_page() -> Reply {
    Reply::Json(
        200,
        page(
            vec![
                upsert(1, "gmina", gmina()),
                upsert(
                    2,
                    "event_categories",
                    category("kultura", "Kultura", "Culture"),
                ),
                upsert(
                    3,
                    "news",
                    news(
                        1,
                        "Nowy żłobek w Siechnicach",
                        "normal",
                        "2020-01-01T10:00:00Z",
                    ),
                ),
                upsert(4, "news", news(2, "Burza", "alert", "2020-01-02T10:00:00Z")),
            ],
            "4",
            true,
        ),
    )
}

fn second_page() -> Reply {
    Reply::WithHeaders(
        200,
        vec![("etag", "\"4-5-500\"".into())],
        page(
            vec![upsert(
                5,
                "events",
                event(
                    7,
                    "Koncert noworoczny",
                    "2099-01-01T18:00:00Z",
                    "2099-01-01T20:00:00Z",
                    Some("kultura"),
                    None,
                ),
            )],
            "5",
            false,
        ),
    )
}

#[test]
fn core_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Core>();
}

#[tokio::test]
async fn first_sync_registers_the_device_and_pulls_every_page() {
    let server = FakeServer::start().await;
    server
        .reply(registered())
        .reply(first_page())
        .reply(second_page());
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    assert_eq!(
        core.status().unwrap().pending_writes,
        1,
        "registration queued at open"
    );

    let recorder = Arc::new(Recorder::default());
    let summary = core
        .sync(SyncOptions { page_size: Some(4) }, Some(recorder.clone()))
        .await
        .unwrap();
    assert_eq!(
        summary,
        SyncSummary {
            pages: 2,
            applied: 5,
            skipped: 0,
            unchanged: false,
            cursor: "5".into()
        }
    );

    let reqs = server.requests();
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].target, "/api/v1/devices");
    assert!(uuid::Uuid::parse_str(reqs[0].header("idempotency-key").unwrap()).is_ok());
    assert_eq!(
        reqs[0].header("user-agent"),
        Some("mMieszkaniec/1.2.3 (cli)")
    );
    let body: serde_json::Value = serde_json::from_str(&reqs[0].body).unwrap();
    assert_eq!(body["platform"], "cli");
    assert_eq!(reqs[1].target, "/api/v1/sync?limit=4");
    assert_eq!(reqs[2].target, "/api/v1/sync?cursor=4&limit=4");

    let p = recorder.progress.lock().unwrap().clone();
    assert_eq!(p.len(), 2);
    assert!(p[0].has_more && !p[1].has_more);
    assert_eq!(p[1].applied_total, 5);
    assert_eq!(recorder.notes.lock().unwrap().len(), 1);

    let status = core.status().unwrap();
    assert!(status.device_registered);
    assert_eq!(
        (status.pending_writes, status.news_count, status.event_count),
        (0, 2, 1)
    );
    assert_eq!(status.cursor.as_deref(), Some("5"));
    assert!(status.last_sync_at.is_some());

    let now: DateTime<Utc> = "2026-02-01T00:00:00Z".parse().unwrap();
    let home = core.home(now).unwrap();
    assert_eq!(home.alerts.len(), 1);
    assert_eq!(
        home.latest_news.len(),
        1,
        "alerts are not repeated among the latest"
    );
    assert_eq!(home.upcoming[0].event_id, 7);
    assert_eq!(home.unread_notifications, 1);
    assert_eq!(core.news().visible(now).unwrap()[0].title, "Burza");

    let hits = core.search("zlobek", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].kind, hits[0].id), (SearchKind::News, 1));
    assert_eq!(core.search("konc", 10).unwrap()[0].kind, SearchKind::Event);

    let detail = core.events().detail(7, now).unwrap();
    assert_eq!(detail.category_name_pl.as_deref(), Some("Kultura"));
    assert_eq!(detail.next_occurrences.len(), 1);
    let json = serde_json::to_value(&detail).unwrap();
    assert_eq!(
        json["next_occurrences"][0]["starts_at"],
        "2099-01-01T18:00:00Z"
    );
    let back: EventDetail = serde_json::from_value(json).unwrap();
    assert_eq!(back, detail);

    let ics = core.events().ics(7).unwrap();
    assert!(
        ics.contains("BEGIN:VEVENT") && ics.contains("Koncert noworoczny"),
        "{ics}"
    );
    let feed = core
        .events().ics_between(
            "2099-01-01".parse().unwrap(),
            "2099-01-31".parse().unwrap(),
            Some("kultura"),
        )
        .unwrap();
    assert_eq!(feed.matches("BEGIN:VEVENT").count(), 1);
    let month = core.events().month(2099, 1).unwrap();
    assert_eq!(
        month.days,
        vec![MonthDay { day: 1, date: "2099-01-01".parse().unwrap(), count: 1, text: "cz 1 sty 2099: 1 wydarzenie".into() }]
    );
    assert_eq!(month.title_text, "styczeń 2099");

    assert!(
        core.contains_point(GeoPoint {
            lat: 51.1,
            lon: 17.1
        })
        .unwrap()
    );
    assert!(
        !core
            .contains_point(GeoPoint {
                lat: 52.2,
                lon: 21.0
            })
            .unwrap()
    );

    let note = &core.notifications().list().unwrap()[0];
    core.notifications().mark_read(note.id).unwrap();
    assert_eq!(core.home(now).unwrap().unread_notifications, 0);
    assert!(matches!(
        core.news().item(99),
        Err(CoreError::NotFound { .. })
    ));

    // Nothing new: an empty page with an ETag for this cursor…
    server.reply(Reply::WithHeaders(
        200,
        vec![("etag", "\"5-5-4\"".into())],
        page(vec![], "5", false),
    ));
    let again = core
        .sync(SyncOptions { page_size: Some(4) }, None)
        .await
        .unwrap();
    assert!(again.unchanged);
    assert_eq!(
        server.requests().last().unwrap().header("if-none-match"),
        None,
        "the ETag of cursor 4 is not sent for 5"
    );
    // …then a 304 to that ETag.
    server.reply(Reply::Status(304));
    let again = core
        .sync(SyncOptions { page_size: Some(4) }, None)
        .await
        .unwrap();
    assert!(again.unchanged);
    assert_eq!((again.pages, again.cursor.as_str()), (0, "5"));
    assert_eq!(
        server.requests().last().unwrap().header("if-none-match"),
        Some("\"5-5-4\"")
    );
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        1,
        "registered once"
    );
}

#[tokio::test]
async fn a_500_keeps_the_registration_queued_with_backoff_and_the_same_key() {
    let server = FakeServer::start().await;
    server.reply(Reply::Status(500));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let out = core.flush_outbox().await.unwrap();
    assert_eq!(
        out,
        OutboxSummary {
            sent: 0,
            pending: 1,
            failed: 0
        }
    );
    // Backed off: an immediate flush sends nothing.
    assert_eq!(core.flush_outbox().await.unwrap().sent, 0);
    assert_eq!(server.requests().len(), 1);
    drop(core);
    // Across a restart, once due, it is sent again with the same key.
    let core = Core::open(config(&dir, &server.url)).unwrap();
    assert_eq!(core.status().unwrap().pending_writes, 1, "not queued twice");
    core.store
        .write(|tx| Ok(tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?))
        .unwrap();
    server.reply(registered());
    assert_eq!(
        core.flush_outbox().await.unwrap(),
        OutboxSummary {
            sent: 1,
            pending: 0,
            failed: 0
        }
    );
    let reqs = server.requests();
    assert_eq!(
        reqs[0].header("idempotency-key"),
        reqs[1].header("idempotency-key")
    );
    assert!(core.status().unwrap().device_registered);
}

#[tokio::test]
async fn a_4xx_marks_the_write_failed() {
    let server = FakeServer::start().await;
    server.reply(Reply::Json(400, json!({"code": "invalid_field", "message": {"pl": "Zła wersja.", "en": "Bad version."}, "field": "app_version"})));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    assert_eq!(
        core.flush_outbox().await.unwrap(),
        OutboxSummary {
            sent: 0,
            pending: 0,
            failed: 1
        }
    );
    let s = core.status().unwrap();
    assert_eq!(
        (s.pending_writes, s.failed_writes, s.device_registered),
        (0, 1, false)
    );
}

#[tokio::test]
async fn an_api_error_body_becomes_a_server_error() {
    let server = FakeServer::start().await;
    server
        .reply(registered())
        .reply(api_error(400, "invalid_cursor"));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let err = core.sync(SyncOptions::default(), None).await.unwrap_err();
    assert_eq!(err.code(), "invalid_cursor");
    match err {
        CoreError::Server {
            code,
            message,
            field,
        } => {
            assert_eq!(code, mm_protocol::error::ErrorCode::InvalidCursor);
            assert_eq!(message.pl, "Błąd po polsku.");
            assert_eq!(field.as_deref(), Some("cursor"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_dropped_connection_is_a_network_error_and_changes_nothing() {
    let server = FakeServer::start().await;
    server
        .reply(registered())
        .reply(first_page())
        .reply(Reply::Drop);
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let err = core.sync(SyncOptions::default(), None).await.unwrap_err();
    assert!(matches!(err, CoreError::Network { .. }), "{err:?}");
    assert_eq!(err.code(), "network");
    // Page 1 stays applied; the next sync continues after it.
    assert_eq!(core.status().unwrap().cursor.as_deref(), Some("4"));
    server.reply(second_page());
    let s = core.sync(SyncOptions::default(), None).await.unwrap();
    assert_eq!((s.pages, s.applied, s.cursor.as_str()), (1, 1, "5"));
    assert_eq!(
        server.requests().last().unwrap().target,
        "/api/v1/sync?cursor=4"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    // Bind then drop a listener: nothing listens on that port now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &format!("http://127.0.0.1:{port}"))).unwrap();
    let err = core.sync(SyncOptions::default(), None).await.unwrap_err();
    assert_eq!(err.code(), "network");
    assert_eq!(
        core.status().unwrap().pending_writes,
        1,
        "the registration waits"
    );
}

#[test]
fn server_urls_are_validated_persisted_and_a_new_server_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, "http://127.0.0.1:8080/")).unwrap();
    assert_eq!(core.server_url(), "http://127.0.0.1:8080");
    for bad in [
        "ftp://x.pl",
        "siechnice.pl",
        "http://",
        "javascript:alert(1)",
        "https://a.pl/?q=1",
        // Plain http only to this device.
        "http://api.siechnice.gmina.pl",
        "http://10.0.2.2:8080",
        "http://192.168.1.20",
    ] {
        let err = core.set_server_url(bad).unwrap_err();
        assert_eq!(err.code(), "invalid_server_url", "{bad}");
    }
    core.store
        .write(|tx| meta::set(tx, meta::CURSOR, "42"))
        .unwrap();
    core.set_server_url("http://127.0.0.1:8080").unwrap();
    for loopback in ["http://localhost:8080", "http://[::1]:8080", "http://127.0.0.2"] {
        assert!(normalise_url(loopback).is_ok(), "{loopback}");
    }
    assert_eq!(
        core.status().unwrap().cursor.as_deref(),
        Some("42"),
        "same server keeps its cursor"
    );
    core.set_server_url("https://api.siechnice.gmina.pl/")
        .unwrap();
    drop(core);
    let core = Core::open(config(&dir, "http://127.0.0.1:8080")).unwrap();
    let s = core.status().unwrap();
    assert_eq!(
        s.server_url, "https://api.siechnice.gmina.pl",
        "the stored URL wins over the default"
    );
    assert_eq!(s.cursor, None);
    assert_eq!(
        s.pending_writes, 1,
        "registration queued once for the new server"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, "http://127.0.0.1:8080")).unwrap();
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    assert_eq!(
        core.events().between(d("2026-02-01"), d("2026-01-01"), None)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(core.events().month(2026, 0).unwrap_err().code(), "invalid_input");
    assert_eq!(core.events().detail(1, Utc::now()).unwrap_err().code(), "not_found");
    assert_eq!(
        core.contains_point(GeoPoint { lat: 0.0, lon: 0.0 })
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert!(core.search("", 10).unwrap().is_empty());
    assert_eq!(core.gmina().unwrap(), None);
}

/// The event texts and the "add to calendar" entry, in the core's language
/// (from Android's `Time.range` and `CalendarInsert`, iOS's `when()`).
#[tokio::test]
async fn event_texts_and_the_calendar_entry_come_from_the_core() {
    let mut fair = event(8, "Jarmark", "2099-05-01T22:00:00Z", "2099-05-04T22:00:00Z", None, None);
    fair["all_day"] = json!(true);
    let weekly = event(9, "Joga", "2099-05-05T16:00:00Z", "2099-05-05T17:30:00Z", None, Some("FREQ=WEEKLY;COUNT=3"));
    let server = FakeServer::start().await;
    server
        .reply(registered())
        .reply(Reply::Json(200, page(vec![upsert(1, "gmina", gmina()), upsert(2, "events", fair), upsert(3, "events", weekly)], "3", false)));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    core.sync(SyncOptions::default(), None).await.unwrap();
    let now: DateTime<Utc> = "2099-04-01T00:00:00Z".parse().unwrap();

    let list = core.events().upcoming(now, 10, None).unwrap();
    assert_eq!(list[0].when_text, "sb 2 maj 2099 – pn 4 maj 2099 (cały dzień)");
    assert_eq!(core.home(now).unwrap().upcoming[0].when_text, list[0].when_text);
    let yoga = core.events().detail(9, now).unwrap();
    assert_eq!(yoga.when_text, "wt 5 maj 2099, 18:00–19:30");
    let texts: Vec<&str> = yoga.next_occurrences.iter().map(|o| o.when_text.as_str()).collect();
    assert_eq!(texts, ["wt 5 maj 2099, 18:00–19:30", "wt 12 maj 2099, 18:00–19:30", "wt 19 maj 2099, 18:00–19:30"]);

    let entry = core.events().calendar_entry(8).unwrap();
    assert!(entry.all_day);
    assert_eq!((entry.first_day.to_string(), entry.last_day.to_string()), ("2099-05-02".into(), "2099-05-04".into()));
    assert_eq!(entry.begin, "2099-05-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap(), "all-day at UTC midnight");
    assert_eq!(entry.end, "2099-05-05T00:00:00Z".parse::<DateTime<Utc>>().unwrap(), "the day after the last");
    let entry = core.events().calendar_entry(9).unwrap();
    assert_eq!(entry.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=3"), "a repeating event is added with its rule");
    assert_eq!((entry.begin, entry.time_zone.as_str()), (yoga.event.starts_at, "Europe/Warsaw"));
    drop(core);

    let english = Core::open(CoreConfig { locale: Some("en_GB".into()), ..config(&dir, &server.url) }).unwrap();
    assert_eq!(english.language(), Language::English);
    assert_eq!(english.events().upcoming(now, 1, None).unwrap()[0].when_text, "Sat 2 May 2099 – Mon 4 May 2099 (all day)");
}

/// What the iOS shell needs and used to work out itself: the Warsaw day
/// each list row belongs to and its heading, the month screen's texts
/// (Polish plurals), and a repeating event's rule in the parts EventKit's
/// `EKRecurrenceRule` takes (it has no RRULE parser).
#[tokio::test]
async fn day_headings_month_texts_and_the_rule_in_parts_come_from_the_core() {
    // 23:30 Warsaw on 4 May is 21:30 UTC: the day is the Warsaw one.
    let late = event(10, "Nocne kino", "2099-05-04T21:30:00Z", "2099-05-04T23:00:00Z", None, None);
    let market = event(13, "Targ", "2099-05-05T06:00:00Z", "2099-05-05T10:00:00Z", None, None);
    let session = event(14, "Sesja rady", "2099-05-07T15:00:00Z", "2099-05-07T17:00:00Z", None, None);
    // Repeating ones, for the calendar entry (the store expands rules only
    // around today, so these far-off ones list no occurrences).
    let monthly = event(11, "Sesja rady", "2099-05-07T15:00:00Z", "2099-05-07T17:00:00Z", None, Some("FREQ=MONTHLY;BYDAY=1TH;UNTIL=20991231T230000Z"));
    let weekly = event(12, "Targ", "2099-05-05T06:00:00Z", "2099-05-05T10:00:00Z", None, Some("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SA;COUNT=6"));
    let server = FakeServer::start().await;
    let changes = [late, market, session, monthly, weekly].into_iter().enumerate().map(|(i, e)| upsert(i as u64 + 2, "events", e));
    server.reply(registered()).reply(Reply::Json(
        200,
        page(std::iter::once(upsert(1, "gmina", gmina())).chain(changes).collect(), "6", false),
    ));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    core.sync(SyncOptions::default(), None).await.unwrap();
    let now: DateTime<Utc> = "2099-04-01T00:00:00Z".parse().unwrap();

    let list = core.events().upcoming(now, 3, None).unwrap();
    let days: Vec<(String, &str)> = list.iter().map(|o| (o.day.to_string(), o.day_text.as_str())).collect();
    assert_eq!(
        days,
        [("2099-05-04".to_string(), "pn 4 maj 2099"), ("2099-05-05".into(), "wt 5 maj 2099"), ("2099-05-07".into(), "cz 7 maj 2099")]
    );

    let may = core.events().month(2099, 5).unwrap();
    assert_eq!(may.title_text, "maj 2099");
    let texts: Vec<&str> = may.days.iter().map(|d| d.text.as_str()).collect();
    // The film runs past midnight, so 5 May has two: a plural, not "2 wydarzenie".
    assert_eq!(&texts[..3], ["pn 4 maj 2099: 1 wydarzenie", "wt 5 maj 2099: 2 wydarzenia", "cz 7 maj 2099: 1 wydarzenie"]);
    assert_eq!(may.days[0].date, "2099-05-04".parse::<NaiveDate>().unwrap());

    assert_eq!(core.events().calendar_entry(10).unwrap().recurrence, None, "a one-off event has no rule");
    let council = core.events().calendar_entry(11).unwrap().recurrence.unwrap();
    assert_eq!(
        council,
        Recurrence {
            frequency: RecurrenceFrequency::Monthly,
            interval: 1,
            count: None,
            until: Some("2099-12-31T23:00:00Z".parse().unwrap()),
            by_day: vec![RecurrenceDay { weekday: chrono::Weekday::Thu, ordinal: 1 }],
        }
    );
    let market = core.events().calendar_entry(12).unwrap().recurrence.unwrap();
    assert_eq!((market.frequency, market.interval, market.count, market.until), (RecurrenceFrequency::Weekly, 2, Some(6), None));
    let weekdays: Vec<_> = market.by_day.iter().map(|d| (d.weekday, d.ordinal)).collect();
    assert_eq!(weekdays, [(chrono::Weekday::Tue, 0), (chrono::Weekday::Sat, 0)]);
    drop(core);

    let english = Core::open(CoreConfig { locale: Some("en-GB".into()), ..config(&dir, &server.url) }).unwrap();
    let may = english.events().month(2099, 5).unwrap();
    assert_eq!((may.title_text.as_str(), may.days[0].text.as_str()), ("May 2099", "Mon 4 May 2099: 1 event"));
    assert_eq!(may.days[1].text, "Tue 5 May 2099: 2 events");
    let feed = english.events().feed(None).subscribe_url;
    assert_eq!(feed, format!("webcal://{}/api/v1/calendar.ics?gmina=0223083", server.url.trim_start_matches("http://")));
    assert!(english.events().feed(Some("kultura i sport")).subscribe_url.ends_with("/api/v1/calendar.ics?gmina=0223083&category=kultura+i+sport"));
    assert_eq!(english.events().upcoming(now, 1, None).unwrap()[0].day_text, "Mon 4 May 2099");
}

/// A first sync asks for the largest pages and requests the next page
/// while it writes the current one; the requests are the same as before,
/// in the same order, and a later sync keeps the server's page size.
#[tokio::test]
async fn a_first_sync_takes_large_pages_and_fetches_the_next_while_writing() {
    let server = FakeServer::start().await;
    server
        .reply(registered())
        .reply(Reply::Json(200, page(vec![upsert(1, "gmina", gmina())], "1", true)))
        .reply(Reply::Json(200, page(vec![upsert(2, "news", news(1, "Żłobek", "normal", "2020-01-01T10:00:00Z"))], "2", false)));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let s = core.sync(SyncOptions::default(), None).await.unwrap();
    assert_eq!((s.pages, s.applied, s.cursor.as_str()), (2, 2, "2"));
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/api/v1/devices", "/api/v1/sync?limit=2000", "/api/v1/sync?cursor=1&limit=2000"]);
    assert_eq!(core.search("zlobek", 5).unwrap().len(), 1, "indexed once, found without diacritics");
    server.reply(Reply::Json(200, page(vec![], "2", false)));
    core.sync(SyncOptions::default(), None).await.unwrap();
    assert_eq!(server.requests().last().unwrap().target, "/api/v1/sync?cursor=2");
}

/// `server_url: None` is the deployment's server (one constant in the core,
/// not one per shell); a bad `MM_DEFAULT_SERVER_URL` at build time would
/// fail here, since `open` validates the default like any other address.
#[test]
fn no_server_url_opens_on_the_deployments_default() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(CoreConfig { server_url: None, ..config(&dir, "unused") }).unwrap();
    assert_eq!(core.server_url(), normalise_url(DEFAULT_SERVER_URL).unwrap());
    if option_env!("MM_DEFAULT_SERVER_URL").is_none() {
        assert_eq!(core.server_url(), "https://mmieszkaniec.siechnice.gmina.pl");
    }
}

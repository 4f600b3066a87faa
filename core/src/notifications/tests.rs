//! The subscription, the push registration and the feed in the core,
//! against a loopback server speaking the routes of
//! `server/src/notifications/routes.rs`, with a real store file.

use chrono::{Duration, Utc};
use mm_protocol::notifications::{Area, Lang, PushRegistration, QuietHours, Topic};
use serde_json::{Value, json};

use super::model::{PushState, SettingsState, SubscriptionEdit};
use super::{KIND_ALERT, NotificationLink};
use crate::sync::model::SyncOptions;
use crate::testing::*;
use crate::{Core, CoreError};

fn point(lat: f64, lon: f64) -> mm_protocol::geo::GeoPoint {
    mm_protocol::geo::GeoPoint { lat, lon }
}

const SUBSCRIPTION: &str = "/api/v1/notifications/subscription";

fn to(server: &FakeServer, target: &str) -> Vec<Recorded> {
    server
        .note_requests()
        .into_iter()
        .filter(|r| r.target == target)
        .collect()
}

fn due_now(core: &Core) {
    core.store
        .write(|tx| Ok(tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?))
        .unwrap();
}

fn queued(core: &Core, kind: &str) -> i64 {
    core.store
        .read(|c| {
            Ok(
                c.query_row("SELECT count(*) FROM outbox WHERE kind = ?1", [kind], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap()
}

fn news_off() -> SubscriptionEdit {
    SubscriptionEdit {
        topics: vec![Topic::Events, Topic::MyReports, Topic::Waste],
        event_categories: vec!["kultura".into()],
        areas: vec![
            Area::Locality { id: 3 },
            Area::Around {
                point: point(51.1, 17.1),
                radius_m: 1500,
            },
        ],
        quiet_hours: Some(QuietHours {
            from: chrono::NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            to: chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
        }),
        lang: Lang::Pl,
    }
}

#[tokio::test]
async fn a_queued_subscription_edit_survives_a_restart_and_is_sent_once_after_a_5xx() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    {
        let core = Core::open(config(&dir, &server.url)).unwrap();
        let s = core.notifications().settings().unwrap();
        assert_eq!(s.state, SettingsState::Default);
        assert!(
            s.topics.iter().all(|t| t.on),
            "a new device gets everything"
        );
        assert!(
            s.topics
                .iter()
                .any(|t| t.topic == Topic::Alerts && !t.can_turn_off)
        );
        let s = core.notifications().set_subscription(&news_off()).unwrap();
        assert_eq!(s.state, SettingsState::Queued);
        // A second edit replaces the first in the queue: one PUT, the last.
        core.notifications().set_subscription(&news_off()).unwrap();
        assert_eq!(queued(&core, "notification_subscription"), 1);
    }
    // The app was killed before sending: the edit is in the file.
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let s = core.notifications().settings().unwrap();
    assert_eq!(s.state, SettingsState::Queued);
    assert_eq!(
        s.subscription.topics,
        vec![Topic::Alerts, Topic::Events, Topic::MyReports, Topic::Waste]
    );
    assert!(!s.topics.iter().find(|t| t.topic == Topic::News).unwrap().on);

    server.reply(registered());
    server.note_reply(Reply::Json(
        503,
        json!({"code": "unavailable", "message": {"pl": "x", "en": "x"}}),
    ));
    let f = core.flush_outbox().await.unwrap();
    assert_eq!(
        (f.sent, f.pending, f.failed),
        (1, 1, 0),
        "the registration went, the PUT waits"
    );
    assert_eq!(
        core.notifications().settings().unwrap().state,
        SettingsState::Queued
    );

    let sent = serde_json::to_value(news_off().to_subscription()).unwrap();
    server.note_reply(Reply::Json(200, sent.clone()));
    due_now(&core);
    let f = core.flush_outbox().await.unwrap();
    assert_eq!((f.sent, f.pending, f.failed), (1, 0, 0));
    let puts = to(&server, SUBSCRIPTION);
    assert_eq!(puts.len(), 2, "the 503 and the retry");
    assert!(
        puts.iter()
            .all(|p| p.method == "PUT" && p.header("authorization") == Some("Bearer tok-1"))
    );
    assert_eq!(
        puts[0].header("idempotency-key"),
        puts[1].header("idempotency-key"),
        "a retry keeps its key"
    );
    assert_eq!(serde_json::from_str::<Value>(&puts[1].body).unwrap(), sent);
    let s = core.notifications().settings().unwrap();
    assert_eq!(s.state, SettingsState::Synced);

    // Nothing left to send: never a second PUT.
    due_now(&core);
    core.flush_outbox().await.unwrap();
    assert_eq!(to(&server, SUBSCRIPTION).len(), 2);
}

#[tokio::test]
async fn an_invalid_subscription_or_registration_queues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let mut edit = news_off();
    edit.areas = vec![Area::Around {
        point: point(51.1, 17.1),
        radius_m: 50,
    }];
    let e = core.notifications().set_subscription(&edit).unwrap_err();
    assert!(
        matches!(&e, CoreError::InvalidInput { field, .. } if field == "areas[0].radius_m"),
        "{e:?}"
    );
    assert_eq!(e.code(), "invalid_input");
    let mut edit = news_off();
    edit.quiet_hours = Some(QuietHours {
        from: chrono::NaiveTime::MIN,
        to: chrono::NaiveTime::MIN,
    });
    assert!(core.notifications().set_subscription(&edit).is_err());
    assert_eq!(queued(&core, "notification_subscription"), 0);
    assert_eq!(
        core.notifications().settings().unwrap().state,
        SettingsState::Default
    );
    // Alerts cannot be dropped: an edit without them still has them.
    let mut edit = news_off();
    edit.topics.clear();
    let s = core.notifications().set_subscription(&edit).unwrap();
    assert_eq!(s.subscription.topics, vec![Topic::Alerts]);

    let (p256dh, auth) = (
        "BPr".to_owned() + &"A".repeat(20),
        "AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
    );
    let web = |endpoint: &str| PushRegistration::WebPush {
        endpoint: endpoint.into(),
        p256dh: p256dh.clone(),
        auth: auth.clone(),
    };
    // The test server is on loopback, so a loopback endpoint would pass; a
    // plain-http public one never does.
    let e = core
        .notifications()
        .register_push(web("http://push.example.org/up/1"))
        .unwrap_err();
    assert!(
        matches!(&e, CoreError::InvalidInput { field, .. } if field == "endpoint"),
        "{e:?}"
    );
    let e = core
        .notifications()
        .register_push(web("https://push.example.org/up/1"))
        .unwrap_err();
    assert!(
        matches!(&e, CoreError::InvalidInput { field, .. } if field == "p256dh"),
        "{e:?}"
    );
    let e = core
        .notifications()
        .register_push(PushRegistration::Fcm {
            token: String::new(),
        })
        .unwrap_err();
    assert!(matches!(&e, CoreError::InvalidInput { .. }));
    assert_eq!(queued(&core, "push_register"), 0);
    assert_eq!(
        core.notifications().push_status().unwrap().state,
        PushState::None
    );
}

/// An uncompressed P-256 point in base64url: 0x04 then 64 bytes.
fn p256dh() -> String {
    let mut bytes = vec![4u8];
    bytes.extend((0..64).map(|i| i as u8));
    base64url(&bytes)
}

fn base64url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn push_registration_and_removal_go_through_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let reg = PushRegistration::WebPush {
        endpoint: "https://push.example.org/up/abc".into(),
        p256dh: p256dh(),
        auth: base64url(&[7u8; 16]),
    };
    assert_eq!(
        core.notifications().register_push(reg).unwrap().state,
        PushState::Queued
    );
    server.reply(registered());
    server.note_reply(Reply::Status(204));
    core.flush_outbox().await.unwrap();
    let s = core.notifications().push_status().unwrap();
    assert_eq!(
        (s.state, s.transport),
        (
            PushState::Registered,
            Some(mm_protocol::notifications::Transport::WebPush)
        )
    );
    let put = &to(&server, "/api/v1/push/registration")[0];
    assert_eq!(put.method, "PUT");
    assert_eq!(
        serde_json::from_str::<Value>(&put.body).unwrap()["endpoint"],
        "https://push.example.org/up/abc"
    );
    // The capability is in no row once sent (the table keeps the transport).
    assert_eq!(queued(&core, "push_register"), 0);

    assert_eq!(
        core.notifications().unregister_push().unwrap().state,
        PushState::Removing
    );
    server.note_reply(Reply::Status(204));
    core.flush_outbox().await.unwrap();
    assert_eq!(
        core.notifications().push_status().unwrap().state,
        PushState::Removed
    );
    assert_eq!(to(&server, "/api/v1/push/registration")[1].method, "DELETE");

    // A refusal is kept for the settings screen, and not retried.
    core.notifications()
        .register_push(PushRegistration::Fcm {
            token: "fcm-token-1".into(),
        })
        .unwrap();
    server.note_reply(Reply::Json(
        400,
        json!({"code": "invalid_field", "field": "token",
        "message": {"pl": "Zły token.", "en": "Bad token."}}),
    ));
    let f = core.flush_outbox().await.unwrap();
    assert_eq!((f.pending, f.failed), (0, 0));
    let s = core.notifications().push_status().unwrap();
    assert_eq!(
        (s.state, s.error_code.as_deref()),
        (PushState::Refused, Some("invalid_field"))
    );
}

fn feed_item(id: i64, class: &str, topic: &str, title: &str, link: Value) -> Value {
    json!({"id": id, "class": class, "topic": topic, "title": title, "body": format!("{title}."),
        "link": link, "sent_at": (Utc::now() - Duration::minutes(id)).to_rfc3339(), "read": false})
}

#[tokio::test]
async fn the_feed_syncs_by_cursor_dedupes_with_a_local_alert_and_sends_read_marks() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let published = (Utc::now() - Duration::minutes(30)).to_rfc3339();
    server.reply(registered()).reply(Reply::Json(
        200,
        page(
            vec![upsert(1, "news", news(7, "Brak wody", "alert", &published))],
            "c1",
            false,
        ),
    ));
    server
        .note_reply(Reply::Json(200, serde_json::to_value(news_off().to_subscription()).unwrap()))
        .note_reply(Reply::Json(200, json!({"items": [
            feed_item(101, "alert", "alerts", "Brak wody", json!({"kind": "news", "id": 7})),
            feed_item(102, "normal", "events", "Koncert", json!({"kind": "event", "id": 12})),
        ], "next_cursor": "5", "more": true})))
        .note_reply(Reply::Json(200, json!({"items": [
            feed_item(103, "normal", "news", "Strona", json!({"kind": "url", "url": "https://siechnice.gmina.pl/x"})),
            feed_item(104, "normal", "news", "Zła", json!({"kind": "url", "url": "http://siechnice.gmina.pl/x"})),
            feed_item(105, "normal", "consultations", "Ankieta", json!({"kind": "consultation", "id": 4})),
        ], "next_cursor": "9", "more": false})));
    core.sync(SyncOptions::default(), None).await.unwrap();

    let feed: Vec<_> = server
        .note_requests()
        .into_iter()
        .filter(|r| r.target.starts_with("/api/v1/notifications/feed"))
        .collect();
    assert_eq!(feed.len(), 2);
    assert_eq!(
        feed[0].target,
        "/api/v1/notifications/feed?after=&limit=100"
    );
    assert_eq!(
        feed[1].target,
        "/api/v1/notifications/feed?after=5&limit=100"
    );
    // The server's subscription was fetched and stored.
    assert_eq!(
        core.notifications().settings().unwrap().state,
        SettingsState::Synced
    );

    let list = core.notifications().list().unwrap();
    let alerts: Vec<_> = list.iter().filter(|n| n.kind == KIND_ALERT).collect();
    assert_eq!(alerts.len(), 1, "the alert once: {list:?}");
    assert_eq!(alerts[0].feed_id, Some(101));
    assert_eq!(alerts[0].link(), NotificationLink::NewsItem { news_id: 7 });
    assert_eq!(list.len(), 5);
    let link_of = |fid: i64| list.iter().find(|n| n.feed_id == Some(fid)).unwrap().link();
    assert_eq!(link_of(102), NotificationLink::Event { event_id: 12 });
    assert_eq!(
        link_of(103),
        NotificationLink::Url {
            url: "https://siechnice.gmina.pl/x".into()
        }
    );
    assert_eq!(
        link_of(104),
        NotificationLink::Nowhere,
        "never a plain-http page"
    );
    assert_eq!(
        link_of(105),
        NotificationLink::Consultation { consultation_id: 4 }
    );
    assert_eq!(core.notifications().unread_count().unwrap(), 5);

    // The next sync asks from the stored cursor; an item sent again is not doubled.
    server.reply(Reply::Json(200, page(vec![], "c1", false)));
    server
        .note_reply(Reply::Json(200, serde_json::to_value(news_off().to_subscription()).unwrap()))
        .note_reply(Reply::Json(200, json!({"items": [feed_item(102, "normal", "events", "Koncert", json!({"kind": "event", "id": 12}))],
            "next_cursor": "9", "more": false})));
    core.sync(SyncOptions::default(), None).await.unwrap();
    let last = server
        .note_requests()
        .into_iter()
        .rfind(|r| r.target.starts_with("/api/v1/notifications/feed"))
        .unwrap();
    assert_eq!(last.target, "/api/v1/notifications/feed?after=9&limit=100");
    assert_eq!(core.notifications().list().unwrap().len(), 5);

    // Reading the alert queues one read mark with the server's id; again, none.
    let alert = alerts[0].id;
    core.notifications().mark_read(alert).unwrap();
    core.notifications().mark_read(alert).unwrap();
    assert_eq!(queued(&core, "notification_read"), 1);
    server
        .note_reply(Reply::Status(503))
        .note_reply(Reply::Status(204));
    core.flush_outbox().await.unwrap();
    due_now(&core);
    core.flush_outbox().await.unwrap();
    let reads = to(&server, "/api/v1/notifications/feed/read");
    assert_eq!(reads.len(), 2);
    assert_eq!(
        serde_json::from_str::<Value>(&reads[1].body).unwrap(),
        json!({"ids": [101]})
    );
    assert_eq!(queued(&core, "notification_read"), 0);
    assert_eq!(core.notifications().unread_count().unwrap(), 4);
}

#[test]
fn a_feed_alert_first_and_the_local_alert_after_are_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::Store::open(&dir.path().join("s.db")).unwrap();
    let item: mm_protocol::notifications::FeedItem = serde_json::from_value(feed_item(
        201,
        "alert",
        "alerts",
        "Burza",
        json!({"kind": "news", "id": 8}),
    ))
    .unwrap();
    let now = Utc::now();
    let first = store
        .write(|tx| super::feed::apply_item(tx, &item, now))
        .unwrap();
    assert!(first.is_some());
    let local = store
        .write(|tx| super::create(tx, KIND_ALERT, "Burza", "Uwaga", now, Some("8")))
        .unwrap();
    assert!(local.is_none(), "the sync's alert for news 8 is the feed's");
    let again = store
        .write(|tx| super::feed::apply_item(tx, &item, now))
        .unwrap();
    assert!(again.is_none());
    assert_eq!(store.read(super::list).unwrap().len(), 1);
}

#[tokio::test]
async fn a_feed_refused_with_401_registers_the_device_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    server
        .reply(registered())
        .reply(Reply::Json(200, page(vec![], "c1", false)));
    let unauthorized = || {
        Reply::Json(
            401,
            json!({"code": "unauthorized", "message": {"pl": "x", "en": "x"}}),
        )
    };
    server
        .note_reply(Reply::Json(
            200,
            serde_json::to_value(news_off().to_subscription()).unwrap(),
        ))
        .note_reply(unauthorized());
    core.sync(SyncOptions::default(), None).await.unwrap();
    assert_eq!(
        queued(&core, "register_device"),
        1,
        "the server forgot this device: a new registration waits"
    );
}

/// Listens as a shell does: every notification the sync calls new.
#[derive(Default)]
struct Rung(std::sync::Mutex<Vec<String>>);

impl crate::SyncListener for Rung {
    fn on_progress(&self, _: crate::SyncProgress) {}
    fn on_notification(&self, n: crate::Notification) {
        self.0.lock().unwrap().push(n.title);
    }
}

#[tokio::test]
async fn an_installs_first_feed_is_listed_unread_without_ringing_and_later_items_ring() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let rung = std::sync::Arc::new(Rung::default());
    let listener: std::sync::Arc<dyn crate::SyncListener> = rung.clone();
    // The welcome feed: what the gmina sent in the week before this install.
    server.reply(registered()).reply(Reply::Json(200, page(vec![], "c1", false)));
    server
        .note_reply(Reply::Json(200, serde_json::to_value(news_off().to_subscription()).unwrap()))
        .note_reply(Reply::Json(200, json!({"items": [
            feed_item(301, "normal", "events", "Jarmark", json!({"kind": "event", "id": 12})),
            feed_item(302, "normal", "waste", "Choinki", Value::Null),
        ], "next_cursor": "7", "more": false})));
    core.sync(SyncOptions::default(), Some(listener.clone())).await.unwrap();
    assert!(rung.0.lock().unwrap().is_empty(), "history rings nothing: {:?}", rung.0.lock().unwrap());
    assert_eq!(core.notifications().unread_count().unwrap(), 2, "but it is in the inbox, unread");

    // Sent after the install: rings.
    server.reply(Reply::Json(200, page(vec![], "c1", false)));
    server
        .note_reply(Reply::Json(200, serde_json::to_value(news_off().to_subscription()).unwrap()))
        .note_reply(Reply::Json(200, json!({"items": [
            feed_item(303, "normal", "news", "Nowy chodnik", json!({"kind": "news", "id": 9})),
        ], "next_cursor": "8", "more": false})));
    core.sync(SyncOptions::default(), Some(listener)).await.unwrap();
    assert_eq!(*rung.0.lock().unwrap(), ["Nowy chodnik"]);
}

#[test]
fn a_reports_status_from_the_feed_and_from_a_sync_are_one_in_either_order() {
    use crate::reports::KIND_REPORT_STATUS;
    use mm_protocol::reports::{ReportStatus, status_notification_title};

    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::Store::open(&dir.path().join("s.db")).unwrap();
    let now = Utc::now();
    let accepted = status_notification_title(5, ReportStatus::Accepted);
    let item = |id: i64, title: &str| -> mm_protocol::notifications::FeedItem {
        serde_json::from_value(feed_item(id, "normal", "my_reports", title, json!({"kind": "report", "id": 5}))).unwrap()
    };

    // The sync raised it first: the feed's item joins it.
    store.write(|tx| super::create(tx, KIND_REPORT_STATUS, &accepted, "Przyjęte.", now, Some("5:2"))).unwrap().unwrap();
    assert!(store.write(|tx| super::feed::apply_item(tx, &item(401, &accepted), now)).unwrap().is_none());
    let list = store.read(super::list).unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!((list[0].kind.as_str(), list[0].feed_id), (KIND_REPORT_STATUS, Some(401)));

    // The push came first (the next step): the sync's raise is the feed's.
    let done = status_notification_title(5, ReportStatus::Resolved);
    assert!(store.write(|tx| super::feed::apply_item(tx, &item(402, &done), now)).unwrap().is_some());
    assert!(store.write(|tx| super::feed::has_report_status(tx, 5, &done)).unwrap());
    assert!(!store.write(|tx| super::feed::has_report_status(tx, 6, &done)).unwrap(), "another report");
    assert!(
        !store.write(|tx| super::feed::has_report_status(tx, 5, &status_notification_title(5, ReportStatus::Rejected))).unwrap(),
        "another step"
    );
    assert_eq!(store.read(super::list).unwrap().len(), 2);
}

#[tokio::test]
async fn a_synced_alert_rings_unless_a_displayed_push_rang_it_already() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let rung = std::sync::Arc::new(Rung::default());
    let listener: std::sync::Arc<dyn crate::SyncListener> = rung.clone();
    let published = (Utc::now() - Duration::minutes(5)).to_rfc3339();
    // The server pushes to this phone through FCM, whose message the phone
    // shows by itself: the alert's push rang it already.
    core.notifications().register_push(PushRegistration::Fcm { token: "fcm-token-1".into() }).unwrap();
    server.note_reply(Reply::Status(204));
    server.reply(registered()).reply(Reply::Json(
        200,
        page(vec![upsert(1, "news", news(7, "Brak wody", "alert", &published))], "c1", false),
    ));
    core.sync(SyncOptions::default(), Some(listener.clone())).await.unwrap();
    assert!(rung.0.lock().unwrap().is_empty(), "{:?}", rung.0.lock().unwrap());
    let alerts: Vec<_> = core.notifications().list().unwrap().into_iter().filter(|n| n.kind == KIND_ALERT).collect();
    assert_eq!(alerts.len(), 1, "in the inbox, unread");
    assert!(!alerts[0].read);

    // Through UnifiedPush the message is data for the app, which syncs and
    // posts what the core passes it: the next alert rings.
    let reg = PushRegistration::WebPush { endpoint: "https://push.example.org/up/abc".into(), p256dh: p256dh(), auth: base64url(&[7u8; 16]) };
    core.notifications().register_push(reg).unwrap();
    server.reply(Reply::Json(200, page(vec![upsert(2, "news", news(8, "Burza", "alert", &published))], "c2", false)));
    core.sync(SyncOptions::default(), Some(listener)).await.unwrap();
    assert_eq!(*rung.0.lock().unwrap(), ["Burza"]);
}

//! The notifications' store (issue 16, `store/notifications.rs`) on the
//! test backend (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`):
//! recipients chosen by topic, event category and area (devices with no
//! subscription get everything; alerts reach those who turned news off), a
//! fan-out written once however often it runs and never to another
//! gmina's device, a cancelled notification never sent, the feed's cursor
//! and read marks per device, and a dead token dropped only while it is
//! still the device's.

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::backend::open_store;
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::{Locality, LocalityKind, Teryt};
use mm_protocol::notifications::{
    ApnsEnvironment, Area, Lang, NotificationClass, PushRegistration, QuietHours, Subscription, Target, Topic,
};
use mm_server::notifications::fanout::FanOutJob;
use mm_server::store::notifications::{FanOut, NewNotification, NotificationStatus, Recipient, choose_recipients};
use mm_server::store::{Actor, Store};

const A: &str = "0223083";
const B: &str = "0223011";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 12, 9, 0, 0).unwrap()
}

fn official() -> Actor {
    Actor("notification-official".into())
}

async fn gminas(root: &dyn Store) -> (Arc<dyn Store>, Arc<dyn Store>) {
    root.add_gmina(official(), common::gmina_record(A, "Siechnice"), t0()).await.unwrap();
    root.add_gmina(official(), common::gmina_record(B, "Kobierzyce"), t0()).await.unwrap();
    (root.for_gmina(&Teryt::parse(A).unwrap()), root.for_gmina(&Teryt::parse(B).unwrap()))
}

async fn device(store: &Arc<dyn Store>, id: &str) {
    common::store_contract::device(store.as_ref(), id).await;
}

fn sub(topics: &[Topic], categories: &[&str], areas: Vec<Area>) -> Subscription {
    Subscription {
        topics: topics.to_vec(),
        event_categories: categories.iter().map(|c| c.to_string()).collect(),
        areas,
        quiet_hours: None,
        lang: Lang::Pl,
    }
}

fn target(topic: Topic, category: Option<&str>, areas: Vec<Area>) -> Target {
    Target { topic, event_category: category.map(str::to_owned), areas }
}

async fn ids(store: &Arc<dyn Store>, t: &Target, localities: &[Locality]) -> Vec<String> {
    let mut out: Vec<String> =
        choose_recipients(t, store.candidates(t, None).await.unwrap(), localities).into_iter().map(|c| c.device_id).collect();
    out.sort();
    out
}

fn locality(id: i64, lat: f64, lon: f64) -> Locality {
    Locality { id, name: format!("L{id}"), kind: LocalityKind::Village, point: GeoPoint { lat, lon } }
}

fn notification(t: Target) -> NewNotification {
    NewNotification {
        class: t.topic.class(),
        target: t,
        title: "Przerwa w dostawie wody".into(),
        body: "Radwanice, ul. Główna, 10:00–14:00.".into(),
        link: None,
        report: None,
        send_at: t0(),
        now: t0(),
        fan_out_job: FanOutJob::for_notification,
    }
}

fn now_for(devices: &[&str]) -> Vec<Recipient> {
    devices.iter().map(|d| Recipient { device_id: d.to_string(), not_before: t0() }).collect()
}

#[tokio::test]
async fn recipients_follow_topics_categories_and_areas() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    for d in ["news-only", "sport", "all-events", "default", "locality-5", "around"] {
        device(&a, d).await;
    }
    device(&b, "other-gmina").await;
    a.put_subscription("news-only", sub(&[Topic::News], &[], vec![]), t0()).await.unwrap();
    a.put_subscription("sport", sub(&[Topic::Events], &["sport"], vec![]), t0()).await.unwrap();
    a.put_subscription("all-events", sub(&[Topic::Events], &[], vec![]), t0()).await.unwrap();
    a.put_subscription("locality-5", sub(&[Topic::News], &[], vec![Area::Locality { id: 5 }]), t0()).await.unwrap();
    let home = GeoPoint { lat: 51.03, lon: 17.15 };
    a.put_subscription("around", sub(&[Topic::News], &[], vec![Area::Around { point: home, radius_m: 1_000 }]), t0())
        .await
        .unwrap();
    // Locality 5's point 500 m from home, locality 6's 5 km away.
    let localities = [locality(5, 51.0345, 17.15), locality(6, 51.075, 17.15)];

    let news = target(Topic::News, None, vec![]);
    assert_eq!(ids(&a, &news, &localities).await, ["around", "default", "locality-5", "news-only"]);
    // Alerts cannot be turned off: every device of the gmina, none of B's.
    let alert = target(Topic::Alerts, None, vec![]);
    assert_eq!(ids(&a, &alert, &localities).await, ["all-events", "around", "default", "locality-5", "news-only", "sport"]);
    assert_eq!(ids(&b, &alert, &localities).await, ["other-gmina"]);
    // A category narrows only those who named categories.
    let sport = target(Topic::Events, Some("sport"), vec![]);
    assert_eq!(ids(&a, &sport, &localities).await, ["all-events", "default", "sport"]);
    let culture = target(Topic::Events, Some("kultura"), vec![]);
    assert_eq!(ids(&a, &culture, &localities).await, ["all-events", "default"]);
    // Areas: the same locality, a circle holding the locality's point, and
    // everyone who listens to the whole gmina.
    let in_5 = target(Topic::News, None, vec![Area::Locality { id: 5 }]);
    assert_eq!(ids(&a, &in_5, &localities).await, ["around", "default", "locality-5", "news-only"]);
    let in_6 = target(Topic::News, None, vec![Area::Locality { id: 6 }]);
    assert_eq!(ids(&a, &in_6, &localities).await, ["default", "news-only"]);
    let near_home = target(Topic::News, None, vec![Area::Around { point: GeoPoint { lat: 51.04, lon: 17.15 }, radius_m: 200 }]);
    assert_eq!(ids(&a, &near_home, &localities).await, ["around", "default", "news-only"]);

    // A subscription replaced, not added to; quiet hours read back.
    let quiet = Subscription {
        quiet_hours: Some(QuietHours { from: "22:00:00".parse().unwrap(), to: "07:00:00".parse().unwrap() }),
        ..sub(&[Topic::Waste], &[], vec![])
    };
    a.put_subscription("news-only", quiet.clone(), t0()).await.unwrap();
    assert_eq!(a.subscription("news-only").await.unwrap(), Some(quiet.clone()));
    assert_eq!(ids(&a, &news, &localities).await, ["around", "default", "locality-5"]);
    let waste = a.candidates(&target(Topic::Waste, None, vec![]), None).await.unwrap();
    let q = waste.iter().find(|c| c.device_id == "news-only").unwrap();
    assert_eq!(q.quiet_hours, quiet.quiet_hours);
    // Another gmina's handle sees none of it.
    assert_eq!(b.subscription("news-only").await.unwrap(), None);
}

#[tokio::test]
async fn a_fan_out_is_written_once_and_only_to_the_gminas_devices() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    for d in ["phone-1", "phone-2", "phone-3"] {
        device(&a, d).await;
    }
    device(&b, "other-gmina").await;
    let apns = PushRegistration::Apns { token_hex: "ab".repeat(32), environment: ApnsEnvironment::Production };
    a.put_push_registration("phone-1", apns.clone(), t0()).await.unwrap();
    a.put_push_registration("phone-2", PushRegistration::Fcm { token: "fcm-token".into() }, t0()).await.unwrap();

    let id = a.create_notification(official(), notification(target(Topic::Alerts, None, vec![]))).await.unwrap();
    let stored = a.notification(id).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.class, stored.recipients), (NotificationStatus::Scheduled, NotificationClass::Alert, None));
    assert!(b.notification(id).await.unwrap().is_none(), "another gmina does not see it");

    // B's device slipped into the list is not written.
    let recipients = now_for(&["phone-1", "phone-2", "phone-3", "other-gmina"]);
    assert_eq!(a.fan_out(id, recipients.clone(), t0()).await.unwrap(), FanOut::Sent { recipients: 3, to_push: 2 });
    // The job again (a crash after COMMIT): nothing more.
    assert_eq!(a.fan_out(id, recipients, t0()).await.unwrap(), FanOut::AlreadySent);
    let sent = a.notification(id).await.unwrap().unwrap();
    assert_eq!((sent.status, sent.recipients), (NotificationStatus::Sent, Some(3)));
    assert_eq!((sent.counts.pending, sent.counts.feed), (2, 1));
    assert!(b.feed("other-gmina", 0, 10).await.unwrap().0.is_empty());

    // Cancelled before it goes: never sent.
    let later = a.create_notification(official(), notification(target(Topic::News, None, vec![]))).await.unwrap();
    assert!(a.cancel_notification(official(), later, t0()).await.unwrap());
    assert_eq!(a.fan_out(later, now_for(&["phone-1"]), t0()).await.unwrap(), FanOut::Cancelled);
    assert!(!a.cancel_notification(official(), id, t0()).await.unwrap(), "a sent one cannot be cancelled");
    // B cannot fan out or cancel A's notification.
    assert!(b.fan_out(later, now_for(&["other-gmina"]), t0()).await.is_err());
    assert!(!b.cancel_notification(official(), id, t0()).await.unwrap());
    let listed: Vec<i64> = a.notifications(10).await.unwrap().iter().map(|n| n.id).collect();
    assert_eq!(listed, [later, id]);
}

#[tokio::test]
async fn the_feed_pages_by_cursor_and_read_marks_are_the_devices_own() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _b) = gminas(root.as_ref()).await;
    device(&a, "mine").await;
    device(&a, "theirs").await;
    let mut sent = vec![];
    for i in 0..5 {
        let mut n = notification(target(Topic::News, None, vec![]));
        n.title = format!("Wiadomość {i}");
        n.now = t0() + Duration::minutes(i);
        let id = a.create_notification(official(), n).await.unwrap();
        a.fan_out(id, now_for(&["mine", "theirs"]), t0() + Duration::minutes(i)).await.unwrap();
        sent.push(id);
    }
    let (page, more) = a.feed("mine", 0, 3).await.unwrap();
    assert!(more);
    assert_eq!(page.iter().map(|(_, f)| f.id).collect::<Vec<_>>(), sent[..3]);
    assert_eq!(page[0].1.title, "Wiadomość 0");
    let cursor = page.last().unwrap().0;
    let (rest, more) = a.feed("mine", cursor, 3).await.unwrap();
    assert!(!more);
    assert_eq!(rest.iter().map(|(_, f)| f.id).collect::<Vec<_>>(), sent[3..]);

    // Marking read: only this device's deliveries, once.
    assert_eq!(a.mark_read("mine", vec![sent[0], sent[1], 999_999], t0()).await.unwrap(), 2);
    assert_eq!(a.mark_read("mine", vec![sent[0]], t0()).await.unwrap(), 0);
    let (page, _) = a.feed("mine", 0, 10).await.unwrap();
    assert_eq!(page.iter().map(|(_, f)| f.read).collect::<Vec<_>>(), [true, true, false, false, false]);
    let (theirs, _) = a.feed("theirs", 0, 10).await.unwrap();
    assert!(theirs.iter().all(|(_, f)| !f.read), "another device's marks are untouched");
    assert_eq!(a.notification(sent[0]).await.unwrap().unwrap().counts.read, 1);
}

#[tokio::test]
async fn a_dead_token_is_dropped_only_while_it_is_still_the_devices() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    device(&a, "phone").await;
    let old = PushRegistration::Fcm { token: "old".into() };
    let new = PushRegistration::Fcm { token: "new".into() };
    a.put_push_registration("phone", old.clone(), t0()).await.unwrap();
    a.put_push_registration("phone", new.clone(), t0()).await.unwrap();
    // The service's answer about the old token came after the new one.
    assert!(!a.drop_dead_registration("phone", &old).await.unwrap());
    assert_eq!(a.push_registration("phone").await.unwrap(), Some(new.clone()));
    assert!(!b.drop_dead_registration("phone", &new).await.unwrap(), "another gmina cannot drop it");
    assert!(a.drop_dead_registration("phone", &new).await.unwrap());
    assert_eq!(a.push_registration("phone").await.unwrap(), None);
    assert!(!a.delete_push_registration("phone").await.unwrap());
}

#[tokio::test]
async fn an_alert_news_item_notifies_by_itself_once() {
    use mm_protocol::news::{NewsInput, Priority};
    use mm_protocol::notifications::Link;
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    let input = |title: &str, priority| NewsInput {
        title: title.into(),
        body: "Awaria wodociągu: Radwanice bez wody do 14:00.".into(),
        priority,
        published_at: None,
        expires_at: None,
    };
    a.create_news(official(), input("Komunikat", Priority::Normal), t0()).await.unwrap();
    assert!(a.notifications(10).await.unwrap().is_empty(), "ordinary news sends nothing");
    let alert = a.create_news(official(), input("Brak wody", Priority::Alert), t0()).await.unwrap();
    let sent = a.notifications(10).await.unwrap();
    assert_eq!(sent.len(), 1);
    let n = &sent[0];
    assert_eq!((n.class, n.target.topic, n.status), (NotificationClass::Alert, Topic::Alerts, NotificationStatus::Scheduled));
    assert_eq!((n.title.as_str(), n.link.clone()), ("Brak wody", Some(Link::News { id: alert.id })));
    assert!(n.target.areas.is_empty(), "the whole gmina");
    // Edited: not sent again. Another gmina: nothing.
    a.update_news(official(), alert.id, input("Brak wody (aktualizacja)", Priority::Alert), t0()).await.unwrap();
    assert_eq!(a.notifications(10).await.unwrap().len(), 1);
    assert!(b.notifications(10).await.unwrap().is_empty());
}

/// The notification id of the newest `push.fanout` job.
async fn newest_fan_out(store: &Arc<dyn Store>) -> i64 {
    use mm_server::store::jobs::JobFilter;
    store
        .jobs(JobFilter { state: None, kind: Some("push.fanout".into()), limit: 1_000 })
        .await
        .unwrap()
        .iter()
        .filter_map(|j| serde_json::from_str::<serde_json::Value>(&j.payload).ok()?.get("notification_id")?.as_i64())
        .max()
        .expect("a fan-out job")
}

async fn titles(store: &Arc<dyn Store>, device: &str) -> Vec<String> {
    store.feed(device, 0, 100).await.unwrap().0.into_iter().map(|(_, f)| f.title).collect()
}

#[tokio::test]
async fn a_report_status_change_tells_its_reporter_and_followers_as_they_subscribed() {
    use mm_protocol::notifications::Link;
    use mm_protocol::reports::{NewReport, ReportStatus, StatusChangeRequest, Visibility, VisibilityChangeRequest};
    use mm_server::notifications::fanout::fan_out;
    use mm_server::store::{Created, NewReportRecord};

    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    for d in ["reporter", "follower", "follower-muted", "bystander"] {
        device(&a, d).await;
    }
    device(&b, "elsewhere").await;
    a.put_subscription("follower-muted", sub(&[Topic::News], &[], vec![]), t0()).await.unwrap();
    let input = NewReport {
        category: "other".into(),
        point: GeoPoint { lat: 51.0335, lon: 17.15 },
        location_source: Default::default(),
        accuracy_m: None,
        address: Some("ul. Kolejowa 1".into()),
        description: "Lampa nie świeci od tygodnia.".into(),
        answers: Default::default(),
        photo_ids: vec![],
        contact: None,
    };
    let rec = NewReportRecord { device_id: Some("reporter".into()), idempotency: None, input, now: t0() };
    let Created::New(report) = a.create_report(rec).await.unwrap() else { panic!("created") };
    for d in ["follower", "follower-muted"] {
        a.set_following(d, report.id, true, t0()).await.unwrap();
    }
    let change = |status, reply: Option<&str>| StatusChangeRequest {
        status,
        public_reply: reply.map(str::to_owned),
        internal_note: Some("Wewnętrzna notatka.".into()),
        duplicate_of: None,
    };
    let audits = a.list_audit(1_000).await.unwrap().len();

    a.change_report_status(official(), report.id, change(ReportStatus::Accepted, Some("Naprawimy w tym tygodniu.")), t0())
        .await
        .unwrap();
    let id = newest_fan_out(&a).await;
    let n = a.notification(id).await.unwrap().unwrap();
    assert_eq!((n.report, n.link.clone(), n.target.topic), (Some(report.id), Some(Link::Report { id: report.id }), Topic::MyReports));
    assert_eq!(n.title, format!("Zgłoszenie nr {}: Przyjęte", report.id));
    assert_eq!(n.body, "Naprawimy w tym tygodniu.");
    assert!(!n.body.contains("Lampa") && !n.body.contains("Wewnętrzna"), "no description, no internal note");
    assert!(a.notifications(10).await.unwrap().is_empty(), "not listed with the officials' broadcasts");
    assert_eq!(a.list_audit(1_000).await.unwrap().len(), audits + 1, "audited once, as the status change");
    assert_eq!(fan_out(a.as_ref(), id, t0()).await.unwrap(), FanOut::Sent { recipients: 2, to_push: 0 });
    assert_eq!(titles(&a, "reporter").await, std::slice::from_ref(&n.title));
    assert_eq!(titles(&a, "follower").await, std::slice::from_ref(&n.title));
    for quiet in ["follower-muted", "bystander"] {
        assert!(titles(&a, quiet).await.is_empty(), "{quiet}");
    }
    assert!(b.feed("elsewhere", 0, 10).await.unwrap().0.is_empty());

    // The reporter turned "my reports" off: the next change reaches the follower only.
    a.put_subscription("reporter", sub(&[Topic::News], &[], vec![]), t0()).await.unwrap();
    a.change_report_status(official(), report.id, change(ReportStatus::InProgress, None), t0()).await.unwrap();
    let id = newest_fan_out(&a).await;
    assert_eq!(fan_out(a.as_ref(), id, t0()).await.unwrap(), FanOut::Sent { recipients: 1, to_push: 0 });
    assert_eq!(titles(&a, "follower").await.len(), 2);
    assert_eq!(a.notification(id).await.unwrap().unwrap().body, "Trwają prace.");

    // Withheld from the public: its followers hear nothing more, the reporter does.
    a.put_subscription("reporter", sub(&[Topic::MyReports], &[], vec![]), t0()).await.unwrap();
    let hide = VisibilityChangeRequest { visibility: Visibility::Hidden, reason: "Dane osobowe na zdjęciu.".into() };
    a.set_report_visibility(official(), report.id, hide, t0()).await.unwrap();
    a.change_report_status(official(), report.id, change(ReportStatus::Resolved, None), t0()).await.unwrap();
    let id = newest_fan_out(&a).await;
    assert_eq!(fan_out(a.as_ref(), id, t0()).await.unwrap(), FanOut::Sent { recipients: 1, to_push: 0 });
    assert_eq!(titles(&a, "reporter").await.len(), 2);
    assert_eq!(titles(&a, "follower").await.len(), 2);
}

#[tokio::test]
async fn a_new_device_finds_the_last_weeks_broadcasts_in_its_feed() {
    use mm_protocol::devices::{Platform, RegisterDevice};
    use mm_server::store::{NewDevice, StoredResponse};

    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    let register = |store: Arc<dyn Store>, id: &'static str, at: DateTime<Utc>| async move {
        let d = NewDevice {
            id: id.into(),
            token_hash: format!("hash-{id}"),
            input: RegisterDevice { platform: Platform::Android, app_version: "1.0.0".into(), locale: None, os_version: None, push_token: None },
            created_at: at,
        };
        store.register_device(None, d, StoredResponse::created("{}".into())).await.unwrap();
    };
    register(a.clone(), "early", t0() - Duration::days(30)).await;
    // 30 broadcasts, one every 6 hours (the first over a week old), and one
    // scheduled, not yet sent.
    let mut sent = Vec::new();
    for i in 0..30 {
        let at = t0() - Duration::hours(6 * (29 - i));
        let mut n = notification(target(Topic::News, None, vec![]));
        n.title = format!("Wiadomość {i}");
        n.now = at;
        n.send_at = at;
        let id = a.create_notification(official(), n).await.unwrap();
        a.fan_out(id, now_for(&["early"]), at).await.unwrap();
        sent.push((id, at));
    }
    let mut later = notification(target(Topic::News, None, vec![]));
    later.send_at = t0() + Duration::days(1);
    let scheduled = a.create_notification(official(), later).await.unwrap();

    register(a.clone(), "new", t0()).await;
    let (feed, more) = a.feed("new", 0, 100).await.unwrap();
    let week: Vec<i64> = sent.iter().filter(|(_, at)| *at >= t0() - Duration::days(7)).map(|(id, _)| *id).collect();
    assert!(week.len() > 20 && week.len() < 30, "the test's premise: {} in the week", week.len());
    let expected = &week[week.len().saturating_sub(20)..];
    assert!(!more);
    assert_eq!(feed.iter().map(|(_, f)| f.id).collect::<Vec<_>>(), expected, "the newest 20 of the week, oldest first");
    assert!(feed.iter().all(|(_, f)| !f.read));
    assert!(!feed.iter().any(|(_, f)| f.id == scheduled));
    // Only in the feed: nothing to push to it.
    let counts = a.notification(*expected.last().unwrap()).await.unwrap().unwrap().counts;
    assert_eq!(counts.feed, 2, "`early` had no push registration either");
    // Another gmina's new device gets nothing of A's.
    register(b.clone(), "neighbour", t0()).await;
    assert!(b.feed("neighbour", 0, 100).await.unwrap().0.is_empty());
}

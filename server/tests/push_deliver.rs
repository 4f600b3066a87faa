//! The `push.deliver` job (issue 16, `notifications/deliver.rs`) on the
//! test backend (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`)
//! against the three fakes speaking each service's protocol: every device
//! of a fan-out gets its push once through its own service (the Web Push
//! receiver decrypts the Polish text), devices without a registration keep
//! the feed only, and a second run sends nothing; a dead token is dropped
//! (audited, the token not written) and its delivery ends; a 429 with
//! `Retry-After` pauses that service's lane and the refused send is tried
//! again later, so nothing is lost; two senders never claim the same row,
//! and a crashed sender's rows come back when its lease ends.

use crate::common;
use crate::{fake_apns, fake_fcm, fake_webpush};

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use common::backend::open_store;
use mm_protocol::gmina::Teryt;
use mm_protocol::notifications::{ApnsEnvironment, PushRegistration, Target, Topic};
use mm_server::jobs::{Job, JobContext};
use mm_server::notifications::deliver::{DeliverContext, DeliverJob};
use mm_server::notifications::fanout::{FanOutJob, fan_out};
use mm_server::notifications::transports::{GminaPush, PushTransports};
use mm_server::push::{Apns, ApnsConfig, Fcm, FcmConfig, HttpOptions, ServiceAccount, VapidKey, WebPush, WebPushConfig};
use mm_server::state::Clock;
use mm_server::store::notifications::{FanOut, NewNotification, Recipient};
use mm_server::store::{Actor, Store};

const A: &str = "0223083";
const TITLE: &str = "Brak wody w Żernikach Wrocławskich";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 12, 9, 0, 0).unwrap()
}

/// A clock at `t0` plus the seconds the test moves it on.
fn clock() -> (Clock, Arc<AtomicI64>) {
    let offset = Arc::new(AtomicI64::new(0));
    let o = offset.clone();
    (Clock::from_fn(move || t0() + chrono::Duration::seconds(o.load(Ordering::SeqCst))), offset)
}

struct Fakes {
    apns: fake_apns::FakeApns,
    fcm: fake_fcm::FakeFcm,
    web: fake_webpush::FakeWebPush,
}

impl Fakes {
    async fn start() -> Fakes {
        Fakes { apns: fake_apns::FakeApns::start().await, fcm: fake_fcm::FakeFcm::start().await, web: fake_webpush::FakeWebPush::start().await }
    }

    /// The gmina's transports, pointed at the fakes, `lane` sends at once.
    fn transports(&self, lane: usize) -> Arc<PushTransports> {
        let http = |ca: Option<&str>| HttpOptions { timeout: Some(Duration::from_secs(5)), extra_root_pem: ca.map(|c| c.as_bytes().to_vec()) };
        let mut apns = ApnsConfig::new(self.apns.key_pem.clone(), fake_apns::KEY_ID, fake_apns::TEAM_ID, fake_apns::TOPIC).with_base_url(&self.apns.url);
        apns.http = http(Some(&self.apns.ca_pem));
        let mut fcm = FcmConfig::new(ServiceAccount::from_json(&self.fcm.service_account_json().to_string()).unwrap());
        fcm.base_url = self.fcm.url.clone();
        fcm.http = http(None);
        let mut web = WebPushConfig::new(VapidKey::generate(), "mailto:it@siechnice.gmina.pl");
        web.allow_loopback = true;
        web.http = http(None);
        let push = GminaPush {
            apns: Some(Arc::new(Apns::new(apns).unwrap())),
            fcm: Some(Arc::new(Fcm::new(fcm).unwrap())),
            web_push: Some(Arc::new(WebPush::new(web).unwrap())),
        };
        Arc::new(PushTransports::fixed(push, lane))
    }
}

/// `n` devices on each service and two with no registration; the APNs
/// tokens, FCM tokens and Web Push subscriptions by device.
struct Devices {
    apns: Vec<String>,
    fcm: Vec<String>,
    web: Vec<fake_webpush::Subscription>,
}

async fn devices(store: &Arc<dyn Store>, fakes: &Fakes, n: usize) -> Devices {
    let mut out = Devices { apns: vec![], fcm: vec![], web: vec![] };
    for i in 0..n {
        let token = format!("{:064x}", 0xa000 + i);
        common::store_contract::device(store.as_ref(), &format!("iphone-{i}")).await;
        let reg = PushRegistration::Apns { token_hex: token.clone(), environment: ApnsEnvironment::Sandbox };
        store.put_push_registration(&format!("iphone-{i}"), reg, t0()).await.unwrap();
        out.apns.push(token);

        let token = format!("fcm-token-{i}");
        common::store_contract::device(store.as_ref(), &format!("android-{i}")).await;
        store.put_push_registration(&format!("android-{i}"), PushRegistration::Fcm { token: token.clone() }, t0()).await.unwrap();
        out.fcm.push(token);

        let s = fakes.web.subscribe();
        common::store_contract::device(store.as_ref(), &format!("unifiedpush-{i}")).await;
        let reg = PushRegistration::WebPush { endpoint: s.endpoint.clone(), p256dh: s.p256dh.clone(), auth: s.auth.clone() };
        store.put_push_registration(&format!("unifiedpush-{i}"), reg, t0()).await.unwrap();
        out.web.push(s);
    }
    for id in ["feed-only-1", "feed-only-2"] {
        common::store_contract::device(store.as_ref(), id).await;
    }
    out
}

async fn alert(store: &Arc<dyn Store>, clock: &Clock) -> i64 {
    let now = clock.now();
    let n = NewNotification {
        class: Topic::Alerts.class(),
        target: Target { topic: Topic::Alerts, event_category: None, areas: vec![] },
        title: TITLE.into(),
        body: "Awaria wodociągu przy ul. Źródlanej: woda wróci około 18:00.".into(),
        link: None,
        report: None,
        send_at: now,
        now,
        fan_out_job: FanOutJob::for_notification,
    };
    let id = store.create_notification(Actor("test".into()), n).await.unwrap();
    assert!(matches!(fan_out(store.as_ref(), id, now).await.unwrap(), FanOut::Sent { .. }));
    id
}

async fn context(store: &Arc<dyn Store>, clock: &Clock, transports: Arc<PushTransports>) -> Arc<DeliverContext> {
    let root = DeliverContext::new(store.clone(), clock.clone(), transports);
    root.for_gmina(&Teryt::parse(A).unwrap()).await.unwrap()
}

async fn gmina(root: &Arc<dyn Store>) -> Arc<dyn Store> {
    root.add_gmina(Actor("test".into()), common::gmina_record(A, "Siechnice"), t0()).await.unwrap();
    root.for_gmina(&Teryt::parse(A).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_gets_its_push_once_through_its_own_service() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    let store = gmina(&root).await;
    let fakes = Fakes::start().await;
    let d = devices(&store, &fakes, 5).await;
    let (clock, _) = clock();
    let id = alert(&store, &clock).await;
    let ctx = context(&store, &clock, fakes.transports(4)).await;

    DeliverJob { notification_id: id, due: clock.now() }.run(&ctx).await.unwrap();
    for token in &d.apns {
        let got = fakes.apns.received_for(token);
        assert_eq!(got.len(), 1, "APNs {token}: {:?}", fakes.apns.refusals());
        assert_eq!(got[0].payload["aps"]["interruption-level"], "time-sensitive", "an alert breaks through Focus");
        assert!(got[0].collapse_id.is_some(), "a repeat after a crash collapses on the phone");
    }
    for token in &d.fcm {
        let got: Vec<_> = fakes.fcm.received().into_iter().filter(|r| &r.token == token).collect();
        assert_eq!(got.len(), 1, "FCM {token}: {:?}", fakes.fcm.refusals());
        assert_eq!(got[0].priority(), "high");
    }
    for s in &d.web {
        let got = fakes.web.received_for(s.id);
        assert_eq!(got.len(), 1, "Web Push {}: {:?}", s.id, fakes.web.refusals());
        assert!(got[0].cleartext.contains(TITLE), "decrypted with the subscription's key: {}", got[0].cleartext);
        assert_eq!(got[0].urgency.as_deref(), Some("high"));
    }
    let counts = store.notification(id).await.unwrap().unwrap().counts;
    assert_eq!((counts.delivered, counts.pending, counts.feed, counts.dead, counts.failed), (15, 0, 2, 0, 0), "{counts:?}");

    // Run again (a retried job): nothing is due, nothing is sent.
    let before = fakes.apns.requests() + fakes.fcm.requests() + fakes.web.requests();
    DeliverJob { notification_id: id, due: clock.now() }.run(&ctx).await.unwrap();
    assert_eq!(fakes.apns.requests() + fakes.fcm.requests() + fakes.web.requests(), before);
    let sql = guard.sql(dir.path());
    assert_eq!(sql.int("SELECT COUNT(*) FROM jobs WHERE kind = 'push.deliver'", &[]), 0, "nothing left to schedule");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_tokens_are_dropped_and_a_429_is_waited_out_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    let store = gmina(&root).await;
    let fakes = Fakes::start().await;
    let d = devices(&store, &fakes, 4).await;
    fakes.fcm.unregister(&d.fcm[1]);
    fakes.web.remove(d.web[2].id, 410);
    fakes.apns.unregister(&d.apns[3]);
    // The first APNs request is refused: 429, come back in 1 s.
    fakes.apns.fault_once(fake_apns::Fault::TooMany { retry_after_secs: 1 });
    let (clock, offset) = clock();
    let id = alert(&store, &clock).await;
    // One send at a time per lane: the APNs sends after the 429 wait for it.
    let ctx = context(&store, &clock, fakes.transports(1)).await;

    let started = Instant::now();
    DeliverJob { notification_id: id, due: clock.now() }.run(&ctx).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950), "the lane paused for Retry-After: {:?}", started.elapsed());
    let counts = store.notification(id).await.unwrap().unwrap().counts;
    let sql = guard.sql(dir.path());
    let rows = sql.texts("SELECT device_id || ' ' || status FROM notification_deliveries ORDER BY id").join(", ");
    // Which iPhone met the 429 depends on the order the sends start in.
    assert_eq!((counts.delivered + counts.dead, counts.pending, counts.failed), (11, 1, 0), "{counts:?} {rows}");
    assert!(rows.contains("android-1 dead") && rows.contains("unifiedpush-2 dead"), "{rows}");
    // The refused send is due again later, with its job enqueued for then.
    assert_eq!(sql.int("SELECT COUNT(*) FROM jobs WHERE kind = 'push.deliver' AND state = 'pending'", &[]), 1);

    // The dead registrations are gone (the others stay), audited without the token.
    // Later, the job runs again and the refused push goes.
    offset.store(600, Ordering::SeqCst);
    DeliverJob { notification_id: id, due: clock.now() }.run(&ctx).await.unwrap();
    let counts = store.notification(id).await.unwrap().unwrap().counts;
    assert_eq!((counts.delivered, counts.dead, counts.pending, counts.failed), (9, 3, 0, 0), "{counts:?}");
    // (The test ran the job itself: the one enqueued for the retry is still
    // in the queue, and no further one was added.)
    assert_eq!(sql.int("SELECT COUNT(*) FROM jobs WHERE kind = 'push.deliver'", &[]), 1, "nothing further scheduled");

    for (device, gone) in [("android-1", true), ("unifiedpush-2", true), ("iphone-3", true), ("android-0", false), ("iphone-0", false)] {
        assert_eq!(store.push_registration(device).await.unwrap().is_none(), gone, "{device}");
    }
    assert_eq!(sql.int("SELECT COUNT(*) FROM audit_log WHERE action = 'push.dead_token'", &[]), 3);
    let audit = sql.texts("SELECT entity || ' ' || COALESCE(entity_id, '') || ' ' || details FROM audit_log WHERE action = 'push.dead_token'").join("\n");
    assert!(!audit.contains(&d.fcm[1]) && !audit.contains(&d.apns[3]) && !audit.contains(&d.web[2].endpoint), "{audit}");
    let apns_got: BTreeSet<String> = fakes.apns.received().into_iter().map(|r| r.token).collect();
    assert_eq!(apns_got, d.apns[..3].iter().cloned().collect(), "every live iPhone once");
    assert_eq!(fakes.apns.received().len(), 3, "once each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_claim_disjoint_rows_and_a_crashed_senders_come_back_after_its_lease() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let store = gmina(&root).await;
    let (clock, _) = clock();
    let ids: Vec<String> = (0..40).map(|i| format!("phone-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        common::store_contract::device(store.as_ref(), id).await;
        store.put_push_registration(id, PushRegistration::Fcm { token: format!("t{i}") }, t0()).await.unwrap();
    }
    let n = store
        .create_notification(
            Actor("test".into()),
            NewNotification {
                class: Topic::Alerts.class(),
                target: Target { topic: Topic::Alerts, event_category: None, areas: vec![] },
                title: TITLE.into(),
                body: "Treść".into(),
                link: None,
                report: None,
                send_at: t0(),
                now: t0(),
                fan_out_job: FanOutJob::for_notification,
            },
        )
        .await
        .unwrap();
    let recipients = ids.iter().map(|d| Recipient { device_id: d.clone(), not_before: t0() }).collect();
    store.fan_out(n, recipients, t0()).await.unwrap();

    let lease = t0() + chrono::Duration::seconds(120);
    let (a, b) = tokio::join!(store.claim_deliveries(n, t0(), lease, 25), store.claim_deliveries(n, t0(), lease, 25));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 40, "every row once between them");
    let a_ids: BTreeSet<i64> = a.iter().map(|d| d.id).collect();
    assert!(b.iter().all(|d| !a_ids.contains(&d.id)), "no row claimed twice");
    assert!(store.claim_deliveries(n, t0() + chrono::Duration::seconds(60), lease, 100).await.unwrap().is_empty(), "leased");
    // Both senders "crash": after the lease every row is claimable again,
    // with its registration.
    let again = store.claim_deliveries(n, lease, lease + chrono::Duration::seconds(120), 100).await.unwrap();
    assert_eq!(again.len(), 40);
    assert!(again.iter().all(|d| d.registration.is_some()));
    let _ = clock;
}

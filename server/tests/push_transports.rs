//! The three push transports (issue 16, `server/src/push`) against fakes
//! speaking each real protocol (`tests/src/fake_apns.rs`, `fake_fcm.rs`,
//! `fake_webpush.rs`): each delivers and the fake verified its
//! authentication and headers; the Web Push fake decrypts exactly the
//! Polish text sent; each service's dead-token signal is `Dead`; 429 with
//! `Retry-After` is `Retry` for that long, 500 and a timeout `Retry`, 413
//! and our own bad requests `Rejected`; a payload over the limit is refused
//! before anything is sent; the APNs provider token is reused within its
//! lifetime and renewed after, the FCM access token cached; Web Push
//! endpoints that are not https or not public are refused unless the test
//! setting lets loopback through.

use crate::{fake_apns, fake_fcm, fake_webpush};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use mm_protocol::notifications::{ApnsEnvironment, Link, NotificationClass, PushRegistration};
use mm_server::push::{
    Apns, ApnsConfig, Clock, Fcm, FcmConfig, HttpOptions, Message, Outcome, PushTransport, ServiceAccount, VapidKey, WebPush,
    WebPushConfig,
};
use serde_json::json;

const TITLE: &str = "Brak wody w Żernikach Wrocławskich";
const BODY: &str = "Awaria wodociągu przy ul. Źródlanej: woda wróci około 18:00. Prosimy o cierpliwość — Urząd Gminy Siechnice.";

fn message(class: NotificationClass) -> Message {
    Message { id: 42, class, title: TITLE.into(), body: BODY.into(), link: Some(Link::News { id: 7 }) }
}

fn oversized() -> Message {
    Message { body: "ż".repeat(2100), ..message(NotificationClass::Normal) }
}

/// A clock the test moves forward.
fn clock() -> (Clock, Arc<AtomicU64>) {
    let offset = Arc::new(AtomicU64::new(0));
    let o = offset.clone();
    (Arc::new(move || SystemTime::now() + Duration::from_secs(o.load(Ordering::SeqCst))), offset)
}

fn now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
}

fn http(ca: Option<&str>, timeout_ms: u64) -> HttpOptions {
    HttpOptions { timeout: Some(Duration::from_millis(timeout_ms)), extra_root_pem: ca.map(|c| c.as_bytes().to_vec()) }
}

// ---------------------------------------------------------------------------
// APNs

const APNS_TOKEN: &str = "3f2a9c0e1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7";

fn apns_reg(token: &str) -> PushRegistration {
    PushRegistration::Apns { token_hex: token.into(), environment: ApnsEnvironment::Sandbox }
}

fn apns(fake: &fake_apns::FakeApns, clock: Clock, timeout_ms: u64) -> Apns {
    let mut cfg = ApnsConfig::new(fake.key_pem.clone(), fake_apns::KEY_ID, fake_apns::TEAM_ID, fake_apns::TOPIC).with_base_url(&fake.url);
    cfg.http = http(Some(&fake.ca_pem), timeout_ms);
    cfg.clock = clock;
    Apns::new(cfg).unwrap()
}

#[tokio::test]
async fn apns_delivers_over_http2_with_the_class_headers() {
    let fake = fake_apns::FakeApns::start().await;
    let (c, _) = clock();
    let t = apns(&fake, c, 5000);
    assert_eq!(t.send(&apns_reg(APNS_TOKEN), &message(NotificationClass::Alert)).await, Outcome::Delivered);
    assert_eq!(t.send(&apns_reg(&APNS_TOKEN.to_uppercase()), &message(NotificationClass::Normal)).await, Outcome::Delivered);
    assert!(fake.refusals().is_empty(), "{:?}", fake.refusals());
    let got = fake.received_for(APNS_TOKEN);
    assert_eq!(got.len(), 2);
    let (alert, normal) = (&got[0], &got[1]);
    assert_eq!(alert.topic, fake_apns::TOPIC);
    assert_eq!(alert.push_type, "alert");
    assert_eq!(alert.priority, "10");
    assert_eq!(normal.priority, "5");
    // apns-expiration: 24 h for alerts, 72 h otherwise (plan §0).
    assert!(alert.expiration.abs_diff(now() + 24 * 3600) < 60, "{}", alert.expiration);
    assert!(normal.expiration.abs_diff(now() + 72 * 3600) < 60, "{}", normal.expiration);
    assert_eq!(alert.collapse_id.as_deref(), Some("n42"));
    assert_eq!(alert.payload["aps"]["interruption-level"], "time-sensitive");
    assert_eq!(normal.payload["aps"]["interruption-level"], "active");
    assert_eq!(alert.payload["aps"]["alert"]["title"], TITLE);
    assert_eq!(alert.payload["aps"]["alert"]["body"], BODY);
    assert_eq!(alert.payload["mm"], json!({"id": 42, "class": "alert", "link": {"kind": "news", "id": 7}}));
    // One TLS connection, both requests multiplexed on it.
    assert_eq!(fake.connections(), 1);
}

#[tokio::test]
async fn apns_provider_token_is_reused_then_renewed() {
    let fake = fake_apns::FakeApns::start().await;
    let (c, offset) = clock();
    let t = apns(&fake, c, 5000);
    let alert = message(NotificationClass::Alert);
    for _ in 0..3 {
        assert_eq!(t.send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Delivered);
    }
    // 19 minutes on: still the same token (Apple: renewing more often than
    // every 20 minutes is 429 TooManyProviderTokenUpdates).
    offset.store(19 * 60, Ordering::SeqCst);
    assert_eq!(t.send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Delivered);
    // 41 minutes on: a new one (Apple refuses tokens older than an hour).
    offset.store(41 * 60, Ordering::SeqCst);
    assert_eq!(t.send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Delivered);
    assert_eq!(t.send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Delivered);
    let got = fake.received();
    assert_eq!(got.len(), 6, "refusals: {:?}", fake.refusals());
    let first = &got[0].jwt;
    assert!(got[..4].iter().all(|r| &r.jwt == first), "reused for 19 minutes");
    assert_ne!(&got[4].jwt, first, "renewed after 41 minutes");
    assert_eq!(got[4].jwt, got[5].jwt);
    assert!(got[4].iat >= got[0].iat + 41 * 60 - 1);
    assert!(fake.refusals().is_empty(), "{:?}", fake.refusals());
}

#[tokio::test]
async fn apns_provider_token_outlives_a_restart_through_its_file() {
    let fake = fake_apns::FakeApns::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("push-state/apns.json");
    let (c, offset) = clock();
    let transport = |c: Clock| {
        let mut cfg = ApnsConfig::new(fake.key_pem.clone(), fake_apns::KEY_ID, fake_apns::TEAM_ID, fake_apns::TOPIC).with_base_url(&fake.url);
        cfg.http = http(Some(&fake.ca_pem), 5000);
        cfg.clock = c;
        cfg.token_cache = Some(cache.clone());
        Apns::new(cfg).unwrap()
    };
    let alert = message(NotificationClass::Alert);
    assert_eq!(transport(c.clone()).send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Delivered);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777, 0o600, "a credential");
    }
    // "Restarted" five minutes later: the kept token, not a new one that
    // Apple would refuse as TooManyProviderTokenUpdates.
    offset.store(5 * 60, Ordering::SeqCst);
    assert_eq!(transport(c.clone()).send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Delivered);
    let got = fake.received();
    assert_eq!(got.len(), 2, "{:?}", fake.refusals());
    assert_eq!(got[0].jwt, got[1].jwt);
    // A file that is not a token is ignored: a new one is signed.
    std::fs::write(&cache, "not json").unwrap();
    offset.store(25 * 60, Ordering::SeqCst);
    assert_eq!(transport(c).send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Delivered);
    assert_ne!(fake.received()[2].jwt, got[0].jwt);
}

#[tokio::test]
async fn apns_dead_tokens_and_failures() {
    let fake = fake_apns::FakeApns::start().await;
    let (c, _) = clock();
    let t = apns(&fake, c, 400);
    let alert = message(NotificationClass::Alert);
    let dead = "ab".repeat(32);
    fake.unregister(&dead);
    assert_eq!(t.send(&apns_reg(&dead), &alert).await, Outcome::Dead { reason: "Unregistered".into() });
    // Too short for Apple: 400 BadDeviceToken, a dead token too.
    assert_eq!(t.send(&apns_reg(&"ab".repeat(16)), &alert).await, Outcome::Dead { reason: "BadDeviceToken".into() });
    fake.fault_once(fake_apns::Fault::TooMany { retry_after_secs: 7 });
    assert_eq!(t.send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Retry { after: Some(Duration::from_secs(7)) });
    fake.fault_once(fake_apns::Fault::Http500);
    assert_eq!(t.send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Retry { after: None });
    fake.fault_once(fake_apns::Fault::Slow(Duration::from_millis(1500)));
    assert_eq!(t.send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Retry { after: None });
    // Over 4096 bytes: refused here, never sent.
    let before = fake.requests();
    assert!(matches!(t.send(&apns_reg(APNS_TOKEN), &oversized()).await, Outcome::Rejected { reason } if reason.starts_with("payload_too_large")));
    assert_eq!(fake.requests(), before);
    // Not an APNs registration.
    assert!(matches!(t.send(&PushRegistration::Fcm { token: "x".into() }, &alert).await, Outcome::Rejected { .. }));
    assert_eq!(fake.requests(), before);
    // And afterwards it delivers again.
    assert_eq!(t.send(&apns_reg(APNS_TOKEN), &alert).await, Outcome::Delivered);
}

// ---------------------------------------------------------------------------
// FCM

fn fcm(fake: &fake_fcm::FakeFcm, clock: Clock, timeout_ms: u64) -> Fcm {
    let account = ServiceAccount::from_json(&fake.service_account_json().to_string()).unwrap();
    let mut cfg = FcmConfig::new(account);
    cfg.base_url = fake.url.clone();
    cfg.http = http(None, timeout_ms);
    cfg.clock = clock;
    Fcm::new(cfg).unwrap()
}

fn fcm_reg(token: &str) -> PushRegistration {
    PushRegistration::Fcm { token: token.into() }
}

#[tokio::test]
async fn fcm_delivers_with_a_cached_access_token() {
    let fake = fake_fcm::FakeFcm::start().await;
    let (c, offset) = clock();
    let t = fcm(&fake, c, 5000);
    assert_eq!(t.send(&fcm_reg("fcm-token-1"), &message(NotificationClass::Alert)).await, Outcome::Delivered);
    assert_eq!(t.send(&fcm_reg("fcm-token-2"), &message(NotificationClass::Normal)).await, Outcome::Delivered);
    assert!(fake.refusals().is_empty(), "{:?}", fake.refusals());
    assert_eq!(fake.grants(), 1, "one access token for both");
    let got = fake.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].token, "fcm-token-1");
    assert_eq!(got[0].priority(), "high");
    assert_eq!(got[0].channel_id(), "alerts");
    assert_eq!(got[0].message["android"]["ttl"], "86400s");
    assert_eq!(got[0].message["android"]["collapse_key"], "n42");
    assert_eq!(got[0].message["notification"], json!({"title": TITLE, "body": BODY}));
    assert_eq!(got[0].message["data"]["class"], "alert");
    assert_eq!(got[1].priority(), "normal");
    assert_eq!(got[1].channel_id(), "general");
    assert_eq!(got[1].message["android"]["ttl"], "259200s");
    // The fake's token lives 3599 s; renewed a few minutes before that.
    offset.store(3000, Ordering::SeqCst);
    assert_eq!(t.send(&fcm_reg("fcm-token-1"), &message(NotificationClass::Alert)).await, Outcome::Delivered);
    assert_eq!(fake.grants(), 1);
    offset.store(3400, Ordering::SeqCst);
    assert_eq!(t.send(&fcm_reg("fcm-token-1"), &message(NotificationClass::Alert)).await, Outcome::Delivered);
    assert_eq!(fake.grants(), 2);
    let got = fake.received();
    assert_ne!(got[2].access_token, got[3].access_token);
}

#[tokio::test]
async fn fcm_dead_tokens_and_failures() {
    let fake = fake_fcm::FakeFcm::start().await;
    let (c, _) = clock();
    let t = fcm(&fake, c, 400);
    let alert = message(NotificationClass::Alert);
    fake.unregister("gone");
    assert_eq!(t.send(&fcm_reg("gone"), &alert).await, Outcome::Dead { reason: "UNREGISTERED".into() });
    fake.fault_once(fake_fcm::Fault::TooMany { retry_after_secs: 5 });
    assert_eq!(t.send(&fcm_reg("ok"), &alert).await, Outcome::Retry { after: Some(Duration::from_secs(5)) });
    fake.fault_once(fake_fcm::Fault::Http500);
    assert_eq!(t.send(&fcm_reg("ok"), &alert).await, Outcome::Retry { after: None });
    fake.fault_once(fake_fcm::Fault::Slow(Duration::from_millis(1500)));
    assert_eq!(t.send(&fcm_reg("ok"), &alert).await, Outcome::Retry { after: None });
    // A 400 with `google.rpc.BadRequest`: our payload, the token stays.
    fake.fault_once(fake_fcm::Fault::BadRequest);
    assert!(matches!(t.send(&fcm_reg("ok"), &alert).await, Outcome::Rejected { .. }));
    let before = fake.requests();
    assert!(matches!(t.send(&fcm_reg("ok"), &oversized()).await, Outcome::Rejected { reason } if reason.starts_with("payload_too_large")));
    assert_eq!(fake.requests(), before);
    assert_eq!(t.send(&fcm_reg("ok"), &alert).await, Outcome::Delivered);
}

#[tokio::test]
async fn fcm_refused_grant_is_rejected() {
    let fake = fake_fcm::FakeFcm::start().await;
    let mut sa = fake.service_account_json();
    sa["client_email"] = json!("someone-else@mm-fake-project.iam.gserviceaccount.com");
    let mut cfg = FcmConfig::new(ServiceAccount::from_json(&sa.to_string()).unwrap());
    cfg.base_url = fake.url.clone();
    let t = Fcm::new(cfg).unwrap();
    assert!(matches!(t.send(&fcm_reg("ok"), &message(NotificationClass::Alert)).await, Outcome::Rejected { .. }));
    assert_eq!(fake.grants(), 0);
    assert_eq!(fake.requests(), 0);
}

// ---------------------------------------------------------------------------
// Web Push

fn webpush(vapid: &VapidKey, allow_loopback: bool, timeout_ms: u64) -> WebPush {
    let mut cfg = WebPushConfig::new(vapid.clone(), "mailto:it@siechnice.gmina.pl");
    cfg.allow_loopback = allow_loopback;
    cfg.http = http(None, timeout_ms);
    WebPush::new(cfg).unwrap()
}

fn wp_reg(s: &fake_webpush::Subscription) -> PushRegistration {
    PushRegistration::WebPush { endpoint: s.endpoint.clone(), p256dh: s.p256dh.clone(), auth: s.auth.clone() }
}

#[tokio::test]
async fn webpush_delivers_and_the_receiver_decrypts_the_polish_text() {
    let fake = fake_webpush::FakeWebPush::start().await;
    let vapid = VapidKey::generate();
    fake.require_vapid(&vapid.public_key());
    let t = webpush(&vapid, true, 5000);
    let sub = fake.subscribe();
    assert_eq!(t.send(&wp_reg(&sub), &message(NotificationClass::Alert)).await, Outcome::Delivered);
    assert_eq!(t.send(&wp_reg(&sub), &message(NotificationClass::Normal)).await, Outcome::Delivered);
    assert!(fake.refusals().is_empty(), "{:?}", fake.refusals());
    let got = fake.received_for(sub.id);
    assert_eq!(got.len(), 2);
    let expected = json!({"id": 42, "class": "alert", "title": TITLE, "body": BODY, "link": {"kind": "news", "id": 7}});
    assert_eq!(serde_json::from_str::<serde_json::Value>(&got[0].cleartext).unwrap(), expected);
    assert!(got[0].cleartext.contains("Żernikach Wrocławskich"), "UTF-8 as is: {}", got[0].cleartext);
    assert_eq!(got[0].urgency.as_deref(), Some("high"));
    assert_eq!(got[0].ttl, 24 * 3600);
    assert_eq!(got[0].topic.as_deref(), Some("n42"));
    assert_eq!(got[1].urgency.as_deref(), Some("normal"));
    assert_eq!(got[1].ttl, 72 * 3600);
    assert_eq!(got[0].vapid_key, vapid.public_key());
    assert_eq!(got[0].vapid_sub, "mailto:it@siechnice.gmina.pl");
    // One VAPID JWT for the origin, reused.
    assert_eq!(fake.distinct_vapid_tokens(), 1);

    // Another server key is refused by a distributor that was given this one.
    let other = webpush(&VapidKey::generate(), true, 5000);
    assert!(matches!(other.send(&wp_reg(&sub), &message(NotificationClass::Alert)).await, Outcome::Rejected { .. }));
}

#[tokio::test]
async fn webpush_gone_endpoints_and_failures() {
    let fake = fake_webpush::FakeWebPush::start().await;
    let vapid = VapidKey::generate();
    let t = webpush(&vapid, true, 400);
    let alert = message(NotificationClass::Alert);
    let (a, b, ok) = (fake.subscribe(), fake.subscribe(), fake.subscribe());
    fake.remove(a.id, 410);
    fake.remove(b.id, 404);
    assert!(matches!(t.send(&wp_reg(&a), &alert).await, Outcome::Dead { .. }));
    assert!(matches!(t.send(&wp_reg(&b), &alert).await, Outcome::Dead { .. }));
    fake.fault_once(fake_webpush::Fault::TooMany { retry_after_secs: 9 });
    assert_eq!(t.send(&wp_reg(&ok), &alert).await, Outcome::Retry { after: Some(Duration::from_secs(9)) });
    fake.fault_once(fake_webpush::Fault::Http500);
    assert_eq!(t.send(&wp_reg(&ok), &alert).await, Outcome::Retry { after: None });
    fake.fault_once(fake_webpush::Fault::TooLarge);
    assert!(matches!(t.send(&wp_reg(&ok), &alert).await, Outcome::Rejected { .. }));
    fake.fault_once(fake_webpush::Fault::Slow(Duration::from_millis(1500)));
    assert_eq!(t.send(&wp_reg(&ok), &alert).await, Outcome::Retry { after: None });
    let before = fake.requests();
    assert!(matches!(t.send(&wp_reg(&ok), &oversized()).await, Outcome::Rejected { reason } if reason.starts_with("payload_too_large")));
    // A key that is not on the curve.
    let mut bad = wp_reg(&ok);
    if let PushRegistration::WebPush { p256dh, .. } = &mut bad {
        *p256dh = format!("BA{}", "A".repeat(85));
    }
    assert!(matches!(t.send(&bad, &alert).await, Outcome::Rejected { .. }));
    assert_eq!(fake.requests(), before);
    assert_eq!(t.send(&wp_reg(&ok), &alert).await, Outcome::Delivered);
    assert_eq!(fake.received_for(ok.id).len(), 1);
}

#[tokio::test]
async fn webpush_refuses_endpoints_that_are_not_https_or_not_public() {
    let fake = fake_webpush::FakeWebPush::start().await;
    let vapid = VapidKey::generate();
    let strict = webpush(&vapid, false, 2000);
    let sub = fake.subscribe();
    let alert = message(NotificationClass::Alert);
    let port = fake.url.rsplit(':').next().unwrap().to_owned();
    let with = |endpoint: String| PushRegistration::WebPush { endpoint, p256dh: sub.p256dh.clone(), auth: sub.auth.clone() };
    for endpoint in [
        sub.endpoint.clone(),                                 // http://127.0.0.1: not https, loopback
        format!("https://127.0.0.1:{port}/push/{}", sub.id),  // loopback
        format!("https://0x7f.1:{port}/push/{}", sub.id),     // loopback, spelled in hex
        format!("https://[::ffff:127.0.0.1]:{port}/push/1"),  // IPv4-mapped loopback
        format!("https://localhost:{port}/push/{}", sub.id),  // a name resolving to loopback
        "https://10.1.2.3/push/1".to_owned(),                 // private
        "https://169.254.169.254/latest/meta-data".to_owned(), // link-local (cloud metadata)
        "https://100.64.0.1/push/1".to_owned(),               // CGNAT
        "https://[fd00::1]/push/1".to_owned(),                // unique local
    ] {
        let got = strict.send(&with(endpoint.clone()), &alert).await;
        assert!(matches!(&got, Outcome::Rejected { reason } if reason.starts_with("endpoint refused")), "{endpoint}: {got:?}");
    }
    assert_eq!(fake.requests(), 0, "nothing reached the network");

    // The test setting lets loopback through, and nothing else private.
    let loose = webpush(&vapid, true, 2000);
    assert_eq!(loose.send(&wp_reg(&sub), &alert).await, Outcome::Delivered);
    for endpoint in ["http://10.1.2.3/push/1", "https://192.168.0.10/push/1", "http://push.example.org/push/1"] {
        let got = loose.send(&with(endpoint.to_owned()), &alert).await;
        assert!(matches!(&got, Outcome::Rejected { reason } if reason.starts_with("endpoint refused")), "{endpoint}: {got:?}");
    }
}

#[tokio::test]
async fn webpush_does_not_follow_redirects() {
    let fake = fake_webpush::FakeWebPush::start().await;
    let sub = fake.subscribe();
    // A server that answers every push with a redirect to the fake.
    let target = sub.endpoint.clone();
    let app = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move { (axum::http::StatusCode::TEMPORARY_REDIRECT, [(axum::http::header::LOCATION, target)]) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let t = webpush(&VapidKey::generate(), true, 2000);
    let reg = PushRegistration::WebPush { endpoint: format!("http://{addr}/push/x"), p256dh: sub.p256dh.clone(), auth: sub.auth.clone() };
    assert!(matches!(t.send(&reg, &message(NotificationClass::Alert)).await, Outcome::Rejected { .. }));
    assert_eq!(fake.requests(), 0);
    server.abort();
}

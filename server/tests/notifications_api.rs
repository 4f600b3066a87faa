//! The devices' notification routes (issue 16, `notifications::routes`)
//! and the fan-out job behind them, through the HTTP app: a subscription
//! set and read back (alerts cannot be dropped, localities must be the
//! gmina's, bad input changes nothing), push registrations checked (https
//! and public addresses only for Web Push, keys of the right size), an
//! alert fanned out reaching a device that turned news off, the feed paged
//! and marked read, and a device never reaching another's rows.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Resp, TestApp};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::{Locality, LocalityKind, Teryt};
use mm_protocol::notifications::{NotificationClass, Target, Topic};
use mm_server::notifications::fanout::{FanOutJob, fan_out};
use mm_server::store::notifications::{FanOut, NewNotification};
use mm_server::store::{Actor, Store};
use serde_json::{Value, json};
use std::sync::Arc;

const A: &str = "0223083";

async fn app() -> (TestApp, Arc<dyn Store>) {
    let t = TestApp::new().await;
    let g = common::gmina_record(A, "Siechnice");
    t.store.add_gmina(Actor("test".into()), g, t.state.clock.now()).await.unwrap();
    let radwanice = Locality {
        id: 5,
        name: "Radwanice".into(),
        kind: LocalityKind::Village,
        point: GeoPoint { lat: 51.0613, lon: 17.1239 },
    };
    t.sql().execute(
        "INSERT INTO localities (gmina, id, data) VALUES (?1, ?2, ?3)",
        &[A.into(), 5i64.into(), serde_json::to_string(&radwanice).unwrap().into()],
    );
    let a = t.store.for_gmina(&Teryt::parse(A).unwrap());
    (t, a)
}

async fn send(t: &TestApp, method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> Resp {
    let mut b = Request::builder().method(method).uri(uri).header("MM-Gmina", A);
    if let Some(tk) = token {
        b = b.header("authorization", format!("Bearer {tk}"));
    }
    let req = match body {
        Some(v) => b.header("content-type", "application/json").body(Body::from(v.to_string())).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    t.send(req).await
}

async fn device(t: &TestApp) -> String {
    let r = send(t, "POST", "/api/v1/devices", None, Some(json!({"platform": "android", "app_version": "1.0.0"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

/// A real P-256 public key, uncompressed (RFC 8291 §3.1).
fn p256dh() -> String {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    base64url(secret.public_key().to_encoded_point(false).as_bytes())
}

/// 0x04 then X and Y of the right length, not on the curve.
fn off_curve() -> String {
    let mut k = vec![4u8];
    k.extend(std::iter::repeat_n(7u8, 64));
    base64url(&k)
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn a_subscription_is_the_devices_own_and_keeps_alerts_on() {
    let (t, _a) = app().await;
    let me = device(&t).await;
    let other = device(&t).await;
    let uri = "/api/v1/notifications/subscription";
    assert_eq!(send(&t, "GET", uri, None, None).await.status, StatusCode::UNAUTHORIZED);
    // Never set: every topic, the whole gmina.
    let r = send(&t, "GET", uri, Some(&me), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["topics"].as_array().unwrap().len(), 9);

    // Alerts cannot be dropped; another gmina's locality, a radius too
    // small, a malformed body: 400 naming the field, nothing stored.
    let bad = [
        (json!({"topics": ["news"], "lang": "pl"}), "topics"),
        (json!({"topics": ["alerts"], "areas": [{"kind": "locality", "id": 99}], "lang": "pl"}), "areas[0].id"),
        (
            json!({"topics": ["alerts"], "areas": [{"kind": "around", "point": {"lat": 51.0, "lon": 17.1}, "radius_m": 5}], "lang": "pl"}),
            "areas",
        ),
    ];
    for (body, field) in bad {
        let r = send(&t, "PUT", uri, Some(&me), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        assert!(r.json()["field"].as_str().is_some_and(|f| f.starts_with(field)), "{body}: {}", r.text());
        assert!(r.json()["message"]["pl"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let r = send(&t, "PUT", uri, Some(&me), Some(json!({"topics": "alerts"}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(send(&t, "GET", uri, Some(&me), None).await.json()["topics"].as_array().unwrap().len(), 9, "nothing stored");

    let mine = json!({
        "topics": ["alerts", "waste"],
        "event_categories": [],
        "areas": [{"kind": "locality", "id": 5}],
        "quiet_hours": {"from": "22:00:00", "to": "07:00:00"},
        "lang": "en"
    });
    let r = send(&t, "PUT", uri, Some(&me), Some(mine.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(send(&t, "GET", uri, Some(&me), None).await.json(), mine);
    // The other device still has the default.
    assert_eq!(send(&t, "GET", uri, Some(&other), None).await.json()["topics"].as_array().unwrap().len(), 9);
    // An oversized body: refused before it is read.
    let huge = json!({"topics": ["alerts"], "event_categories": vec!["x".repeat(1000); 2000], "lang": "pl"});
    assert_eq!(send(&t, "PUT", uri, Some(&me), Some(huge)).await.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn push_registrations_refuse_what_could_reach_inside_or_is_malformed() {
    let (t, a) = app().await;
    let me = device(&t).await;
    let uri = "/api/v1/push/registration";
    let web = |endpoint: &str| json!({"transport": "web_push", "endpoint": endpoint, "p256dh": p256dh(), "auth": base64url(&[1u8; 16])});
    let bad = [
        web("http://push.example.org/abc"),
        web("https://127.0.0.1/abc"),
        web("https://10.1.2.3/abc"),
        web("https://[::1]/abc"),
        web("https://169.254.169.254/latest/meta-data"),
        // The URL Standard's other spellings of 127.0.0.1 and 10.0.0.1,
        // which the sender's parser connects to (docs/SECURITY.md).
        web("https://0x7f000001/abc"),
        web("https://2130706433/abc"),
        web("https://0177.0.0.1/abc"),
        web("https://127.1/abc"),
        web("https://0x0a.0.0.1/abc"),
        web("https://[::ffff:127.0.0.1]/abc"),
        json!({"transport": "web_push", "endpoint": "https://push.example.org/abc", "p256dh": "AAAA", "auth": base64url(&[1u8; 16])}),
        json!({"transport": "web_push", "endpoint": "https://push.example.org/abc", "p256dh": off_curve(), "auth": base64url(&[1u8; 16])}),
        json!({"transport": "web_push", "endpoint": "https://push.example.org/abc", "p256dh": p256dh(), "auth": base64url(&[1u8; 8])}),
        json!({"transport": "apns", "token_hex": "zz", "environment": "production"}),
        json!({"transport": "fcm", "token": ""}),
        json!({"transport": "carrier_pigeon"}),
    ];
    for body in bad {
        let r = send(&t, "PUT", uri, Some(&me), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        assert!(!r.text().contains("example.org/abc"), "the endpoint is not echoed: {}", r.text());
    }
    assert_eq!(send(&t, "PUT", uri, None, Some(web("https://push.example.org/x"))).await.status, StatusCode::UNAUTHORIZED);
    let devices = t.sql().int("SELECT COUNT(*) FROM push_registrations", &[]);
    assert_eq!(devices, 0, "nothing stored");

    let r = send(&t, "PUT", uri, Some(&me), Some(json!({"transport": "apns", "token_hex": "AB".repeat(32), "environment": "sandbox"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = send(&t, "PUT", uri, Some(&me), Some(web("https://push.example.org/up/abc"))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(t.sql().int("SELECT COUNT(*) FROM push_registrations WHERE transport = 'web_push'", &[]), 1, "replaced");
    assert_eq!(send(&t, "DELETE", uri, Some(&me), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(send(&t, "DELETE", uri, Some(&me), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(t.sql().int("SELECT COUNT(*) FROM push_registrations", &[]), 0);
    let _ = a;
}

#[tokio::test]
async fn an_alert_reaches_a_device_that_turned_news_off_and_the_feed_pages_and_marks() {
    let (t, a) = app().await;
    let quiet = device(&t).await;
    let everything = device(&t).await;
    let sub = json!({"topics": ["alerts", "waste"], "lang": "pl"});
    assert_eq!(send(&t, "PUT", "/api/v1/notifications/subscription", Some(&quiet), Some(sub)).await.status, StatusCode::OK);

    let now = t.state.clock.now();
    let new = |topic: Topic, title: &str| NewNotification {
        class: topic.class(),
        target: Target { topic, event_category: None, areas: vec![] },
        title: title.into(),
        body: "Treść".into(),
        link: None,
        report: None,
        send_at: now,
        now,
        fan_out_job: FanOutJob::for_notification,
    };
    let alert = a.create_notification(Actor("test".into()), new(Topic::Alerts, "Brak wody w Radwanicach")).await.unwrap();
    let news = a.create_notification(Actor("test".into()), new(Topic::News, "Nowy chodnik")).await.unwrap();
    // Each notification's fan-out job was enqueued with it.
    assert_eq!(t.sql().int("SELECT COUNT(*) FROM jobs WHERE kind = 'push.fanout'", &[]), 2);
    assert_eq!(fan_out(a.as_ref(), alert, now).await.unwrap(), FanOut::Sent { recipients: 2, to_push: 0 });
    assert_eq!(fan_out(a.as_ref(), news, now).await.unwrap(), FanOut::Sent { recipients: 1, to_push: 0 });
    assert_eq!(fan_out(a.as_ref(), news, now).await.unwrap(), FanOut::AlreadySent);
    assert_eq!(a.notification(alert).await.unwrap().unwrap().class, NotificationClass::Alert);

    let feed = |token: String, query: &'static str| {
        let t = &t;
        async move { send(t, "GET", &format!("/api/v1/notifications/feed{query}"), Some(&token), None).await }
    };
    let r = feed(quiet.clone(), "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let titles: Vec<String> = r.json()["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect();
    assert_eq!(titles, ["Brak wody w Radwanicach"], "news off, the alert still comes");
    assert_eq!(r.json()["items"][0]["class"], "alert");

    let r = feed(everything.clone(), "?limit=1").await;
    assert_eq!((r.json()["items"][0]["id"].as_i64(), r.json()["more"].as_bool()), (Some(alert), Some(true)));
    let cursor = r.json()["next_cursor"].as_str().unwrap().to_owned();
    let r = send(&t, "GET", &format!("/api/v1/notifications/feed?after={cursor}"), Some(&everything), None).await;
    assert_eq!((r.json()["items"][0]["id"].as_i64(), r.json()["more"].as_bool()), (Some(news), Some(false)));
    for bad in ["?after=abc", "?after=-1", "?limit=0", "?limit=501", "?limit=x"] {
        assert_eq!(feed(everything.clone(), bad).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // Read marks: the device's own, ids outside its feed ignored.
    let read = |ids: Value| json!({ "ids": ids });
    let r = send(&t, "POST", "/api/v1/notifications/feed/read", Some(&quiet), Some(read(json!([alert, news])))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(feed(quiet.clone(), "").await.json()["items"][0]["read"], true);
    let items = feed(everything.clone(), "").await.json()["items"].clone();
    assert!(items.as_array().unwrap().iter().all(|i| i["read"] == false), "another device's marks untouched");
    assert_eq!(a.notification(news).await.unwrap().unwrap().counts.read, 0);
    for bad in [read(json!([])), read(json!((0..501).collect::<Vec<i64>>())), json!({"ids": "1"})] {
        let r = send(&t, "POST", "/api/v1/notifications/feed/read", Some(&quiet), Some(bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    }
}

/// An official of gmina A (through A's handle), signed in; the token.
async fn official(t: &TestApp, a: &Arc<dyn Store>, role: mm_protocol::auth::Role) -> String {
    let login = format!("{}-{}", role.as_str(), uuid::Uuid::new_v4());
    let hash = mm_server::auth::password::hash("hasło-testowe-1").unwrap();
    a.create_user(Actor("test".into()), &login, role, &hash).await.unwrap();
    let r = send(t, "POST", "/api/v1/auth/login", None, Some(json!({"login": login, "password": "hasło-testowe-1"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_official_sends_checked_notifications_and_sees_their_deliveries() {
    use mm_protocol::auth::Role;
    let (t, a) = app().await;
    let editor = official(&t, &a, Role::Editor).await;
    let phone = device(&t).await;
    let uri = "/api/v1/notifications";
    let alert = json!({"title": "Brak wody", "body": "Radwanice do 14:00.", "topic": "alerts",
                       "areas": [{"kind": "locality", "id": 5}], "link": {"kind": "url", "url": "https://siechnice.gmina.pl/"}});
    // No official, a device's token, a role that does not publish: refused.
    assert_eq!(send(&t, "POST", uri, None, Some(alert.clone())).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&t, "POST", uri, Some(&phone), Some(alert.clone())).await.status, StatusCode::UNAUTHORIZED);
    let clerk = official(&t, &a, Role::Dispatcher).await;
    assert_eq!(send(&t, "POST", uri, Some(&clerk), Some(alert.clone())).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&t, "GET", uri, Some(&clerk), None).await.status, StatusCode::FORBIDDEN);

    // Bad drafts: the field named, nothing stored.
    let with = |k: &str, v: Value| {
        let mut d = alert.clone();
        d[k] = v;
        d
    };
    let later = (t.state.clock.now() + chrono::Duration::days(400)).to_rfc3339();
    for (draft, field) in [
        (with("title", json!("")), "title"),
        (with("areas", json!([{"kind": "locality", "id": 99}])), "areas[0].id"),
        (with("link", json!({"kind": "url", "url": "http://example.org"})), "link.url"),
        (with("event_category", json!("sport")), "event_category"),
        (with("send_at", json!(later)), "send_at"),
    ] {
        let r = send(&t, "POST", uri, Some(&editor), Some(draft.clone())).await;
        assert_eq!((r.status, r.json()["field"].as_str().map(str::to_owned)), (StatusCode::BAD_REQUEST, Some(field.into())), "{draft}");
    }
    // Text no push service would carry (emoji are 4 bytes each): 413.
    let r = send(&t, "POST", uri, Some(&editor), Some(with("body", json!("🚰".repeat(1000))))).await;
    assert_eq!((r.status, r.code()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into()), "{}", r.text());
    assert!(a.notifications(10).await.unwrap().is_empty(), "nothing stored");

    let r = send(&t, "POST", uri, Some(&editor), Some(alert)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!((r.json()["status"].as_str(), r.json()["class"].as_str()), (Some("scheduled"), Some("alert")));
    // The job the server's worker runs; here by hand.
    fan_out(a.as_ref(), id, t.state.clock.now()).await.unwrap();
    let r = send(&t, "GET", uri, Some(&editor), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let listed = &r.json()[0];
    assert_eq!((listed["id"].as_i64(), listed["status"].as_str()), (Some(id), Some("sent")));
    // The phone has no subscription (the whole gmina): it gets it, feed only.
    assert_eq!((listed["recipients"].as_u64(), listed["feed_only"].as_u64()), (Some(1), Some(1)));
    let feed = send(&t, "GET", "/api/v1/notifications/feed", Some(&phone), None).await;
    assert_eq!(feed.json()["items"][0]["link"]["url"], "https://siechnice.gmina.pl/");
}

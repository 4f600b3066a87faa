//! Security review, findings 7 and 8: device registration is limited per
//! client address (IPv6 by its /64); tokens are never stored in clear and a
//! retried registration re-derives its token; registration keys are scoped
//! to the client; orphan photos, old idempotency rows and long-unseen
//! devices are collected by the maintenance pass.

use crate::common;

use std::io::Cursor;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::{Resp, TestApp};
use mm_protocol::auth::Role;
use mm_server::auth::token::hash_token;
use mm_server::devices::tokens::DeviceTokens;
use mm_server::maintenance::{Maintenance, Retention};
use mm_server::reports::ratelimit::Limits;
use mm_server::store::Store;
use serde_json::{Value, json};

const BODY: &str = r#"{"platform": "android", "app_version": "1.0.0"}"#;

async fn app() -> TestApp {
    let t = TestApp::new().await;
    mm_server::demo::load(t.store.as_ref(), t.state.clock.now())
        .await
        .unwrap();
    t.state.limits.configure(Limits {
        device_per_hour: 10_000,
        ip_per_hour: 10_000,
    });
    t
}

/// `POST /api/v1/devices` from `ip` (as the listener's connect info).
async fn register_from(t: &TestApp, ip: Option<&str>, key: Option<&str>) -> Resp {
    let mut b = Request::post("/api/v1/devices").header("content-type", "application/json");
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    let mut req = b.body(Body::from(BODY)).unwrap();
    if let Some(ip) = ip {
        let ip: IpAddr = ip.parse().unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 40_000)));
    }
    t.send(req).await
}

async fn authed(t: &TestApp, method: &str, uri: &str, token: &str, body: Option<Value>) -> Resp {
    t.call(method, uri, Some(token), body).await
}

fn count(t: &TestApp, sql: &str) -> i64 {
    t.sql().int(sql, &[])
}

fn maintenance(t: &TestApp) -> Maintenance {
    Maintenance {
        store: t.store.clone() as Arc<dyn Store>,
        clock: t.state.clock.clone(),
        retention: Retention::default(),
    }
}

fn lamp() -> Value {
    json!({"category": "street_lamp", "point": {"lat": 51.0335, "lon": 17.15},
        "description": "Latarnia przy przystanku nie świeci od tygodnia.", "answers": {"kind": "not_lit"}})
}

async fn report(t: &TestApp, token: &str, body: Value) -> i64 {
    let req = Request::post("/api/v1/reports")
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

async fn upload(t: &TestApp, token: &str, seed: u8) -> String {
    let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 ^ seed, y as u8, seed]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    let req = Request::post("/api/v1/photos")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/jpeg")
        .body(Body::from(out.into_inner()))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["photo_id"].as_str().unwrap().to_owned()
}

// ---- finding 7: the registration limit ----

#[tokio::test]
async fn finding_07_device_registration_is_rate_limited_per_address() {
    let t = app().await;
    t.state.limits.set_registrations_per_hour(3);
    for i in 0..3 {
        let r = register_from(&t, Some("192.0.2.1"), Some(&format!("k-{i}"))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = register_from(&t, Some("192.0.2.1"), Some("k-3")).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "{}",
        r.text()
    );
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1200).contains(&wait), "{wait}");
    // A retry of an answered registration passes, and gets the same device.
    let first = register_from(&t, Some("192.0.2.1"), Some("k-0")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    // Other addresses have their own allowance.
    assert_eq!(
        register_from(&t, Some("198.51.100.7"), None).await.status,
        StatusCode::CREATED
    );
    // IPv6 by its /64: rotating the interface id does not help.
    for a in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:aaaa::3"] {
        assert_eq!(
            register_from(&t, Some(a), None).await.status,
            StatusCode::CREATED
        );
    }
    assert_eq!(
        register_from(&t, Some("2001:db8:1:2:ffff:ffff:ffff:ffff"), None)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        register_from(&t, Some("2001:db8:1:3::1"), None)
            .await
            .status,
        StatusCode::CREATED
    );
    // 3 + 1 + 3 + 1 devices; the refused ones made nothing.
    assert_eq!(count(&t, "SELECT COUNT(*) FROM devices"), 8);
}

// ---- finding 8: tokens and idempotency scope ----

#[tokio::test]
async fn finding_08_device_tokens_are_not_stored_in_clear_and_a_retry_rederives_the_token() {
    let t = app().await;
    let first = register_from(
        &t,
        Some("192.0.2.1"),
        Some("11111111-1111-1111-1111-111111111111"),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let device = first.json();
    let token = device["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 43);

    // Nowhere in the database: every text cell of every table is searched.
    let sql = t.sql();
    assert_eq!(sql.tables_containing(&token), Vec::<String>::new(), "the token is stored in clear there");
    let hash = sql
        .text("SELECT token_hash FROM devices WHERE id = ?1", &[device["device_id"].as_str().unwrap().into()])
        .unwrap();
    assert_eq!(hash, hash_token(&token), "only the SHA-256");

    // The retry (the answer was lost) gets the same device and a working token.
    let retry = register_from(
        &t,
        Some("192.0.2.1"),
        Some("11111111-1111-1111-1111-111111111111"),
    )
    .await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.json(), device);
    assert_eq!(
        authed(&t, "GET", "/api/v1/reports/mine", &token, None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(count(&t, "SELECT COUNT(*) FROM devices"), 1);
}

#[tokio::test]
async fn finding_08_registration_keys_are_scoped_to_the_client_address() {
    let t = app().await;
    let key = Some("11111111-1111-1111-1111-111111111111");
    let mine = register_from(&t, Some("192.0.2.1"), key).await.json();
    // Another client, the same (guessable) key and body: a device of its own.
    let theirs = register_from(&t, Some("198.51.100.7"), key).await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    let theirs = theirs.json();
    assert_ne!(theirs["device_id"], mine["device_id"]);
    assert_ne!(theirs["token"], mine["token"]);
    // Within one client's /64 it is the same client: a replay.
    let v6 = register_from(&t, Some("2001:db8:5:6::1"), key).await.json();
    let v6_again = register_from(&t, Some("2001:db8:5:6::99"), key)
        .await
        .json();
    assert_eq!(v6, v6_again);
    assert_ne!(v6["device_id"], mine["device_id"]);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM devices"), 3);
}

#[tokio::test]
async fn finding_08_a_retry_after_a_restart_gets_the_same_token_from_the_key_file() {
    let mut t = app().await;
    t.state.device_tokens = Arc::new(DeviceTokens::load(t.dir.path(), None).unwrap());
    t.app = mm_server::app(t.state.clone());
    let first = register_from(&t, Some("192.0.2.1"), Some("restart-key"))
        .await
        .json();
    let mut t = t.restart().await;
    t.state.device_tokens = Arc::new(DeviceTokens::load(t.dir.path(), None).unwrap());
    t.app = mm_server::app(t.state.clone());
    let again = register_from(&t, Some("192.0.2.1"), Some("restart-key")).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.json(), first);

    // A changed key: the retry's token is the new key's, and it works.
    t.state.device_tokens = Arc::new(DeviceTokens::from_key(&[9u8; 32]).unwrap());
    t.app = mm_server::app(t.state.clone());
    let rekeyed = register_from(&t, Some("192.0.2.1"), Some("restart-key"))
        .await
        .json();
    assert_eq!(rekeyed["device_id"], first["device_id"]);
    assert_ne!(rekeyed["token"], first["token"]);
    let token = rekeyed["token"].as_str().unwrap();
    assert_eq!(
        authed(&t, "GET", "/api/v1/reports/mine", token, None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn finding_08_the_migration_removes_plaintext_tokens_and_old_devices_keep_working() {
    if !common::backend::sqlite_only("SQLite's migration 8 over a database of migration 7") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let old_token = "orSeKg8bPlaintextTokenFromBeforeTheFix000000";
    {
        let mut c = rusqlite::Connection::open(dir.path().join("mm.sqlite")).unwrap();
        mm_server::store::sqlite::migrate_until(&mut c, 7).unwrap();
        c.execute(
            "INSERT INTO devices (id, token_hash, platform, app_version, created_at)
             VALUES ('8f640246', ?1, 'android', '1.0.0', '2026-11-01T10:00:00.000000Z')",
            [hash_token(old_token)],
        )
        .unwrap();
        c.execute(
            "INSERT INTO idempotency (scope, key, request_hash, status, response, created_at)
             VALUES ('devices', '1111', 'h', 201, ?1, '2026-11-01T10:00:00.000000Z')",
            [format!(
                r#"{{"device_id":"8f640246","token":"{old_token}"}}"#
            )],
        )
        .unwrap();
    }
    let t = TestApp::in_dir(dir).await;
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM idempotency WHERE response LIKE '%token%'"
        ),
        0
    );
    assert_eq!(
        authed(&t, "GET", "/api/v1/reports/mine", old_token, None)
            .await
            .status,
        StatusCode::OK,
        "a device registered before keeps its token"
    );
}

// ---- finding 7: the maintenance pass ----

#[tokio::test]
async fn finding_07_orphan_photos_are_collected_after_72_hours() {
    let t = app().await;
    let token = register_from(&t, None, None).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let used = upload(&t, &token, 1).await;
    let orphan = upload(&t, &token, 2).await;
    let mut body = lamp();
    body["photo_ids"] = json!([used]);
    report(&t, &token, body).await;
    t.advance(Duration::hours(71));
    let fresh = upload(&t, &token, 3).await;
    assert_eq!(
        maintenance(&t).run_once().await.unwrap().orphan_photos,
        0,
        "not yet"
    );
    t.advance(Duration::hours(2));
    let done = maintenance(&t).run_once().await.unwrap();
    assert_eq!(done.orphan_photos, 1, "{done:?}");
    assert_eq!(
        t.get(&format!("/api/v1/photos/{orphan}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&format!("/api/v1/photos/{used}")).await.status,
        StatusCode::OK,
        "a report names it"
    );
    assert_eq!(
        t.get(&format!("/api/v1/photos/{fresh}")).await.status,
        StatusCode::OK,
        "uploaded 2 h ago"
    );
    let files = walk(&t.dir.path().join("photos"));
    assert_eq!(files.len(), 2, "the orphan's file is gone too: {files:?}");
}

#[tokio::test]
async fn finding_07_idempotency_rows_are_collected_after_30_days() {
    let t = app().await;
    let token = register_from(&t, None, Some("reg-1")).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    report(&t, &token, lamp()).await;
    assert_eq!(count(&t, "SELECT COUNT(*) FROM idempotency"), 2);
    t.advance(Duration::days(29));
    assert_eq!(
        maintenance(&t).run_once().await.unwrap().idempotency_rows,
        0
    );
    t.advance(Duration::days(2));
    let done = maintenance(&t).run_once().await.unwrap();
    assert_eq!(done.idempotency_rows, 2, "{done:?}");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM idempotency"), 0);
}

#[tokio::test]
async fn finding_07_last_seen_is_written_at_most_once_a_day() {
    let t = app().await;
    let r = register_from(&t, None, None).await.json();
    let (id, token) = (
        r["device_id"].as_str().unwrap().to_owned(),
        r["token"].as_str().unwrap().to_owned(),
    );
    let seen = || -> String {
        t.sql().text("SELECT last_seen_at FROM devices WHERE id = ?1", &[(&id).into()]).unwrap()
    };
    let registered = seen();
    t.advance(Duration::hours(20));
    authed(&t, "GET", "/api/v1/reports/mine", &token, None).await;
    assert_eq!(seen(), registered, "no write within the day");
    t.advance(Duration::hours(5));
    authed(&t, "GET", "/api/v1/reports/mine", &token, None).await;
    assert!(seen() > registered, "a day later it is recorded");
}

#[tokio::test]
async fn finding_07_devices_unseen_for_two_years_go_unless_they_wait_for_an_open_report() {
    let t = app().await;
    let new_device = || async { register_from(&t, None, None).await.json() };
    let idle = new_device().await; // never wrote anything
    let reporter = new_device().await; // its report stays open
    let follower = new_device().await; // follows that open report
    let done_reporter = new_device().await; // its report is resolved
    let active = new_device().await; // still uses the app
    let tok = |d: &Value| d["token"].as_str().unwrap().to_owned();
    let open = report(&t, &tok(&reporter), lamp()).await;
    assert_eq!(
        authed(
            &t,
            "POST",
            &format!("/api/v1/reports/{open}/follow"),
            &tok(&follower),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let closed = report(&t, &tok(&done_reporter), lamp()).await;
    let official = t.official(Role::Dispatcher).await;
    for status in ["accepted", "resolved"] {
        let r = authed(
            &t,
            "POST",
            &format!("/api/v1/reports/{closed}/status"),
            &official,
            Some(json!({"status": status, "public_reply": "Naprawione."})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    assert_eq!(
        t.get(&format!("/api/v1/reports/{closed}")).await.json()["followers"],
        1
    );
    let seq = t.max_seq();

    t.advance(Duration::days(729));
    assert_eq!(
        maintenance(&t).run_once().await.unwrap().devices,
        0,
        "nothing is two years old yet"
    );
    t.advance(Duration::days(2));
    authed(&t, "GET", "/api/v1/reports/mine", &tok(&active), None).await;
    let done = maintenance(&t).run_once().await.unwrap();
    assert_eq!(done.devices, 2, "{done:?}");

    let status = |d: &Value| {
        let t = &t;
        let token = tok(d);
        async move {
            authed(t, "GET", "/api/v1/reports/mine", &token, None)
                .await
                .status
        }
    };
    assert_eq!(status(&idle).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(&done_reporter).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(&reporter).await, StatusCode::OK);
    assert_eq!(status(&follower).await, StatusCode::OK);
    assert_eq!(status(&active).await, StatusCode::OK);
    // The resolved report stays, without the link to the device; its
    // follower count is republished through sync.
    let c = t.get(&format!("/api/v1/reports/{closed}")).await.json();
    assert_eq!(
        (c["status"].as_str(), c["followers"].as_i64()),
        (Some("resolved"), Some(0))
    );
    let internal = authed(
        &t,
        "GET",
        &format!("/api/v1/reports/{closed}/internal"),
        &official,
        None,
    )
    .await
    .json();
    assert!(internal["device_id"].is_null(), "{internal}");
    assert!(t.max_seq() > seq, "the change is published");
    assert_eq!(
        t.get(&format!("/api/v1/reports/{open}")).await.json()["followers"],
        2
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

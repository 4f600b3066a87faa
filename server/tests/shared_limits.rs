//! Residents' write limits shared by several instances over one database
//! (issue 13, item 3; `store::limits`, `--shared-limits`). Two app states
//! over the same store stand for two `mm-server` instances behind a
//! round-robin balancer: each has its own in-memory limiter, as each
//! process would.

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use mm_server::reports::ratelimit::Limits;
use mm_server::state::AppState;
use mm_server::store::limits::BucketSpec;
use mm_server::store::Store;
use tower::ServiceExt;

/// An instance over `store`: its own limiter, `device_per_hour` writes per
/// device and 2 registrations per address; counted in the database when `shared`.
fn instance(store: &Arc<dyn Store>, device_per_hour: u32, shared: bool) -> Router {
    let state = AppState::new(store.clone());
    state.limits.configure(Limits { device_per_hour, ip_per_hour: 1000 });
    state.limits.set_registrations_per_hour(2);
    if shared {
        state.limits.share_through(store.clone());
    }
    mm_server::app(state)
}

/// The request as the listener hands it over: from a client address.
fn from_client(mut req: Request<Body>) -> Request<Body> {
    let client: SocketAddr = "192.0.2.10:50000".parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(client));
    req
}

async fn register(app: &Router, key: &str) -> (StatusCode, Option<String>) {
    let req = Request::post("/api/v1/devices")
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(r#"{"platform":"android","app_version":"1.0.0"}"#))
        .unwrap();
    let res = app.clone().oneshot(from_client(req)).await.unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    let token = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["token"].as_str().map(str::to_owned));
    (status, token)
}

/// A distinct small JPEG per `n`, so each upload is a new photo.
fn jpeg(n: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([n, x as u8 * 9, y as u8 * 5]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

async fn upload(app: &Router, token: &str, n: u8) -> StatusCode {
    let req = Request::post("/api/v1/photos")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/jpeg")
        .body(Body::from(jpeg(n)))
        .unwrap();
    app.clone().oneshot(from_client(req)).await.unwrap().status()
}

/// Uploads alternately through `a` and `b`; the statuses in order.
async fn alternate(a: &Router, b: &Router, token: &str, n: u8) -> Vec<StatusCode> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(upload(if i % 2 == 0 { a } else { b }, token, i).await);
    }
    out
}

#[tokio::test]
async fn two_instances_over_one_database_share_a_devices_allowance() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _guard) = common::backend::open_store(dir.path()).await;
    let (a, b) = (instance(&store, 3, true), instance(&store, 3, true));
    let (status, token) = register(&a, "install-1").await;
    assert_eq!(status, StatusCode::CREATED);
    let token = token.unwrap();
    let ok = StatusCode::CREATED;
    let limited = StatusCode::TOO_MANY_REQUESTS;
    assert_eq!(alternate(&a, &b, &token, 5).await, [ok, ok, ok, limited, limited]);
    // A restarted instance (a new process) still knows the bucket is empty.
    let c = instance(&store, 3, true);
    assert_eq!(upload(&c, &token, 9).await, limited);
}

#[tokio::test]
async fn in_memory_limits_give_each_instance_its_own_allowance() {
    // Why the shared limiter exists: without it the device above gets
    // three writes per instance behind the balancer.
    let dir = tempfile::tempdir().unwrap();
    let (store, _guard) = common::backend::open_store(dir.path()).await;
    let (a, b) = (instance(&store, 3, false), instance(&store, 3, false));
    let token = register(&a, "install-1").await.1.unwrap();
    let statuses = alternate(&a, &b, &token, 7).await;
    let ok = StatusCode::CREATED;
    assert_eq!(statuses[..6], [ok; 6]);
    assert_eq!(statuses[6], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn registrations_from_one_address_are_counted_across_instances_and_retries_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _guard) = common::backend::open_store(dir.path()).await;
    let (a, b) = (instance(&store, 30, true), instance(&store, 30, true));
    assert_eq!(register(&a, "install-1").await.0, StatusCode::CREATED);
    assert_eq!(register(&b, "install-2").await.0, StatusCode::CREATED);
    assert_eq!(register(&a, "install-3").await.0, StatusCode::TOO_MANY_REQUESTS);
    // The first one's answer was lost; its retry reaches the other
    // instance and passes free, with the same device.
    let (status, _) = register(&b, "install-1").await;
    assert!(status.is_success(), "{status}");
}

#[tokio::test]
async fn a_take_is_all_or_none_and_old_buckets_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    let (store, guard) = common::backend::open_store(dir.path()).await;
    let now = Utc::now();
    let device = |per_hour| BucketSpec { key: "d:one".into(), per_hour };
    let address = |per_hour| BucketSpec { key: "i:192.0.2.10".into(), per_hour };
    assert_eq!(store.take(vec![device(5), address(1)], None, now).await.unwrap(), Ok(()));
    // The address is empty: the device's token is not taken either.
    let wait = store.take(vec![device(5), address(1)], None, now).await.unwrap().unwrap_err();
    assert_eq!(wait, std::time::Duration::from_secs(3600));
    for _ in 0..4 {
        assert_eq!(store.take(vec![device(5)], None, now).await.unwrap(), Ok(()));
    }
    assert!(store.take(vec![device(5)], None, now).await.unwrap().is_err());
    // Refills continuously: 5 an hour is one every 12 minutes.
    assert!(store.take(vec![device(5)], None, now + Duration::minutes(11)).await.unwrap().is_err());
    assert_eq!(store.take(vec![device(5)], None, now + Duration::minutes(13)).await.unwrap(), Ok(()));
    // A charged request passes free within the hour.
    assert_eq!(store.take(vec![address(1)], Some("r:192.0.2.10/k".into()), now + Duration::hours(2)).await.unwrap(), Ok(()));
    assert_eq!(store.take(vec![address(1)], Some("r:192.0.2.10/k".into()), now + Duration::hours(2)).await.unwrap(), Ok(()));
    // Nothing in the table names the device or the address.
    let keys = guard.sql(dir.path()).texts("SELECT key FROM rate_buckets UNION ALL SELECT key FROM rate_charged");
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| !k.contains("one") && !k.contains("192.0.2.10")), "{keys:?}");
    // Purged after an hour unused: the device's bucket (last used at
    // +13 min) goes, the address's (+2 h) stays.
    assert_eq!(store.purge_limits(now + Duration::minutes(30)).await.unwrap(), 1);
    assert_eq!(store.purge_limits(now + Duration::hours(3)).await.unwrap(), 2);
}

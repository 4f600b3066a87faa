//! `POST /api/v1/devices` and its Idempotency-Key.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;
use serde_json::{Value, json};

fn register(key: Option<&str>, body: &Value) -> Request<Body> {
    let mut b = Request::post("/api/v1/devices").header("content-type", "application/json");
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn same_key_same_device_other_body_conflict() {
    let t = TestApp::new().await;
    let body = json!({"platform": "android", "app_version": "1.0.0", "locale": "pl-PL"});
    let first = t.send(register(Some("k-1"), &body)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let device = first.json();
    assert!(device["device_id"].is_string() && device["token"].as_str().unwrap().len() == 43);

    // The same body, written differently, is the same request.
    let same = json!({"locale": "pl-PL", "app_version": "1.0.0", "platform": "android"});
    let retry = t.send(register(Some("k-1"), &same)).await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.json(), device);

    let other = t
        .send(register(
            Some("k-1"),
            &json!({"platform": "ios", "app_version": "1.0.0"}),
        ))
        .await;
    assert_eq!(
        (other.status, other.code().as_str()),
        (StatusCode::CONFLICT, "idempotency_conflict")
    );

    let second = t.send(register(Some("k-2"), &body)).await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_ne!(second.json()["device_id"], device["device_id"]);
    let unkeyed = t.send(register(None, &body)).await;
    assert_eq!(unkeyed.status, StatusCode::CREATED);
    assert_ne!(unkeyed.json()["device_id"], device["device_id"]);
}

#[tokio::test]
async fn racing_retries_register_once() {
    let t = TestApp::new().await;
    let body = json!({"platform": "cli", "app_version": "0.1.0"});
    let answers = futures_join(&t, &body).await;
    let ids: std::collections::HashSet<String> = answers
        .iter()
        .map(|v| v["device_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
}

async fn futures_join(t: &TestApp, body: &Value) -> Vec<Value> {
    let mut handles = Vec::new();
    for _ in 0..8 {
        let app = t.app.clone();
        let req = register(Some("race"), body);
        handles.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let res = app.oneshot(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
            let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

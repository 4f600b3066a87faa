//! Reports through the HTTP API, in process: create, list, detail, near,
//! follow, idempotency, photos, the boundary, the workflow, rate limits,
//! and no personal data in anything public.

use crate::common;

use std::io::Cursor;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::{Resp, TestApp};
use mm_protocol::auth::Role;
use mm_server::reports::ratelimit::Limits;
use serde_json::{Value, json};

pub async fn app_with_demo() -> TestApp {
    let t = TestApp::new().await;
    let now = t.state.clock.now();
    mm_server::demo::load(t.store.as_ref(), now).await.unwrap();
    t.state.limits.configure(Limits {
        device_per_hour: 10_000,
        ip_per_hour: 10_000,
    });
    t
}

pub async fn device(t: &TestApp) -> String {
    let r = t
        .call(
            "POST",
            "/api/v1/devices",
            None,
            Some(json!({"platform": "android", "app_version": "1.0.0"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

pub fn lamp(lat: f64, lon: f64) -> Value {
    json!({
        "category": "street_lamp",
        "point": {"lat": lat, "lon": lon},
        "location_source": "gps",
        "accuracy_m": 6.0,
        "description": "Latarnia przy przystanku nie świeci od tygodnia.",
        "answers": {"kind": "not_lit", "lamp_number": "117"},
        "contact": {"name": "Jan Kowalski-Sekretny", "email": "jan.sekretny@example.pl", "phone": "+48600111222"}
    })
}

pub async fn post_report(t: &TestApp, token: &str, key: &str, body: &Value) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/reports")
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    t.send(req).await
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

const PERSONAL: &[&str] = &[
    "Sekretny",
    "jan.sekretny",
    "600111222",
    "device_id",
    "contact",
];

/// The sync feed without the map's places: a place's `contact` is an
/// institution's public phone and website, not a reporter's (the personal
/// values themselves are still checked in the whole feed).
fn without_places(uri: &str, text: &str) -> String {
    if !uri.starts_with("/api/v1/sync") {
        return text.to_owned();
    }
    let mut page: Value = serde_json::from_str(text).unwrap();
    page["changes"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["item"]["collection"] != "places" && c["collection"] != "places");
    page.to_string()
}

fn assert_no_personal_data(what: &str, text: &str) {
    for p in PERSONAL {
        assert!(!text.contains(p), "{what} leaks {p}: {text}");
    }
}

#[tokio::test]
async fn create_list_detail_near_mine_follow() {
    let t = app_with_demo().await;
    let token = device(&t).await;
    let r = post_report(&t, &token, &uuid(), &lamp(51.0335, 17.15)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rep = r.json();
    let id = rep["id"].as_i64().unwrap();
    assert_eq!(rep["status"], "new");
    assert_eq!(rep["followers"], 1, "the reporter follows its report");
    assert_eq!(rep["history"][0]["status"], "new");
    assert_no_personal_data("POST answer", &r.text());

    let far = post_report(&t, &token, &uuid(), &lamp(51.05, 17.20)).await;
    assert_eq!(far.status, StatusCode::CREATED, "{}", far.text());
    let far_id = far.json()["id"].as_i64().unwrap();

    let list = t.get("/api/v1/reports").await.json();
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![far_id, id], "newest first");
    assert_eq!(
        t.get("/api/v1/reports?page=2&page_size=1").await.json()[0]["id"],
        id
    );
    assert_eq!(
        t.get("/api/v1/reports?status=resolved").await.json(),
        json!([])
    );
    assert_eq!(
        t.get("/api/v1/reports?status=bogus").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(t.get(&format!("/api/v1/reports/{id}")).await.json(), rep);
    assert_eq!(
        t.get("/api/v1/reports/999999").await.status,
        StatusCode::NOT_FOUND
    );

    let near = t
        .get("/api/v1/reports/near?lat=51.0336&lon=17.15&radius_m=100")
        .await
        .json();
    assert_eq!(near.as_array().unwrap().len(), 1);
    assert_eq!(near[0]["id"], id);
    let near = t
        .get("/api/v1/reports/near?lat=51.0336&lon=17.15&radius_m=100&category=road_damage")
        .await
        .json();
    assert_eq!(near, json!([]));
    assert_eq!(
        t.get("/api/v1/reports/near?lat=99&lon=17").await.status,
        StatusCode::BAD_REQUEST
    );

    // Another device follows, sees it in "mine", unfollows; both idempotent.
    let other = device(&t).await;
    assert_eq!(
        t.call("GET", "/api/v1/reports/mine", Some(&other), None)
            .await
            .json(),
        json!([])
    );
    for _ in 0..2 {
        let r = t
            .call(
                "POST",
                &format!("/api/v1/reports/{id}/follow"),
                Some(&other),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        t.get(&format!("/api/v1/reports/{id}")).await.json()["followers"],
        2
    );
    let mine = t
        .call("GET", "/api/v1/reports/mine", Some(&other), None)
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    for _ in 0..2 {
        let r = t
            .call(
                "DELETE",
                &format!("/api/v1/reports/{id}/follow"),
                Some(&other),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        t.get(&format!("/api/v1/reports/{id}")).await.json()["followers"],
        1
    );
    assert_eq!(
        t.call("GET", "/api/v1/reports/mine", Some(&token), None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        t.call("POST", "/api/v1/reports/424242/follow", Some(&other), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.call("GET", "/api/v1/reports/mine", Some("nope"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.call("GET", "/api/v1/reports/mine", None, None)
            .await
            .code(),
        "unauthorized"
    );
}

#[tokio::test]
async fn bad_reports_are_refused_and_change_nothing() {
    let t = app_with_demo().await;
    let token = device(&t).await;
    let seq = t.max_seq();
    // No device token; no key.
    let r = t
        .call("POST", "/api/v1/reports", None, Some(lamp(51.0335, 17.15)))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = t
        .call(
            "POST",
            "/api/v1/reports",
            Some(&token),
            Some(lamp(51.0335, 17.15)),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "invalid_field".into())
    );
    assert_eq!(r.json()["field"], "Idempotency-Key");
    // Outside the gmina (Warsaw).
    let r = post_report(&t, &token, &uuid(), &lamp(52.2297, 21.0122)).await;
    assert_eq!(
        (r.status, r.json()["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("point"))
    );
    assert!(
        r.json()["message"]["pl"]
            .as_str()
            .unwrap()
            .contains("poza granicami gminy")
    );
    // Unknown category, missing required answer, unknown photo.
    let mut b = lamp(51.0335, 17.15);
    b["category"] = json!("ufo");
    assert_eq!(
        post_report(&t, &token, &uuid(), &b).await.json()["field"],
        "category"
    );
    let mut b = lamp(51.0335, 17.15);
    b["answers"] = json!({});
    assert_eq!(
        post_report(&t, &token, &uuid(), &b).await.json()["field"],
        "answers.kind"
    );
    let mut b = lamp(51.0335, 17.15);
    b["photo_ids"] = json!(["ab".repeat(32)]);
    let r = post_report(&t, &token, &uuid(), &b).await;
    assert_eq!(
        (r.status, r.json()["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("photo_ids"))
    );
    assert_eq!(t.max_seq(), seq, "nothing published");
    assert_eq!(t.get("/api/v1/reports").await.json(), json!([]));
}

#[tokio::test]
async fn idempotency_replays_conflicts_and_fifty_racers_make_one_report() {
    let t = app_with_demo().await;
    let token = device(&t).await;
    let key = uuid();
    let first = post_report(&t, &token, &key, &lamp(51.0335, 17.15)).await;
    let again = post_report(&t, &token, &key, &lamp(51.0335, 17.15)).await;
    assert_eq!((first.status, first.text()), (again.status, again.text()));
    let other = post_report(&t, &token, &key, &lamp(51.0336, 17.15)).await;
    assert_eq!(
        (other.status, other.code()),
        (StatusCode::CONFLICT, "idempotency_conflict".into())
    );

    let key = uuid();
    let t = std::sync::Arc::new(t);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (t, token, key) = (t.clone(), token.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            post_report(&t, &token, &key, &lamp(51.034, 17.151)).await
        }));
    }
    let mut bodies = std::collections::HashSet::new();
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        bodies.insert(r.text());
    }
    assert_eq!(bodies.len(), 1, "every racer got the same answer");
    assert_eq!(
        t.get("/api/v1/reports")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2,
        "one report per key"
    );
}

fn image_bytes(format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(4, 3, |x, y| image::Rgb([x as u8 * 60, y as u8 * 80, 100]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

async fn upload(t: &TestApp, token: &str, ct: &str, bytes: Vec<u8>) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/photos")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", ct)
        .body(Body::from(bytes))
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn photos_checked_by_content_stored_once_and_served_back() {
    let t = app_with_demo().await;
    let token = device(&t).await;
    let jpeg = image_bytes(image::ImageFormat::Jpeg);
    let png = image_bytes(image::ImageFormat::Png);
    let mut ids = vec![];
    for (ct, bytes) in [("image/jpeg", jpeg.clone()), ("image/png", png.clone())] {
        let r = upload(&t, &token, ct, bytes.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["photo_id"].as_str().unwrap().to_owned();
        assert_eq!(id, mm_server::auth::token::sha256_hex(&bytes));
        assert_eq!(r.json()["url"], format!("/api/v1/photos/{id}"));
        // Stored as a clean JPEG re-encoded from the pixels (finding 5).
        let ext = "jpg";
        assert!(
            t.dir
                .path()
                .join("photos")
                .join(&id[..2])
                .join(format!("{id}.{ext}"))
                .exists()
        );
        let again = upload(&t, &token, ct, bytes.clone()).await;
        assert_eq!(
            (again.status, again.json()["photo_id"].as_str().unwrap()),
            (StatusCode::OK, id.as_str())
        );
        let got = t.get(&format!("/api/v1/photos/{id}")).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.headers["content-type"], "image/jpeg");
        assert!(
            got.headers["cache-control"]
                .to_str()
                .unwrap()
                == "public, max-age=3600",
            "an hour: a photo withheld later must leave caches soon"
        );
        let served = image::load_from_memory_with_format(&got.bytes, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((served.width(), served.height()), (4, 3));
        ids.push(id);
    }
    // A text file called .jpg; PNG bytes declared as JPEG; a broken header; no type.
    let r = upload(
        &t,
        &token,
        "image/jpeg",
        b"this is not a photo, just text".to_vec(),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type".into()
        )
    );
    assert!(
        r.json()["message"]["en"]
            .as_str()
            .unwrap()
            .contains("JPEG or PNG")
    );
    assert_eq!(
        upload(&t, &token, "image/jpeg", png.clone()).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        upload(&t, &token, "image/png", png[..12].to_vec())
            .await
            .status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        upload(&t, &token, "text/plain", jpeg.clone()).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    // Over 10 MiB (a real JPEG header followed by padding).
    let mut big = jpeg.clone();
    big.resize(10 * 1024 * 1024 + 1, 0);
    let r = upload(&t, &token, "image/jpeg", big).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into())
    );
    assert_eq!(
        upload(&t, "bad-token", "image/jpeg", jpeg.clone())
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.get(&format!("/api/v1/photos/{}", "0".repeat(64)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let mut b = lamp(51.0335, 17.15);
    b["photo_ids"] = json!(ids);
    let r = post_report(&t, &token, &uuid(), &b).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.json()["photos"][1]["url"],
        format!("/api/v1/photos/{}", ids[1])
    );
}

#[tokio::test]
async fn workflow_moves_replies_notes_duplicates_and_audit() {
    let t = app_with_demo().await;
    let (a, b) = (device(&t).await, device(&t).await);
    let orig = post_report(&t, &a, &uuid(), &lamp(51.0335, 17.15))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let dup = post_report(&t, &b, &uuid(), &lamp(51.03351, 17.15))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let disp = t.official(Role::Dispatcher).await;
    let editor = t.official(Role::Editor).await;
    let status = |id: i64, body: Value, tok: String| {
        let t = &t;
        async move {
            t.call(
                "POST",
                &format!("/api/v1/reports/{id}/status"),
                Some(&tok),
                Some(body),
            )
            .await
        }
    };
    assert_eq!(
        status(orig, json!({"status": "accepted"}), editor.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(orig, json!({"status": "accepted"}), "x".into())
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let audit0 = t.audit_len().await;
    let r = status(orig, json!({"status": "resolved"}), disp.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "conflict".into()),
        "new -> resolved is not a move"
    );
    let r = status(orig, json!({"status": "accepted", "public_reply": "Przyjęliśmy, dziękujemy.", "internal_note": "Zlecić firmie ABC."}), disp.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json()["history"][1]["public_reply"],
        "Przyjęliśmy, dziękujemy."
    );
    assert!(!r.text().contains("ABC"), "internal notes are not public");
    assert_eq!(
        status(orig, json!({"status": "in_progress"}), disp.clone())
            .await
            .status,
        StatusCode::OK
    );
    // Duplicate: needs an existing other report; followers move.
    assert_eq!(
        status(dup, json!({"status": "duplicate"}), disp.clone())
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let r = status(
        dup,
        json!({"status": "duplicate", "duplicate_of": 999999}),
        disp.clone(),
    )
    .await;
    assert_eq!(r.json()["field"], "duplicate_of");
    let r = status(
        dup,
        json!({"status": "duplicate", "duplicate_of": dup}),
        disp.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = status(dup, json!({"status": "duplicate", "duplicate_of": orig, "public_reply": "To samo co wcześniejsze zgłoszenie."}), disp.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (
            r.json()["duplicate_of"].as_i64(),
            r.json()["followers"].as_i64()
        ),
        (Some(orig), Some(0))
    );
    assert_eq!(
        t.get(&format!("/api/v1/reports/{orig}")).await.json()["followers"],
        2
    );
    let mine_b = t
        .call("GET", "/api/v1/reports/mine", Some(&b), None)
        .await
        .json();
    assert!(
        mine_b.as_array().unwrap().iter().any(|r| r["id"] == orig),
        "b now follows the original"
    );
    assert_eq!(
        status(dup, json!({"status": "accepted"}), disp.clone())
            .await
            .status,
        StatusCode::CONFLICT
    );
    // Internal view: officials only, with contact and notes.
    let i = t
        .call(
            "GET",
            &format!("/api/v1/reports/{orig}/internal"),
            Some(&disp),
            None,
        )
        .await;
    assert_eq!(i.status, StatusCode::OK);
    assert_eq!(i.json()["contact"]["email"], "jan.sekretny@example.pl");
    assert_eq!(i.json()["notes"][0]["note"], "Zlecić firmie ABC.");
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/reports/{orig}/internal"),
            Some(&editor),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Three successful moves, three audit rows (failed ones wrote none).
    assert_eq!(t.audit_len().await, audit0 + 3);
    let admin = t.official(Role::Admin).await;
    let audit = t
        .call("GET", "/api/v1/audit?limit=10", Some(&admin), None)
        .await
        .json();
    let statuses: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "report.status")
        .collect();
    assert_eq!(statuses.len(), 3);
    assert_eq!(statuses[0]["details"]["to"], "duplicate");
}

#[tokio::test]
async fn categories_are_defaults_published_and_admin_managed() {
    let t = TestApp::new().await;
    let cats = t.get("/api/v1/report-categories").await.json();
    let ids: Vec<&str> = cats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["street_lamp", "road_damage", "barrier", "other"]);
    assert_eq!(cats[0]["name_pl"], "Awaria latarni");
    assert_eq!(cats[0]["target_hours"], 72);
    let kinds: Vec<&str> = cats[0]["attributes"][1]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["not_lit", "flickers", "lit_by_day", "damaged_pole"]);
    let sync = t.get("/api/v1/sync?cursor=0&limit=1000").await.json();
    let published = sync["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["item"]["collection"] == "report_categories")
        .count();
    assert_eq!(published, 4, "{sync}");

    let admin = t.official(Role::Admin).await;
    let disp = t.official(Role::Dispatcher).await;
    let new = json!({"id": "graffiti", "name_pl": "Graffiti", "name_en": "Graffiti", "active": true, "target_hours": 240});
    assert_eq!(
        t.call(
            "POST",
            "/api/v1/report-categories",
            Some(&disp),
            Some(new.clone())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.call(
            "POST",
            "/api/v1/report-categories",
            Some(&admin),
            Some(new.clone())
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        t.call(
            "POST",
            "/api/v1/report-categories",
            Some(&admin),
            Some(new.clone())
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let mut bad = new.clone();
    bad["id"] = json!("Bad Id");
    assert_eq!(
        t.call("POST", "/api/v1/report-categories", Some(&admin), Some(bad))
            .await
            .json()["field"],
        "id"
    );
    let mut off = new.clone();
    off["active"] = json!(false);
    assert_eq!(
        t.call(
            "PUT",
            "/api/v1/report-categories/graffiti",
            Some(&admin),
            Some(off.clone())
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        t.call(
            "PUT",
            "/api/v1/report-categories/nope",
            Some(&admin),
            Some(off)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // An inactive category takes no reports.
    let token = device(&t).await;
    let mut b = lamp(51.0335, 17.15);
    b["category"] = json!("graffiti");
    b["answers"] = json!({});
    assert_eq!(
        post_report(&t, &token, &uuid(), &b).await.json()["field"],
        "category"
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_spare_retries() {
    let t = app_with_demo().await;
    t.state.limits.configure(Limits {
        device_per_hour: 2,
        ip_per_hour: 1000,
    });
    let token = device(&t).await;
    let key = uuid();
    assert_eq!(
        post_report(&t, &token, &key, &lamp(51.0335, 17.15))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        post_report(&t, &token, &key, &lamp(51.0335, 17.15))
            .await
            .status,
        StatusCode::CREATED,
        "a retry is free"
    );
    assert_eq!(
        post_report(&t, &token, &uuid(), &lamp(51.0335, 17.15))
            .await
            .status,
        StatusCode::CREATED
    );
    let r = post_report(&t, &token, &uuid(), &lamp(51.0335, 17.15)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into())
    );
    let after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1800).contains(&after), "{after}");
    assert_eq!(
        t.call("POST", "/api/v1/reports/1/follow", Some(&token), None)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // After a restart-like forgetting, a retry of an answered key still passes.
    t.state.limits.configure(Limits {
        device_per_hour: 0,
        ip_per_hour: 1000,
    });
    assert_eq!(
        post_report(&t, &token, &key, &lamp(51.0335, 17.15))
            .await
            .status,
        StatusCode::CREATED
    );
    // Per IP: another device behind the same address.
    t.state.limits.configure(Limits {
        device_per_hour: 100,
        ip_per_hour: 1,
    });
    for (n, expect) in [(0, StatusCode::CREATED), (1, StatusCode::TOO_MANY_REQUESTS)] {
        let tok = device(&t).await;
        let mut req = Request::builder()
            .method("POST")
            .uri("/api/v1/reports")
            .header("authorization", format!("Bearer {tok}"))
            .header("idempotency-key", format!("ip-{n}"))
            .header("content-type", "application/json")
            .body(Body::from(lamp(51.0335, 17.15).to_string()))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from((
                [10, 1, 2, 3],
                5555,
            ))));
        assert_eq!(t.send(req).await.status, expect);
    }
}

#[tokio::test]
async fn no_personal_data_in_any_public_answer_or_the_sync_feed() {
    let t = app_with_demo().await;
    let token = device(&t).await;
    let r = post_report(&t, &token, &uuid(), &lamp(51.0335, 17.15)).await;
    let id = r.json()["id"].as_i64().unwrap();
    let disp = t.official(Role::Dispatcher).await;
    t.call(
        "POST",
        &format!("/api/v1/reports/{id}/status"),
        Some(&disp),
        Some(json!({"status": "accepted", "internal_note": "Sekretny numer"})),
    )
    .await;
    let form = format!(
        "api_key={token}&service_code=other&lat=51.0335&long=17.15&description=Dziura+w+chodniku+obok+sklepu&email=jan.sekretny%40example.pl&first_name=Jan&last_name=Sekretny&phone=600111222"
    );
    let req = Request::builder()
        .method("POST")
        .uri("/open311/v2/requests.json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    assert_eq!(t.send(req).await.status, StatusCode::CREATED);
    for uri in [
        format!("/api/v1/reports/{id}"),
        "/api/v1/reports".into(),
        "/api/v1/reports/near?lat=51.0335&lon=17.15".into(),
        "/api/v1/sync?cursor=0&limit=1000".into(),
        "/open311/v2/requests.json".into(),
        "/open311/v2/requests.xml".into(),
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/requests/{id}.xml"),
    ] {
        let r = t.get(&uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(r.text().contains("51.0335"), "{uri} shows the report");
        assert_no_personal_data(&uri, &without_places(&uri, &r.text()));
        for p in &PERSONAL[..3] {
            assert!(!r.text().contains(p), "{uri} leaks {p}");
        }
    }
    // "mine" is the device's own view, still without personal data.
    assert_no_personal_data(
        "mine",
        &t.call("GET", "/api/v1/reports/mine", Some(&token), None)
            .await
            .text(),
    );
}

//! The residents' taxes API (issue 14, docs/TAXES.md), in process on the
//! test backend's store: linking by activation code and its lock-out,
//! isolation (a device linked to one taxpayer reads nothing of another by
//! any id, an unlinked device reads nothing, another gmina's device
//! nothing), bad input refused with nothing changed, and no tax figure,
//! taxpayer id, name or code in the log lines the test wrote.

use crate::taxes_support;

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::Duration;
use mm_protocol::taxes::PaymentStatus;
use mm_server::payments::{Gateway, p24};
use mm_server::store::taxes::{NewPayment, PaymentFilter, PaymentUpdate};
use serde_json::{Value, json};
use taxes_support::*;

/// A gateway nobody answers at: payments are enabled, and every check
/// before the registration is reached.
fn unreachable_gateway() -> Arc<Gateway> {
    Arc::new(Gateway {
        provider: "p24",
        client: p24::P24Client::new("http://127.0.0.1:9", std::time::Duration::from_millis(300)).unwrap(),
        credentials: p24::CredentialsFile::One(p24::Credentials {
            merchant_id: 1,
            pos_id: 1,
            api_key: "k".into(),
            crc: "c".into(),
            email: None,
        }),
        time_limit_minutes: 15,
    })
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_code_links_once_and_five_wrong_codes_lock_the_device() {
    let (logs, _guard) = Logs::capture();
    let w = World::new().await;
    let dev = w.device(A).await;
    // Czernica's code is no code in Siechnice; a malformed one counts too.
    for code in [w.code_b1.as_str(), "XXXX-XXXX-XXXX", "nie-kod", "ABCD-EFGH-JKLM", "2345-6789-ABCD"] {
        let r = w.call(None, "POST", "/api/v1/taxes/link", Some(&dev), Some(json!({"code": code})), None).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_activation_code".into()), "{}", r.text());
        assert!(r.json()["message"]["pl"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Locked: even the right code is not looked at, nothing is linked.
    let r = w.call(None, "POST", "/api/v1/taxes/link", Some(&dev), Some(json!({"code": w.code_a1})), None).await;
    assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "activation_locked".into()), "{}", r.text());
    let retry: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "Retry-After {retry}");
    assert_eq!(w.get("/api/v1/taxes/taxpayers", &dev).await.json(), json!([]));
    let r = w.get("/api/v1/taxes/liabilities", &dev).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["liabilities"], json!([]));

    // Another device is not locked by this one's failures.
    let other = w.device(A).await;
    // After the lock, the code (typed loosely: lower case, no dashes) links.
    w.t.advance(Duration::minutes(16));
    let loose = w.code_a1.to_lowercase();
    let r = w.call(None, "POST", "/api/v1/taxes/link", Some(&dev), Some(json!({"code": loose})), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), json!({"id": TP_A1, "name": NAME_A1}));
    // A code links one device, once.
    let r = w.call(None, "POST", "/api/v1/taxes/link", Some(&other), Some(json!({"code": w.code_a1})), None).await;
    assert_eq!(r.code(), "invalid_activation_code");
    // A household: a second taxpayer on the same device.
    let r = w.call(None, "POST", "/api/v1/taxes/link", Some(&dev), Some(json!({"code": w.code_a2})), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w.get("/api/v1/taxes/taxpayers", &dev).await;
    let mut linked = ids(&json!({"x": r.json()}), "x");
    linked.sort();
    assert_eq!(linked, vec![TP_A2.to_owned(), TP_A1.to_owned()]);
    assert_eq!(ids(&w.get("/api/v1/taxes/liabilities", &dev).await.json(), "liabilities").len(), 3);

    // Unlinking one, then all: access goes with it.
    let r = w.call(None, "DELETE", &format!("/api/v1/taxes/link/{TP_A2}"), Some(&dev), None, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(ids(&json!({"x": w.get("/api/v1/taxes/taxpayers", &dev).await.json()}), "x"), vec![TP_A1.to_owned()]);
    assert_eq!(w.get("/api/v1/taxes/liabilities/L-A2-1", &dev).await.status, StatusCode::NOT_FOUND);
    let r = w.call(None, "DELETE", "/api/v1/taxes/link", Some(&dev), None, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = w.get("/api/v1/taxes/liabilities", &dev).await.json();
    assert_eq!((r["taxpayers"].clone(), r["liabilities"].clone()), (json!([]), json!([])));
    assert_eq!(w.get("/api/v1/taxes/liabilities/L-A1-1", &dev).await.status, StatusCode::NOT_FOUND);
    // Without a device token: 401.
    let r = w.call(Some(A), "POST", "/api/v1/taxes/link", None, Some(json!({"code": w.code_a2})), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    logs.assert_free_of(&[TP_A1, TP_A2, NAME_A1, NAME_A2, &w.code_a1, &w.code_a2, &w.code_b1, "Wężykowska", "Żurawski"]);
}

#[tokio::test]
async fn a_device_reads_its_own_taxpayers_and_nothing_else_by_any_id() {
    let (logs, _guard) = Logs::capture();
    let w = World::new().await;
    let dev_a1 = w.linked(A, &w.code_a1).await;
    let dev_a2 = w.linked(A, &w.code_a2).await;
    let dev_b1 = w.linked(B, &w.code_b1).await;
    let unlinked = w.device(A).await;

    // Its own: two liabilities with their figures as of the day asked.
    let r = w.get("/api/v1/taxes/liabilities?as_of=2025-06-20", &dev_a1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = r.json();
    assert_eq!(body["as_of"], "2025-06-20");
    assert_eq!(body["recipient"], json!({"name": "Gmina Siechnice", "nip": NIP}));
    assert_eq!(body["taxpayers"], json!([{"id": TP_A1, "name": NAME_A1}]));
    assert_eq!(ids(&body, "liabilities"), vec!["L-A1-1", "L-A1-2"]);
    assert!(body["rules"]["rates"].as_array().is_some_and(|r| !r.is_empty()), "{}", body["rules"]);
    let l = &body["liabilities"][0];
    // 15 March 2025 is a Saturday: the deadline moves to Monday 17 March.
    assert_eq!(l["effective_due_date"], "2025-03-17");
    assert_eq!(l["due_date"], "2025-03-15");
    assert_eq!(l["remaining_grosze"], AMOUNT_A1);
    let interest = l["interest_grosze"].as_i64().unwrap();
    assert!(interest > 0 && interest % 100 == 0, "whole złoty of interest: {interest}");
    assert_eq!(l["total_grosze"], AMOUNT_A1 + interest);
    assert_eq!(l["status"], "overdue");
    let payload = l["zbp"]["payload"].as_str().unwrap();
    assert!(payload.starts_with(&format!("{NIP}|PL|{}|", account("L-A1-1".bytes().map(u32::from).sum()))), "{payload}");
    // Above 9,999.99 zł the code carries no amount.
    assert_eq!(l["zbp"]["amount_grosze"], Value::Null);
    assert_eq!(body["liabilities"][1]["status"], "upcoming");
    assert_eq!(body["payments_enabled"], false);
    let one = w.get("/api/v1/taxes/liabilities/L-A1-1?as_of=2025-06-20", &dev_a1).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(&one.json(), l);

    // A payment of A2's (made in the store, paid), to be aimed at.
    let a2_device = mm_server::devices::auth::device_by_token(&mm_server::tenant::scoped(&w.t.state, &mm_protocol::gmina::Teryt::parse(A).unwrap()), &dev_a2)
        .await
        .unwrap()
        .unwrap();
    let store_a = w.t.store.for_gmina(&mm_protocol::gmina::Teryt::parse(A).unwrap());
    let pay_id = uuid::Uuid::new_v4().to_string();
    let now = chrono::Utc::now();
    store_a
        .create_payment(
            NewPayment {
                id: pay_id.clone(),
                device_id: a2_device.id.clone(),
                liability: "L-A2-1".into(),
                amount_grosze: 10_000,
                provider: "p24".into(),
                idempotency_key: "k-1".into(),
                request_hash: "h".into(),
                now,
            },
            None,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(store_a.update_payment(&pay_id, PaymentUpdate::Paid { order_id: 4242, at: now }, now).await.unwrap());
    // Its owner reads it and its receipt (no PESEL, no name on it).
    let r = w.get(&format!("/api/v1/taxes/payments/{pay_id}"), &dev_a2).await;
    assert_eq!((r.status, r.json()["status"].clone()), (StatusCode::OK, json!("paid")), "{}", r.text());
    let r = w.get(&format!("/api/v1/taxes/payments/{pay_id}/receipt"), &dev_a2).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    let receipt = r.text();
    assert!(receipt.contains("Siechnice") && receipt.contains("4242") && receipt.contains(&pay_id) && receipt.contains("100,00"), "{receipt}");
    assert!(!receipt.contains(TP_A2) && !receipt.contains(NAME_A2), "{receipt}");

    // Every id of another taxpayer, from a linked and an unlinked device: 404.
    for (who, token) in [("A1's device", &dev_a1), ("an unlinked device", &unlinked)] {
        for uri in [
            "/api/v1/taxes/liabilities/L-A2-1".to_owned(),
            "/api/v1/taxes/liabilities/L-B1-1".to_owned(),
            format!("/api/v1/taxes/payments/{pay_id}"),
            format!("/api/v1/taxes/payments/{pay_id}/receipt"),
        ] {
            let r = w.get(&uri, token).await;
            assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found".into()), "{who} {uri}: {}", r.text());
        }
    }
    let r = w.get("/api/v1/taxes/liabilities/L-A1-1", &unlinked).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w.get("/api/v1/taxes/liabilities", &unlinked).await.json();
    assert_eq!((r["taxpayers"].clone(), r["liabilities"].clone()), (json!([]), json!([])));
    assert_eq!(w.get("/api/v1/taxes/taxpayers", &unlinked).await.json(), json!([]));
    // Unlinking a taxpayer it is not linked to changes nothing.
    let r = w.call(None, "DELETE", &format!("/api/v1/taxes/link/{TP_A1}"), Some(&dev_a2), None, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(ids(&w.get("/api/v1/taxes/liabilities", &dev_a1).await.json(), "liabilities").len(), 2);

    // Another gmina: B's device sees B only; aimed at A (header), its token is not A's.
    assert_eq!(ids(&w.get("/api/v1/taxes/liabilities", &dev_b1).await.json(), "liabilities"), vec!["L-B1-1"]);
    for uri in ["/api/v1/taxes/liabilities/L-A1-1", "/api/v1/taxes/liabilities"] {
        let r = w.call(Some(A), "GET", uri, Some(&dev_b1), None, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}: {}", r.text());
    }
    let r = w.call(Some(B), "GET", &format!("/api/v1/taxes/payments/{pay_id}"), Some(&dev_b1), None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w.call(Some(B), "GET", "/api/v1/taxes/liabilities/L-A1-1", Some(&dev_b1), None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The rules are public, per gmina.
    let r = w.call(Some(B), "GET", "/api/v1/taxes/rules", None, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["thresholds"].is_array(), "{}", r.text());

    let interest_text = interest.to_string();
    logs.assert_free_of(&[
        TP_A1, TP_A2, TP_B1, NAME_A1, NAME_A2, NAME_B1, &w.code_a1, &w.code_a2, &w.code_b1,
        &AMOUNT_A1.to_string(), &AMOUNT_A2.to_string(), &AMOUNT_B1.to_string(), "98765", "98 765", &interest_text,
    ]);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let (logs, _guard) = Logs::capture();
    let mut w = World::new().await;
    let dev = w.linked(A, &w.code_a1).await;
    for bad in ["2025-6-20", "20.06.2025", "2025-02-30", "2025-06-20T00:00:00Z", "jutro", ""] {
        let r = w.get(&format!("/api/v1/taxes/liabilities?as_of={bad}"), &dev).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_query".into()), "{bad}: {}", r.text());
        let r = w.get(&format!("/api/v1/taxes/liabilities/L-A1-1?as_of={bad}"), &dev).await;
        assert_eq!(r.code(), "invalid_query", "{bad}");
    }
    let r = w.get("/api/v1/taxes/liabilities?as_of=2025-06-20&asof=x", &dev).await;
    assert_eq!(r.code(), "invalid_query");

    // No gateway: 503 payments_disabled (the QR transfer remains).
    let pay = |amount: Value| json!({"liability": "L-A1-1", "amount_grosze": amount});
    let r = w.call(None, "POST", "/api/v1/taxes/payments", Some(&dev), Some(pay(json!(100))), Some("key-0")).await;
    assert_eq!((r.status, r.code()), (StatusCode::SERVICE_UNAVAILABLE, "payments_disabled".into()), "{}", r.text());

    w.t.state.payments = Some(unreachable_gateway());
    w.t.app = mm_server::app(w.t.state.clone());
    let total = w.get("/api/v1/taxes/liabilities/L-A1-1", &dev).await.json()["total_grosze"].as_i64().unwrap();
    let cases: Vec<(Value, Option<&str>, StatusCode, &str)> = vec![
        (pay(json!(12.5)), Some("key-1"), StatusCode::BAD_REQUEST, "malformed_json"),
        (pay(json!("100")), Some("key-2"), StatusCode::BAD_REQUEST, "malformed_json"),
        (pay(json!(-100)), Some("key-3"), StatusCode::BAD_REQUEST, "invalid_field"),
        (pay(json!(0)), Some("key-4"), StatusCode::BAD_REQUEST, "invalid_field"),
        (pay(json!(total + 1)), Some("key-5"), StatusCode::BAD_REQUEST, "invalid_field"),
        (json!({"liability": "L-A2-1", "amount_grosze": 100}), Some("key-6"), StatusCode::NOT_FOUND, "not_found"),
        (json!({"liability": "nie-ma", "amount_grosze": 100}), Some("key-7"), StatusCode::NOT_FOUND, "not_found"),
        (json!({"liability": "L-A1-1"}), Some("key-8"), StatusCode::BAD_REQUEST, "malformed_json"),
        (pay(json!(100)), None, StatusCode::BAD_REQUEST, "invalid_field"),
    ];
    for (body, key, status, code) in cases {
        let r = w.call(None, "POST", "/api/v1/taxes/payments", Some(&dev), Some(body.clone()), key).await;
        assert_eq!((r.status, r.code()), (status, code.into()), "{body} {key:?}: {}", r.text());
        assert!(r.json()["message"]["en"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let r = w.call(None, "POST", "/api/v1/taxes/payments", Some(&dev), Some(pay(json!(100))), None).await;
    assert_eq!(r.json()["field"], "Idempotency-Key");
    let r = w.call(None, "POST", "/api/v1/taxes/payments", Some(&dev), Some(pay(json!(total + 1))), Some("key-9")).await;
    assert_eq!(r.json()["field"], "amount_grosze");
    // Nothing was created.
    let store_a = w.t.store.for_gmina(&mm_protocol::gmina::Teryt::parse(A).unwrap());
    assert!(store_a.payments(PaymentFilter { limit: 100, ..Default::default() }).await.unwrap().is_empty());

    // A gateway that does not answer: 502, the payment kept pending.
    let r = w.call(None, "POST", "/api/v1/taxes/payments", Some(&dev), Some(pay(json!(total))), Some("key-10")).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_GATEWAY, "gateway_unavailable".into()), "{}", r.text());
    let all = store_a.payments(PaymentFilter { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].status, all[0].gateway_token.clone()), (PaymentStatus::Pending, None));

    logs.assert_free_of(&[TP_A1, NAME_A1, &w.code_a1, &AMOUNT_A1.to_string(), &total.to_string()]);
}

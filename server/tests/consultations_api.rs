//! The residents' consultations API (issue 15, `consultations/routes.rs`),
//! in process on the test backend's store: drafts are not public, one
//! answer per device (the same request replayed, another refused), answers
//! checked against the questions with the field named, nothing accepted
//! outside the dates, and the summary only once published, with approved
//! free texts only.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::{Resp, TestApp};
use mm_protocol::consultations::{Consultation, ConsultationStatus, Question, QuestionKind, RespondentRule};
use mm_protocol::gmina::Teryt;
use mm_server::store::consultations::ModerationState;
use mm_server::store::{Actor, Store};
use serde_json::{Value, json};
use std::sync::Arc;

const A: &str = "0223083";

fn official() -> Actor {
    Actor("consultation-official".into())
}

async fn app() -> (TestApp, Arc<dyn Store>) {
    let t = TestApp::new().await;
    let g = common::gmina_record(A, "Siechnice");
    t.store.add_gmina(official(), g, t.state.clock.now()).await.unwrap();
    t.state.limits.configure(mm_server::reports::ratelimit::Limits { device_per_hour: 10_000, ip_per_hour: 10_000 });
    let a = t.store.for_gmina(&Teryt::parse(A).unwrap());
    (t, a)
}

fn survey(t: &TestApp, anonymous: bool) -> Consultation {
    let now = t.state.clock.now();
    Consultation {
        id: 0,
        title: "Park przy ul. Kościuszki".into(),
        description: "Co ma powstać w parku?".into(),
        opens_at: now - Duration::days(1),
        closes_at: now + Duration::days(1),
        area: None,
        attachments: vec![],
        questions: vec![
            Question {
                id: "q1".into(),
                text: "Co wolisz?".into(),
                help: String::new(),
                required: true,
                kind: QuestionKind::Single { options: vec!["Plac zabaw".into(), "Siłownia".into()] },
            },
            Question {
                id: "q2".into(),
                text: "Uwagi".into(),
                help: String::new(),
                required: false,
                kind: QuestionKind::LongText { max_chars: 2000 },
            },
        ],
        respondents: RespondentRule::PerDevice,
        verification: Default::default(),
        anonymous,
        status: ConsultationStatus::Draft,
    }
}

async fn send(t: &TestApp, method: &str, uri: &str, token: Option<&str>, body: Option<Value>, key: Option<&str>) -> Resp {
    let mut b = Request::builder().method(method).uri(uri).header("MM-Gmina", A);
    if let Some(tk) = token {
        b = b.header("authorization", format!("Bearer {tk}"));
    }
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    let req = match body {
        Some(v) => b.header("content-type", "application/json").body(Body::from(v.to_string())).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    t.send(req).await
}

async fn device(t: &TestApp) -> String {
    let r = send(t, "POST", "/api/v1/devices", None, Some(json!({"platform": "android", "app_version": "1.0.0"})), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

fn body(option: u16, text: &str) -> Value {
    let mut answers = vec![json!({"question": "q1", "value": {"type": "single", "option": option}})];
    if !text.is_empty() {
        answers.push(json!({"question": "q2", "value": {"type": "text", "text": text}}));
    }
    json!({ "answers": answers })
}

#[tokio::test]
async fn one_answer_per_device_checked_replayed_and_published_with_approved_texts() {
    let (t, a) = app().await;
    let now = t.state.clock.now();
    let draft = a.save_consultation(official(), survey(&t, true), now).await.unwrap();
    let c = a.save_consultation(official(), survey(&t, true), now).await.unwrap();
    let c = a.set_status(official(), c.id, ConsultationStatus::Open, now).await.unwrap();

    // Drafts are not public.
    let r = send(&t, "GET", "/api/v1/consultations", None, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let listed: Vec<i64> = r.json().as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(listed, [c.id]);
    assert_eq!(send(&t, "GET", &format!("/api/v1/consultations/{}", draft.id), None, None, None).await.status, StatusCode::NOT_FOUND);
    let r = send(&t, "GET", &format!("/api/v1/consultations/{}", c.id), None, None, None).await;
    assert_eq!((r.status, r.json()["status"].clone()), (StatusCode::OK, json!("open")));

    let dev = device(&t).await;
    let uri = format!("/api/v1/consultations/{}/responses", c.id);
    // No device: 401; no key: 400; a draft: 404.
    assert_eq!(send(&t, "POST", &uri, None, Some(body(0, "")), Some("k1")).await.status, StatusCode::UNAUTHORIZED);
    let r = send(&t, "POST", &uri, Some(&dev), Some(body(0, "")), None).await;
    assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::BAD_REQUEST, json!("Idempotency-Key")));
    let r = send(&t, "POST", &format!("/api/v1/consultations/{}/responses", draft.id), Some(&dev), Some(body(0, "")), Some("k0")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A value outside the question: 400 with its field, nothing stored.
    let r = send(&t, "POST", &uri, Some(&dev), Some(body(7, "")), Some("k1")).await;
    assert_eq!((r.status, r.code(), r.json()["field"].clone()), (StatusCode::BAD_REQUEST, "invalid_answer".into(), json!("questions[0]")));
    assert!(r.json()["message"]["pl"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(a.responses(c.id).await.unwrap().is_empty());

    let r = send(&t, "POST", &uri, Some(&dev), Some(body(1, "Więcej ławek")), Some("k1")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["replayed"], json!(false));
    assert!(r.json()["id"].is_string());
    // The same request again: replayed, with no id in anonymous mode.
    let r = send(&t, "POST", &uri, Some(&dev), Some(body(1, "Więcej ławek")), Some("k1")).await;
    assert_eq!((r.status, r.json()), (StatusCode::CREATED, json!({"replayed": true})));
    let r = send(&t, "POST", &uri, Some(&dev), Some(body(0, "")), Some("k1")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "idempotency_conflict".into()));
    let r = send(&t, "POST", &uri, Some(&dev), Some(body(0, "")), Some("k2")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "already_answered".into()));
    let other = device(&t).await;
    let r = send(&t, "POST", &uri, Some(&other), Some(body(0, "Spam")), Some("k1")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(a.responses(c.id).await.unwrap().len(), 2);
    // The stored key is neither the device id nor its token.
    let keys = t.sql().int("SELECT COUNT(*) FROM consultation_respondents", &[]);
    assert_eq!(keys, 2);

    // Not published yet: no summary.
    let summary = format!("/api/v1/consultations/{}/summary", c.id);
    let r = send(&t, "GET", &summary, None, None, None).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "results_not_published".into()));
    // After the end: phase_closed, and the status residents see is closed.
    t.advance(Duration::days(2));
    let late = device(&t).await;
    let r = send(&t, "POST", &uri, Some(&late), Some(body(0, "")), Some("k1")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "phase_closed".into()));
    let r = send(&t, "GET", &format!("/api/v1/consultations/{}", c.id), None, None, None).await;
    assert_eq!(r.json()["status"], json!("closed"));

    let now = t.state.clock.now();
    a.set_status(official(), c.id, ConsultationStatus::Published, now).await.unwrap();
    let texts = a.text_answers(c.id, ModerationState::Pending).await.unwrap();
    for tx in &texts {
        a.moderate(official(), &tx.id, tx.text != "Spam", now).await.unwrap();
    }
    let r = send(&t, "GET", &summary, None, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json();
    assert_eq!(s["summary"]["respondents"], json!(2));
    assert_eq!(s["summary"]["questions"][0]["tally"], json!({"type": "single", "counts": [1, 1]}));
    assert_eq!(s["texts"], json!([{"question": "q2", "text": "Więcej ławek"}]));
    assert!(!r.text().contains("Spam"), "a rejected text is not published");
}

//! Consultations in the core against a loopback HTTP server speaking the
//! routes (`/api/v1/consultations/...`), with a real store file.

use chrono::{Duration, Utc};
use mm_protocol::consultations::{Answer, AnswerValue, Answers, Consultation, MatrixCell};
use serde_json::{Value, json};

use super::model::ResponseState;
use crate::testing::*;
use crate::{Core, CoreError};

/// JSON as the server sends it (fields the wire adds later default).
fn consultation(id: i64, status: &str, open: bool) -> Value {
    let now = Utc::now();
    let (opens, closes) = if open {
        (now - Duration::days(1), now + Duration::days(9))
    } else {
        (now - Duration::days(40), now - Duration::days(10))
    };
    json!({
        "id": id, "title": format!("Konsultacje {id}"), "description": "Opis.",
        "opens_at": opens, "closes_at": closes, "respondents": "per_device", "anonymous": true, "status": status,
        "questions": [
            {"id": "czestosc", "text": "Jak często?", "required": true,
             "kind": {"type": "single", "options": ["Codziennie", "Co tydzień", "Rzadziej"]}},
            {"id": "potrzeby", "text": "Czego brakuje?", "required": false,
             "kind": {"type": "multiple", "options": ["Ławek", "Oświetlenia", "Toalety"], "max": 2}},
            {"id": "ocena", "text": "Oceń", "required": false,
             "kind": {"type": "matrix", "rows": ["Czystość", "Zieleń"], "columns": ["Źle", "Dobrze"], "multiple": false}},
            {"id": "nazwa", "text": "Nazwa", "required": false, "kind": {"type": "short_text", "max_chars": 20}}
        ]
    })
}

fn list() -> Value {
    json!([consultation(1, "open", true), consultation(2, "published", false)])
}

fn summary() -> Value {
    json!({"summary": {"consultation": 2, "respondents": 4, "questions": [
        {"question": "czestosc", "answered": 4, "tally": {"type": "single", "counts": [1, 3, 0]}},
        {"question": "potrzeby", "answered": 2, "tally": {"type": "multiple", "counts": [2, 1, 0]}},
        {"question": "ocena", "answered": 1, "tally": {"type": "matrix", "cells": [[0, 1], [1, 0]]}},
        {"question": "nazwa", "answered": 2, "tally": {"type": "text"}}
    ]}, "texts": [{"question": "nazwa", "text": "Park nad Odrą"}]})
}

async fn fetched(dir: &tempfile::TempDir, server: &FakeServer) -> Core {
    server
        .reply(Reply::Json(201, json!({"device_id": "dev-1", "token": "tok-1"})))
        .reply(Reply::Json(200, list()))
        .reply(Reply::Json(200, summary()));
    let core = Core::open(config(dir, &server.url)).unwrap();
    core.consultations().refresh().await.unwrap();
    core
}

fn posts(server: &FakeServer) -> Vec<Recorded> {
    server.requests().into_iter().filter(|r| r.target == "/api/v1/consultations/1/responses").collect()
}

fn due_now(core: &Core) {
    core.store.write(|tx| Ok(tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?)).unwrap();
}

#[tokio::test]
async fn the_list_detail_and_summary_are_read_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server).await;
    let reqs = server.requests();
    assert!(reqs.iter().any(|r| r.target == "/api/v1/consultations" && r.header("mm-gmina") == Some("0223083")));
    drop(core);
    drop(server);

    let core = Core::open(config(&dir, "http://127.0.0.1:9")).unwrap();
    assert_eq!(core.consultations().refresh().await.unwrap_err().code(), "network");
    let l = core.consultations().list().unwrap();
    assert_eq!(l.consultations.iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 2], "open first");
    assert!(l.consultations[0].accepts_answers && l.consultations[0].status_text.starts_with("Trwa do"));
    assert!(!l.consultations[1].accepts_answers && l.consultations[1].summary_published);
    assert!(l.fetched_text.starts_with("Stan na"));
    let d = core.consultations().detail(1).unwrap();
    assert_eq!(d.questions.len(), 4);
    assert_eq!(d.questions[1].hint_text, "Wybierz najwyżej 2.");
    assert!(d.questions[0].hint_text.ends_with("(wymagane)"));
    assert!(d.rules_text.contains("anonimowe"));
    assert!(!d.draft.ok, "a required question is unanswered");

    let s = core.consultations().summary(2).unwrap().unwrap();
    assert_eq!(s.respondents_text, "4 osoby odpowiedziały");
    let q = &s.questions[0];
    assert_eq!((q.lines[1].label.as_str(), q.lines[1].count, q.lines[1].text.as_str()), ("Co tydzień", 3, "3 (75,0%)"));
    assert_eq!(s.questions[2].lines[1].label, "Czystość: Dobrze");
    assert_eq!(s.questions[3].texts, vec!["Park nad Odrą".to_owned()]);
    assert!(core.consultations().summary(1).unwrap().is_none());
    assert_eq!(core.consultations().detail(3).unwrap_err().code(), "not_found");
}

#[tokio::test]
async fn answers_are_checked_as_they_are_given_and_nothing_invalid_is_queued() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server).await;
    let c = core.consultations();
    for (q, v, field) in [
        ("czestosc", AnswerValue::Single { option: 3 }, "questions[0]"),
        ("potrzeby", AnswerValue::Multiple { options: vec![0, 1, 2] }, "questions[1]"),
        ("czestosc", AnswerValue::Text { text: "x".into() }, "questions[0]"),
        (
            "ocena",
            AnswerValue::Matrix { cells: vec![MatrixCell { row: 0, column: 0 }, MatrixCell { row: 0, column: 1 }] },
            "questions[2]",
        ),
        ("nazwa", AnswerValue::Text { text: "a".repeat(21) }, "questions[3]"),
        ("nazwa", AnswerValue::Text { text: "dwie\nlinie".into() }, "questions[3]"),
        ("nieznane", AnswerValue::Single { option: 0 }, "question"),
    ] {
        let e = c.set_answer(1, q, v).unwrap_err();
        assert!(matches!(&e, CoreError::InvalidInput { field: f, .. } if f == field), "{q}: {e:?}");
    }
    assert_eq!(c.draft(1).unwrap().answered, 0, "the draft stays as it was");

    // An optional answer only: the required one is missing at sending.
    let d = c.set_answer(1, "potrzeby", AnswerValue::Multiple { options: vec![2, 0] }).unwrap();
    assert_eq!(d.answered, 1);
    assert_eq!(d.problems[0].field.as_deref(), Some("questions[0]"));
    let e = c.submit(1).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidInput { field, .. } if field == "questions[0]"), "{e:?}");
    assert_eq!(core.status().unwrap().pending_writes, 0);
    assert!(posts(&server).is_empty());

    // A closed one is refused before anything is queued.
    let e = c.set_answers(
        2,
        Answers { answers: vec![Answer { question: "czestosc".into(), value: AnswerValue::Single { option: 0 } }] },
    );
    assert!(e.is_ok(), "{e:?}");
    assert_eq!(c.submit(2).await.unwrap_err().code(), "phase_closed");
    // A file of answers: one bad answer refuses them all.
    let e = c
        .set_answers(
            1,
            Answers {
                answers: vec![
                    Answer { question: "czestosc".into(), value: AnswerValue::Single { option: 0 } },
                    Answer { question: "czestosc".into(), value: AnswerValue::Single { option: 1 } },
                ],
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(c.draft(1).unwrap().answered, 1);
    assert_eq!(core.status().unwrap().pending_writes, 0);
}

#[tokio::test]
async fn answers_given_offline_are_sent_once_and_a_second_response_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server).await;
    drop(core);

    let offline = Core::open(config(&dir, "http://127.0.0.1:9")).unwrap();
    let c = offline.consultations();
    c.set_answer(1, "czestosc", AnswerValue::Single { option: 1 }).unwrap();
    c.set_answer(1, "potrzeby", AnswerValue::Multiple { options: vec![2, 0] }).unwrap();
    c.set_answer(1, "nazwa", AnswerValue::Text { text: "  Park  ".into() }).unwrap();
    let d = c.draft(1).unwrap();
    assert!(d.ok, "{:?}", d.problems);
    let r = c.submit(1).await.unwrap();
    assert_eq!((r.state, r.answered), (ResponseState::Queued, 3));
    // Once from this device: refused before anything more is queued.
    assert_eq!(c.submit(1).await.unwrap_err().code(), "already_answered");
    assert!(!c.draft(1).unwrap().ok);
    assert_eq!(offline.status().unwrap().pending_writes, 1);
    assert_eq!(c.list().unwrap().consultations[0].response, Some(ResponseState::Queued));
    drop(offline);

    // Back online: a 500, then the 201; the same key both times.
    server.reply(Reply::Status(500)).reply(Reply::Json(201, json!({"id": "r-1", "replayed": false})));
    let core = Core::open(config(&dir, &server.url)).unwrap();
    due_now(&core);
    assert_eq!(core.flush_outbox().await.unwrap().pending, 1);
    assert_eq!(core.consultations().response(1).unwrap().unwrap().error_code.as_deref(), Some("internal"));
    due_now(&core);
    let f = core.flush_outbox().await.unwrap();
    assert_eq!((f.sent, f.pending, f.failed), (1, 0, 0));
    let p = posts(&server);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].header("idempotency-key"), p[1].header("idempotency-key"));
    assert_eq!(p[1].header("authorization"), Some("Bearer tok-1"));
    // Canonical: question order, options ascending, text trimmed.
    let body: Value = serde_json::from_str(&p[1].body).unwrap();
    assert_eq!(body["answers"][0]["question"], "czestosc");
    assert_eq!(body["answers"][1]["value"], json!({"type": "multiple", "options": [0, 2]}));
    assert_eq!(body["answers"][2]["value"]["text"], "Park");
    let r = core.consultations().response(1).unwrap().unwrap();
    assert_eq!((r.state, r.receipt_id.as_deref()), (ResponseState::Sent, Some("r-1")));
    assert_eq!(core.consultations().draft(1).unwrap().answered, 0, "the draft goes once the answers are taken");
    // Nothing left to send: a flush sends nothing again.
    assert_eq!(core.flush_outbox().await.unwrap().sent, 0);
    assert_eq!(posts(&server).len(), 2);
}

#[tokio::test]
async fn the_servers_refusal_is_final_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server).await;
    core.consultations().set_answer(1, "czestosc", AnswerValue::Single { option: 0 }).unwrap();
    server.reply(Reply::Json(
        409,
        json!({"code": "already_answered", "message": {"pl": "Już odpowiedziano.", "en": "Already answered."}}),
    ));
    let e = core.consultations().submit(1).await.unwrap_err();
    assert_eq!(e.code(), "already_answered");
    assert_eq!(e.message().pl, "Już odpowiedziano.");
    let s = core.status().unwrap();
    assert_eq!((s.pending_writes, s.failed_writes), (0, 0));
    let r = core.consultations().response(1).unwrap().unwrap();
    assert_eq!((r.state, r.error_code.as_deref()), (ResponseState::Refused, Some("already_answered")));
    assert_eq!(core.consultations().draft(1).unwrap().answered, 1, "kept after a refusal");
    assert_eq!(posts(&server).len(), 1);
    // The consultation itself was parsed as the wire has it.
    let c: Consultation = serde_json::from_value(consultation(1, "open", true)).unwrap();
    assert_eq!(c.questions.len(), 4);
}

// ---- per-person consultations (identity and SMS code) ----

const PESEL: &str = "44051401359";

/// Consultation 3: one answer per person, PESEL and names, SMS code.
fn verified() -> Value {
    let mut c = consultation(3, "open", true);
    c["respondents"] = json!("per_verified_person");
    c["verification"] = json!({"identity": "pesel", "sms": true});
    c
}

async fn fetched_verified(dir: &tempfile::TempDir, server: &FakeServer) -> Core {
    server
        .reply(Reply::Json(201, json!({"device_id": "dev-1", "token": "tok-1"})))
        .reply(Reply::Json(200, json!([consultation(1, "open", true), verified()])));
    let core = Core::open(config(dir, &server.url)).unwrap();
    core.consultations().refresh().await.unwrap();
    core
}

fn person(pesel: &str) -> mm_protocol::budget::model::IdentityInput {
    mm_protocol::budget::model::IdentityInput {
        first_name: "Jan".into(),
        last_name: "Kowalski".into(),
        pesel: Some(pesel.into()),
        address: None,
        phone: None,
    }
}

#[tokio::test]
async fn a_per_person_answer_carries_the_checked_identity_and_sms_code_and_leaves_no_pesel() {
    use mm_protocol::budget::model::{IdentityMode, SmsProof};
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched_verified(&dir, &server).await;
    let c = core.consultations();
    let d = c.detail(3).unwrap();
    assert_eq!((d.identity, d.sms_required), (Some(IdentityMode::Pesel), true));
    assert!(d.identity_text.contains("PESEL") && d.identity_text.contains("SMS"), "{}", d.identity_text);
    let d1 = c.detail(1).unwrap();
    assert_eq!((d1.identity, d1.sms_required, d1.identity_text.as_str()), (None, false, ""));
    c.set_answer(3, "czestosc", AnswerValue::Single { option: 2 }).unwrap();
    assert!(c.draft(3).unwrap().ok, "{:?}", c.draft(3).unwrap().problems);

    // Each refused before anything is queued or sent.
    let e = c.submit(3).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidIdentity { field, .. } if field == "identity"), "{e:?}");
    assert!(e.message().pl.contains("PESEL"));
    let proof = || Some(SmsProof { request_id: "req-1".into(), code: "123456".into() });
    let e = c.submit_as(3, person("44051401358"), proof()).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidIdentity { field, .. } if field == "pesel"), "{e:?}");
    let mut nameless = person(PESEL);
    nameless.first_name = " ".into();
    let e = c.submit_as(3, nameless, proof()).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidIdentity { field, .. } if field == "first_name"), "{e:?}");
    let e = c.submit_as(3, person(PESEL), None).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidInput { field, .. } if field == "sms"), "{e:?}");
    // A per-device consultation takes no personal data.
    c.set_answer(1, "czestosc", AnswerValue::Single { option: 0 }).unwrap();
    let e = c.submit_as(1, person(PESEL), None).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidInput { field, .. } if field == "identity"), "{e:?}");
    let e = c.request_sms_code(1, person(PESEL), "600100200").await.unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    // The phone is checked before anything goes out.
    let e = c.request_sms_code(3, person(PESEL), "12").await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidIdentity { field, .. } if field == "phone"), "{e:?}");
    assert_eq!(core.status().unwrap().pending_writes, 0);
    let sent_so_far = server.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(sent_so_far, 1, "only the device's registration");

    // The code is asked online, with the identity and the phone.
    let expires = Utc::now() + Duration::minutes(10);
    server.reply(Reply::Json(202, json!({"request_id": "req-1", "expires_at": expires})));
    let issued = c.request_sms_code(3, person(PESEL), "600 100 200").await.unwrap();
    assert_eq!(issued.request_id, "req-1");
    let reqs = server.requests();
    let sms = reqs.iter().find(|r| r.target == "/api/v1/consultations/3/sms-codes").unwrap();
    assert_eq!(sms.header("authorization"), Some("Bearer tok-1"));
    assert!(sms.header("idempotency-key").is_some());
    let body: Value = serde_json::from_str(&sms.body).unwrap();
    assert_eq!((body["phone"].as_str(), body["identity"]["pesel"].as_str()), (Some("600 100 200"), Some(PESEL)));

    // A 503 first (the item is rewritten for the retry), then the 201.
    server.reply(Reply::Status(503)).reply(Reply::Json(201, json!({"id": "r-3", "replayed": false})));
    let r = c.submit_as(3, person(PESEL), proof()).await.unwrap();
    assert_eq!(r.state, ResponseState::Queued);
    assert!(contains(&store_bytes(&dir), PESEL.as_bytes()), "queued: the PESEL is in the outbox");
    due_now(&core);
    let f = core.flush_outbox().await.unwrap();
    assert_eq!((f.sent, f.pending, f.failed), (1, 0, 0));
    let posts: Vec<Recorded> =
        server.requests().into_iter().filter(|r| r.target == "/api/v1/consultations/3/responses").collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].header("idempotency-key"), posts[1].header("idempotency-key"));
    let body: Value = serde_json::from_str(&posts[1].body).unwrap();
    assert_eq!(body["identity"]["pesel"], PESEL);
    assert_eq!(body["identity"]["first_name"], "Jan");
    assert!(body["identity"].get("phone").is_none(), "the phone went with the SMS request only");
    assert_eq!(body["sms"], json!({"request_id": "req-1", "code": "123456"}));
    assert_eq!(body["answers"][0]["value"], json!({"type": "single", "option": 2}));
    let r = c.response(3).unwrap().unwrap();
    assert_eq!((r.state, r.receipt_id.as_deref()), (ResponseState::Sent, Some("r-3")));
    let bytes = store_bytes(&dir);
    assert!(!contains(&bytes, PESEL.as_bytes()), "the PESEL is still in the store's files");
    assert!(!contains(&bytes, b"Kowalski"), "the name is still in the store's files");
    drop(core);
    assert!(!contains(&store_bytes(&dir), PESEL.as_bytes()));
}

#[tokio::test]
async fn the_servers_refusal_of_a_person_is_final_typed_and_leaves_no_identity() {
    use mm_protocol::budget::model::SmsProof;
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched_verified(&dir, &server).await;
    let c = core.consultations();
    c.set_answer(3, "czestosc", AnswerValue::Single { option: 0 }).unwrap();
    let proof = || Some(SmsProof { request_id: "req-1".into(), code: "000000".into() });
    server.reply(Reply::Json(
        400,
        json!({"code": "invalid_sms_code", "field": "sms.code",
               "message": {"pl": "Nieprawidłowy kod SMS.", "en": "Wrong SMS code."}}),
    ));
    let e = c.submit_as(3, person(PESEL), proof()).await.unwrap_err();
    assert_eq!(e.code(), "invalid_sms_code");
    let s = core.status().unwrap();
    assert_eq!((s.pending_writes, s.failed_writes), (0, 0), "final: not retried");
    assert!(!contains(&store_bytes(&dir), PESEL.as_bytes()));
    // Refused: a corrected answer may be sent; the same person answered
    // already elsewhere comes back as the server words it.
    server.reply(Reply::Json(
        409,
        json!({"code": "already_answered",
               "message": {"pl": "Ta osoba już odpowiedziała w tej konsultacji.", "en": "This person has already answered."}}),
    ));
    let e = c.submit_as(3, person(PESEL), proof()).await.unwrap_err();
    assert_eq!((e.code(), e.message().pl.as_str()), ("already_answered", "Ta osoba już odpowiedziała w tej konsultacji."));
    let r = c.response(3).unwrap().unwrap();
    assert_eq!((r.state, r.error_code.as_deref()), (ResponseState::Refused, Some("already_answered")));
    let posts = server.requests().into_iter().filter(|r| r.target == "/api/v1/consultations/3/responses").count();
    assert_eq!(posts, 2, "each sent once");
    assert!(!contains(&store_bytes(&dir), PESEL.as_bytes()));
}

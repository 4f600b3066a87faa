//! Consultations answered once per verified person (issue 15 §7 item 6,
//! `consultations/routes.rs`, `consultations/respondent.rs`), in process
//! on the test backend's store (SQLite, or PostgreSQL with
//! `MM_TEST_BACKEND=postgres`): the person proves who they are as a budget
//! voter does (PESEL and names, or names and address; a code by SMS when
//! the consultation asks for one); one answer per person whatever the
//! device; the same request replayed answers the first; a second answer
//! refused with a clear message; in anonymous mode the answers carry no
//! key and no time while the person is still kept to one answer; bad
//! input changes nothing; another gmina's consultation is 404; nothing
//! personal in an answer's body.

use crate::common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::{Resp, TestApp};
use mm_protocol::budget::model::IdentityMode;
use mm_protocol::consultations::{
    Answer, AnswerValue, Answers, Consultation, ConsultationStatus, Question, QuestionKind, RespondentRule,
    Verification, check_answers,
};
use mm_protocol::gmina::Teryt;
use mm_server::sms::{SmsError, SmsGateway, SmsMessage, SmsSent};
use mm_server::store::ballots::SmsUse;
use mm_server::store::consultations::{Answered, NewResponse, NewSmsCode, SmsRefusal};
use mm_server::store::{Actor, Conflict, Store, StoreError};
use serde_json::{Value, json};

const A: &str = "0223083";
const B: &str = "0223011";
const PESEL: &str = "44051401359";
const OTHER_PESEL: &str = "02070803628";

fn official() -> Actor {
    Actor("consultation-official".into())
}

/// An SMS gateway that keeps what it was asked to send.
#[derive(Default)]
struct Outbox(Mutex<Vec<SmsMessage>>);

#[async_trait]
impl SmsGateway for Outbox {
    async fn send(&self, message: &SmsMessage) -> Result<SmsSent, SmsError> {
        self.0.lock().unwrap().push(message.clone());
        Ok(SmsSent { id: None, already_accepted: false })
    }

    fn provider(&self) -> &'static str {
        "test"
    }
}

impl Outbox {
    /// The six digits of the last message to `to`.
    fn last_code(&self, to: &str) -> Option<String> {
        let sent = self.0.lock().unwrap();
        let m = sent.iter().rev().find(|m| m.to == to)?;
        let digits: String = m.text.chars().filter(char::is_ascii_digit).collect();
        (digits.len() == 6).then_some(digits)
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

struct App {
    t: TestApp,
    a: Arc<dyn Store>,
    b: Arc<dyn Store>,
    sms: Arc<Outbox>,
}

async fn app() -> App {
    let mut t = TestApp::new().await;
    let now = t.state.clock.now();
    t.store.add_gmina(official(), common::gmina_record(A, "Siechnice"), now).await.unwrap();
    t.store.add_gmina(official(), common::gmina_record(B, "Czernica"), now).await.unwrap();
    t.state.limits.configure(mm_server::reports::ratelimit::Limits { device_per_hour: 10_000, ip_per_hour: 10_000 });
    let sms = Arc::new(Outbox::default());
    t.state.sms = sms.clone();
    t.app = mm_server::app(t.state.clone());
    let a = t.store.for_gmina(&Teryt::parse(A).unwrap());
    let b = t.store.for_gmina(&Teryt::parse(B).unwrap());
    App { t, a, b, sms }
}

fn survey(t: &TestApp, identity: IdentityMode, sms: bool, anonymous: bool) -> Consultation {
    let now = t.state.clock.now();
    Consultation {
        id: 0,
        title: "Rondo przy ul. Łąkowej".into(),
        description: "Jak przebudować skrzyżowanie?".into(),
        opens_at: now - Duration::days(1),
        closes_at: now + Duration::days(1),
        area: None,
        attachments: vec![],
        questions: vec![
            Question {
                id: "q1".into(),
                text: "Rondo czy sygnalizacja?".into(),
                help: String::new(),
                required: true,
                kind: QuestionKind::Single { options: vec!["Rondo".into(), "Sygnalizacja".into()] },
            },
            Question {
                id: "q2".into(),
                text: "Uwagi".into(),
                help: String::new(),
                required: false,
                kind: QuestionKind::ShortText { max_chars: 200 },
            },
        ],
        respondents: RespondentRule::PerVerifiedPerson,
        verification: Verification { identity, sms },
        anonymous,
        status: ConsultationStatus::Draft,
    }
}

async fn open(store: &Arc<dyn Store>, c: Consultation, t: &TestApp) -> Consultation {
    let now = t.state.clock.now();
    let c = store.save_consultation(official(), c, now).await.unwrap();
    store.set_status(official(), c.id, ConsultationStatus::Open, now).await.unwrap()
}

async fn send(t: &TestApp, gmina: &str, uri: &str, token: &str, body: Value, key: Option<&str>) -> Resp {
    let mut b = Request::builder()
        .method("POST")
        .uri(uri)
        .header("MM-Gmina", gmina)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    t.send(b.body(Body::from(body.to_string())).unwrap()).await
}

async fn device(t: &TestApp, gmina: &str) -> String {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/devices")
        .header("MM-Gmina", gmina)
        .header("content-type", "application/json")
        .body(Body::from(json!({"platform": "android", "app_version": "1.0.0"}).to_string()))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

fn pesel_person(first: &str, pesel: &str) -> Value {
    json!({"first_name": first, "last_name": "Kowalski", "pesel": pesel})
}

fn answer(option: u16, identity: Option<Value>) -> Value {
    let mut b = json!({"answers": [{"question": "q1", "value": {"type": "single", "option": option}}]});
    if let Some(i) = identity {
        b["identity"] = i;
    }
    b
}

/// Nothing the person typed comes back in a body.
fn nothing_personal(r: &Resp) {
    let text = r.text();
    for s in [PESEL, OTHER_PESEL, "Kowalski", "601234567", "Łąkowa"] {
        assert!(!text.contains(s), "{s} in {text}");
    }
}

/// What the store holds of a consultation, to show a refusal changed nothing.
async fn held(store: &Arc<dyn Store>, c: i64) -> String {
    format!("{:?}", store.responses(c).await.unwrap())
}

#[tokio::test]
async fn one_answer_per_verified_person_whatever_the_device_and_anonymous_answers_unlinked() {
    let App { t, a, .. } = app().await;
    let c = open(&a, survey(&t, IdentityMode::Pesel, false, true), &t).await;
    let uri = format!("/api/v1/consultations/{}/responses", c.id);
    let (d1, d2) = (device(&t, A).await, device(&t, A).await);

    // Bad identities: refused naming the field, nothing stored.
    for (body, field) in [
        (answer(0, None), "identity"),
        (answer(0, Some(pesel_person("Jan", "44051401358"))), "pesel"),
        (answer(0, Some(json!({"first_name": "", "last_name": "Kowalski", "pesel": PESEL}))), "first_name"),
        (answer(0, Some(json!({"first_name": "Jan", "last_name": "Kowalski"}))), "pesel"),
    ] {
        let r = send(&t, A, &uri, &d1, body, Some("bad")).await;
        assert_eq!((r.status, r.code(), r.json()["field"].clone()), (StatusCode::BAD_REQUEST, "invalid_identity".into(), json!(field)));
        nothing_personal(&r);
    }
    // A bad answer is refused before the identity is looked at.
    let r = send(&t, A, &uri, &d1, answer(5, Some(pesel_person("Jan", PESEL))), Some("bad")).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_answer".into()), "{}", r.text());
    assert_eq!(held(&a, c.id).await, "[]");

    let r = send(&t, A, &uri, &d1, answer(0, Some(pesel_person("Jan", PESEL))), Some("k1")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["replayed"], json!(false));
    nothing_personal(&r);
    let first = held(&a, c.id).await;

    // The same request again: the first answer, nothing new.
    let r = send(&t, A, &uri, &d1, answer(0, Some(pesel_person("Jan", PESEL))), Some("k1")).await;
    assert_eq!((r.status, r.json()["replayed"].clone()), (StatusCode::CREATED, json!(true)), "{}", r.text());
    // The same key with other answers is not a replay.
    let r = send(&t, A, &uri, &d1, answer(1, Some(pesel_person("Jan", PESEL))), Some("k1")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_ne!(r.code(), "already_answered");
    // The same person, from another device, typed differently: refused
    // with the person's message.
    for (dev, key, who) in [
        (&d2, "k2", pesel_person("Jan", PESEL)),
        (&d2, "k3", json!({"first_name": " JAN ", "last_name": "kowalski", "pesel": "440514 01359"})),
        (&d1, "k4", pesel_person("Jan", PESEL)),
    ] {
        let r = send(&t, A, &uri, dev, answer(1, Some(who)), Some(key)).await;
        assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "already_answered".into()), "{}", r.text());
        let m = r.json()["message"].clone();
        assert!(m["pl"].as_str().unwrap().contains("Ta osoba już odpowiedziała"), "{m}");
        assert!(m["en"].as_str().unwrap().contains("This person has already answered"), "{m}");
        nothing_personal(&r);
    }
    assert_eq!(held(&a, c.id).await, first, "a refusal stored nothing");

    // Another person on the first device: per person, not per device.
    let r = send(&t, A, &uri, &d1, answer(1, Some(pesel_person("Anna", OTHER_PESEL))), Some("k5")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // Anonymous: the answers carry no key and no time; two people, two answers.
    let stored = a.responses(c.id).await.unwrap();
    assert_eq!(stored.len(), 2);
    for s in &stored {
        assert!(s.respondent_key.is_none() && s.submitted_at.is_none(), "{s:?}");
    }
}

#[tokio::test]
async fn name_and_address_mode_and_a_per_device_consultation_refuses_an_identity() {
    let App { t, a, .. } = app().await;
    let c = open(&a, survey(&t, IdentityMode::NameAddress, false, false), &t).await;
    let uri = format!("/api/v1/consultations/{}/responses", c.id);
    let dev = device(&t, A).await;
    let r = send(&t, A, &uri, &dev, answer(0, Some(pesel_person("Jan", PESEL))), Some("a1")).await;
    assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::BAD_REQUEST, json!("address")), "{}", r.text());
    let person = |house: &str| {
        json!({"first_name": "Jan", "last_name": "Kowalski",
               "address": {"locality": 1, "street": "Łąkowa", "house": house, "flat": ""}})
    };
    let r = send(&t, A, &uri, &dev, answer(0, Some(person("12"))), Some("a2")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = send(&t, A, &uri, &dev, answer(0, Some(person("12"))), Some("a3")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "already_answered".into()));
    // Another house is another person.
    let r = send(&t, A, &uri, &dev, answer(0, Some(person("14"))), Some("a4")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Not anonymous: each answer keeps its key and time.
    let stored = a.responses(c.id).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|s| s.respondent_key.as_ref().is_some_and(|k| k.len() == 32) && s.submitted_at.is_some()));

    // Per device: an identity is refused (no personal data where none is
    // needed); the device's own answer once.
    let mut d = survey(&t, IdentityMode::Pesel, false, true);
    d.respondents = RespondentRule::PerDevice;
    let d = open(&a, d, &t).await;
    let uri = format!("/api/v1/consultations/{}/responses", d.id);
    let r = send(&t, A, &uri, &dev, answer(0, Some(pesel_person("Jan", PESEL))), Some("d1")).await;
    assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::BAD_REQUEST, json!("identity")), "{}", r.text());
    assert_eq!(held(&a, d.id).await, "[]");
    let r = send(&t, A, &uri, &dev, answer(0, None), Some("d2")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = send(&t, A, &uri, &dev, answer(1, None), Some("d3")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "already_answered".into()));
    assert!(r.json()["message"]["pl"].as_str().unwrap().contains("Z tego urządzenia"), "{}", r.text());
    // SMS codes are for verified-person consultations that ask for them.
    let codes = format!("/api/v1/consultations/{}/sms-codes", d.id);
    let r = send(&t, A, &codes, &dev, json!({"identity": pesel_person("Jan", PESEL), "phone": "601234567"}), Some("s")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
}

#[tokio::test]
async fn an_sms_code_confirms_the_person_once_and_wrong_codes_lock() {
    let App { t, a, sms, .. } = app().await;
    let c = open(&a, survey(&t, IdentityMode::Pesel, true, true), &t).await;
    let uri = format!("/api/v1/consultations/{}/responses", c.id);
    let codes = format!("/api/v1/consultations/{}/sms-codes", c.id);
    let dev = device(&t, A).await;
    let jan = pesel_person("Jan", PESEL);
    let with_sms = |who: &Value, request: &str, code: &str| {
        let mut b = answer(0, Some(who.clone()));
        b["sms"] = json!({"request_id": request, "code": code});
        b
    };

    // No code: refused, nothing stored.
    let r = send(&t, A, &uri, &dev, answer(0, Some(jan.clone())), Some("n1")).await;
    assert_eq!((r.status, r.code(), r.json()["field"].clone()), (StatusCode::BAD_REQUEST, "invalid_sms_code".into(), json!("sms")));
    // A bad phone or identity asks for nothing.
    for (body, field) in [
        (json!({"identity": jan, "phone": "12"}), "phone"),
        (json!({"identity": pesel_person("Jan", "1"), "phone": "601234567"}), "pesel"),
    ] {
        let r = send(&t, A, &codes, &dev, body, Some("c0")).await;
        assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::BAD_REQUEST, json!(field)), "{}", r.text());
    }
    assert_eq!(sms.count(), 0);

    let r = send(&t, A, &codes, &dev, json!({"identity": jan, "phone": "601 234 567"}), Some("c1")).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    nothing_personal(&r);
    let request = r.json()["request_id"].as_str().unwrap().to_owned();
    let code = sms.last_code("+48601234567").expect("a code sent");
    let wrong = if code == "000000" { "111111" } else { "000000" };

    // Wrong code: refused, and the person may still answer.
    let r = send(&t, A, &uri, &dev, with_sms(&jan, &request, wrong), Some("w1")).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_sms_code".into()), "{}", r.text());
    assert_eq!(held(&a, c.id).await, "[]");
    // The code was sent for Jan: Anna cannot use it.
    let anna = pesel_person("Anna", OTHER_PESEL);
    let r = send(&t, A, &uri, &dev, with_sms(&anna, &request, &code), Some("w2")).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_sms_code".into()), "{}", r.text());
    // Right: counted; replayed with the used code: the first answer.
    let r = send(&t, A, &uri, &dev, with_sms(&jan, &request, &code), Some("r1")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = send(&t, A, &uri, &dev, with_sms(&jan, &request, &code), Some("r1")).await;
    assert_eq!((r.status, r.json()["replayed"].clone()), (StatusCode::CREATED, json!(true)), "{}", r.text());
    // A second answer: refused as the person's, before the (used) code.
    let r = send(&t, A, &uri, &dev, with_sms(&jan, &request, &code), Some("r2")).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "already_answered".into()), "{}", r.text());
    assert_eq!(a.responses(c.id).await.unwrap().len(), 1);

    // Anna's code, tried wrong five times: locked.
    let r = send(&t, A, &codes, &dev, json!({"identity": anna, "phone": "+48 602 000 000"}), Some("c2")).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let request = r.json()["request_id"].as_str().unwrap().to_owned();
    let code = sms.last_code("+48602000000").unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for i in 0..5 {
        let r = send(&t, A, &uri, &dev, with_sms(&anna, &request, wrong), Some(&format!("l{i}"))).await;
        let want = if i < 4 { StatusCode::BAD_REQUEST } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(r.status, want, "try {i}: {}", r.text());
    }
    let r = send(&t, A, &uri, &dev, with_sms(&anna, &request, &code), Some("l5")).await;
    assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "sms_locked".into()), "{}", r.text());
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(a.responses(c.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn another_gminas_consultation_is_not_found_and_closed_ones_take_nothing() {
    let App { t, a, b, sms } = app().await;
    let theirs = open(&b, survey(&t, IdentityMode::Pesel, true, true), &t).await;
    let dev = device(&t, A).await;
    for (path, body) in [
        ("responses", answer(0, Some(pesel_person("Jan", PESEL)))),
        ("sms-codes", json!({"identity": pesel_person("Jan", PESEL), "phone": "601234567"})),
    ] {
        let uri = format!("/api/v1/consultations/{}/{path}", theirs.id);
        let r = send(&t, A, &uri, &dev, body, Some("x1")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text());
    }
    assert_eq!(held(&b, theirs.id).await, "[]");
    assert_eq!(sms.count(), 0);

    // Closed: 409 phase_closed for both, nothing sent or stored.
    let mut c = survey(&t, IdentityMode::Pesel, true, false);
    c.opens_at = t.state.clock.now() - Duration::days(3);
    c.closes_at = t.state.clock.now() - Duration::days(1);
    let c = open(&a, c, &t).await;
    for (path, body) in [
        ("responses", answer(0, Some(pesel_person("Jan", PESEL)))),
        ("sms-codes", json!({"identity": pesel_person("Jan", PESEL), "phone": "601234567"})),
    ] {
        let r = send(&t, A, &format!("/api/v1/consultations/{}/{path}", c.id), &dev, body, Some("x2")).await;
        assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "phase_closed".into()), "{path}: {}", r.text());
    }
    assert_eq!(sms.count(), 0);
}

/// The store alone: a wrong code takes the respondent row back (the
/// person may answer), a right one is used once, a code of another
/// respondent never passes, another gmina's consultation is `NotFound`.
#[tokio::test]
async fn the_store_checks_an_sms_code_in_the_answers_transaction() {
    let App { t, a, b, .. } = app().await;
    let c = open(&a, survey(&t, IdentityMode::Pesel, true, true), &t).await;
    let now = t.state.clock.now();
    let (jan, anna) = (vec![1u8; 32], vec![2u8; 32]);
    let hash = |request: &str, code: &str| mm_server::budget::identity::sms_code_hash(request, code);
    let issue = |key: &Vec<u8>, request: &str| NewSmsCode {
        request_id: request.into(),
        consultation: c.id,
        respondent_key: key.clone(),
        code_hash: hash(request, "123456"),
        now,
    };
    a.issue_consultation_sms_code(issue(&jan, "req-jan")).await.unwrap();
    let other = NewSmsCode { consultation: c.id, ..issue(&jan, "req-b") };
    assert!(matches!(b.issue_consultation_sms_code(other).await, Err(StoreError::NotFound)));

    let answers = check_answers(
        &c,
        &Answers { answers: vec![Answer { question: "q1".into(), value: AnswerValue::Single { option: 0 } }] },
    )
    .unwrap();
    let response = |key: &Vec<u8>, code: &str| NewResponse {
        consultation: c.id,
        respondent_key: key.clone(),
        answers: answers.clone(),
        now,
        idempotency: None,
        sms: Some(SmsUse { request_id: "req-jan".into(), code_hash: hash("req-jan", code) }),
    };
    assert_eq!(a.answer(response(&jan, "000000")).await.unwrap(), Answered::Sms(SmsRefusal::Wrong { left: 4 }));
    assert_eq!(a.answer(response(&anna, "123456")).await.unwrap(), Answered::Sms(SmsRefusal::Wrong { left: 3 }));
    assert!(a.responses(c.id).await.unwrap().is_empty());
    assert!(matches!(a.answer(response(&jan, "123456")).await.unwrap(), Answered::New { .. }));
    // Used: Anna cannot reuse it, Jan is refused as having answered.
    assert_eq!(a.answer(response(&anna, "123456")).await.unwrap(), Answered::Sms(SmsRefusal::Expired));
    assert!(matches!(a.answer(response(&jan, "123456")).await, Err(StoreError::Conflict(Conflict::AlreadyAnswered))));
    let stored = a.responses(c.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].respondent_key.is_none() && stored[0].submitted_at.is_none());
    // Expired after ten minutes.
    a.issue_consultation_sms_code(issue(&anna, "req-anna")).await.unwrap();
    let late = NewResponse {
        now: now + Duration::minutes(11),
        sms: Some(SmsUse { request_id: "req-anna".into(), code_hash: hash("req-anna", "123456") }),
        ..response(&anna, "123456")
    };
    assert_eq!(a.answer(late).await.unwrap(), Answered::Sms(SmsRefusal::Expired));
}

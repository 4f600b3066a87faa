//! A consultation answered once per verified person, through the core and
//! `mm`, end to end (issue 15 §7 item 3): the real `mm-server --demo`
//! (its SMS codes sent to a fake SMSAPI, so the test reads them) and the
//! real `mm`. The person asks for a code (`mm consultations sms-code`),
//! answers with PESEL, names and the code (`mm survey`); a bad PESEL is
//! refused by the core before anything is sent, a wrong code by the
//! server with nothing stored; the same person answering from a second
//! device is refused with the server's clear message; the server keeps
//! one response; no PESEL or name is left in the phone's store files.

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, Utc};
use mm_e2e::fake_sms::FakeSms;
use mm_e2e::{DEMO_GMINA, Mm, Server};
use mm_protocol::budget::model::IdentityMode;
use mm_protocol::consultations::{Consultation, ConsultationStatus, Question, QuestionKind, RespondentRule, Verification};
use mm_protocol::gmina::Teryt;
use mm_server::store::{Actor, SqliteStore, Store};
use serde_json::Value;

const PESEL: &str = "44051401359";
const PHONE: &str = "600100201";

fn store(data: &Path) -> Arc<dyn Store> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(data).unwrap());
    store.for_gmina(&Teryt::parse(DEMO_GMINA).unwrap())
}

/// An open consultation answered once per person, PESEL and names, with
/// an SMS code (the demo's own is per device). Its id.
async fn verified_consultation(data: &Path) -> i64 {
    let store = store(data);
    let now = Utc::now();
    let c = Consultation {
        id: 0,
        title: "Rondo przy ul. Łąkowej (e2e)".into(),
        description: "Jak przebudować skrzyżowanie?".into(),
        opens_at: now - Duration::days(1),
        closes_at: now + Duration::days(10),
        area: None,
        attachments: vec![],
        questions: vec![Question {
            id: "q1".into(),
            text: "Rondo czy sygnalizacja?".into(),
            help: String::new(),
            required: true,
            kind: QuestionKind::Single { options: vec!["Rondo".into(), "Sygnalizacja".into()] },
        }],
        respondents: RespondentRule::PerVerifiedPerson,
        verification: Verification { identity: IdentityMode::Pesel, sms: true },
        anonymous: false,
        status: ConsultationStatus::Draft,
    };
    let c = store.save_consultation(Actor("e2e".into()), c, now).await.unwrap();
    store.set_status(Actor("e2e".into()), c.id, ConsultationStatus::Open, now).await.unwrap();
    c.id
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "failed: {}", stderr(out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn run(mm: &Mm, args: &[&str], more: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend_from_slice(more);
    mm.run(&all).unwrap()
}

/// Every byte of the files under `dir` (the store, its WAL and shm).
fn bytes_under(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.extend(std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_person_answers_once_with_pesel_and_sms_code_through_mm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sms = rt.block_on(FakeSms::start());
    let env = sms.server_env(dir.path());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // The demo loads; the consultation is added while the server is down.
    let first = Server::start_with(&data, true, &env).unwrap();
    let addr = first.addr();
    let _ = first.stop();
    let id = rt.block_on(verified_consultation(&data)).to_string();
    let server = Server::start_at(&data, true, &addr, &env).unwrap();

    let app_dir = dir.path().join("app");
    let app = Mm::new(&app_dir, &server.url);
    let d = json(&app.run(&["consultations", "show", &id]).unwrap());
    assert_eq!((d["identity"].as_str(), d["sms_required"].as_bool()), (Some("pesel"), Some(true)), "{d}");
    let person = ["--pesel", PESEL, "--first-name", "Jan", "--last-name", "Kowalski"];

    // Without the identity, or with a PESEL whose checksum is wrong: the
    // core refuses before anything is queued.
    let bare = app.run(&["survey", &id, "--single", "q1=0"]).unwrap();
    assert!(!bare.status.success() && stderr(&bare).contains("invalid_identity"), "{}", stderr(&bare));
    let bad = run(
        &app,
        &["survey", &id, "--single", "q1=0", "--sms-request", "x", "--sms-code", "123456"],
        &["--pesel", "44051401358", "--first-name", "Jan", "--last-name", "Kowalski"],
    );
    assert!(!bad.status.success() && stderr(&bad).contains("invalid_identity"), "{}", stderr(&bad));
    assert_eq!(json(&app.run(&["status"]).unwrap())["pending_writes"], 0);

    // The code, read where the fake gateway got it.
    let issued = json(&run(&app, &["consultations", "sms-code", &id, "--phone", PHONE], &person));
    let request = issued["request_id"].as_str().unwrap().to_owned();
    let code = sms.last_to(&format!("48{PHONE}")).and_then(|m| m.code()).expect("the SMS with the code");
    // A wrong code: the server's clear 4xx, nothing stored.
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let wrong = run(&app, &["survey", &id, "--single", "q1=0", "--sms-request", &request, "--sms-code", wrong_code], &person);
    assert!(!wrong.status.success() && stderr(&wrong).contains("invalid_sms_code"), "{}", stderr(&wrong));
    // The right one: sent, once.
    let r = json(&run(&app, &["survey", &id, "--single", "q1=1", "--sms-request", &request, "--sms-code", &code], &person));
    assert_eq!(r["state"], "sent", "{r}");
    assert_eq!(json(&app.run(&["status"]).unwrap())["pending_writes"], 0);

    // Nothing of the person is left in the phone's store files.
    let files = bytes_under(&app_dir);
    assert!(!contains(&files, PESEL.as_bytes()), "the PESEL is in the core's files");
    assert!(!contains(&files, b"Kowalski"), "the name is in the core's files");

    // The same person from another device: a new code, and the server's
    // clear refusal (this person, not this device, has answered).
    let other = Mm::new(&dir.path().join("other"), &server.url);
    let issued = json(&run(&other, &["consultations", "sms-code", &id, "--phone", PHONE], &person));
    let request = issued["request_id"].as_str().unwrap().to_owned();
    let code = sms.last_to(&format!("48{PHONE}")).and_then(|m| m.code()).expect("the second SMS");
    let again = run(&other, &["survey", &id, "--single", "q1=0", "--sms-request", &request, "--sms-code", &code], &person);
    assert!(!again.status.success());
    let err = stderr(&again);
    assert!(err.contains("already_answered") && err.contains("Ta osoba już odpowiedziała"), "{err}");
    let mine = json(&other.run(&["consultations", "show", &id]).unwrap());
    assert_eq!(mine["response"]["state"], "refused", "{mine}");
    assert!(!contains(&bytes_under(&dir.path().join("other")), PESEL.as_bytes()));

    // The server kept one response, the first device's choice.
    let _ = server.stop();
    let responses = rt.block_on(async { store(&data).responses(id.parse().unwrap()).await.unwrap() });
    assert_eq!(responses.len(), 1);
    assert_eq!(
        serde_json::to_value(&responses[0].answers).unwrap()["answers"][0]["value"],
        serde_json::json!({"type": "single", "option": 1})
    );
}

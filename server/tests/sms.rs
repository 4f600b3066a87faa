//! The SMS gateway adapter (issue 15, `server/src/sms`) against the fake
//! SMSAPI (`tests/src/fake_sms.rs`, which checks the bearer token and the
//! form's fields as SMSAPI does): a message arrives with every field and
//! its Polish letters intact; each failure is Temporary or Refused as it
//! should be; the timeout is honoured; a retry under the same `idx` is not
//! sent twice; the token, the number and the text are in no error and no
//! log line; `--sms` is checked at start; the demo's `log` gateway prints
//! on its sink only.

use crate::fake_sms;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use crate::common::logs::Logs;
use fake_sms::{Fault, FakeSms};
use mm_server::config::Cli;
use mm_server::sms::log::LogSms;
use mm_server::sms::smsapi::{Credentials, SmsApi};
use mm_server::sms::{Refusal, SmsError, SmsGateway, SmsMessage, SmsSent};

const NUMBER: &str = "+48500600789";
const TEXT: &str = "Kod: 482913. Głosowanie w budżecie obywatelskim gminy Siechnice — ważny 10 min. Zażółć gęślą jaźń.";

fn creds() -> Credentials {
    Credentials { token: fake_sms::TOKEN.into() }
}

fn client(fake: &FakeSms, timeout_ms: u64) -> SmsApi {
    SmsApi::new(&fake.url, creds(), Some(fake_sms::SENDER.into()), Duration::from_millis(timeout_ms)).unwrap()
}

fn message(idx: &str) -> SmsMessage {
    SmsMessage { to: NUMBER.into(), text: TEXT.into(), idx: idx.into() }
}


/// Nothing secret or personal in `s`.
fn assert_clean(what: &str, s: &str) {
    for secret in [fake_sms::TOKEN, "500600789", "482913", "Głosowanie"] {
        assert!(!s.contains(secret), "{what} holds {secret:?}: {s}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_message_arrives_with_every_field_and_its_polish_letters() {
    let fake = FakeSms::start().await;
    let sent = client(&fake, 5_000).send(&message("5f0c7e2a-0d5b-4c8e-9a31-2b7c1d4e6f80")).await.unwrap();
    let accepted = fake.accepted();
    assert_eq!(accepted.len(), 1, "refusals: {:?}", fake.refusals());
    let a = &accepted[0];
    assert_eq!(sent, SmsSent { id: Some(a.id.clone()), already_accepted: false });
    assert_eq!(a.to, "48500600789", "E.164 without the +");
    assert_eq!(a.message, TEXT, "UTF-8 text arrives byte for byte");
    assert_eq!(a.from.as_deref(), Some(fake_sms::SENDER));
    assert_eq!(a.idx, "5f0c7e2a-0d5b-4c8e-9a31-2b7c1d4e6f80");
    assert_eq!(a.fields["format"], "json");
    assert_eq!(a.fields["encoding"], "utf-8");
    assert_eq!(a.fields["check_idx"], "1");
    assert!(a.content_type.starts_with("application/x-www-form-urlencoded"), "{}", a.content_type);
    assert_eq!(a.code().as_deref(), Some("482913"), "a test can read the code back");
    assert_eq!(fake.last_to(NUMBER).unwrap().id, a.id);

    // Without a sender name, `from` is left out (the account's default).
    let plain = SmsApi::new(&fake.url, creds(), None, Duration::from_secs(5)).unwrap();
    plain.send(&message("second")).await.unwrap();
    assert!(!fake.accepted()[1].fields.contains_key("from"));
}

#[tokio::test(flavor = "current_thread")]
async fn a_retry_under_the_same_idx_is_not_sent_twice() {
    let fake = FakeSms::start().await;
    let c = client(&fake, 5_000);
    let first = c.send(&message("req-42")).await.unwrap();
    assert!(!first.already_accepted);
    // The gateway answers 53 for an idx it has taken: the first attempt
    // went through (its answer lost, say), so this is a success.
    let again = c.send(&message("req-42")).await.unwrap();
    assert_eq!(again, SmsSent { id: None, already_accepted: true });
    assert_eq!(fake.accepted().len(), 1, "sent once");
    assert_eq!(fake.refusals(), vec!["duplicate idx".to_string()]);
}

#[tokio::test(flavor = "current_thread")]
async fn each_failure_is_temporary_or_refused_and_names_no_secret() {
    let fake = FakeSms::start().await;
    let c = client(&fake, 2_000);
    let (logs, _guard) = Logs::capture_with("trace");
    let mut errors: Vec<SmsError> = Vec::new();
    type Expect = fn(&SmsError) -> bool;
    let cases: Vec<(Fault, Expect)> = vec![
        (Fault::Http500, |e| e.is_temporary()),
        (Fault::TooMany { retry_after_secs: 7 }, |e| e.is_temporary() && e.retry_after() == Some(Duration::from_secs(7))),
        (Fault::Error(101), |e| *e == SmsError::Refused { reason: Refusal::Auth, code: Some(101) }),
        (Fault::Unauthorized401, |e| *e == SmsError::Refused { reason: Refusal::Auth, code: Some(101) }),
        (Fault::Error(13), |e| *e == SmsError::Refused { reason: Refusal::InvalidNumber, code: Some(13) }),
        (Fault::Error(103), |e| *e == SmsError::Refused { reason: Refusal::NoFunds, code: Some(103) }),
        (Fault::Error(14), |e| *e == SmsError::Refused { reason: Refusal::Sender, code: Some(14) }),
        (Fault::Error(8), |e| *e == SmsError::Refused { reason: Refusal::BadRequest, code: Some(8) }),
        (Fault::Error(202), |e| e.is_temporary()),
        (Fault::Error(200), |e| e.is_temporary()),
        (Fault::Error(52), |e| e.is_temporary() && e.retry_after().is_some()),
        (Fault::Garbage, |e| e.is_temporary()),
    ];
    for (i, (fault, expected)) in cases.into_iter().enumerate() {
        fake.set_fault(fault.clone());
        let e = c.send(&message(&format!("case-{i}"))).await.unwrap_err();
        assert!(expected(&e), "{fault:?} gave {e:?}");
        errors.push(e);
    }
    fake.clear_fault();
    assert!(fake.accepted().is_empty());

    // A wrong token: the fake's own check (error 101).
    let wrong = SmsApi::new(&fake.url, Credentials { token: "not-the-token".into() }, None, Duration::from_secs(2)).unwrap();
    let e = wrong.send(&message("wrong-token")).await.unwrap_err();
    assert_eq!(e, SmsError::Refused { reason: Refusal::Auth, code: Some(101) });
    assert_eq!(fake.refusals(), vec!["Authorization failed".to_string()]);
    errors.push(e);

    // Nobody listening: temporary.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let closed = SmsApi::new(&format!("http://127.0.0.1:{port}"), creds(), None, Duration::from_secs(2)).unwrap();
    let e = closed.send(&message("closed")).await.unwrap_err();
    assert!(e.is_temporary(), "{e:?}");
    errors.push(e);

    // Refused before any request: not E.164, an idx SMSAPI would refuse.
    let before = fake.requests();
    let e = c.send(&SmsMessage { to: "500600789".into(), text: TEXT.into(), idx: "x".into() }).await.unwrap_err();
    assert_eq!(e, SmsError::Refused { reason: Refusal::InvalidNumber, code: None });
    errors.push(e);
    let e = c.send(&SmsMessage { to: NUMBER.into(), text: TEXT.into(), idx: "a|b".into() }).await.unwrap_err();
    assert_eq!(e, SmsError::Refused { reason: Refusal::BadRequest, code: None });
    errors.push(e);
    assert_eq!(fake.requests(), before, "no request spent on them");

    for e in &errors {
        assert_clean("an error's Display", &e.to_string());
        assert_clean("an error's Debug", &format!("{e:?}"));
    }
    assert_clean("the client's Debug", &format!("{c:?}"));
    assert_clean("the credentials' Debug", &format!("{:?}", creds()));
    let text = logs.text();
    assert!(text.contains("SMS not sent"), "the failures are logged: {text}");
    assert_clean("the log", &text);
}

#[tokio::test(flavor = "current_thread")]
async fn the_timeout_is_honoured() {
    let fake = FakeSms::start().await;
    fake.set_fault(Fault::Slow(Duration::from_secs(5)));
    let c = client(&fake, 300);
    let started = Instant::now();
    let e = c.send(&message("slow")).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(e, SmsError::Temporary { reason: "timed out", code: None, retry_after: None });
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3), "took {took:?}");
    // The retry under the same idx goes through, and the message exists
    // once whether or not the timed-out attempt had reached the gateway.
    fake.clear_fault();
    assert!(c.send(&message("slow")).await.is_ok());
    assert_eq!(fake.accepted().len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn the_demo_gateway_prints_on_its_sink_and_logs_nothing() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let log = LogSms::with_sink(move |l| sink.lock().unwrap().push(l.to_owned()));
    let (logs, _guard) = Logs::capture_with("trace");
    let sent = log.send(&message("demo-1")).await.unwrap();
    assert!(!sent.already_accepted);
    let lines = lines.lock().unwrap().clone();
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("+48 *** *** 789") && lines[0].contains(TEXT), "{}", lines[0]);
    assert!(!lines[0].contains("500600"), "the number is masked: {}", lines[0]);
    assert!(logs.text().is_empty(), "nothing through tracing: {}", logs.text());
    assert_eq!(log.provider(), "log");
    let bad = log.send(&SmsMessage { to: "12".into(), text: "x".into(), idx: "i".into() }).await.unwrap_err();
    assert_eq!(bad, SmsError::Refused { reason: Refusal::InvalidNumber, code: None });
}

fn gateway(args: &[&str]) -> anyhow::Result<Arc<dyn SmsGateway>> {
    let mut argv = vec!["mm-server"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv)?;
    mm_server::sms::from_args(&cli.serve.sms, cli.serve.demo)
}

fn err(args: &[&str]) -> String {
    match gateway(args) {
        Ok(g) => panic!("{args:?} was accepted ({})", g.provider()),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_flags_are_checked_at_start() {
    // Defaults: `none` without --demo (refusing as NotConfigured), `log` with it.
    let none = gateway(&[]).unwrap();
    assert_eq!(none.provider(), "none");
    assert_eq!(none.send(&message("n")).await.unwrap_err(), SmsError::NotConfigured);
    assert_eq!(gateway(&["--demo"]).unwrap().provider(), "log");
    assert_eq!(gateway(&["--demo", "--sms", "none"]).unwrap().provider(), "none");

    // `log` only with --demo: codes on a real deployment's terminal are a leak.
    let e = err(&["--sms", "log"]);
    assert!(e.contains("--demo"), "{e}");

    // `smsapi` needs its credentials, and they must be what they say.
    let e = err(&["--sms", "smsapi"]);
    assert!(e.contains("--sms-credentials"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let e = err(&["--sms", "smsapi", "--sms-credentials", missing.to_str().unwrap()]);
    assert!(e.contains("cannot read the SMS credentials"), "{e}");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, format!("{{\"tokken\": \"{}\"}}", fake_sms::TOKEN)).unwrap();
    let e = err(&["--sms", "smsapi", "--sms-credentials", bad.to_str().unwrap()]);
    assert!(e.contains("is not SMS credentials"), "{e}");
    assert_clean("a credentials error", &e);
    let spaced = dir.path().join("spaced.json");
    std::fs::write(&spaced, r#"{"token": "two words"}"#).unwrap();
    let e = err(&["--sms", "smsapi", "--sms-credentials", spaced.to_str().unwrap()]);
    assert!(e.contains("token"), "{e}");
    assert!(!e.contains("two words"), "{e}");

    let good = dir.path().join("sms.json");
    std::fs::write(&good, FakeSms::credentials_json().to_string()).unwrap();
    let good = good.to_str().unwrap();
    let e = err(&["--sms", "smsapi", "--sms-credentials", good, "--sms-url", "not a url"]);
    assert!(e.contains("--sms-url"), "{e}");
    let e = err(&["--sms", "smsapi", "--sms-credentials", good, "--sms-url", "ftp://api.smsapi.pl"]);
    assert!(e.contains("--sms-url"), "{e}");
    let e = err(&["--sms", "smsapi", "--sms-credentials", good, "--sms-sender", "Gmina Siechnice"]);
    assert!(e.contains("--sms-sender"), "{e}");
    let e = err(&["--sms", "sms-gateway-of-my-own"]);
    assert!(e.contains("none") && e.contains("smsapi"), "clap names the choices: {e}");

    // A good configuration reads the file once and sends with its token.
    let fake = FakeSms::start().await;
    let g = gateway(&[
        "--sms", "smsapi", "--sms-credentials", good, "--sms-url", &fake.url, "--sms-sender", fake_sms::SENDER,
        "--sms-timeout-ms", "2000",
    ])
    .unwrap();
    assert_eq!(g.provider(), "smsapi");
    std::fs::remove_file(good).unwrap();
    g.send(&message("from-flags")).await.unwrap();
    assert_eq!(fake.accepted()[0].from.as_deref(), Some(fake_sms::SENDER));
}

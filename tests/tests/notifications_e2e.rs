//! Notifications from the resident's side (issue 16), `mm` against a real
//! `mm-server --demo`: the device's subscription edited with `mm
//! notifications settings` reaches the server (read back through the
//! sync), a push registration is accepted only for https (a loopback
//! endpoint only with `--push-allow-loopback`, which this server lacks),
//! and a notification an official sends reaches the device's feed once,
//! while one of a topic the device turned off does not.

use std::process::Output;
use std::time::{Duration, Instant};

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mm_e2e::{Mm, Server};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use serde_json::{Value, json};

/// A fresh Web Push key pair's public half and an auth secret, as a phone
/// would register them.
fn web_push_keys() -> (String, String) {
    let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let p256dh = URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes());
    (p256dh, URL_SAFE_NO_PAD.encode([7u8; 16]))
}

fn failed_with(out: &Output, code: &str) -> bool {
    !out.status.success()
        && String::from_utf8_lossy(&out.stderr).contains(&format!("Kod / code: {code}"))
}

fn topics(settings: &Value) -> Vec<String> {
    settings["subscription"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_device_sets_its_subscription_registers_for_push_and_gets_a_sent_notification_once()
-> Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), true)?;
    let mm = Mm::new(&tmp.path().join("app"), &server.url);
    let editor = server.official("redaktor", "editor")?;

    // The demo's notifications went at the server's start; a device that
    // registers afterwards finds them in its feed (the welcome feed),
    // unread, the alert's one with the alert its sync raised.
    mm.json(&["sync"])?;
    let welcome = mm.json(&["notifications"])?;
    let welcome = welcome.as_array().unwrap();
    for title in ["Przerwa w dostawie wody w Zębicach", "Choinki odbierzemy w styczniu"] {
        let found: Vec<&Value> = welcome.iter().filter(|n| n["title"] == json!(title)).collect();
        assert_eq!(found.len(), 1, "{title} once: {welcome:?}");
        assert!(found[0]["feed_id"].is_i64() && found[0]["read"] == json!(false), "{title}: {:?}", found[0]);
    }

    // A new device has the server's default: every topic.
    let s = mm.json(&["notifications", "settings"])?;
    assert_eq!(s["state"], json!("synced"), "{s}");
    assert!(topics(&s).contains(&"news".to_owned()), "{s}");

    // News off, quiet hours, English: queued and sent at once.
    let s = mm.json(&[
        "notifications",
        "settings",
        "--topic",
        "news=off",
        "--quiet",
        "22:00-07:00",
        "--lang",
        "en",
    ])?;
    assert_eq!(s["state"], json!("synced"), "sent through the outbox: {s}");
    assert!(!topics(&s).contains(&"news".to_owned()), "{s}");
    assert!(
        topics(&s).contains(&"alerts".to_owned()),
        "alerts stay on: {s}"
    );
    // A radius under 100 m: refused by the core, nothing changed.
    let out = mm.run(&["notifications", "settings", "--around", "51.1,17.1,50"])?;
    assert!(
        failed_with(&out, "invalid_input"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The server's copy, fetched by the next sync, is what was sent.
    mm.json(&["sync"])?;
    let s = mm.json(&["notifications", "settings"])?;
    assert_eq!(s["state"], json!("synced"), "{s}");
    assert!(
        !topics(&s).contains(&"news".to_owned()),
        "the server stored news off: {s}"
    );
    assert_eq!(
        s["subscription"]["quiet_hours"],
        json!({"from": "22:00:00", "to": "07:00:00"}),
        "{s}"
    );
    assert_eq!(s["subscription"]["lang"], json!("en"), "{s}");

    // Push: plain http is refused by the core; a loopback endpoint passes the
    // core (its server is on loopback) and is refused by this server; https
    // is accepted.
    let (p256dh, auth) = web_push_keys();
    let register = |endpoint: &str| {
        mm.run(&[
            "push",
            "register",
            "--unifiedpush",
            endpoint,
            "--p256dh",
            &p256dh,
            "--auth",
            &auth,
        ])
    };
    let out = register("http://push.example.org/up/1")?;
    assert!(
        failed_with(&out, "invalid_input"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = register("http://127.0.0.1:9/up/1")?;
    assert!(
        failed_with(&out, "invalid_field"),
        "the server refuses it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mm.json(&["push", "status"])?["state"], json!("refused"));
    let out = register("https://push.example.org/up/e2e")?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = mm.json(&["push", "status"])?;
    assert_eq!(
        (&p["state"], &p["transport"]),
        (&json!("registered"), &json!("web_push")),
        "{p}"
    );
    let out = mm.run(&["push", "unregister"])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mm.json(&["push", "status"])?["state"], json!("removed"));

    // An official sends news (this device turned news off), then an alert.
    let (status, body) = editor.request(
        mm_e2e::reqwest::Method::POST,
        "/api/v1/notifications",
        Some(json!({"title": "Nowy numer gazety", "body": "Gazeta gminna.", "topic": "news"})),
    )?;
    assert_eq!(status, 201, "{body}");
    let (status, body) = editor.request(
        mm_e2e::reqwest::Method::POST,
        "/api/v1/notifications",
        Some(
            json!({"title": "Brak wody", "body": "Radwanice do 14:00.", "topic": "alerts",
                    "link": {"kind": "url", "url": "https://siechnice.gmina.pl/"}}),
        ),
    )?;
    assert_eq!(status, 201, "{body}");

    // The server's worker fans out; the device's sync brings the feed.
    let deadline = Instant::now() + Duration::from_secs(30);
    let list = loop {
        mm.json(&["sync"])?;
        let list = mm.json(&["notifications"])?;
        if list
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["title"] == json!("Brak wody"))
        {
            break list;
        }
        assert!(
            Instant::now() < deadline,
            "the alert never reached the feed: {list}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    mm.json(&["sync"])?;
    let list = {
        let again = mm.json(&["notifications"])?;
        assert_eq!(
            again.as_array().unwrap().len(),
            list.as_array().unwrap().len(),
            "a second sync adds nothing"
        );
        again
    };
    let alerts: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["title"] == json!("Brak wody"))
        .collect();
    assert_eq!(alerts.len(), 1, "once: {list}");
    let alert = alerts[0];
    assert_eq!(
        (&alert["read"], &alert["urgent"]),
        (&json!(false), &json!(true)),
        "{alert}"
    );
    assert_eq!(
        alert["link"],
        json!({"kind": "url", "url": "https://siechnice.gmina.pl/"}),
        "{alert}"
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|n| n["title"] != json!("Nowy numer gazety")),
        "news is off: {list}"
    );

    // Read: marked here and sent to the server.
    let id = alert["id"].as_i64().unwrap().to_string();
    let list = mm.json(&["notifications", "read", &id])?;
    let alert = list
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["title"] == json!("Brak wody"))
        .unwrap();
    assert_eq!(alert["read"], json!(true));
    let status = mm.json(&["status"])?;
    assert_eq!(
        (&status["pending_writes"], &status["failed_writes"]),
        (&json!(0), &json!(0)),
        "{status}"
    );
    Ok(())
}

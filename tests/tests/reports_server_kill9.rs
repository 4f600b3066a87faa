//! `kill -9` in the middle of a burst of reports: every report that got a
//! 201 is there after a restart on the same data dir, and the database
//! passes `PRAGMA integrity_check`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mm_e2e::{Server, reqwest};
use serde_json::json;

const LIMITS: &[(&str, &str)] = &[
    ("MM_RATE_DEVICE_PER_HOUR", "1000000"),
    ("MM_RATE_IP_PER_HOUR", "1000000"),
];

#[test]
fn every_acknowledged_report_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), true, LIMITS).unwrap();
    let http = reqwest::blocking_client();
    let token: String = http
        .post(format!("{}/api/v1/devices", server.url))
        .json(&json!({"platform": "cli", "app_version": "1.0.0"}))
        .send()
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .into();
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let url = server.url.clone();
    let mut threads = vec![];
    for t in 0..6 {
        let (acked, url, token) = (acked.clone(), url.clone(), token.clone());
        threads.push(std::thread::spawn(move || {
            let http = reqwest::blocking_client();
            for i in 0..100_000 {
                let body = json!({"category": "other", "point": {"lat": 51.0335, "lon": 17.15},
                    "description": format!("Zgłoszenie testowe {t}-{i} z serii")});
                let resp = http
                    .post(format!("{url}/api/v1/reports"))
                    .bearer_auth(&token)
                    .header("idempotency-key", format!("k-{t}-{i}"))
                    .json(&body)
                    .send();
                match resp {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let id = r
                            .json::<serde_json::Value>()
                            .ok()
                            .and_then(|v| v["id"].as_i64());
                        if let Some(id) = id {
                            acked.lock().unwrap().push(id);
                        }
                    }
                    Ok(r) => panic!("unexpected {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let addr = server.addr();
    server.kill9();
    for th in threads {
        th.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 10,
        "the burst made reports before the kill ({})",
        acked.len()
    );

    let server = Server::start_at(dir.path(), false, &addr, LIMITS).unwrap();
    let http = reqwest::blocking_client();
    for id in &acked {
        let r = http
            .get(format!("{}/api/v1/reports/{id}", server.url))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "acknowledged report {id} lost");
    }
    drop(server);
    let db = rusqlite::Connection::open(dir.path().join("mm.sqlite")).unwrap();
    let ok: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    eprintln!("{} acknowledged reports survived kill -9", acked.len());
}

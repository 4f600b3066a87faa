//! Payments through the real binary (issue 14): `mm-server --payments p24
//! --p24-url <fake> --p24-credentials FILE` over data brought in by
//! `mm-server taxes import`, a device that links, pays, is notified by the
//! fake Przelewy24 over HTTP and reads its receipt; and `--demo` serving
//! the built-in sandbox gateway by default (what `make run` uses).

use std::time::Duration;

use anyhow::Result;
use mm_e2e::fake_p24::{FakeP24, Notify};
use mm_e2e::{Server, bin};
use serde_json::{Value, json};

const CODE: &str = "KD7M-2WQX-H9PT";
const ACCOUNT: &str = "61109010140000071219812874";

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(20)).build().unwrap()
}

fn send(method: reqwest::Method, url: &str, token: Option<&str>, key: Option<&str>, body: Option<Value>) -> (u16, String) {
    let mut b = client().request(method, url);
    if let Some(t) = token {
        b = b.bearer_auth(t);
    }
    if let Some(k) = key {
        b = b.header("Idempotency-Key", k);
    }
    if let Some(v) = body {
        b = b.json(&v);
    }
    let r = b.send().unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

#[test]
fn a_resident_pays_through_the_gateway_against_the_real_binary() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let export = dir.path().join("podatki.json");
    std::fs::write(
        &export,
        json!({
            "taxpayers": [{"id": "P-000123", "name": "Anna Nowak", "activation_code": CODE}],
            "liabilities": [{"id": "2030/NR/000123/1", "taxpayer": "P-000123", "kind": "property", "year": 2030,
                "instalment": 1, "decision": "FN.3120.123.2030", "due_date": "2030-03-15", "amount_grosze": 103_700,
                "account": ACCOUNT, "payments": []}]
        })
        .to_string(),
    )?;
    let out = std::process::Command::new(bin("mm-server"))
        .arg("--data-dir")
        .arg(&data)
        .args(["taxes", "import"])
        .arg(&export)
        .output()?;
    assert!(out.status.success(), "import: {}", String::from_utf8_lossy(&out.stderr));

    let fake = FakeP24::start_blocking();
    let creds = dir.path().join("p24.json");
    std::fs::write(&creds, FakeP24::credentials_json().to_string())?;
    let server = Server::start_with(
        &data,
        false,
        &[("MM_PAYMENTS", "p24"), ("MM_P24_URL", &fake.url), ("MM_P24_CREDENTIALS", creds.to_str().unwrap())],
    )?;
    let api = format!("{}/api/v1", server.url);
    let (status, body) = send(reqwest::Method::POST, &format!("{api}/devices"), None, None, Some(json!({"platform": "android", "app_version": "1.0.0"})));
    assert_eq!(status, 201, "{body}");
    let token = serde_json::from_str::<Value>(&body)?["token"].as_str().unwrap().to_owned();
    let (status, body) = send(reqwest::Method::POST, &format!("{api}/taxes/link"), Some(&token), None, Some(json!({"code": CODE})));
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(reqwest::Method::GET, &format!("{api}/taxes/liabilities"), Some(&token), None, None);
    assert_eq!(status, 200, "{body}");
    let list: Value = serde_json::from_str(&body)?;
    assert_eq!(list["payments_enabled"], true);
    assert_eq!(list["liabilities"][0]["total_grosze"], 103_700);

    let pay = json!({"liability": "2030/NR/000123/1", "amount_grosze": 103_700});
    let (status, body) = send(reqwest::Method::POST, &format!("{api}/taxes/payments"), Some(&token), Some("outbox-1"), Some(pay.clone()));
    assert_eq!(status, 201, "{body}");
    let payment: Value = serde_json::from_str(&body)?;
    let id = payment["id"].as_str().unwrap().to_owned();
    assert!(payment["redirect_url"].as_str().unwrap().starts_with(&format!("{}/trnRequest/", fake.url)));
    // The app retries (it lost the answer): the same payment.
    let (_, again) = send(reqwest::Method::POST, &format!("{api}/taxes/payments"), Some(&token), Some("outbox-1"), Some(pay));
    assert_eq!(serde_json::from_str::<Value>(&again)?["id"], id.as_str());
    assert_eq!(fake.registers(), 1);

    assert_eq!(fake.complete_blocking(&id, Notify::Twice), vec![200, 200]);
    let (_, body) = send(reqwest::Method::GET, &format!("{api}/taxes/payments/{id}"), Some(&token), None, None);
    let paid: Value = serde_json::from_str(&body)?;
    assert_eq!(paid["status"], "paid", "{paid}");
    assert_eq!(fake.verifies(), 1);
    let (status, receipt) = send(reqwest::Method::GET, &format!("{api}/taxes/payments/{id}/receipt"), Some(&token), None, None);
    assert_eq!(status, 200);
    assert!(receipt.contains("1\u{a0}037,00") && !receipt.contains("Anna Nowak"), "{receipt}");
    let (_, body) = send(reqwest::Method::GET, &format!("{api}/taxes/liabilities"), Some(&token), None, None);
    assert_eq!(serde_json::from_str::<Value>(&body)?["liabilities"][0]["status"], "paid_awaiting_booking");
    server.stop()?;
    Ok(())
}

#[test]
fn the_demo_serves_the_sandbox_gateway() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = Server::start(dir.path(), true)?;
    let url = format!("{}/sandbox/p24/api/v1/testAccess", server.url);
    let ok = client().get(&url).basic_auth(100_001, Some("sandbox-api-key")).send()?;
    assert_eq!(ok.status().as_u16(), 200);
    let wrong = client().get(&url).basic_auth(100_001, Some("zly-klucz")).send()?;
    assert_eq!(wrong.status().as_u16(), 401);
    server.stop()?;
    Ok(())
}

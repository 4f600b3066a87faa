//! Paying a liability through Przelewy24 (issue 14, docs/TAXES.md
//! "Payments"), against the fake gateway (`tests/src/fake_p24.rs`: it
//! checks our Basic auth and `sign` as P24 does) and the server served on
//! a loopback port, so the fake's notifications arrive over HTTP:
//! pending → notification → verify → paid; a duplicated, an out-of-order,
//! a forged and a wrong-amount notification; a gateway that times out or
//! answers 500 (502, then the same key registers the same payment); a
//! verify that fails; a lost notification and the expiry; the built-in
//! sandbox gateway end to end.

use crate::common;
use crate::taxes_support;
use crate::fake_p24;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::http::StatusCode;
use chrono::Duration;
use fake_p24::{Fault, FakeP24, Notify};
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::PaymentStatus;
use mm_server::config::PublicUrl;
use mm_server::payments::{Gateway, p24, sandbox};
use mm_server::store::Store;
use mm_server::store::taxes::{PaymentFilter, PaymentRecord};
use serde_json::{Value, json};
use taxes_support::*;

struct Paying {
    w: World,
    fake: FakeP24,
    dev: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Paying {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Serves the app on a loopback port (its public URL) with `gateway`.
/// With `sandbox`, the built-in sandbox gateway is served too.
async fn serve(w: &mut World, sandbox: bool, gateway: impl FnOnce(&str) -> Gateway) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    w.t.state.public_url = PublicUrl::for_addr(listener.local_addr().unwrap());
    w.t.state.payments = Some(Arc::new(gateway(w.t.state.public_url.base())));
    if sandbox {
        w.t.state.sandbox = Some(Arc::new(sandbox::Sandbox::default()));
    }
    w.t.app = mm_server::app(w.t.state.clone());
    let app = w.t.app.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

async fn paying() -> Paying {
    let mut w = World::new().await;
    let fake = FakeP24::start().await;
    let url = fake.url.clone();
    let server = serve(&mut w, false, |_| Gateway {
        provider: "p24",
        client: p24::P24Client::new(&url, StdDuration::from_millis(1500)).unwrap(),
        credentials: serde_json::from_value(FakeP24::credentials_json()).unwrap(),
        time_limit_minutes: 15,
    })
    .await;
    let dev = w.linked(A, &w.code_a1).await;
    Paying { w, fake, dev, server }
}

impl Paying {
    async fn pay(&self, liability: &str, amount: i64, key: &str) -> common::Resp {
        self.w
            .call(None, "POST", "/api/v1/taxes/payments", Some(&self.dev), Some(json!({"liability": liability, "amount_grosze": amount})), Some(key))
            .await
    }

    fn store(&self) -> Arc<dyn Store> {
        self.w.t.store.for_gmina(&Teryt::parse(A).unwrap())
    }

    async fn record(&self, id: &str) -> PaymentRecord {
        self.store().payment(id).await.unwrap().unwrap()
    }

    async fn all(&self) -> Vec<PaymentRecord> {
        self.store().payments(PaymentFilter { limit: 100, ..Default::default() }).await.unwrap()
    }

    /// A pending payment of L-A1-2's whole 500 zł (not yet due: no interest).
    async fn pending_one(&self) -> (String, i64) {
        let r = self.pay("L-A1-2", 50_000, "k-paid").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        (r.json()["id"].as_str().unwrap().to_owned(), 50_000)
    }
}

#[tokio::test]
async fn pending_then_notified_verified_and_paid() {
    let (logs, _guard) = Logs::capture();
    let p = paying().await;
    let r = p.pay("L-A1-2", 50_000, "k-1").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!((created["status"].clone(), created["amount_grosze"].clone()), (json!("pending"), json!(50_000)));
    assert_eq!(created["liability"], "L-A1-2");
    assert_eq!(created["receipt_url"], Value::Null);
    let t = p.fake.transaction(&id).expect("registered under our payment id as sessionId");
    assert_eq!(created["redirect_url"], format!("{}/trnRequest/{}", p.fake.url, t.token));
    assert_eq!(t.amount, 50_000);
    assert!(t.url_status.ends_with(&format!("/api/v1/payments/p24/status?gmina={A}")), "{}", t.url_status);
    assert!(t.url_return.contains(&id), "{}", t.url_return);
    assert!(p.fake.refusals().is_empty(), "{:?}", p.fake.refusals());
    // The payer's page exists at the gateway.
    let page = reqwest::get(created["redirect_url"].as_str().unwrap()).await.unwrap();
    assert_eq!(page.status(), 200);

    // A retry of the same request (the app did not get the answer): the same payment.
    let again = p.pay("L-A1-2", 50_000, "k-1").await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.json()["id"], id.as_str());
    assert_eq!(p.fake.registers(), 1, "registered once");
    // The same key with another request: 409.
    let r = p.pay("L-A1-2", 40_000, "k-1").await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "idempotency_conflict".into()), "{}", r.text());

    // The payer pays: notification, verify, paid.
    assert_eq!(p.fake.complete(&id, Notify::Once).await, vec![200]);
    assert!(p.fake.transaction(&id).unwrap().verified, "transaction/verify was called with a sign P24 accepts");
    let r = p.w.get(&format!("/api/v1/taxes/payments/{id}"), &p.dev).await.json();
    assert_eq!(r["status"], "paid", "{r}");
    assert!(r["paid_at"].is_string() && r["redirect_url"].is_null());
    assert!(r["receipt_url"].as_str().unwrap().ends_with(&format!("/api/v1/taxes/payments/{id}/receipt")));
    assert_eq!(p.record(&id).await.gateway_order_id, p.fake.transaction(&id).unwrap().order_id);
    // The liability: paid, waiting for the tax office to book it.
    let l = p.w.get("/api/v1/taxes/liabilities/L-A1-2", &p.dev).await.json();
    assert_eq!(l["status"], "paid_awaiting_booking", "{l}");
    assert_eq!(l["total_grosze"], 0);
    assert_eq!(l["app_payments"][0]["id"], id.as_str());
    let receipt = p.w.get(&format!("/api/v1/taxes/payments/{id}/receipt"), &p.dev).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert!(receipt.text().contains("500,00") && receipt.text().contains(&id));
    // The payer's return page says so.
    let back = reqwest::get(&t.url_return).await.unwrap();
    assert_eq!(back.status(), 200);
    assert!(back.text().await.unwrap().contains("Płatność przyjęta"));

    logs.assert_free_of(&[TP_A1, NAME_A1, &p.w.code_a1, "50000", "500,00"]);
}

#[tokio::test]
async fn a_duplicated_or_out_of_order_notification_changes_nothing() {
    let p = paying().await;
    let (id, _) = p.pending_one().await;
    assert_eq!(p.fake.complete(&id, Notify::Twice).await, vec![200, 200]);
    assert_eq!(p.fake.verifies(), 1, "the duplicate was not verified again");
    let first = p.record(&id).await;
    assert_eq!(first.status, PaymentStatus::Paid);
    assert_eq!(first.flag, None);
    // The same notification once more, much later: nothing moves.
    p.w.t.advance(Duration::days(2));
    let t = p.fake.transaction(&id).unwrap();
    let replay = fake_p24::notification(&t, t.order_id.unwrap(), t.amount, fake_p24::CRC);
    assert_eq!(p.fake.send_raw(&id, replay).await, 200);
    let later = p.record(&id).await;
    assert_eq!((later.status, later.paid_at, later.gateway_order_id), (first.status, first.paid_at, first.gateway_order_id));
    assert_eq!(p.fake.verifies(), 1);
    // A properly signed notification of another order for the paid payment:
    // the payment stays as it was, and is flagged (money to give back).
    let other = fake_p24::notification(&t, t.order_id.unwrap() + 1000, t.amount, fake_p24::CRC);
    assert_eq!(p.fake.send_raw(&id, other).await, 200);
    let flagged = p.record(&id).await;
    assert_eq!((flagged.status, flagged.gateway_order_id), (PaymentStatus::Paid, first.gateway_order_id));
    assert!(flagged.flag.is_some());
    assert_eq!(p.all().await.len(), 1);
}

#[tokio::test]
async fn a_forged_notification_is_refused_and_changes_nothing() {
    let (logs, _guard) = Logs::capture();
    let p = paying().await;
    let (id, _) = p.pending_one().await;
    assert_eq!(p.fake.complete(&id, Notify::Forged).await, vec![400]);
    let r = p.record(&id).await;
    assert_eq!((r.status, r.gateway_order_id, r.flag.clone()), (PaymentStatus::Pending, None, None));
    assert_eq!(p.fake.verifies(), 0, "a forged notification is never verified");
    // Not JSON at all, or for another gmina's account: refused too.
    let url = p.fake.transaction(&id).unwrap().url_status;
    let r = reqwest::Client::new().post(&url).body("merchantId=1").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let t = p.fake.transaction(&id).unwrap();
    let for_b = fake_p24::notification(&t, 1, t.amount, fake_p24::CRC);
    let r = reqwest::Client::new().post(url.replace(A, B)).json(&for_b).send().await.unwrap();
    assert_eq!(r.status(), 400, "Czernica's endpoint does not know Siechnice's payment");
    assert_eq!(p.record(&id).await.status, PaymentStatus::Pending);
    let text = logs.text();
    assert!(text.contains("wrong sign"), "the forgery is in the log: {text}");
    logs.assert_free_of(&[TP_A1, NAME_A1]);
    // The real one still goes through.
    assert_eq!(p.fake.complete(&id, Notify::Once).await, vec![200]);
    assert_eq!(p.record(&id).await.status, PaymentStatus::Paid);
}

#[tokio::test]
async fn a_notification_of_another_amount_is_refused_and_flagged() {
    let p = paying().await;
    let (id, amount) = p.pending_one().await;
    assert_eq!(p.fake.complete(&id, Notify::OtherAmount(amount - 100)).await, vec![400]);
    let r = p.record(&id).await;
    assert_eq!(r.status, PaymentStatus::Pending);
    assert!(r.flag.as_deref().is_some_and(|f| f.contains("amount")), "{:?}", r.flag);
    assert_eq!(p.fake.verifies(), 0);
    let flagged = p.store().payments(PaymentFilter { flagged_only: true, limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(flagged.len(), 1);
}

#[tokio::test]
async fn a_gateway_that_times_out_or_fails_gives_502_and_the_retry_registers_the_same_payment() {
    let p = paying().await;
    p.fake.set_fault(Fault::SlowRegister(StdDuration::from_secs(4)));
    let r = p.pay("L-A1-2", 20_000, "k-slow").await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_GATEWAY, "gateway_unavailable".into()), "{}", r.text());
    let all = p.all().await;
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].status, all[0].gateway_token.clone()), (PaymentStatus::Pending, None));
    p.fake.set_fault(Fault::Register500);
    let r = p.pay("L-A1-2", 20_000, "k-slow").await;
    assert_eq!(r.code(), "gateway_unavailable");
    p.fake.set_fault(Fault::None);
    let r = p.pay("L-A1-2", 20_000, "k-slow").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["id"], all[0].id.as_str(), "the same payment");
    assert!(r.json()["redirect_url"].is_string());
    assert_eq!(p.all().await.len(), 1, "never a second payment");
    assert_eq!(p.fake.registers(), 3);
    assert_eq!(p.fake.complete(&all[0].id, Notify::Once).await, vec![200]);
    assert_eq!(p.record(&all[0].id).await.status, PaymentStatus::Paid);
}

#[tokio::test]
async fn a_failing_verify_leaves_the_payment_pending_until_the_gateway_tries_again() {
    let p = paying().await;
    let (id, _) = p.pending_one().await;
    p.fake.set_fault(Fault::VerifyFails);
    assert_eq!(p.fake.complete(&id, Notify::Once).await, vec![502]);
    assert_eq!(p.record(&id).await.status, PaymentStatus::Pending);
    p.fake.set_fault(Fault::Verify500);
    assert_eq!(p.fake.complete(&id, Notify::Once).await, vec![502]);
    assert_eq!(p.record(&id).await.status, PaymentStatus::Pending);
    // P24 sends the notification again; now verify succeeds.
    p.fake.set_fault(Fault::None);
    assert_eq!(p.fake.complete(&id, Notify::Once).await, vec![200]);
    assert_eq!(p.record(&id).await.status, PaymentStatus::Paid);
}

#[tokio::test]
async fn a_lost_notification_expires_the_payment_and_a_late_one_is_flagged_not_paid() {
    let p = paying().await;
    let (id, _) = p.pending_one().await;
    assert_eq!(p.fake.complete(&id, Notify::Lost).await, Vec::<u16>::new());
    assert_eq!(mm_server::payments::expire::run_once(&p.w.t.state).await.unwrap(), 0, "not yet");
    p.w.t.advance(Duration::minutes(15 + 61));
    assert_eq!(mm_server::payments::expire::run_once(&p.w.t.state).await.unwrap(), 1);
    assert_eq!(p.record(&id).await.status, PaymentStatus::Expired);
    let r = p.w.get(&format!("/api/v1/taxes/payments/{id}/receipt"), &p.dev).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let t = p.fake.transaction(&id).unwrap();
    let late = fake_p24::notification(&t, t.order_id.unwrap(), t.amount, fake_p24::CRC);
    assert_eq!(p.fake.send_raw(&id, late).await, 200);
    let r = p.record(&id).await;
    assert_eq!(r.status, PaymentStatus::Expired);
    assert!(r.flag.is_some());
    assert_eq!(p.fake.verifies(), 0, "not verified: P24 does not settle it");
    // The liability can be paid again.
    let r = p.pay("L-A1-2", 50_000, "k-again").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn the_sandbox_gateway_pays_through_its_page() {
    let mut w = World::new().await;
    let server = serve(&mut w, true, |base| Gateway {
        provider: "sandbox",
        client: p24::P24Client::new(&format!("{base}{}", sandbox::PREFIX), StdDuration::from_secs(5)).unwrap(),
        credentials: p24::CredentialsFile::One(sandbox::credentials()),
        time_limit_minutes: 15,
    })
    .await;
    let dev = w.linked(A, &w.code_a1).await;
    let r = w.call(None, "POST", "/api/v1/taxes/payments", Some(&dev), Some(json!({"liability": "L-A1-2", "amount_grosze": 50_000})), Some("s-1")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let redirect = r.json()["redirect_url"].as_str().unwrap().to_owned();
    assert!(redirect.contains("/sandbox/p24/trnRequest/"), "{redirect}");
    let page = reqwest::get(&redirect).await.unwrap().text().await.unwrap();
    assert!(page.contains("Zapłać") && page.contains("Odrzuć"), "{page}");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = http.post(format!("{redirect}/pay")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().contains(&format!("/taxes/payments/{id}/return")));
    let r = w.get(&format!("/api/v1/taxes/payments/{id}"), &dev).await.json();
    assert_eq!(r["status"], "paid", "{r}");
    // A wrong sign at the sandbox's register is refused like P24 refuses it.
    let bad = json!({"merchantId": 100001, "posId": 100001, "sessionId": "x", "amount": 1, "currency": "PLN",
        "description": "d", "email": "e@x.pl", "country": "PL", "language": "pl", "urlReturn": "http://x/", "urlStatus": "http://x/",
        "timeLimit": 15, "sign": "00"});
    let r = http
        .post(format!("{}{}/api/v1/transaction/register", w.t.state.public_url.base(), sandbox::PREFIX))
        .basic_auth(100001, Some("sandbox-api-key"))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    server.abort();
}

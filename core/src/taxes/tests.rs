//! Taxes in the core against a loopback HTTP server speaking the DESIGN's
//! JSON (`mm_protocol::taxes::wire`), with a real store file.

use chrono::NaiveDate;
use mm_protocol::taxes::statement::{statement, view};
use mm_protocol::taxes::{
    LiabilitiesResponse, LiabilityKind, LiabilityRecord, LiabilityStatus, Payment, PaymentStatus, TaxRecipient,
    TaxRules, Taxpayer,
};
use serde_json::{Value, json};

use super::model::TaxPaymentStatus;
use crate::testing::*;
use crate::{Core, CoreError};

const ACCOUNT: &str = "61109010140000071219812874";
const CODE: &str = "KD7M-2WQX-H9PT";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn record(id: &str, taxpayer: &str, kind: LiabilityKind, due: NaiveDate, amount: i64) -> LiabilityRecord {
    LiabilityRecord {
        id: id.into(),
        taxpayer: taxpayer.into(),
        kind,
        year: due.format("%Y").to_string().parse().unwrap(),
        instalment: 1,
        decision: "FN.3120.1.2025".into(),
        due_date: due,
        amount_grosze: amount,
        account: ACCOUNT.into(),
        payments: vec![],
    }
}

fn recipient() -> TaxRecipient {
    TaxRecipient { name: "Gmina Siechnice".into(), nip: "1234563218".into() }
}

/// The household: Jan (T1) owes 1 000 zł of property tax due 15 Mar 2025
/// (the reference file's example) and 12 000 zł due 15 Sep 2025 (above
/// what the QR can carry); Anna (T2) a waste fee due 15 May 2025.
fn records() -> Vec<LiabilityRecord> {
    vec![
        record("L1", "T1", LiabilityKind::Property, d(2025, 3, 15), 100_000),
        record("L2", "T2", LiabilityKind::WasteFee, d(2025, 5, 15), 5_000),
        record("L3", "T1", LiabilityKind::Property, d(2025, 9, 15), 1_200_000),
    ]
}

/// The answer the server gives as of `as_of`: computed by the protocol's
/// `view`, as the server does.
fn answer(as_of: NaiveDate, taxpayers: &[&str], payments_enabled: bool) -> Value {
    let rules = TaxRules::statutory();
    let all = [Taxpayer { id: "T1".into(), name: "Jan Kowalski".into() }, Taxpayer { id: "T2".into(), name: "Anna Kowalska".into() }];
    let resp = LiabilitiesResponse {
        as_of,
        recipient: recipient(),
        rules: rules.clone(),
        taxpayers: all.iter().filter(|t| taxpayers.contains(&t.id.as_str())).cloned().collect(),
        liabilities: records()
            .into_iter()
            .filter(|r| taxpayers.contains(&r.taxpayer.as_str()))
            .map(|r| view(r, vec![], as_of, &rules, &recipient()).unwrap())
            .collect(),
        payments_enabled,
    };
    serde_json::to_value(resp).unwrap()
}

fn api_error(status: u16, code: &str) -> Reply {
    Reply::Json(status, json!({"code": code, "message": {"pl": "Błąd po polsku.", "en": "Error in English."}}))
}

fn payment_json(id: &str, status: &str, amount: i64) -> Value {
    let paid = status == "paid";
    json!({"id": id, "liability": "L1", "amount_grosze": amount, "status": status,
        "redirect_url": (!paid).then_some("https://gateway.example/trnRequest/TOKEN1"),
        "created_at": "2025-06-20T10:00:00Z", "paid_at": paid.then_some("2025-06-20T10:05:00Z"),
        "booked": false, "receipt_url": paid.then_some("/api/v1/taxes/payments/P1/receipt")})
}

/// A core linked to both taxpayers, the figures fetched as of 1 Apr 2025.
async fn linked(dir: &tempfile::TempDir, server: &FakeServer, payments_enabled: bool) -> Core {
    server
        .reply(registered())
        .reply(Reply::Json(200, json!({"id": "T1", "name": "Jan Kowalski"})))
        .reply(Reply::Json(200, answer(d(2025, 4, 1), &["T1", "T2"], payments_enabled)));
    let core = Core::open(config(dir, &server.url)).unwrap();
    let t = core.taxes().link(CODE).await.unwrap();
    assert_eq!(t.id, "T1");
    core
}

#[tokio::test]
async fn linking_sends_the_normalised_code_with_the_token_and_stores_the_household() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = linked(&dir, &server, true).await;
    let reqs = server.requests();
    let link = reqs.iter().find(|r| r.target == "/api/v1/taxes/link").unwrap();
    assert_eq!(link.method, "POST");
    assert_eq!(serde_json::from_str::<Value>(&link.body).unwrap(), json!({"code": "KD7M2WQXH9PT"}));
    assert_eq!(link.header("authorization"), Some("Bearer tok-1"));
    assert_eq!(link.header("mm-gmina"), Some("0223083"));
    let fetch = reqs.iter().find(|r| r.target.starts_with("/api/v1/taxes/liabilities?as_of=")).unwrap();
    assert_eq!(fetch.header("authorization"), Some("Bearer tok-1"));

    let screen = core.taxes().screen(d(2025, 4, 1)).unwrap();
    assert_eq!(screen.taxpayers.len(), 2);
    assert_eq!(screen.liabilities.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["L1", "L2", "L3"]);
    let l1 = &screen.liabilities[0];
    assert_eq!(l1.kind_text, "Podatek od nieruchomości");
    assert_eq!(l1.amount_text, "1 000,00 zł");
    assert_eq!(l1.effective_due_date, d(2025, 3, 17), "15 Mar 2025 is a Saturday");
    assert_eq!(l1.status_text, "Po terminie");
    assert_eq!(l1.taxpayer_name, "Jan Kowalski");
    assert_eq!(screen.liabilities[1].status_text, "Do zapłaty");
    assert!(screen.payments_enabled);
}

#[tokio::test]
async fn offline_interest_to_a_later_day_equals_the_servers_figure_for_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = linked(&dir, &server, true).await;
    drop(server); // offline from here on
    for day in [d(2025, 4, 1), d(2025, 6, 20), d(2025, 12, 31), d(2026, 7, 1)] {
        let screen = core.taxes().screen(day).unwrap();
        for r in records() {
            let server_figure = statement(&r, &[], day, &TaxRules::statutory());
            let mine = screen.liabilities.iter().find(|l| l.id == r.id).unwrap();
            assert_eq!(
                (mine.remaining_grosze, mine.interest_grosze, mine.total_grosze, mine.status),
                (server_figure.remaining_grosze, server_figure.interest_grosze, server_figure.total_grosze, server_figure.status),
                "{} on {day}",
                r.id
            );
        }
    }
    // The reference file's worked example: 1 000 zł due 15 Mar 2025, on 20 Jun 2025: 37 zł.
    let l1 = core.taxes().liability("L1", d(2025, 6, 20)).unwrap();
    assert_eq!((l1.summary.interest_grosze, l1.summary.total_grosze), (3_700, 103_700));
    assert_eq!(l1.summary.total_text, "1 037,00 zł");
    assert_eq!(l1.zbp_payload, format!("1234563218|PL|{ACCOUNT}|103700|Gmina Siechnice|{}|||", l1.transfer_title));
    assert_eq!(l1.zbp_payload.split('|').count(), 9);
    assert!(l1.amount_in_code && l1.amount_note.is_none());
    assert_eq!(l1.qr_modules.len(), (l1.qr_size * l1.qr_size) as usize);
    assert!(l1.qr_size >= 21);
    assert_eq!(l1.account_text, "61 1090 1014 0000 0712 1981 2874");
    // Above 9 999,99 zł the code carries 000000 and the screen says so.
    let l3 = core.taxes().liability("L3", d(2025, 6, 20)).unwrap();
    assert!(l3.zbp_payload.contains("|000000|") && !l3.amount_in_code);
    assert!(l3.amount_note.unwrap().contains("12 000,00 zł"));
}

#[tokio::test]
async fn unlink_leaves_no_row_of_that_taxpayer_in_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = linked(&dir, &server, true).await;
    // A payment of Jan's that never got an answer: its row and outbox item.
    server.reply(Reply::Drop);
    let paid = core.taxes().pay("L1", Some(10_000)).await.unwrap();
    assert_eq!(core.taxes().payments().unwrap()[0].id, paid);
    assert_eq!(core.taxes().payments().unwrap()[0].status, TaxPaymentStatus::Queued);
    server.reply(Reply::Status(204));
    core.taxes().unlink(Some("T1".into())).await.unwrap();

    let file = dir.path().join("data/gminas/0223083/mm.sqlite3");
    let db = rusqlite::Connection::open(&file).unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM tax_taxpayers WHERE id = 'T1'"), 0);
    assert_eq!(count("SELECT count(*) FROM tax_liabilities WHERE taxpayer = 'T1' OR record LIKE '%\"T1\"%'"), 0);
    assert_eq!(count("SELECT count(*) FROM tax_payments WHERE taxpayer = 'T1' OR liability IN ('L1', 'L3')"), 0);
    assert_eq!(count("SELECT count(*) FROM outbox WHERE payload LIKE '%T1%' OR kind LIKE 'tax_%'"), 0, "the payment dropped, the unlink sent");
    // Anna stays.
    assert_eq!(count("SELECT count(*) FROM tax_taxpayers WHERE id = 'T2'"), 1);
    assert_eq!(count("SELECT count(*) FROM tax_liabilities WHERE taxpayer = 'T2'"), 1);
    let delete = server.requests().into_iter().find(|r| r.method == "DELETE").unwrap();
    assert_eq!(delete.target, "/api/v1/taxes/link/T1");
    assert_eq!(delete.header("authorization"), Some("Bearer tok-1"));
    assert!(matches!(core.taxes().liability("L1", d(2025, 4, 1)), Err(CoreError::NotFound { .. })));
}

#[tokio::test]
async fn an_unlink_made_offline_is_not_undone_by_a_refresh_before_it_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = linked(&dir, &server, true).await;
    server.reply(Reply::Drop); // the DELETE is lost
    core.taxes().unlink(None).await.unwrap();
    assert!(core.taxes().taxpayers().unwrap().is_empty(), "deleted at once");
    // The next refresh: the flush fails again, the server still lists both.
    server.reply(Reply::Drop).reply(Reply::Json(200, answer(d(2025, 4, 1), &["T1", "T2"], true)));
    let _ = core.taxes().refresh().await;
    assert!(core.taxes().taxpayers().unwrap().is_empty());
    assert!(core.taxes().screen(d(2025, 4, 1)).unwrap().liabilities.is_empty());
}

#[tokio::test]
async fn a_payment_whose_answer_is_lost_in_a_crash_is_sent_again_with_the_same_key_and_is_one_payment() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let id = {
        let core = linked(&dir, &server, true).await;
        // The server gets the payment; its answer never arrives (the app is killed).
        server.reply(Reply::Drop);
        let id = core.taxes().pay("L1", Some(50_000)).await.unwrap();
        let p = core.taxes().payments().unwrap().remove(0);
        assert_eq!((p.status, p.error_code.as_deref()), (TaxPaymentStatus::Queued, Some("network")));
        id
    };
    // The app starts again; the resident opens the payment.
    let core = Core::open(config(&dir, &server.url)).unwrap();
    server
        .reply(Reply::Json(201, payment_json("P1", "pending", 50_000)))
        .reply(Reply::Json(200, payment_json("P1", "paid", 50_000)));
    let p = core.taxes().payment(&id).await.unwrap();
    assert_eq!(p.status, TaxPaymentStatus::Pending);
    assert_eq!(p.redirect_url.as_deref(), Some("https://gateway.example/trnRequest/TOKEN1"));
    assert_eq!(p.server_id.as_deref(), Some("P1"));

    let posts: Vec<_> = server.requests().into_iter().filter(|r| r.target == "/api/v1/taxes/payments").collect();
    assert_eq!(posts.len(), 2);
    let key = posts[0].header("idempotency-key").unwrap();
    assert!(uuid::Uuid::parse_str(key).is_ok());
    assert_eq!(posts[1].header("idempotency-key"), Some(key), "the retry carries the same key");
    assert_eq!(posts[0].body, posts[1].body);
    assert_eq!(serde_json::from_str::<Value>(&posts[0].body).unwrap(), json!({"liability": "L1", "amount_grosze": 50_000}));

    // Polling: the gateway confirmed it.
    let p = core.taxes().payment(&id).await.unwrap();
    assert_eq!((p.status, p.status_text.as_str()), (TaxPaymentStatus::Paid, "Zapłacono, czeka na zaksięgowanie"));
    assert!(p.receipt_available);
    assert!(server.requests().iter().any(|r| r.method == "GET" && r.target == "/api/v1/taxes/payments/P1"));
    // One payment on the device, counted in the balance while the office books it.
    assert_eq!(core.taxes().payments().unwrap().len(), 1);
    let l1 = core.taxes().liability("L1", d(2025, 6, 20)).unwrap();
    assert!(l1.summary.total_grosze < 103_700 && l1.summary.total_grosze > 0, "{}", l1.summary.total_grosze);
    assert_eq!(l1.payments.len(), 1);
    assert!(!l1.payments[0].booked);
}

#[tokio::test]
async fn a_paid_liability_waits_for_booking_and_the_receipt_is_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = linked(&dir, &server, true).await;
    // By default the total as of today.
    server.reply(Reply::Drop);
    core.taxes().pay("L2", None).await.unwrap();
    let today = crate::display::local_day(chrono::Utc::now());
    let total_today = statement(&records()[1], &[], today, &TaxRules::statutory()).total_grosze;
    let posted = server.requests().into_iter().find(|r| r.target == "/api/v1/taxes/payments").unwrap();
    assert_eq!(serde_json::from_str::<Value>(&posted.body).unwrap()["amount_grosze"], total_today);
    // Paid in full on 20 Jun 2025 (the gateway's day).
    let total = statement(&records()[1], &[], d(2025, 6, 20), &TaxRules::statutory()).total_grosze;
    server.reply(Reply::Json(201, payment_json("P1", "paid", total)));
    let id = core.taxes().pay("L2", Some(total)).await.unwrap();
    let screen = core.taxes().screen(d(2025, 6, 20)).unwrap();
    let l2 = screen.liabilities.iter().find(|l| l.id == "L2").unwrap();
    assert_eq!(l2.status, LiabilityStatus::PaidAwaitingBooking);
    assert_eq!(l2.status_text, "Zapłacono, czeka na zaksięgowanie");
    assert_eq!(l2.total_grosze, 0);
    server.reply(Reply::WithHeaders(200, vec![], json!("<html>Potwierdzenie</html>")));
    let html = core.taxes().receipt(&id).await.unwrap();
    assert!(html.contains("Potwierdzenie"));
    assert!(server.requests().iter().any(|r| r.target == "/api/v1/taxes/payments/P1/receipt"));
}

#[tokio::test]
async fn payment_errors_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = linked(&dir, &server, true).await;
    let before = server.requests().len();
    // Bad input: nothing sent, nothing stored.
    for (liability, amount, code) in
        [("L9", Some(100), "not_found"), ("L1", Some(0), "invalid_input"), ("L1", Some(10_000_000), "invalid_input")]
    {
        let e = core.taxes().pay(liability, amount).await.unwrap_err();
        assert_eq!(e.code(), code, "{liability} {amount:?}");
    }
    assert_eq!(server.requests().len(), before);
    assert!(core.taxes().payments().unwrap().is_empty());

    // The gateway is down: the payment stays queued, to be sent again with its key.
    server.reply(api_error(502, "gateway_unavailable"));
    let id = core.taxes().pay("L1", Some(1_000)).await.unwrap();
    let p = core.taxes().payments().unwrap().remove(0);
    assert_eq!((p.id.as_str(), p.status, p.error_code.as_deref()), (id.as_str(), TaxPaymentStatus::Queued, Some("gateway_unavailable")));
    assert_eq!(core.status().unwrap().pending_writes, 1);

    // Payments off at the server: refused at once, not retried.
    server.reply(api_error(503, "payments_disabled"));
    let e = core.taxes().pay("L2", Some(1_000)).await.unwrap_err();
    assert_eq!(e.code(), "payments_disabled");
    let refused = core.taxes().payments().unwrap().into_iter().find(|p| p.liability == "L2").unwrap();
    assert_eq!(refused.status, TaxPaymentStatus::Refused);

    // Payments off in the last answer: refused without asking.
    let dir2 = tempfile::tempdir().unwrap();
    let server2 = FakeServer::start().await;
    let off = linked(&dir2, &server2, false).await;
    let before = server2.requests().len();
    assert_eq!(off.taxes().pay("L1", None).await.unwrap_err().code(), "payments_disabled");
    assert_eq!(server2.requests().len(), before);
    assert!(!off.taxes().liability("L1", d(2025, 4, 1)).unwrap().can_pay);
}

#[tokio::test]
async fn link_errors_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    // Malformed: refused before asking.
    assert_eq!(core.taxes().link("' OR 1=1 --").await.unwrap_err().code(), "invalid_activation_code");
    assert!(server.requests().is_empty());
    server.reply(registered()).reply(api_error(400, "invalid_activation_code"));
    assert_eq!(core.taxes().link(CODE).await.unwrap_err().code(), "invalid_activation_code");
    server.reply(Reply::WithHeaders(
        429,
        vec![("retry-after", "540".into())],
        json!({"code": "activation_locked", "message": {"pl": "Zablokowano.", "en": "Locked."}}),
    ));
    let e = core.taxes().link(CODE).await.unwrap_err();
    assert_eq!(e, CoreError::ActivationLocked { minutes: 9 });
    assert_eq!(e.code(), "activation_locked");
    assert!(e.message().pl.contains("9 min"));
    // Nothing linked: the screen is empty, a liability says so.
    assert!(core.taxes().screen(d(2025, 4, 1)).unwrap().liabilities.is_empty());
    assert_eq!(core.taxes().liability("L1", d(2025, 4, 1)).unwrap_err().code(), "taxes_not_linked");
    assert_eq!(core.taxes().pay("L1", None).await.unwrap_err().code(), "taxes_not_linked");
    // Offline.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir2 = tempfile::tempdir().unwrap();
    let offline = Core::open(config(&dir2, &format!("http://127.0.0.1:{port}"))).unwrap();
    assert_eq!(offline.taxes().link(CODE).await.unwrap_err().code(), "network");
}

#[tokio::test]
async fn reminders_come_for_instalments_due_within_the_chosen_days() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = linked(&dir, &server, true).await;
    assert_eq!(core.taxes().reminder_days().unwrap(), 3);
    for bad in [0, 8] {
        let e = core.taxes().set_reminder_days(bad).unwrap_err();
        assert!(matches!(&e, CoreError::InvalidInput { field, .. } if field == "reminder_days"), "{e:?}");
    }
    assert_eq!(core.taxes().reminder_days().unwrap(), 3);
    // L2 is due Thu 15 May 2025.
    let on = |day| core.taxes().reminders(day).unwrap().into_iter().map(|r| (r.liability, r.days_left)).collect::<Vec<_>>();
    assert_eq!(on(d(2025, 5, 12)), [("L2".to_owned(), 3)]);
    assert!(on(d(2025, 5, 11)).is_empty());
    assert!(on(d(2025, 5, 16)).is_empty(), "past due is no reminder");
    core.taxes().set_reminder_days(7).unwrap();
    assert_eq!(on(d(2025, 5, 8)), [("L2".to_owned(), 7)]);
    let r = core.taxes().reminders(d(2025, 5, 15)).unwrap().remove(0);
    assert_eq!(r.title, "Termin płatności: Opłata za odpady komunalne");
    assert!(r.body.starts_with("Do zapłaty do"), "{}", r.body);
    assert!(!r.body.contains("zł"), "no tax figure on a locked screen: {}", r.body);
    assert!(r.body.ends_with("(dziś)"), "{}", r.body);
}

#[test]
fn money_texts() {
    use crate::display::{Language, money_text};
    assert_eq!(money_text(103_700, Language::Polish), "1 037,00 zł");
    assert_eq!(money_text(5, Language::Polish), "0,05 zł");
    assert_eq!(money_text(123_456_789, Language::Polish), "1 234 567,89 zł");
    assert_eq!(money_text(-100, Language::Polish), "-1,00 zł");
    assert_eq!(money_text(103_700, Language::English), "PLN 1,037.00");
}

#[allow(dead_code)]
fn _wire_types_in_use(p: Payment) -> PaymentStatus {
    p.status
}

//! Local taxes end to end (issue 14) with the real binaries: `mm-server`
//! (demo data, the built-in sandbox gateway) and the `mm` CLI. The tax
//! data comes in the way an adapter brings it: the server's store imports
//! a batch (a taxpayer, liabilities, an activation code) while the server
//! is stopped, then the server starts on the same files.
//!
//! Covered: `mm taxes link CODE`, `mm taxes --json` (the DESIGN's fields),
//! `--as-of` recomputed offline, `mm taxes qr --png` read back by an
//! independent decoder (rqrr) equal to the `zbp` field, bad input
//! refused with nothing changed, and paying through the sandbox gateway
//! (pending → "Zapłać" → paid), one payment however often it is polled.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use mm_e2e::{DEMO_GMINA, Mm, Server, reqwest::blocking_client};
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::checksums::{nrb_check_digits, nrb_valid};
use mm_protocol::taxes::{LiabilityKind, LiabilityRecord, Taxpayer};
use mm_server::store::taxes::{ImportedTaxpayer, TaxBatch};
use mm_server::store::{Actor, SqliteStore, Store};
use mm_server::taxes::codes::{hash_code, new_code};
use serde_json::Value;

const NIP: &str = "8961059613";
const TAXPAYER: &str = "T-E2E-1";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn account(n: u32) -> String {
    let bban = format!("10201026{n:016}");
    format!("{}{bban}", nrb_check_digits(&bban).unwrap())
}

fn liability(id: &str, n: u32, amount: i64, due: NaiveDate) -> LiabilityRecord {
    LiabilityRecord {
        id: id.into(),
        taxpayer: TAXPAYER.into(),
        kind: LiabilityKind::Property,
        year: 2025,
        instalment: 1,
        decision: format!("FN.3120.{n}.2025"),
        due_date: due,
        amount_grosze: amount,
        account: account(n),
        payments: vec![],
    }
}

/// The demo's Siechnice as the transfers' recipient, one taxpayer with
/// 1 000 zł due 15 Mar 2025 (the reference example) and 120 zł due in
/// 2030, and a fresh activation code (returned).
async fn seed(data_dir: &Path) -> String {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(data_dir).unwrap());
    let teryt = Teryt::parse(DEMO_GMINA).unwrap();
    let mut g = store.gmina_record(&teryt).await.unwrap().expect("the demo gmina");
    g.settings.tax_recipient_name = Some("Gmina Siechnice".into());
    g.settings.tax_recipient_nip = Some(NIP.into());
    store.update_gmina(Actor("e2e".into()), g, Utc::now()).await.unwrap();
    let store = store.for_gmina(&teryt);
    let code = new_code();
    let batch = TaxBatch {
        taxpayers: vec![ImportedTaxpayer {
            taxpayer: Taxpayer { id: TAXPAYER.into(), name: "Jan Testowy".into() },
            code_hash: Some(hash_code(&teryt, &code)),
            code_expires_at: Some(Utc::now() + Duration::days(90)),
        }],
        liabilities: vec![liability("E2E-L1", 1, 100_000, d(2025, 3, 15)), liability("E2E-L2", 2, 12_000, d(2030, 5, 15))],
        booked_references: vec![],
    };
    let run = store
        .import_taxes(Actor("e2e".into()), "file:e2e.json", batch, vec![], false, Utc::now())
        .await
        .unwrap();
    assert!(!run.refused && run.errors.is_empty(), "{run:?}");
    code
}

/// A server with demo data and the taxpayer imported; the code.
fn world(dir: &Path) -> (Server, String) {
    let data = dir.join("server");
    let first = Server::start(&data, true).unwrap();
    // Stopped (not necessarily exit 0 while its first jobs run): the files are consistent either way (WAL).
    let _ = first.stop();
    let code = tokio::runtime::Runtime::new().unwrap().block_on(seed(&data));
    (Server::start(&data, true).unwrap(), code)
}

fn decode_png(path: &Path) -> String {
    let img = image::open(path).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(img.width() as usize, img.height() as usize, |x, y| {
        img.get_pixel(x as u32, y as u32).0[0]
    });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

fn by_id<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|l| l["id"] == id).unwrap_or_else(|| panic!("{id} in {list}"))
}

#[test]
fn link_list_json_fields_and_the_qr_read_back_by_an_independent_decoder() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = world(dir.path());
    let mm = Mm::new(&dir.path().join("app"), &server.url);

    // Bad codes first: refused, nothing linked.
    let out = mm.run(&["taxes", "link", "NOT-A-CODE"]).unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid_activation_code"));
    let linked = mm.json(&["taxes", "link", &code]).unwrap();
    assert_eq!(linked["id"], TAXPAYER);

    let list = mm.json(&["taxes"]).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    let l1 = by_id(&list, "E2E-L1");
    let mut keys: Vec<&str> = l1.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    for field in [
        "id", "taxpayer", "kind", "due_date", "effective_due_date", "amount_grosze", "payments", "remaining_grosze",
        "interest_grosze", "total_grosze", "account", "zbp",
    ] {
        assert!(keys.contains(&field), "{field} missing from {keys:?}");
    }
    assert_eq!(l1["taxpayer"], TAXPAYER);
    assert_eq!(l1["kind"], "property");
    assert_eq!(l1["due_date"], "2025-03-15");
    assert_eq!(l1["effective_due_date"], "2025-03-17");
    assert_eq!(l1["amount_grosze"], 100_000);
    assert_eq!(l1["payments"], serde_json::json!([]));
    assert_eq!(l1["account"], account(1));

    // The reference example, recomputed by the app to 20 Jun 2025.
    let then = mm.json(&["taxes", "--as-of", "2025-06-20"]).unwrap();
    let l1_then = by_id(&then, "E2E-L1");
    assert_eq!((l1_then["interest_grosze"].as_i64(), l1_then["total_grosze"].as_i64()), (Some(3_700), Some(103_700)));
    // Offline (the server stopped) it says the same.
    let url = server.url.clone();
    drop(server);
    let offline = Mm::new(&dir.path().join("app"), &url).json(&["taxes", "--as-of", "2025-06-20"]).unwrap();
    assert_eq!(by_id(&offline, "E2E-L1")["total_grosze"], 103_700);

    // The QR of today's total, through a PNG and an independent decoder.
    let png = dir.path().join("l1.png");
    mm.json(&["taxes", "qr", "E2E-L1", "--png", png.to_str().unwrap()]).unwrap();
    let decoded = decode_png(&png);
    let today = mm.json(&["taxes"]).unwrap();
    assert_eq!(decoded, by_id(&today, "E2E-L1")["zbp"].as_str().unwrap());
    let fields: Vec<&str> = decoded.split('|').collect();
    assert_eq!(fields.len(), 9, "{decoded}");
    assert_eq!((fields[0], fields[1]), (NIP, "PL"));
    assert!(nrb_valid(fields[2]), "{}", fields[2]);
    assert_eq!(fields[2], account(1));
    assert_eq!(fields[3], format!("{:06}", by_id(&today, "E2E-L1")["total_grosze"].as_i64().unwrap()));
    assert_eq!(fields[4], "Gmina Siechnice");

    // Bad input: a clear error, non-zero exit, nothing written or changed.
    let missing = dir.path().join("none.png");
    let out = mm.run(&["taxes", "qr", "NO-SUCH", "--png", missing.to_str().unwrap()]).unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("NO-SUCH"));
    assert!(!missing.exists());
    let out = mm.run(&["taxes", "pay", "E2E-L1", "--amount", "12.5"]).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("grosze"));
    let out = mm.run(&["taxes", "--as-of", "2025-02-30"]).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = mm.run(&["taxes", "pay", "NO-SUCH"]).unwrap();
    assert!(!out.status.success());
    assert_eq!(mm.json(&["taxes", "--as-of", "2025-06-20"]).unwrap(), offline, "nothing changed");
}

#[test]
fn paying_through_the_sandbox_gateway_ends_paid_with_one_payment_and_a_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = world(dir.path());
    let mm = Mm::new(&dir.path().join("app"), &server.url);
    mm.json(&["taxes", "link", &code]).unwrap();

    // `mm taxes pay` prints the gateway's page, then waits.
    // People's output (the harness's `Mm` always adds --json): the address line.
    let mut cmd = std::process::Command::new(mm_e2e::bin("mm"));
    cmd.arg("--server").arg(&server.url).arg("--data-dir").arg(dir.path().join("app"));
    cmd.args(["taxes", "pay", "E2E-L2", "--timeout", "60"]).env("MM_GMINA", DEMO_GMINA);
    let mut pay = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(pay.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let (head, url) = first.split_once(": ").unwrap_or_else(|| panic!("{first}"));
    let local_id = head.trim_start_matches("Płatność ").to_owned();
    assert!(url.contains("/sandbox/p24/trnRequest/"), "{url}");
    // The payer presses "Zapłać" on the gateway's page.
    let http = blocking_client();
    let page = http.get(url).send().unwrap();
    assert!(page.status().is_success());
    assert!(page.text().unwrap().contains("Zapłać"));
    let paid = http.post(format!("{url}/pay")).send().unwrap();
    assert!(paid.status().is_success() || paid.status().is_redirection(), "{}", paid.status());
    let status = pay.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(status.success(), "{rest:?}");
    assert!(rest.iter().any(|l| l.starts_with("Zapłacono")), "{rest:?}");

    // The liability shows paid, waiting for the tax office to book it.
    let list = mm.json(&["taxes"]).unwrap();
    assert_eq!(by_id(&list, "E2E-L2")["status"], "paid_awaiting_booking");
    assert_eq!(by_id(&list, "E2E-L2")["total_grosze"], 0);
    // A receipt.
    let receipt = dir.path().join("receipt.html");
    let out = mm.run(&["taxes", "receipt", &local_id, "--out", receipt.to_str().unwrap()]).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_to_string(&receipt).unwrap().to_lowercase().contains("<html"));
    // Paying again what is paid: refused, nothing created.
    let out = mm.run(&["taxes", "pay", "E2E-L2"]).unwrap();
    assert!(!out.status.success());
}

/// The app killed between creating the payment and getting the answer:
/// the gateway (the fake Przelewy24) is slow, `mm` dies while the server
/// registers; the next `mm taxes` sends the queued payment again with the
/// same key. One payment at the server, one on the device, and it ends
/// paid once the gateway notifies.
#[test]
fn mm_killed_between_creating_the_payment_and_the_answer_leaves_one_payment() {
    use mm_e2e::fake_p24::{Fault, FakeP24, Notify};

    let fake = FakeP24::start_blocking();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let creds = dir.path().join("p24.json");
    std::fs::write(&creds, FakeP24::credentials_json().to_string()).unwrap();
    let env = [("MM_PAYMENTS", "p24"), ("MM_P24_URL", fake.url.as_str()), ("MM_P24_CREDENTIALS", creds.to_str().unwrap())];
    let _ = Server::start_with(&data, true, &env).unwrap().stop();
    let code = tokio::runtime::Runtime::new().unwrap().block_on(seed(&data));
    let server = Server::start_with(&data, true, &env).unwrap();
    let mm = Mm::new(&dir.path().join("app"), &server.url);
    mm.json(&["taxes", "link", &code]).unwrap();

    fake.set_fault(Fault::SlowRegister(std::time::Duration::from_secs(5)));
    let mut pay = mm.command(&["taxes", "pay", "E2E-L2", "--no-wait"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while fake.registers() == 0 {
        assert!(std::time::Instant::now() < deadline, "the payment never reached the gateway");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    pay.kill().unwrap(); // SIGKILL: no answer reaches the app
    let _ = pay.wait();
    fake.set_fault(Fault::None);

    let app_db = dir.path().join("app/gminas").join(DEMO_GMINA).join("mm.sqlite3");
    let local = |sql: &str| -> i64 { rusqlite::Connection::open(&app_db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(local("SELECT count(*) FROM tax_payments WHERE state = 'queued'"), 1, "queued, its key kept");
    assert_eq!(local("SELECT count(*) FROM outbox WHERE kind = 'tax_payment'"), 1);

    // The app comes back: listing sends what the outbox holds first.
    mm.json(&["taxes"]).unwrap();
    assert_eq!(local("SELECT count(*) FROM tax_payments"), 1);
    assert_eq!(local("SELECT count(*) FROM tax_payments WHERE state = 'pending' AND server_id IS NOT NULL"), 1);
    assert_eq!(local("SELECT count(*) FROM outbox WHERE kind = 'tax_payment'"), 0);
    let server_db = data.join("mm.sqlite");
    let at_server: i64 = rusqlite::Connection::open(&server_db)
        .unwrap()
        .query_row("SELECT count(*) FROM tax_payments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(at_server, 1, "one payment, not two");

    // The payer pays; the gateway notifies; the app sees it paid.
    let session = fake.transactions().into_iter().max_by_key(|t| t.seq).unwrap().session_id;
    fake.complete_blocking(&session, Notify::Once);
    let list = mm.json(&["taxes"]).unwrap();
    assert_eq!(by_id(&list, "E2E-L2")["status"], "paid_awaiting_booking");
    assert_eq!(local("SELECT count(*) FROM tax_payments WHERE state = 'paid'"), 1);
}

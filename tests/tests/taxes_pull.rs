//! The HTTP adapter of the tax systems (docs/TAXES.md, "Pulling from the tax
//! system"), the real `mm-server` against the fake tax system
//! (`mm_e2e::fake_tax`): pages pulled with the bearer token and written as
//! one batch; 500, 429 with `Retry-After` and a slow answer retried until
//! it works (no sooner than `Retry-After`); a malformed page refusing the
//! whole pull (nothing written); and no name, amount or token in the log.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mm_e2e::bin;
use mm_e2e::fake_tax::{FakeTax, Fault, TOKEN};
use serde_json::{Value, json};

const NRB: &str = "61109010140000071219812874";
const NAMES: [&str; 3] = ["Zofia Tajemnicza", "Jan Ukryty", "Ewa Sekretna"];

fn fake() -> FakeTax {
    let taxpayers: Vec<Value> =
        NAMES.iter().enumerate().map(|(i, n)| json!({"id": format!("P{}", i + 1), "name": n})).collect();
    let liabilities: Vec<Value> = (1..=3)
        .map(|i| {
            json!({"id": format!("L{i}"), "taxpayer": format!("P{i}"), "kind": "property", "year": 2026, "instalment": 1,
                   "decision": "FN.3120", "due_date": "2026-03-16", "amount_grosze": 987_654 + i, "account": NRB})
        })
        .collect();
    FakeTax::start(taxpayers, liabilities, 2)
}

/// `mm-server` pulling from `fake`, its log (MM_LOG=info) into `log`.
struct Pulling {
    child: Child,
}

impl Drop for Pulling {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, fake: &FakeTax, log: &Path) -> Pulling {
    let mut child = Command::new(bin("mm-server"))
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("MM_TAX_URL", &fake.url)
        .env("MM_TAX_CREDENTIALS", fake.credentials_file(dir))
        .env("MM_TAX_SCHEDULE_MS", "200")
        .env("MM_TAX_RETRY_BASE_MS", "50")
        .env("MM_TAX_RETRY_MAX_MS", "200")
        .env("MM_TAX_TIMEOUT_MS", "700")
        .env("MM_TAX_MAX_ATTEMPTS", "50")
        .env("MM_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "mm-server did not start");
        match lines.next() {
            Some(Ok(l)) if l.starts_with("mm-server listening on") => break,
            Some(_) => {}
            None => panic!("mm-server exited"),
        }
    }
    std::thread::spawn(move || for _ in lines.by_ref() {});
    Pulling { child }
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("mm.sqlite")).unwrap()
}

fn count(dir: &Path, sql: &str) -> i64 {
    db(dir).query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

fn wait(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn assert_log_clean(log: &Path) {
    let text = std::fs::read_to_string(log).unwrap();
    for secret in NAMES.iter().copied().chain([TOKEN, "987655", "987656", NRB]) {
        assert!(!text.contains(secret), "{secret} in the log:\n{text}");
    }
}

#[test]
fn pages_are_pulled_with_the_token_and_written_as_one_batch() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let fake = fake();
    let _server = start(dir.path(), &fake, &log);
    wait("the three taxpayers", 60, || count(dir.path(), "SELECT COUNT(*) FROM tax_taxpayers") == 3);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM tax_liabilities"), 3);
    wait("the run recorded", 10, || count(dir.path(), "SELECT COUNT(*) FROM tax_import_runs WHERE source = 'http' AND refused = 0") == 1);
    let seen = fake.seen();
    assert!(seen.iter().all(|s| s.authorized), "every request carries the bearer token");
    let pages: Vec<&str> = seen.iter().map(|s| s.query["page"].as_str()).collect();
    assert_eq!(pages, ["1", "2"], "two pages of two taxpayers");
    assert!(seen.iter().all(|s| s.query.get("gmina").is_some_and(|g| g.len() == 7)));
    assert!(seen.iter().all(|s| !s.query.contains_key("changed_since")), "the first pull is whole");
    // The same slot is not pulled again (its job is deduplicated).
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(fake.seen().len(), 2);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM jobs WHERE kind = 'taxes.pull'"), 1);
    assert_log_clean(&log);
}

#[test]
fn temporary_failures_are_retried_honouring_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let fake = fake();
    fake.fail_next([
        Fault::Status500,
        Fault::Slow(Duration::from_millis(1500)),
        Fault::TooManyRequests { retry_after_secs: 2 },
        Fault::Status500,
    ]);
    let _server = start(dir.path(), &fake, &log);
    wait("the taxpayers after the failures", 90, || count(dir.path(), "SELECT COUNT(*) FROM tax_taxpayers") == 3);
    let seen = fake.seen();
    let statuses: Vec<u16> = seen.iter().map(|s| s.status).collect();
    assert_eq!(&statuses[..4], [500, 200, 429, 500], "{statuses:?}");
    // The slow answer timed out (700 ms) and was asked again.
    assert!(seen.len() >= 6, "{statuses:?}");
    let after_429 = seen[3].at.duration_since(seen[2].at);
    assert!(after_429 >= Duration::from_millis(1900), "retried {after_429:?} after a 429 with Retry-After: 2");
    let after_500 = seen[1].at.duration_since(seen[0].at);
    assert!(after_500 < Duration::from_millis(1500), "a 500 is retried with the short backoff: {after_500:?}");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM tax_import_runs"), 1, "failed attempts write no run");
    assert_log_clean(&log);
}

#[test]
fn a_malformed_page_refuses_the_whole_pull() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let fake = fake();
    fake.malformed_page(Some(2));
    let _server = start(dir.path(), &fake, &log);
    wait("a refused run", 60, || count(dir.path(), "SELECT COUNT(*) FROM tax_import_runs WHERE refused = 1") == 1);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM tax_taxpayers"), 0, "page 1 is not written either");
    let errors: String =
        db(dir.path()).query_row("SELECT errors FROM tax_import_runs WHERE refused = 1", [], |r| r.get(0)).unwrap();
    assert!(errors.contains("page 2"), "{errors}");
    assert_log_clean(&log);
}

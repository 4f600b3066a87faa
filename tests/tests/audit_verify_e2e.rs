//! `mm-server audit verify` (issue 17, item 5) as an operator runs it: the
//! real binary on a real data dir, after a real server wrote the log
//! (an account added by `mm-server user add`, its sign-in, news through
//! the API). Intact, it exits 0 and prints the head to record; after one
//! entry's details are edited with SQL, it exits non-zero and names that
//! entry. A head recorded from its output is found again with
//! `--expect-head`; one not in the chain fails. No output carries a login
//! or a detail.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::{Context, Result};
use mm_e2e::{DEMO_GMINA, Server, bin};
use reqwest::Method;
use serde_json::json;

fn verify(data_dir: &Path, args: &[&str]) -> Result<Output> {
    let mut cmd = Command::new(bin("mm-server"));
    cmd.args(["audit", "verify", "--data-dir"]).arg(data_dir).args(args).env("MM_LOG", "warn");
    cmd.output().context("run mm-server audit verify")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn audit_verify_passes_on_the_servers_log_and_names_the_entry_edited_behind_its_back() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path();
    let server = Server::start(data, false)?;
    let official = server.official("audytor-e2e", "admin")?;
    for i in 0..3 {
        let (status, _) = official.request(
            Method::POST,
            "/api/v1/news",
            Some(json!({"title": format!("Tajny komunikat {i}"), "body": "Treść.", "priority": "important"})),
        )?;
        assert_eq!(status, 201);
    }
    // Stopped first: the check reads a log no one is writing to.
    assert!(server.stop()?.success());

    let before = verify(data, &[])?;
    let out = text(&before);
    assert!(before.status.success(), "{out}");
    // user.add, the admin's two_factor.enrol (`mm-server user two-factor`)
    // and auth.recovery_code_used (its sign-in), auth.login, three news.create.
    assert!(out.contains(&format!("gmina {DEMO_GMINA}: 7 entries checked, chain intact")), "{out}");
    let head = out.split("sha256 ").nth(1).context("a head hash")?.split_whitespace().next().unwrap_or("").to_owned();
    assert_eq!(head.len(), 64, "{out}");
    assert!(!out.contains("audytor-e2e") && !out.contains("Tajny"), "no login or detail: {out}");
    let again = verify(data, &["--gmina", DEMO_GMINA, "--expect-head", &head])?;
    assert!(again.status.success() && text(&again).contains("found"), "{}", text(&again));
    let unknown = verify(data, &["--expect-head", &"ab".repeat(32)])?;
    assert!(!unknown.status.success(), "a recorded head not in the chain fails: {}", text(&unknown));

    let db = rusqlite::Connection::open(data.join(mm_server::store::sqlite::DB_FILE))?;
    let victim: i64 = db.query_row(
        "SELECT id FROM audit_log WHERE action = 'news.create' ORDER BY id LIMIT 1 OFFSET 1",
        [],
        |r| r.get(0),
    )?;
    db.execute("UPDATE audit_log SET details = '{\"title\":\"Inny komunikat\"}' WHERE id = ?1", [victim])?;
    drop(db);

    let after = verify(data, &[])?;
    let out = text(&after);
    assert!(!after.status.success(), "tampering must fail the check: {out}");
    assert!(out.contains(&format!("BROKEN at entry id {victim} ")), "{out}");
    assert!(out.contains("content_edited") && out.contains("action news.create"), "{out}");
    assert!(out.contains(&format!("gmina {DEMO_GMINA}: 5 entries checked")), "{out}");
    assert!(!out.contains("audytor-e2e") && !out.contains("Inny komunikat"), "no login or detail: {out}");
    Ok(())
}

//! `mm-server audit verify` (issue 17, item 5) as an operator runs it: the
//! real binary on a real data dir, after a real server wrote the log
//! (an account added by `mm-server user add`, its sign-in, news through
//! the API). Intact, it exits 0 and prints the head to record; after one
//! entry's details are edited with SQL, it exits non-zero and names that
//! entry. Neither output carries a login or a detail.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::{Context, Result};
use mm_e2e::{DEMO_GMINA, Server, bin};
use reqwest::Method;
use serde_json::json;

fn verify(data_dir: &Path, gmina: Option<&str>) -> Result<Output> {
    let mut cmd = Command::new(bin("mm-server"));
    cmd.args(["audit", "verify", "--data-dir"]).arg(data_dir).env("MM_LOG", "warn");
    if let Some(g) = gmina {
        cmd.args(["--gmina", g]);
    }
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

    let before = verify(data, None)?;
    let out = text(&before);
    assert!(before.status.success(), "{out}");
    // user.add, auth.login and three news.create.
    assert!(out.contains(&format!("gmina {DEMO_GMINA}: 5 entries checked, chain intact")), "{out}");
    assert!(out.contains("head: entry id ") && out.contains("sha256 "), "{out}");
    assert!(!out.contains("audytor-e2e") && !out.contains("Tajny"), "no login or detail: {out}");
    assert!(verify(data, Some(DEMO_GMINA))?.status.success());

    let db = rusqlite::Connection::open(data.join(mm_server::store::sqlite::DB_FILE))?;
    let victim: i64 = db.query_row(
        "SELECT id FROM audit_log WHERE action = 'news.create' ORDER BY id LIMIT 1 OFFSET 1",
        [],
        |r| r.get(0),
    )?;
    db.execute("UPDATE audit_log SET details = '{\"title\":\"Inny komunikat\"}' WHERE id = ?1", [victim])?;
    drop(db);

    let after = verify(data, None)?;
    let out = text(&after);
    assert!(!after.status.success(), "tampering must fail the check: {out}");
    assert!(out.contains(&format!("BROKEN at entry id {victim} ")), "{out}");
    assert!(out.contains("content_edited") && out.contains("action news.create"), "{out}");
    assert!(out.contains(&format!("gmina {DEMO_GMINA}: 3 entries checked")), "{out}");
    assert!(!out.contains("audytor-e2e") && !out.contains("Inny komunikat"), "no login or detail: {out}");
    Ok(())
}

//! A client killed in the middle of a multi-page sync leaves a consistent
//! store, and the next sync completes from where it stopped.

use std::time::{Duration, Instant};

use mm_e2e::proxy::SlowProxy;
use mm_e2e::{Mm, Server};
use serde_json::Value;

#[test]
fn killed_mid_sync_then_resumes() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), true)?;
    let app_dir = tmp.path().join("app");

    // Every answer held back 150 ms; pages of 5 changes: a full sync takes seconds.
    let proxy = SlowProxy::start(&server.url, Duration::from_millis(150))?;
    let slow = Mm::new(&app_dir, &proxy.url);
    let mut child = slow.command(&["sync", "--page-size", "5"]).spawn()?;

    // Wait until some pages are in, then kill -9.
    // The gmina's own store (one per gmina under the data dir, issue 13).
    let store = app_dir.join(format!("gminas/{}/mm.sqlite3", mm_e2e::DEMO_GMINA));
    let started = Instant::now();
    let cursor_before_kill = loop {
        std::thread::sleep(Duration::from_millis(100));
        if let Some(c) = read_cursor(&store)
            && c > 10
        {
            break c;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "sync made no progress");
        assert!(child.try_wait()?.is_none(), "the sync finished before it could be killed");
    };
    child.kill()?;
    child.wait()?;

    // The store opens, passes SQLite's integrity check and is in a consistent state.
    let conn = rusqlite::Connection::open(&store)?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    assert_eq!(ok, "ok");
    drop(conn);
    // The store belongs to the server it synced from (another address would
    // start it over), so the resumed sync goes through the same proxy.
    let fast = Mm::new(&app_dir, &proxy.url);
    let status = fast.json(&["status"])?;
    let cursor: u64 = status["cursor"].as_str().unwrap().parse()?;
    assert!(cursor >= cursor_before_kill, "cursor went backwards");

    // The server's full state, and what the resumed sync ends with.
    let rest = fast.json(&["sync"])?;
    assert!(rest["applied"].as_u64().unwrap() > 0, "the resumed sync had work left: {rest}");
    let status = fast.json(&["status"])?;
    let api: Value = mm_e2e::reqwest::blocking_client().get(format!("{}/api/v1/events", server.url)).send()?.json()?;
    assert_eq!(status["event_count"].as_u64().unwrap() as usize, api.as_array().unwrap().len());
    let again = fast.json(&["sync"])?;
    assert_eq!(again["applied"].as_u64(), Some(0));

    // A fresh client syncing in one go ends with the same content.
    let other = Mm::new(&tmp.path().join("other"), &server.url);
    other.json(&["sync"])?;
    let a = fast.json(&["news"])?;
    let b = other.json(&["news"])?;
    assert_eq!(a, b, "resumed and one-shot syncs must give the same news");
    Ok(())
}

/// The core's cursor, read straight from its store (the test knows the
/// table because it is the core's documented state, not a guess).
fn read_cursor(store: &std::path::Path) -> Option<u64> {
    let conn = rusqlite::Connection::open_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    let c: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'sync_cursor'", [], |r| r.get(0))
        .ok()?;
    c.parse().ok()
}

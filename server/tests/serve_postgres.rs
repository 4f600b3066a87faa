//! `mm-server --database postgres://…`: the real binary serves the demo
//! from PostgreSQL, and a second instance on the same database answers the
//! same sync feed and Open311 services (no state of its own). Needs
//! PostgreSQL (`common/postgres.rs`).

use crate::common::postgres;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A server process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(url: &str, dir: &std::path::Path, demo: bool) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mm-server"));
    cmd.args(["--addr", "127.0.0.1:0", "--ezd", "off", "--data-dir"]).arg(dir).arg("--database").arg(url);
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd.env("MM_LOG", "warn").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("mm-server listening on ").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    Server { child, base }
}

async fn get(client: &reqwest::Client, url: String) -> String {
    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_served_from_postgres_by_two_instances() {
    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = start(&db.url, dir.path(), true);
    let b = start(&db.url, dir.path(), false);
    let client = reqwest::Client::new();
    for s in [&a, &b] {
        get(&client, format!("{}/healthz", s.base)).await;
    }
    let sync_a = get(&client, format!("{}/api/v1/sync?limit=1000", a.base)).await;
    let sync_b = get(&client, format!("{}/api/v1/sync?limit=1000", b.base)).await;
    assert!(sync_a.contains("Gmina Siechnice"), "the demo's gmina is in the feed");
    assert!(sync_a.contains("\"collection\":\"reports\""), "and its reports");
    assert_eq!(sync_a, sync_b, "both instances answer the same feed");
    let services_a = get(&client, format!("{}/open311/v2/services.json", a.base)).await;
    let services_b = get(&client, format!("{}/open311/v2/services.json", b.base)).await;
    assert!(services_a.contains("street_lamp"));
    assert_eq!(services_a, services_b);
}

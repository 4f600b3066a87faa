//! `mm-bench-jobs`: does the job queue keep up with the accepted write
//! rate? (issue 11, step 6). A real `mm-server --ezd package` on loopback
//! (release build) takes reports over 16 connections for 10 s, each 201
//! after COMMIT; every report enqueues its EZD registration in its own
//! transaction, and the queue's worker writes each as a package folder
//! (fsynced, renamed into place). Printed: the accepted report rate, the
//! registrations written while the load ran (per second, and as a ratio
//! of the accepted rate), and how long the rest took once the load
//! stopped. Target: a ratio near 1 (the queue keeps up). The baseline the
//! issue quotes: the old EZD outbox worker had written 17,863 of 87,761
//! registrations (0.20) when a load of 1,600 reports/s stopped.
//! Asserts nothing about speed; bounded in time and count.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mm_e2e::Server;
use serde_json::json;

const CONNS: usize = 16;
const LOAD: Duration = Duration::from_secs(10);
/// The longest wait for the registrations left when the load stops.
const DRAIN_MAX: Duration = Duration::from_secs(180);

/// Report ids with a visible registration package (`MM-ZGL-{id}-…`; a
/// case is `…-sprawa`, a half-written one `.tmp-…`).
fn registered(ezd: &Path) -> HashSet<i64> {
    std::fs::read_dir(ezd)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix("MM-ZGL-")?;
            if name.ends_with("-sprawa") {
                return None;
            }
            rest.split('-').next()?.parse().ok()
        })
        .collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let env = [
        ("MM_RATE_DEVICE_PER_HOUR", "100000000"),
        ("MM_RATE_IP_PER_HOUR", "100000000"),
        ("MM_EZD", "package"),
    ];
    let server = Server::start_with(dir.path(), true, &env)?;
    let url = server.url.clone();
    let ezd = dir.path().join("ezd");
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONNS).build()?;
    let token: String = http
        .post(format!("{url}/api/v1/devices"))
        .json(&json!({"platform": "cli", "app_version": "1.0.0"}))
        .send()
        .await?
        .json::<serde_json::Value>()
        .await?["token"]
        .as_str()
        .unwrap_or_default()
        .into();

    let made: Arc<Mutex<Vec<i64>>> = Arc::default();
    let start = Instant::now();
    let mut tasks = vec![];
    for c in 0..CONNS {
        let (http, url, token, made) = (http.clone(), url.clone(), token.clone(), made.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while start.elapsed() < LOAD {
                let body = json!({"category": "other", "point": {"lat": 51.0335 + (i % 100) as f64 * 1e-4, "lon": 17.15},
                    "description": format!("Zgłoszenie z testu kolejki {c}-{i}")});
                let r = http
                    .post(format!("{url}/api/v1/reports"))
                    .bearer_auth(&token)
                    .header("idempotency-key", format!("j-{c}-{i}"))
                    .json(&body)
                    .send()
                    .await;
                if let Ok(r) = r
                    && r.status().as_u16() == 201
                    && let Ok(v) = r.json::<serde_json::Value>().await
                    && let Some(id) = v["id"].as_i64()
                {
                    made.lock().unwrap().push(id);
                }
                i += 1;
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let load_secs = start.elapsed().as_secs_f64();
    let ids: HashSet<i64> = made.lock().unwrap().iter().copied().collect();
    let during = registered(&ezd).intersection(&ids).count();
    let n = ids.len();
    let accepted_rate = n as f64 / load_secs;
    let during_rate = during as f64 / load_secs;

    let stop = Instant::now();
    let mut done = during;
    while done < n && stop.elapsed() < DRAIN_MAX {
        tokio::time::sleep(Duration::from_millis(250)).await;
        done = registered(&ezd).intersection(&ids).count();
    }
    let drain = stop.elapsed().as_secs_f64();
    println!(
        "job queue (EZD package adapter): {n} reports accepted in {load_secs:.1} s = {accepted_rate:.0} reports/s (each 201 after COMMIT)"
    );
    println!(
        "  registrations written while the load ran: {during} of {n} = {during_rate:.0} registrations/s, ratio to the accepted rate {:.2} (target ~1; the old outbox worker: 17,863 of 87,761 = 0.20)",
        during as f64 / n.max(1) as f64
    );
    println!(
        "  all {done} of {n} written {drain:.1} s after the load stopped; overall {:.0} registrations/s",
        done as f64 / (load_secs + drain)
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap_or_default();
    let hwm = status.lines().find(|l| l.starts_with("VmHWM")).unwrap_or("VmHWM: ?");
    println!("  server peak RSS: {}", hwm.trim_start_matches("VmHWM:").trim());
    Ok(())
}

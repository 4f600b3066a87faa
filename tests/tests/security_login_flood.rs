//! 300 parallel sign-ins against the real `mm-server` (security review
//! 2026-12, finding 2): Argon2 work is bounded, so the server's peak memory
//! stays under a stated bound, every answer is a clean 401/429/503, and a
//! right password still signs in afterwards.
//!
//! The logins come from 30 loopback addresses (127.0.0.10-39, ten each),
//! so the per-address limit alone cannot absorb them: the Argon2 gate must.
//!
//! The bound: the server's resident set before the flood, plus 160 MiB.
//! The gate runs at most 4 Argon2 checks at once, on its own threads, each
//! reusing its 19 MiB of Argon2 memory (76 MiB at most); the rest is room
//! for the connections, the threads and the database's page cache. Measured
//! on the 2-core build machine (debug build): 42 MiB before, 78 MiB peak.
//! Before the fix the same flood passed the bound within a second (the
//! release build went from 195 MB to 5.8 GB in the review's E2), and with
//! the gate alone, without reusing Argon2's memory, it still reached 400
//! MiB. The monitor stops the server as soon as it passes the bound, so a
//! regression does not take the build machine's memory with it.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use mm_e2e::Server;
use serde_json::json;

const FLOOD: usize = 300;
const SOURCES: u8 = 30;
const HEADROOM_KIB: u64 = 160 * 1024;

/// A line of /proc/PID/status in KiB (VmRSS, VmHWM).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn client(from: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(from))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

async fn login(http: &reqwest::Client, url: &str, login: &str, password: &str) -> Result<(u16, Option<u64>)> {
    let r = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await?;
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    Ok((r.status().as_u16(), retry))
}

#[test]
fn finding_02_300_parallel_logins_keep_the_server_memory_bounded() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(tmp.path(), false)?;
    // A dispatcher: an admin's API sign-in would also ask for a second factor.
    let admin = "disp1";
    server.official(admin, "dispatcher")?;
    let password = mm_e2e::OFFICIAL_PASSWORD.to_owned();
    let pid = server.pid();
    let base_rss = status_kib(pid, "VmRSS:").context("VmRSS")?;
    let bound = base_rss + HEADROOM_KIB;

    // Watch the peak while the flood runs; stop the server past the bound.
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let peak_threads = Arc::new(AtomicU64::new(0));
    let monitor = {
        let (done, peak, peak_threads) = (done.clone(), peak.clone(), peak_threads.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                let Some(hwm) = status_kib(pid, "VmHWM:") else { break };
                peak.fetch_max(hwm, Ordering::SeqCst);
                peak_threads.fetch_max(status_kib(pid, "Threads:").unwrap_or(0), Ordering::SeqCst);
                if hwm > bound {
                    mm_e2e::signal(pid, "KILL");
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let url = server.url.clone();
    let (statuses, busy_without_retry) = rt.block_on(async {
        let clients: Vec<reqwest::Client> = (0..SOURCES).map(|i| client(Ipv4Addr::new(127, 0, 0, 10 + i))).collect();
        let start = Arc::new(tokio::sync::Barrier::new(FLOOD));
        let mut tasks = Vec::new();
        for i in 0..FLOOD {
            let http = clients[i % SOURCES as usize].clone();
            let (url, start) = (url.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                login(&http, &url, &format!("nobody-{i}"), "not-the-password").await
            }));
        }
        let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
        let mut busy_without_retry = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok((status, retry)) => {
                    *statuses.entry(status).or_default() += 1;
                    if status == 503 && retry.is_none() {
                        busy_without_retry += 1;
                    }
                }
                Err(e) => {
                    let failed = statuses.entry(0).or_default();
                    if *failed == 0 {
                        eprintln!("a request failed (status 0 below): {e:#}");
                    }
                    *failed += 1;
                }
            }
        }
        (statuses, busy_without_retry)
    });
    // Let anything still queued finish, then read the peak once more.
    std::thread::sleep(Duration::from_millis(500));
    done.store(true, Ordering::SeqCst);
    monitor.join().unwrap();
    // Gone only when the monitor stopped it; then its last sample is the peak.
    let hwm = status_kib(pid, "VmHWM:").unwrap_or(0);
    let peak = peak.load(Ordering::SeqCst).max(hwm);
    let threads = peak_threads.load(Ordering::SeqCst);
    println!(
        "300 parallel logins: server VmRSS before {} MiB, peak VmHWM {} MiB (bound {} MiB), at most {threads} threads; answers {statuses:?}",
        base_rss / 1024,
        peak / 1024,
        bound / 1024,
    );
    ensure!(peak <= bound, "peak memory {} KiB is above the bound {bound} KiB (answers {statuses:?})", peak);
    ensure!(
        statuses.keys().all(|s| matches!(s, 401 | 429 | 503)),
        "every answer is 401, 429 or 503: {statuses:?}"
    );
    ensure!(busy_without_retry == 0, "{busy_without_retry} answers 503 without Retry-After");

    // The right password still works, from a fresh address, once the gate has room.
    let ok = rt.block_on(async {
        let http = client(Ipv4Addr::new(127, 0, 0, 250));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, retry) = login(&http, &url, admin, &password).await?;
            if status != 503 || Instant::now() > deadline {
                return Ok::<_, anyhow::Error>(status);
            }
            tokio::time::sleep(Duration::from_secs(retry.unwrap_or(1))).await;
        }
    })?;
    ensure!(ok == 200, "the admin's right password answered {ok} after the flood");
    Ok(())
}

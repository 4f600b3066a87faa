//! `mm-bench-reports`: the reports server on loopback (release build).
//! Prints figures; asserts nothing about speed. Bounded in time and count.
//! - report submission without photos, 16 connections, every 201 durable;
//! - `GET /open311/v2/requests.json` over 10,000+ stored reports (req/s, p50, p99);
//! - `services.json` req/s; one request req/s; the server's peak RSS (VmHWM).
//!
//! Targets are 20× a Django Open311 server measured on this kind of
//! machine (`docs/BENCHMARKS.md`). Since absolute rates differ between
//! machines by 2× and more, each Open311 rate is also given as a share of
//! `GET /healthz` measured the same way in the same run: the same stack,
//! client and connections, and one trivial database read (the floor).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mm_e2e::Server;
use serde_json::json;

const CONNS: usize = 16;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let limits = [
        ("MM_RATE_DEVICE_PER_HOUR", "100000000"),
        ("MM_RATE_IP_PER_HOUR", "100000000"),
    ];
    let server = Server::start_with(dir.path(), true, &limits)?;
    let url = server.url.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNS)
        .build()?;
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

    // 1. Submission: 16 connections for 5 s (and until 10,000 reports exist).
    let made = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = vec![];
    for c in 0..CONNS {
        let (http, url, token, made) = (http.clone(), url.clone(), token.clone(), made.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while start.elapsed() < Duration::from_secs(5) || (made.load(Ordering::Relaxed) < 10_000 && start.elapsed() < Duration::from_secs(60)) {
                let body = json!({"category": "other", "point": {"lat": 51.0335 + (i % 100) as f64 * 1e-4, "lon": 17.15},
                    "description": format!("Zgłoszenie z testu wydajności {c}-{i}")});
                let r = http.post(format!("{url}/api/v1/reports")).bearer_auth(&token)
                    .header("idempotency-key", format!("b-{c}-{i}")).json(&body).send().await;
                if matches!(r, Ok(ref r) if r.status().as_u16() == 201) { made.fetch_add(1, Ordering::Relaxed); }
                i += 1;
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = start.elapsed().as_secs_f64();
    let n = made.load(Ordering::Relaxed);
    println!(
        "report submission: {n} reports in {secs:.1} s = {:.0} reports/s (each 201 after COMMIT, synchronous=FULL; target > 4,000/s)",
        n as f64 / secs
    );

    let floor = get_bench(&http, &format!("{url}/healthz"), "GET /healthz (the same-run floor)").await?;
    for (path, what, target) in [
        ("/open311/v2/requests.json?page_size=100", format!("GET requests.json (100 of {n})"), 1_880.0),
        ("/open311/v2/services.json", "GET services.json".to_owned(), 11_800.0),
        ("/open311/v2/requests/1.json", "GET requests/1.json".to_owned(), 8_600.0),
    ] {
        let rate = get_bench(&http, &format!("{url}{path}"), &what).await?;
        println!(
            "  target {target:.0} req/s (20x Django): {:.2}x the target; {:.0}% of /healthz's rate",
            rate / target,
            rate / floor * 100.0
        );
    }

    let status =
        std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?");
    println!(
        "server peak RSS: {}",
        hwm.trim_start_matches("VmHWM:").trim()
    );
    Ok(())
}

/// 16 connections for 3 s: prints req/s, p50, p99; returns req/s.
async fn get_bench(http: &reqwest::Client, url: &str, what: &str) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut tasks = vec![];
    for _ in 0..CONNS {
        let (http, url) = (http.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            while start.elapsed() < Duration::from_secs(3) {
                let t = Instant::now();
                let ok = match http.get(&url).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok {
                    lat.push(t.elapsed());
                }
            }
            lat
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await?);
    }
    all.sort();
    let secs = start.elapsed().as_secs_f64();
    let p = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1e3)
            .unwrap_or(0.0)
    };
    let rate = all.len() as f64 / secs;
    println!("{what}: {rate:.0} req/s, p50 {:.2} ms, p99 {:.2} ms", p(0.5), p(0.99));
    Ok(rate)
}

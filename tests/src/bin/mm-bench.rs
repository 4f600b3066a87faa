//! `make bench`: the foundation's figures, printed (never asserted).
//!
//! A release `mm-server` on loopback is seeded through its API with 5,000
//! events and 2,000 news items; the core syncs into empty stores; then the
//! no-change sync, the month query, and the sync endpoint under load.
//! Every figure is a median over several runs (p99 where it matters),
//! because this 2-core machine is noisy.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days, TimeZone, Utc};
use mm_core::{Core, CoreConfig, SyncOptions};
use mm_e2e::{Official, Server};
use mm_e2e::reqwest;
use mm_protocol::devices::Platform;
use serde_json::json;

const EVENTS: usize = 5_000;
const NEWS: usize = 2_000;

fn main() -> anyhow::Result<()> {
    // SAFETY: single-threaded at this point.
    unsafe { std::env::set_var("MM_E2E_PROFILE", "release") };
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), false)?;
    let editor = server.official("bench", "editor")?;

    let t = Instant::now();
    seed(&editor)?;
    println!("seeded {EVENTS} events and {NEWS} news through the API in {:.1} s", t.elapsed().as_secs_f64());

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().worker_threads(2).build()?;
    rt.block_on(async {
        bench_core(&server.url, tmp.path()).await?;
        bench_sync_under_load(&server.url).await
    })?;
    Ok(())
}

fn seed(editor: &Official) -> anyhow::Result<()> {
    let now = Utc::now();
    let chunks: Vec<Vec<usize>> = (0..4).map(|k| (0..EVENTS + NEWS).filter(|i| i % 4 == k).collect()).collect();
    std::thread::scope(|s| {
        for chunk in chunks {
            s.spawn(move || {
                for i in chunk {
                    let (path, body) = if i < EVENTS {
                        let start = Utc
                            .with_ymd_and_hms(now.year(), now.month(), 1, 8, 0, 0)
                            .unwrap()
                            + Days::hours((i as i64 * 7) % (24 * 92));
                        let mut ev = json!({
                            "title": format!("Wydarzenie testowe nr {i} w Siechnicach"),
                            "description": "Spotkanie mieszkańców, koncert albo zajęcia sportowe; opis dość długi, by przypominał prawdziwe wydarzenie w gminie.",
                            "starts_at": start, "ends_at": start + Days::hours(2),
                            "place_name": "Gminny Ośrodek Kultury, ul. Jana Pawła II 12",
                            "point": {"lat": 51.0335, "lon": 17.15},
                        });
                        if i % 10 == 0 {
                            ev["rrule"] = json!("FREQ=WEEKLY;COUNT=8");
                        }
                        ("/api/v1/events", ev)
                    } else {
                        ("/api/v1/news", json!({
                            "title": format!("Komunikat nr {i}: utrudnienia w ruchu na ul. Opolskiej"),
                            "body": "Informujemy, że w związku z pracami drogowymi mogą wystąpić utrudnienia. Prosimy o ostrożność.",
                            "priority": if i % 100 == 0 { "important" } else { "normal" },
                        }))
                    };
                    let (code, resp) = editor.request(reqwest::Method::POST, path, Some(body)).unwrap();
                    assert_eq!(code, 201, "{resp}");
                }
            });
        }
    });
    Ok(())
}

fn config(dir: &std::path::Path, url: &str) -> CoreConfig {
    CoreConfig {
        data_dir: dir.to_path_buf(),
        gmina: Some(mm_e2e::siechnice()),
        server_url: Some(url.to_string()),
        platform: Platform::Cli,
        app_version: "1.0.0".into(),
        locale: Some("pl-PL".into()),
    }
}

async fn bench_core(url: &str, tmp: &std::path::Path) -> anyhow::Result<()> {
    // Initial sync into an empty store (device registration flushed first,
    // so the figure is the sync alone).
    let mut initial = Vec::new();
    let mut last = None;
    for run in 0..5 {
        let dir = tmp.join(format!("app{run}"));
        let core = Core::open(config(&dir, url))?;
        core.flush_outbox().await?;
        let t = Instant::now();
        let summary = core.sync(SyncOptions::default(), None).await?;
        initial.push(t.elapsed());
        assert!(summary.applied as usize >= EVENTS + NEWS);
        last = Some(core);
    }
    report("initial sync, 5,000 events + 2,000 news, empty store (target < 150 ms, issue 11)", &mut initial);

    let core = last.unwrap();
    let mut nochange = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let s = core.sync(SyncOptions::default(), None).await?;
        nochange.push(t.elapsed());
        assert!(s.unchanged);
    }
    report("sync with no changes, one request, end to end (target < 20 ms)", &mut nochange);

    let today = Utc::now().date_naive();
    let mut month = Vec::new();
    let mut between = Vec::new();
    for _ in 0..2_000 {
        let t = Instant::now();
        let m = core.events().month(today.year(), today.month())?;
        month.push(t.elapsed());
        assert!(!m.days.is_empty());
        let first = today.with_day(1).unwrap();
        let t = Instant::now();
        let list = core.events().between(first, first + Days::days(30), None)?;
        between.push(t.elapsed());
        assert!(!list.is_empty());
    }
    report("month view (days with events) over 5,000 events (target < 1 ms)", &mut month);
    report("events in a month (list of occurrences) over 5,000 events", &mut between);
    Ok(())
}

/// Many clients asking "anything new?" at once: the cheapest and most
/// frequent request the server answers.
async fn bench_sync_under_load(url: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let page: serde_json::Value = client.get(format!("{url}/api/v1/sync?limit=1")).send().await?.json().await?;
    let _ = page;
    // Find the head cursor by walking with large pages.
    let mut cursor = String::from("0");
    loop {
        let p: serde_json::Value = client.get(format!("{url}/api/v1/sync?cursor={cursor}&limit=2000")).send().await?.json().await?;
        cursor = p["next_cursor"].as_str().unwrap().to_string();
        if p["has_more"] != json!(true) {
            break;
        }
    }
    let target = Arc::new(format!("{url}/api/v1/sync?cursor={cursor}"));
    let connections = 16;
    let duration = Duration::from_secs(5);
    let mut handles = Vec::new();
    for _ in 0..connections {
        let client = client.clone();
        let target = target.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let end = Instant::now() + duration;
            while Instant::now() < end {
                let t = Instant::now();
                let r = client.get(target.as_str()).send().await.unwrap();
                assert!(r.status().is_success());
                let _ = r.bytes().await.unwrap();
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await?);
    }
    let rps = all.len() as f64 / duration.as_secs_f64();
    all.sort();
    println!(
        "GET /api/v1/sync with no changes, {connections} connections from this process for {}s: {rps:.0} req/s, p50 {:.2} ms, p99 {:.2} ms (client and server share the 2 cores)",
        duration.as_secs(),
        ms(all[all.len() / 2]),
        ms(all[all.len() * 99 / 100]),
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let n = samples.len();
    println!(
        "{what}: median {:.3} ms, p99 {:.3} ms, min {:.3} ms, max {:.3} ms over {n} runs",
        ms(samples[n / 2]),
        ms(samples[(n * 99 / 100).min(n - 1)]),
        ms(samples[0]),
        ms(samples[n - 1]),
    );
}

//! `mm-bench-push`: an alert to 25,000 devices (issue 16). A release
//! `mm-server --demo` pushes through the three fakes on loopback (a third
//! of the devices on each: APNs over HTTP/2 and TLS, FCM with its OAuth2
//! token, Web Push decrypted by the receiver), each fake answering after
//! 20 ms. The devices register over the API as phones do, with varied
//! subscriptions (topics, localities, "around my home").
//!
//! Printed:
//! - the time from the official's `201` to the last push received by a
//!   fake (target under 10 s), and the server's RSS before and its peak
//!   (target under 150 MB);
//! - with the server stopped, the recipients' resolution over its database
//!   (the SQL's candidates, then the areas), the median of 9 runs for four
//!   targets (target under 50 ms).
//!
//! Asserts only that every device got the alert once; figures are printed.
//!
//! `MM_BENCH_PUSH_DB=DIR`: the server's data directory is kept there after
//! a run, and a later run finding it measures only the resolution over it
//! (for working on the SQL without registering 25,000 devices again).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use mm_e2e::{Server, fake_apns, fake_fcm, fake_webpush, push_env};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Teryt;
use mm_protocol::notifications::{Area, Target, Topic};
use mm_server::store::notifications::choose_recipients;
use mm_server::store::{SqliteStore, Store};
use serde_json::{Value, json};

const DEVICES: usize = 25_000;
const CONNS: usize = 16;
const ANSWER: Duration = Duration::from_millis(20);

/// The process's CPU time so far (user + system, `/proc/PID/stat` fields
/// 14 and 15, in clock ticks of 10 ms), in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command's name in parentheses: state is field 3.
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(14) + ticks(15)) / 100.0
}

fn status(pid: u32, field: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines().find(|l| l.starts_with(field)).map(|l| l[field.len() + 1..].trim().to_owned()).unwrap_or_else(|| "?".into())
}

/// A `/proc/PID/status` figure in kB.
fn kb(pid: u32, field: &str) -> u64 {
    status(pid, field).trim_end_matches("kB").trim().parse().unwrap_or(0)
}

/// Device `i`'s subscription: a third every topic, a third alerts and
/// news, a third alerts and one event category; a quarter each of the
/// whole gmina, one locality, two localities, a 2 km circle.
fn subscription(i: usize, localities: &[(i64, f64, f64)]) -> Value {
    let topics = match i % 3 {
        0 => json!(["alerts", "news", "events", "my_reports", "taxes", "budget", "waste"]),
        1 => json!(["alerts", "news"]),
        _ => json!(["alerts", "events"]),
    };
    let l = localities[i % localities.len()];
    let areas = match i % 4 {
        0 => json!([]),
        1 => json!([{"kind": "locality", "id": l.0}]),
        2 => json!([{"kind": "locality", "id": l.0}, {"kind": "locality", "id": localities[(i + 1) % localities.len()].0}]),
        _ => json!([{"kind": "around", "point": {"lat": l.1, "lon": l.2}, "radius_m": 2000}]),
    };
    let categories = if i % 3 == 2 { json!(["Sport"]) } else { json!([]) };
    json!({"topics": topics, "event_categories": categories, "areas": areas, "lang": "pl"})
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let kept = std::env::var_os("MM_BENCH_PUSH_DB").map(std::path::PathBuf::from);
    if let Some(kept) = kept.as_ref().filter(|k| k.join("mm.sqlite").exists()) {
        println!("push fan-out: resolution only, over {}", kept.display());
        return resolution(kept).await;
    }
    let dir = tempfile::tempdir()?;
    let data = fan_out(dir.path()).await?;
    if let Some(kept) = kept {
        let status = std::process::Command::new("cp").arg("-a").arg(&data).arg(&kept).status()?;
        if !status.success() {
            bail!("cp -a {} {}", data.display(), kept.display());
        }
    }
    resolution(&data).await
}

/// The alert to every device; the server's data directory.
async fn fan_out(dir: &std::path::Path) -> Result<std::path::PathBuf> {
    let apns = fake_apns::FakeApns::start().await;
    let fcm = fake_fcm::FakeFcm::start().await;
    let web = fake_webpush::FakeWebPush::start().await;
    let env = push_env::server_env(&dir.join("push"), &apns, &fcm, &web)?;
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let data = dir.join("server");
    let server = Server::start_with(&data, true, &pairs)?;
    let url = server.url.clone();
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONNS).build()?;
    let gmina: Value = http.get(format!("{url}/api/v1/gmina")).send().await?.json().await?;
    let localities: Vec<(i64, f64, f64)> = gmina["localities"]
        .as_array()
        .context("localities")?
        .iter()
        .map(|l| (l["id"].as_i64().unwrap(), l["point"]["lat"].as_f64().unwrap(), l["point"]["lon"].as_f64().unwrap()))
        .collect();
    let localities = Arc::new(localities);
    // The test helpers' blocking client, off the runtime's async context.
    let official = tokio::task::block_in_place(|| server.official("redaktor", "editor"))?;

    // The devices, over 16 connections, as phones register.
    let subs: Vec<fake_webpush::Subscription> = (0..DEVICES / 3 + 1).map(|_| web.subscribe()).collect();
    let subs = Arc::new(subs);
    let started = Instant::now();
    let mut tasks = vec![];
    for c in 0..CONNS {
        let (http, url, localities, subs) = (http.clone(), url.clone(), localities.clone(), subs.clone());
        tasks.push(tokio::spawn(async move {
            for i in (c..DEVICES).step_by(CONNS) {
                let r: Value = http
                    .post(format!("{url}/api/v1/devices"))
                    .json(&json!({"platform": "android", "app_version": "1.0.0"}))
                    .send()
                    .await?
                    .json()
                    .await?;
                let token = r["token"].as_str().context("token")?.to_owned();
                let registration = match i % 3 {
                    0 => json!({"transport": "apns", "token_hex": format!("{:064x}", i), "environment": "production"}),
                    1 => json!({"transport": "fcm", "token": format!("bench-{i}")}),
                    _ => {
                        let s = &subs[i / 3];
                        json!({"transport": "web_push", "endpoint": s.endpoint, "p256dh": s.p256dh, "auth": s.auth})
                    }
                };
                for (path, body) in [("/api/v1/notifications/subscription", subscription(i, &localities)), ("/api/v1/push/registration", registration)] {
                    let r = http.put(format!("{url}{path}")).bearer_auth(&token).json(&body).send().await?;
                    if !r.status().is_success() {
                        bail!("{path}: {}", r.status());
                    }
                }
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    println!("push fan-out: {DEVICES} devices registered over the API in {:.1} s", started.elapsed().as_secs_f64());
    let rss_before = status(server.pid(), "VmRSS");

    apns.set_fault(fake_apns::Fault::Slow(ANSWER));
    fcm.set_fault(fake_fcm::Fault::Slow(ANSWER));
    web.set_fault(fake_webpush::Fault::Slow(ANSWER));
    let cpu_before = cpu_seconds(server.pid());
    let fakes_cpu_before = cpu_seconds(std::process::id());
    let sent = Instant::now();
    let (code, body) = tokio::task::block_in_place(|| {
        official.request(
            mm_e2e::reqwest::Method::POST,
            "/api/v1/notifications",
            Some(json!({"title": "Ostrzeżenie IMGW: burze z gradem", "body": "Do 22:00 w całej gminie. Zabezpiecz rzeczy na balkonach.", "topic": "alerts"})),
        )
    })?;
    if code != 201 {
        bail!("send: {code} {body}");
    }
    let received = || apns.received().len() + fcm.received().len() + web.received().len();
    // VmHWM counts the pages of the database file the readers map (shared
    // with the kernel's page cache) with the heap: the two apart, sampled.
    let (mut anon_peak, mut file_peak) = (0, 0);
    while received() < DEVICES && sent.elapsed() < Duration::from_secs(300) {
        anon_peak = anon_peak.max(kb(server.pid(), "RssAnon"));
        file_peak = file_peak.max(kb(server.pid(), "RssFile"));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = sent.elapsed().as_secs_f64();
    let got = received();
    let server_cpu = cpu_seconds(server.pid()) - cpu_before;
    let fakes_cpu = cpu_seconds(std::process::id()) - fakes_cpu_before;
    println!(
        "  alert to {DEVICES} devices (a third per service, fakes answering in {} ms): {got} received in {took:.2} s = {:.0} pushes/s (target under 10 s)",
        ANSWER.as_millis(),
        got as f64 / took
    );
    println!(
        "  server RSS before the alert {rss_before}, peak {} (target under 150 MB); sampled peaks: heap (RssAnon) {} MB, mapped files (RssFile) {} MB",
        status(server.pid(), "VmHWM"),
        anon_peak / 1024,
        file_peak / 1024
    );
    // The machine's two cores also run the fakes (TLS, HTTP/2, decrypting
    // every Web Push): the server's share says whether it was the bound.
    println!(
        "  CPU during the alert: server {server_cpu:.1} s, fakes (this process) {fakes_cpu:.1} s, of {:.1} s on two cores",
        2.0 * took
    );
    let refusals = apns.refusals().len() + fcm.refusals().len() + web.refusals().len();
    if got != DEVICES || refusals > 0 {
        bail!("{got} of {DEVICES} received, {refusals} refused by the fakes");
    }
    tokio::task::block_in_place(|| server.stop())?;
    Ok(data)
}

/// Recipients' resolution over the server's database, in process.
async fn resolution(data: &std::path::Path) -> Result<()> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(data)?);
    let store = store.for_gmina(&Teryt::parse("0223083")?);
    let (_, gmina_localities) = store.gmina().await?;
    let first = gmina_localities.first().context("a locality")?;
    let (l, lat, lon) = (first.id, first.point.lat, first.point.lon);
    let targets = [
        ("alert, whole gmina", Target { topic: Topic::Alerts, event_category: None, areas: vec![] }),
        ("news, one locality", Target { topic: Topic::News, event_category: None, areas: vec![Area::Locality { id: l }] }),
        ("events 'Sport', whole gmina", Target { topic: Topic::Events, event_category: Some("Sport".into()), areas: vec![] }),
        ("alert, 3 km circle", Target { topic: Topic::Alerts, event_category: None, areas: vec![Area::Around { point: GeoPoint { lat, lon }, radius_m: 3000 }] }),
    ];
    for (name, target) in targets {
        let mut times = vec![];
        let mut n = 0;
        for _ in 0..9 {
            let t = Instant::now();
            n = choose_recipients(&target, store.candidates(&target, None).await?, &gmina_localities).len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!("  recipients of {name}: {n} devices, median {:.1} ms of 9 (target under 50 ms)", times[4]);
    }
    store.close().await?;
    Ok(())
}

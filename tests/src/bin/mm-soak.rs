//! `mm-soak`: mixed load at about 70 % of the measured maximum against a
//! release `mm-server --demo`, for a long time, recording whether anything
//! grows (issue 17 item 3; design in `docs/plans/issue-17.md` §3).
//!
//! 1. The server starts on a fresh data directory with the demo's two
//!    gminas (Siechnice and Czernica), pushing through the three fakes
//!    (APNs, FCM, Web Push) which answer after 20 ms; 2,000 phones register
//!    for alerts, a third per service.
//! 2. **Calibration**, the mix's maximum *sustained* rate here: a closed
//!    loop of 16 workers for 10 s gives a first figure, which overstates
//!    it (a closed loop waits for answers, so a queue never builds; the
//!    first soaks at 70 % of it fell behind). Then the open loop steps up
//!    from 40 % of that figure by 10 % for `MM_SOAK_STEP` seconds each
//!    (15), each with an alert to every phone sent as it starts (the
//!    soak's mix has them): a step holds if every request was answered without an error,
//!    p99 stayed under 100 ms and the requests were done at 95 % of the
//!    rate offered or better. The highest step that held is the maximum.
//! 3. **The soak**: `MM_SOAK_SECONDS` of the same mix **open loop** at
//!    70 % of that rate: request *n* is due at `n / rate` and its latency is
//!    counted from then, so a stalled server shows as latency and not as a
//!    lower rate (no coordinated omission). Every 3 minutes an official
//!    sends an alert to the whole gmina and the fakes must receive it on
//!    every phone.
//! 4. **Every 10 s** it records the server's RSS (`VmRSS`, and its two
//!    parts: private memory `RssAnon` and mapped files `RssFile`, which
//!    holds the database pages the SQLite readers map), the database's size
//!    on disk, open files (`/proc/PID/fd`; of them the sockets of
//!    connections it serves and of those it opened, from `/proc/PID/net`),
//!    threads, the load's requests in flight, the window's p50/p99
//!    overall and per kind, requests done and errors, and the CPU time
//!    per request of the server and of this process, into
//!    `target/soak/soak.csv`, and at the end draws them as an SVG
//!    (`MM_SOAK_SVG`, default `target/soak/soak.svg`). `MM_SOAK_KEEP=DIR`
//!    keeps the server's data directory there afterwards, to replay pages
//!    against the grown database.
//!
//! "Flat" as figures: the least-squares slope of RSS and of open files over
//! the second half, per hour, and p99 of the first and the last 5 minutes
//! after the warm-up (the first 10 %, at least 30 s). It exits 1 on any
//! error answer (every request of the mix is a legitimate one), on an
//! acknowledged report or ballot missing from the database at the end, on
//! an alert that did not reach every phone, on a p99 over 100 ms in the
//! last 5 minutes (the median of their windows: the server fell behind
//! the rate it held in the calibration), on files other than sockets
//! growing by more than 10 under load, or on open files not coming back
//! to within 50 of their count at rest before the load once it stops (a
//! socket under load is a connection in use: their number follows the
//! load's concurrency and the push services' pools, which close after
//! 90 s idle, so the leak to catch is one that stays when the load goes).
//!
//! The load generator and the fakes run in this process on the same two
//! cores as the server: the maximum is that of the whole machine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use mm_e2e::{DEMO_GMINA, OFFICIAL_PASSWORD, Server, fake_apns, fake_fcm, fake_webpush, push_env};
use serde_json::{Value, json};

/// Workers of the calibration's closed loop.
const CALIBRATION_WORKERS: usize = 16;
/// The closed loop's length: its figure only sets where the steps start.
const CLOSED_LOOP: Duration = Duration::from_secs(10);
/// The open-loop steps, as shares of the closed loop's figure.
const FIRST_STEP: f64 = 0.4;
const STEP_BY: f64 = 0.1;
const LAST_STEP: f64 = 2.0;
/// A step holds with p99 under this, no errors, and this share of the
/// offered rate done. At 500 ms a step whose p99 was 410 ms held (a queue
/// was building already), and the soak at 70 % of it fell behind within
/// three minutes; the server answers in tens of milliseconds when it
/// keeps up.
const STEP_P99_MS: f64 = 100.0;
const STEP_DONE_SHARE: f64 = 0.95;
/// The soak's share of the calibrated maximum.
const LOAD_SHARE: f64 = 0.7;
/// Requests of the open loop in flight at most (a bound on this process's
/// memory if the server stalls; the latency still counts from the due time).
const MAX_IN_FLIGHT: usize = 512;
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
const PUSH_DEVICES: usize = 2_000;
const FAN_OUT_EVERY: Duration = Duration::from_secs(180);
const FAKES_ANSWER: Duration = Duration::from_millis(20);
/// Open files may stay above their count at rest before the load by this
/// much once it stops, and files other than sockets grow by
/// `OTHER_FILES_GROWTH` under load.
const AT_REST_SLACK: usize = 50;
const OTHER_FILES_GROWTH: usize = 10;
/// How long the open files may take to come back once the load stops: the
/// push clients' pools keep idle connections for 90 s.
const AT_REST_WAIT: Duration = Duration::from_secs(150);
/// The load's clients close connections idle this long, so that after the
/// load the server's open files show what it keeps by itself.
const CLIENT_IDLE: Duration = Duration::from_secs(5);
/// Ballots one device casts before the next is registered (the server
/// allows 30 per device per hour).
const BALLOTS_PER_DEVICE: usize = 25;

/// What a request of the mix does, with its weight (per 1,000 requests):
/// residents read far more than they write, officials page through reports.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    SyncFirst,
    SyncCursor,
    Open311,
    ReportWithPhoto,
    Ballot,
    AdminReports,
    AdminReport,
    AdminMap,
}

/// Weights per 1,000 requests. Residents read far more than they write;
/// officials are tens, not hundreds: six back-office pages in 1,000 are a
/// few a second at the soak's rates. At 30 % (140 lists, 124 reports, 40
/// maps in 1,000) the back office was 300 pages a second, the map's cost
/// grew with every report (2 → 12 ms each after 800 reports; it shows all
/// of them, up to 2,000), and two 10-minute soaks on 2026-12-04 fell
/// behind after 4–5 minutes (`docs/BENCHMARKS.md`, "Soak"). Reports are 1
/// in 1,000: at 1,000 requests a second, half a year of a gmina's reports
/// in a 30-minute run.
const MIX: [(Kind, u32); 8] = [
    (Kind::SyncFirst, 90),
    (Kind::SyncCursor, 480),
    (Kind::Open311, 373),
    (Kind::ReportWithPhoto, 1),
    (Kind::Ballot, 50),
    (Kind::AdminReports, 3),
    (Kind::AdminReport, 2),
    (Kind::AdminMap, 1),
];

impl Kind {
    /// The `n`-th request's kind: a fixed interleaving with the mix's weights.
    fn nth(n: u64) -> Kind {
        let total: u64 = MIX.iter().map(|(_, w)| u64::from(*w)).sum();
        // A multiplicative scramble of n, so kinds interleave instead of
        // coming in runs of their weight.
        let mut r = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        r %= total;
        for (kind, w) in MIX {
            if r < u64::from(w) {
                return kind;
            }
            r -= u64::from(w);
        }
        unreachable!("r is below the total")
    }

    fn name(self) -> &'static str {
        match self {
            Kind::SyncFirst => "sync_first",
            Kind::SyncCursor => "sync_cursor",
            Kind::Open311 => "open311_list",
            Kind::ReportWithPhoto => "report_photo",
            Kind::Ballot => "ballot",
            Kind::AdminReports => "admin_reports",
            Kind::AdminReport => "admin_report",
            Kind::AdminMap => "admin_map",
        }
    }
}

/// One answered (or failed) request.
struct Outcome {
    kind: Kind,
    latency_ms: f64,
    error: Option<String>,
}

/// Everything the workers share.
struct Load {
    url: String,
    /// Siechnice's app requests, and Czernica's (its edition is the one in
    /// voting without SMS).
    siechnice: reqwest::Client,
    czernica: reqwest::Client,
    /// Back-office pages without redirects, with the dispatcher's cookie.
    office: reqwest::Client,
    office_cookie: String,
    report_devices: Vec<String>,
    photo: Vec<u8>,
    cursor: Mutex<String>,
    edition: i64,
    pool: i64,
    projects: Vec<i64>,
    czernica_localities: Vec<i64>,
    ballot_devices: tokio::sync::Mutex<Vec<String>>,
    ballots: AtomicU64,
    reports_made: AtomicU64,
    acknowledged_reports: Mutex<Vec<i64>>,
    acknowledged_ballots: Mutex<Vec<i64>>,
    outcomes: Mutex<Vec<Outcome>>,
    /// Requests of the load sent and not yet answered.
    in_flight: AtomicUsize,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    if std::env::var_os("MM_E2E_PROFILE").is_none() {
        // SAFETY: set before any thread of ours reads the environment.
        unsafe { std::env::set_var("MM_E2E_PROFILE", "release") };
    }
    let seconds: u64 = env_number("MM_SOAK_SECONDS", 1800)?;
    let step: u64 = env_number("MM_SOAK_STEP", 15)?;
    let out_dir = mm_e2e::target_dir().join("soak");
    std::fs::create_dir_all(&out_dir)?;
    let svg_path = std::env::var_os("MM_SOAK_SVG").map(PathBuf::from).unwrap_or_else(|| out_dir.join("soak.svg"));

    let dir = tempfile::tempdir()?;
    let apns = Arc::new(fake_apns::FakeApns::start().await);
    let fcm = Arc::new(fake_fcm::FakeFcm::start().await);
    let web = Arc::new(fake_webpush::FakeWebPush::start().await);
    let mut env = push_env::server_env(&dir.path().join("push"), &apns, &fcm, &web)?;
    // One client address sends what thousands of residents would.
    for (k, v) in [("MM_RATE_DEVICE_PER_HOUR", "100000000"), ("MM_RATE_IP_PER_HOUR", "100000000"), ("MM_DEMO_NEIGHBOUR", "1")] {
        env.push((k.into(), v.into()));
    }
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let data = dir.path().join("server");
    let server = Server::start_with(&data, true, &pairs)?;
    let pid = server.pid();
    println!(
        "soak: release mm-server (pid {pid}), {} cores, load average {}; calibration steps of {step} s, soak {seconds} s",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        load_average()
    );

    let editor = tokio::task::block_in_place(|| server.official("redaktor", "editor"))?;
    tokio::task::block_in_place(|| server.official("dyspozytor", "dispatcher"))?;
    let load = Arc::new(prepare(&server.url).await?);
    register_push_devices(&load, &web).await?;
    apns.set_fault(fake_apns::Fault::Slow(FAKES_ANSWER));
    fcm.set_fault(fake_fcm::Fault::Slow(FAKES_ANSWER));
    web.set_fault(fake_webpush::Fault::Slow(FAKES_ANSWER));

    let unloaded_before = unloaded(&load).await;
    let port = server_port(&server.url)?;
    tokio::time::sleep(CLIENT_IDLE + Duration::from_secs(2)).await;
    let rest_before = open_files(pid, port).total;

    // 2. Calibration.
    let closed = calibrate_rate(&load, CLOSED_LOOP).await;
    load.outcomes.lock().unwrap().clear();
    println!("calibration: {closed:.0} requests/s closed loop ({CALIBRATION_WORKERS} workers); open-loop steps of {step} s:");
    let max_rate = sustained_rate(&load, closed, Duration::from_secs(step), &editor.token).await?;
    // The steps' backlog and writes settle before the soak starts.
    tokio::time::sleep(Duration::from_secs(5)).await;
    load.outcomes.lock().unwrap().clear();
    let rate = max_rate * LOAD_SHARE;
    println!("calibration: {max_rate:.0} requests/s sustained; the soak runs open loop at {rate:.0}/s");

    // 3. The soak, with the sampler and the fan-outs beside it.
    let duration = Duration::from_secs(seconds);
    let start = Instant::now();
    let sampler = tokio::spawn(sample(load.clone(), pid, port, data.clone(), start, duration));
    let received = {
        let (apns, fcm, web) = (apns.clone(), fcm.clone(), web.clone());
        move || apns.received().len() + fcm.received().len() + web.received().len()
    };
    let fan_outs = tokio::spawn(fan_outs(load.url.clone(), editor.token.clone(), start, duration, received.clone()));
    open_loop(&load, rate, start, duration).await;
    let samples = sampler.await?;
    let fan_outs = fan_outs.await??;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let unloaded_after = unloaded(&load).await;
    print_unloaded(&unloaded_before, &unloaded_after);
    let rest_after = at_rest(pid, port, rest_before).await;

    // 4. What was acknowledged is in the database.
    let refused_by_fakes = apns.refusals().len() + fcm.refusals().len() + web.refusals().len();
    let stop_status = tokio::task::block_in_place(|| server.stop())?;
    let (reports, ballots) = (load.acknowledged_reports.lock().unwrap().clone(), load.acknowledged_ballots.lock().unwrap().clone());
    let missing = missing_writes(&data.join("mm.sqlite"), &reports, &ballots)?;
    if let Some(keep) = std::env::var_os("MM_SOAK_KEEP").map(PathBuf::from) {
        copy_dir(&data, &keep)?;
        println!("the server's data directory is kept in {}", keep.display());
    }

    write_csv(&out_dir.join("soak.csv"), &samples)?;
    std::fs::write(&svg_path, svg(&samples, rate, seconds))?;
    let verdict = report(&samples, &fan_outs, warm_up_seconds(seconds), (reports.len(), ballots.len()), &missing, (rest_before, rest_after));
    println!("CSV: {}; plot: {}", out_dir.join("soak.csv").display(), svg_path.display());

    let mut failures = verdict;
    if !stop_status.success() {
        failures.push(format!("the server exited {stop_status} after SIGTERM"));
    }
    if refused_by_fakes > 0 {
        failures.push(format!("the push fakes refused {refused_by_fakes} requests"));
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("soak failed: {f}");
        }
        std::process::exit(1);
    }
    println!("soak passed");
    Ok(())
}

/// The clients, the dispatcher's session, devices and the Czernica edition.
async fn prepare(url: &str) -> Result<Load> {
    let client = |gmina: &str| -> Result<reqwest::Client> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("MM-Gmina", gmina.parse()?);
        Ok(reqwest::Client::builder().default_headers(headers).pool_max_idle_per_host(64).pool_idle_timeout(CLIENT_IDLE).timeout(Duration::from_secs(60)).build()?)
    };
    let siechnice = client(DEMO_GMINA)?;
    let gminas: Value = siechnice.get(format!("{url}/api/v1/gminas")).send().await?.error_for_status()?.json().await?;
    let czernica_code = gminas["gminas"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["teryt"].as_str())
        .find(|t| *t != DEMO_GMINA)
        .context("the demo's neighbour gmina")?
        .to_owned();
    let czernica = client(&czernica_code)?;
    let gmina: Value = czernica.get(format!("{url}/api/v1/gmina")).send().await?.error_for_status()?.json().await?;
    let czernica_localities: Vec<i64> = gmina["localities"].as_array().into_iter().flatten().filter_map(|l| l["id"].as_i64()).collect();
    ensure!(!czernica_localities.is_empty(), "Czernica's localities: {gmina}");

    let editions: Value = czernica.get(format!("{url}/api/v1/budget/editions")).send().await?.error_for_status()?.json().await?;
    let edition = editions
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["phase"] == "voting")
        .and_then(|e| e["id"].as_i64())
        .with_context(|| format!("an edition in voting in Czernica: {editions}"))?;
    let e: Value = czernica.get(format!("{url}/api/v1/budget/editions/{edition}")).send().await?.error_for_status()?.json().await?;
    ensure!(e["settings"]["sms"] != true, "Czernica's edition asks for no SMS: {e}");
    let pool = e["pools"][0]["id"].as_i64().with_context(|| format!("a pool: {e}"))?;
    let projects: Value =
        czernica.get(format!("{url}/api/v1/budget/editions/{edition}/projects?status=on_ballot")).send().await?.error_for_status()?.json().await?;
    let projects: Vec<i64> = projects
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["pool"].as_i64().is_none_or(|p| p == pool))
        .filter_map(|p| p["id"].as_i64())
        .collect();
    ensure!(!projects.is_empty(), "projects on Czernica's ballot");

    let mut report_devices = vec![];
    for _ in 0..32 {
        report_devices.push(register_device(&siechnice, url).await?);
    }
    let (office, office_cookie) = sign_in_office(url, "dyspozytor").await?;
    let first: Value = siechnice.get(format!("{url}/api/v1/sync?limit=2000")).send().await?.error_for_status()?.json().await?;
    let cursor = first["next_cursor"].as_str().context("a cursor")?.to_owned();
    Ok(Load {
        url: url.to_owned(),
        siechnice,
        czernica,
        office,
        office_cookie,
        report_devices,
        photo: photo_jpeg(),
        cursor: Mutex::new(cursor),
        edition,
        pool,
        projects,
        czernica_localities,
        ballot_devices: tokio::sync::Mutex::new(vec![]),
        ballots: AtomicU64::new(0),
        reports_made: AtomicU64::new(0),
        acknowledged_reports: Mutex::new(vec![]),
        acknowledged_ballots: Mutex::new(vec![]),
        outcomes: Mutex::new(vec![]),
        in_flight: AtomicUsize::new(0),
    })
}

async fn register_device(http: &reqwest::Client, url: &str) -> Result<String> {
    let r: Value =
        http.post(format!("{url}/api/v1/devices")).json(&json!({"platform": "android", "app_version": "1.0.0"})).send().await?.error_for_status()?.json().await?;
    Ok(r["token"].as_str().context("a device token")?.to_owned())
}

/// 2,000 phones subscribed to alerts over the whole gmina, a third per
/// push service, as `mm-bench-push` registers them.
async fn register_push_devices(load: &Load, web: &fake_webpush::FakeWebPush) -> Result<()> {
    let subs: Vec<fake_webpush::Subscription> = (0..PUSH_DEVICES / 3 + 1).map(|_| web.subscribe()).collect();
    for i in 0..PUSH_DEVICES {
        let token = register_device(&load.siechnice, &load.url).await?;
        let registration = match i % 3 {
            0 => json!({"transport": "apns", "token_hex": format!("{:064x}", i + 1), "environment": "production"}),
            1 => json!({"transport": "fcm", "token": format!("soak-{i}")}),
            _ => {
                let s = &subs[i / 3];
                json!({"transport": "web_push", "endpoint": s.endpoint, "p256dh": s.p256dh, "auth": s.auth})
            }
        };
        let subscription = json!({"topics": ["alerts", "news"], "event_categories": [], "areas": [], "lang": "pl"});
        for (path, body) in [("/api/v1/notifications/subscription", subscription), ("/api/v1/push/registration", registration)] {
            let r = load.siechnice.put(format!("{}{path}", load.url)).bearer_auth(&token).json(&body).send().await?;
            ensure!(r.status().is_success(), "{path}: {}", r.status());
        }
    }
    Ok(())
}

/// The back office's sign-in form, as a browser submits it: the
/// session cookie (`name=value`).
async fn sign_in_office(url: &str, login: &str) -> Result<(reqwest::Client, String)> {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).pool_idle_timeout(CLIENT_IDLE).timeout(Duration::from_secs(60)).build()?;
    let page = http.get(format!("{url}/admin/login")).send().await?;
    let login_cookie = set_cookie(&page, "mm_login_csrf").context("the sign-in CSRF cookie")?;
    let html = page.text().await?;
    let at = html.find(r#"name="csrf" value=""#).context("a CSRF field")? + r#"name="csrf" value=""#.len();
    let csrf = html[at..].split('"').next().unwrap_or_default().to_owned();
    let form = format!("csrf={csrf}&login={login}&password={}", OFFICIAL_PASSWORD.replace('!', "%21"));
    let r = http
        .post(format!("{url}/admin/login"))
        .header("cookie", login_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await?;
    ensure!(r.status().is_redirection(), "sign-in answered {}", r.status());
    let session = set_cookie(&r, "mm_session").context("a session cookie")?;
    Ok((http, session))
}

fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// A camera-like JPEG of about 200 KB (noise compresses badly), which the
/// server decodes and re-encodes like any photo.
fn photo_jpeg() -> Vec<u8> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed & 0x3f) as u8;
        image::Rgb([(x / 4) as u8 ^ noise, (y / 3) as u8, 120u8.wrapping_add(noise)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).expect("a JPEG encodes");
    out.into_inner()
}

/// One request of kind `kind`; the error says what went wrong.
async fn one(load: &Load, kind: Kind, n: u64) -> Result<(), String> {
    let url = &load.url;
    let check = |r: reqwest::Response| async move {
        let status = r.status();
        let body = r.bytes().await.map_err(|e| e.to_string())?;
        if status.is_success() || status.is_redirection() {
            Ok(body)
        } else {
            Err(format!("{status} {}", String::from_utf8_lossy(&body[..body.len().min(200)])))
        }
    };
    let send = |rb: reqwest::RequestBuilder| async move { rb.send().await.map_err(|e| format!("transport: {e}")) };
    match kind {
        Kind::SyncFirst => {
            check(send(load.siechnice.get(format!("{url}/api/v1/sync?limit=500"))).await?).await?;
        }
        Kind::SyncCursor => {
            let cursor = load.cursor.lock().unwrap().clone();
            let body = check(send(load.siechnice.get(format!("{url}/api/v1/sync?cursor={cursor}"))).await?).await?;
            // The next device starts where this one stopped, as phones that
            // synced a moment ago do.
            if let Some(next) = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["next_cursor"].as_str().map(str::to_owned)) {
                *load.cursor.lock().unwrap() = next;
            }
        }
        Kind::Open311 => {
            check(send(load.siechnice.get(format!("{url}/open311/v2/requests.json?jurisdiction_id={DEMO_GMINA}&page_size=50"))).await?).await?;
        }
        Kind::ReportWithPhoto => {
            let made = load.reports_made.fetch_add(1, Ordering::Relaxed);
            let token = &load.report_devices[made as usize % load.report_devices.len()];
            let body = check(
                send(load.siechnice.post(format!("{url}/api/v1/photos")).bearer_auth(token).header("content-type", "image/jpeg").body(load.photo.clone()))
                    .await?,
            )
            .await?;
            let photo = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["photo_id"].as_str().map(str::to_owned)).ok_or("no photo_id")?;
            let report = json!({
                "category": "other",
                "point": {"lat": 51.03 + (n % 200) as f64 * 1e-4, "lon": 17.14 + (n % 97) as f64 * 1e-4},
                "description": format!("Zgłoszenie z testu długotrwałego nr {made}"),
                "photo_ids": [photo],
            });
            let body = check(
                send(load.siechnice.post(format!("{url}/api/v1/reports")).bearer_auth(token).header("idempotency-key", format!("soak-report-{made}")).json(&report))
                    .await?,
            )
            .await?;
            let id = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["id"].as_i64()).ok_or("no report id")?;
            load.acknowledged_reports.lock().unwrap().push(id);
        }
        Kind::Ballot => {
            let b = load.ballots.fetch_add(1, Ordering::Relaxed) as usize;
            let token = ballot_device(load, b / BALLOTS_PER_DEVICE).await?;
            let project = load.projects[b % load.projects.len()];
            let ballot = json!({
                "identity": {
                    "first_name": "Anna",
                    "last_name": voter_surname(b),
                    "address": {"locality": load.czernica_localities[b % load.czernica_localities.len()], "street": "", "house": format!("{}", b % 300 + 1)},
                },
                "residence_declared": true,
                "pools": [{"pool": load.pool, "projects": [{"project": project}]}],
            });
            let body = check(
                send(
                    load.czernica
                        .post(format!("{url}/api/v1/budget/editions/{}/ballots", load.edition))
                        .bearer_auth(token)
                        .header("idempotency-key", format!("soak-ballot-{b}"))
                        .json(&ballot),
                )
                .await?,
            )
            .await?;
            let id = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["ballot_id"].as_i64()).ok_or("no ballot_id")?;
            load.acknowledged_ballots.lock().unwrap().push(id);
        }
        Kind::AdminReports | Kind::AdminReport | Kind::AdminMap => {
            let path = match kind {
                Kind::AdminReports => "/admin/reports".to_owned(),
                Kind::AdminMap => "/admin/map".to_owned(),
                _ => {
                    // A report this soak made (ids are shared by the gminas,
                    // so a demo id may be Czernica's and not the dispatcher's).
                    let made = load.acknowledged_reports.lock().unwrap();
                    match made.len() {
                        0 => "/admin/reports".to_owned(),
                        len => format!("/admin/reports/{}", made[n as usize % len]),
                    }
                }
            };
            let r = send(load.office.get(format!("{url}{path}")).header("cookie", &load.office_cookie)).await?;
            if r.status() != 200 {
                return Err(format!("{path}: {}", r.status()));
            }
            r.bytes().await.map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The device casting ballot number `index * BALLOTS_PER_DEVICE …`,
/// registered when first needed.
async fn ballot_device(load: &Load, index: usize) -> Result<String, String> {
    let mut devices = load.ballot_devices.lock().await;
    while devices.len() <= index {
        devices.push(register_device(&load.czernica, &load.url).await.map_err(|e| format!("device: {e}"))?);
    }
    Ok(devices[index].clone())
}

/// A distinct surname per voter (letters only, as names are).
fn voter_surname(mut b: usize) -> String {
    let mut s = String::from("Kowal");
    loop {
        s.push(char::from(b'a' + (b % 26) as u8));
        b /= 26;
        if b == 0 {
            return s;
        }
    }
}

async fn timed(load: &Load, kind: Kind, n: u64, due: Instant) {
    load.in_flight.fetch_add(1, Ordering::Relaxed);
    let result = one(load, kind, n).await;
    load.in_flight.fetch_sub(1, Ordering::Relaxed);
    let latency_ms = due.elapsed().as_secs_f64() * 1e3;
    load.outcomes.lock().unwrap().push(Outcome { kind, latency_ms, error: result.err() });
}

/// Requests of each reading kind one after another on an otherwise idle
/// server, before the calibration and after the soak: how much of the
/// latency's drift is the cost of a request on the grown data rather
/// than the load.
const UNLOADED_REQUESTS: u64 = 30;
const READING_KINDS: [Kind; 6] = [Kind::SyncFirst, Kind::SyncCursor, Kind::Open311, Kind::AdminReports, Kind::AdminReport, Kind::AdminMap];

/// The median milliseconds of [`UNLOADED_REQUESTS`] of each reading kind.
async fn unloaded(load: &Load) -> BTreeMap<Kind, f64> {
    let mut out = BTreeMap::new();
    for kind in READING_KINDS {
        let mut took = vec![];
        for n in 0..UNLOADED_REQUESTS {
            let at = Instant::now();
            if one(load, kind, 2_000_000_000 + n).await.is_ok() {
                took.push(at.elapsed().as_secs_f64() * 1e3);
            }
        }
        out.insert(kind, quantile(&mut took, 0.5));
    }
    out
}

fn print_unloaded(before: &BTreeMap<Kind, f64>, after: &BTreeMap<Kind, f64>) {
    println!("  one request at a time on the idle server (median of {UNLOADED_REQUESTS}), before the calibration and after the soak:");
    for kind in READING_KINDS {
        let (b, a) = (before.get(&kind).copied().unwrap_or(f64::NAN), after.get(&kind).copied().unwrap_or(f64::NAN));
        println!("    {:<14} {b:>7.1} ms -> {a:>7.1} ms", kind.name());
    }
}

/// Closed loop: each worker sends its next request when the last is
/// answered; requests per second done.
async fn calibrate_rate(load: &Arc<Load>, length: Duration) -> f64 {
    let next = Arc::new(AtomicU64::new(1_000_000_000));
    let start = Instant::now();
    let mut workers = vec![];
    for _ in 0..CALIBRATION_WORKERS {
        let (load, next) = (load.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            while start.elapsed() < length {
                let n = next.fetch_add(1, Ordering::Relaxed);
                timed(&load, Kind::nth(n), n, Instant::now()).await;
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    let outcomes = load.outcomes.lock().unwrap();
    let errors: Vec<&Outcome> = outcomes.iter().filter(|o| o.error.is_some()).collect();
    for e in errors.iter().take(5) {
        eprintln!("calibration: {}: {}", e.kind.name(), e.error.as_deref().unwrap_or_default());
    }
    outcomes.len() as f64 / start.elapsed().as_secs_f64()
}

/// The highest open-loop rate that holds (see the module's comment),
/// stepping up from a share of the closed loop's figure.
async fn sustained_rate(load: &Arc<Load>, closed: f64, step: Duration, editor_token: &str) -> Result<f64> {
    let http = reqwest::Client::new();
    // Request numbers of the steps follow the closed loop's and each
    // other's, so reports and ballots stay distinct.
    let mut first_n = 2_000_000_000;
    let mut held = None;
    let mut share = FIRST_STEP;
    while share <= LAST_STEP + 1e-9 {
        let rate = closed * share;
        load.outcomes.lock().unwrap().clear();
        let start = Instant::now();
        // The soak's mix has an alert to every phone every few minutes; a
        // maximum measured without them overstated it (a 10-minute soak at
        // 70 % of such a figure fell behind at its second alert and never
        // caught up). So every step carries one, sent as it starts.
        let alert = tokio::spawn({
            let (http, url, token) = (http.clone(), load.url.clone(), editor_token.to_owned());
            async move { send_alert(&http, &url, &token).await }
        });
        let sent = open_loop_from(load, rate, start, step, first_n).await;
        alert.await??;
        let elapsed = start.elapsed().as_secs_f64();
        let window: Vec<Outcome> = std::mem::take(&mut *load.outcomes.lock().unwrap());
        first_n += sent;
        let verdict = StepVerdict::of(&window, elapsed);
        println!(
            "  step {:>3.0} %: {rate:>6.0}/s offered, {:>6.0}/s done, p99 {:>7.1} ms, {} errors: {}",
            share * 100.0,
            verdict.done_rate,
            verdict.p99_ms,
            verdict.errors,
            if verdict.holds(rate) { "holds" } else { "does not hold" }
        );
        if !verdict.holds(rate) {
            break;
        }
        held = Some(rate);
        share += STEP_BY;
        // The queue of the step before drains before the next one starts.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    held.with_context(|| format!("not even {:.0} requests/s ({:.0} % of the closed loop) held", closed * FIRST_STEP, FIRST_STEP * 100.0))
}

/// What one calibration step did.
struct StepVerdict {
    done_rate: f64,
    p99_ms: f64,
    errors: usize,
}

impl StepVerdict {
    /// `elapsed`: from the first request's due time until the last answer.
    fn of(window: &[Outcome], elapsed: f64) -> StepVerdict {
        let mut latencies: Vec<f64> = window.iter().map(|o| o.latency_ms).collect();
        StepVerdict {
            done_rate: window.len() as f64 / elapsed.max(1e-3),
            p99_ms: quantile(&mut latencies, 0.99),
            errors: window.iter().filter(|o| o.error.is_some()).count(),
        }
    }

    fn holds(&self, offered: f64) -> bool {
        self.errors == 0 && self.p99_ms <= STEP_P99_MS && self.done_rate >= offered * STEP_DONE_SHARE
    }
}

/// Open loop: request `n` is due at `start + n / rate`, whatever happened
/// to the ones before it.
async fn open_loop(load: &Arc<Load>, rate: f64, start: Instant, duration: Duration) {
    open_loop_from(load, rate, start, duration, 0).await;
}

/// [`open_loop`] numbering its requests from `first_n`; how many it sent.
async fn open_loop_from(load: &Arc<Load>, rate: f64, start: Instant, duration: Duration, first_n: u64) -> u64 {
    let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut n: u64 = 0;
    loop {
        let due = start + Duration::from_secs_f64(n as f64 / rate);
        if due >= start + duration {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let permit = in_flight.clone().acquire_owned().await.expect("the semaphore stays open");
        let load = load.clone();
        let number = first_n + n;
        tokio::spawn(async move {
            timed(&load, Kind::nth(number), number, due).await;
            drop(permit);
        });
        n += 1;
    }
    // Every request answered before the figures are taken.
    let _ = in_flight.acquire_many(MAX_IN_FLIGHT as u32).await;
    n
}

/// One 10-second window.
#[derive(Clone, Debug)]
struct Sample {
    at_s: f64,
    rss_mb: f64,
    /// The two parts of `rss_mb`: private memory (heap, stacks) and mapped
    /// files (the binary's code and the database pages the readers map).
    anon_mb: f64,
    file_mb: f64,
    /// `mm.sqlite` and its WAL on disk.
    db_mb: f64,
    open_files: usize,
    /// Of `open_files`, the sockets of connections the server accepted
    /// and of those it opened (the push services, the EZD).
    served: usize,
    outgoing: usize,
    threads: usize,
    /// The load's requests in flight at the sample.
    in_flight: usize,
    /// CPU time per request answered in the window (user and system), of
    /// the server and of this process (the load and the push fakes): which
    /// of the two got dearer when a run falls behind.
    server_cpu_ms: f64,
    load_cpu_ms: f64,
    done: usize,
    errors: usize,
    p50_ms: f64,
    p99_ms: f64,
    p99_by_kind: BTreeMap<Kind, f64>,
}

async fn sample(load: Arc<Load>, pid: u32, port: u16, data: PathBuf, start: Instant, duration: Duration) -> Vec<Sample> {
    let mut samples = vec![];
    let mut tick = tokio::time::interval_at((start + SAMPLE_EVERY).into(), SAMPLE_EVERY);
    let mut shown_errors = 0;
    let mut cpu = (cpu_ms(&pid.to_string()), cpu_ms("self"));
    loop {
        tick.tick().await;
        let window: Vec<Outcome> = std::mem::take(&mut *load.outcomes.lock().unwrap());
        for o in window.iter().filter(|o| o.error.is_some()) {
            if shown_errors < 10 {
                eprintln!("  error: {}: {}", o.kind.name(), o.error.as_deref().unwrap_or_default());
                shown_errors += 1;
            }
        }
        let mut all: Vec<f64> = window.iter().map(|o| o.latency_ms).collect();
        let mut by_kind: BTreeMap<Kind, Vec<f64>> = BTreeMap::new();
        for o in &window {
            by_kind.entry(o.kind).or_default().push(o.latency_ms);
        }
        let files = open_files(pid, port);
        let now = (cpu_ms(&pid.to_string()), cpu_ms("self"));
        let per_request = |spent: f64| spent / window.len().max(1) as f64;
        let (server_cpu_ms, load_cpu_ms) = (per_request(now.0 - cpu.0), per_request(now.1 - cpu.1));
        cpu = now;
        let s = Sample {
            at_s: start.elapsed().as_secs_f64(),
            rss_mb: kb(pid, "VmRSS") as f64 / 1024.0,
            anon_mb: kb(pid, "RssAnon") as f64 / 1024.0,
            file_mb: kb(pid, "RssFile") as f64 / 1024.0,
            db_mb: ["mm.sqlite", "mm.sqlite-wal"]
                .iter()
                .filter_map(|f| std::fs::metadata(data.join(f)).ok())
                .map(|m| m.len() as f64 / 1_048_576.0)
                .sum(),
            open_files: files.total,
            served: files.served,
            outgoing: files.outgoing,
            threads: kb(pid, "Threads") as usize,
            in_flight: load.in_flight.load(Ordering::Relaxed),
            server_cpu_ms,
            load_cpu_ms,
            done: window.len(),
            errors: window.iter().filter(|o| o.error.is_some()).count(),
            p50_ms: quantile(&mut all, 0.5),
            p99_ms: quantile(&mut all, 0.99),
            p99_by_kind: by_kind.into_iter().map(|(k, mut v)| (k, quantile(&mut v, 0.99))).collect(),
        };
        println!(
            "  {:>6.0} s  RSS {:>6.1} MB (private {:>5.1}, files {:>5.1}; db {:>5.1} MB)  files {:>4} (served {:>3}, out {:>3})  threads {:>3}  in flight {:>3}  {:>5} done  {} errors  p50 {:>6.1} ms  p99 {:>7.1} ms  CPU per request: server {:.3} ms, load {:.3} ms",
            s.at_s, s.rss_mb, s.anon_mb, s.file_mb, s.db_mb, s.open_files, s.served, s.outgoing, s.threads, s.in_flight, s.done, s.errors, s.p50_ms, s.p99_ms, s.server_cpu_ms, s.load_cpu_ms
        );
        samples.push(s);
        if start.elapsed() >= duration + SAMPLE_EVERY {
            // The window after the last request was due: the stragglers.
            return samples;
        }
    }
}

/// An alert to the whole gmina every 3 minutes (from the first minute):
/// how long until the last phone had it.
async fn fan_outs(url: String, token: String, start: Instant, duration: Duration, received: impl Fn() -> usize) -> Result<Vec<(f64, f64)>> {
    let http = reqwest::Client::new();
    let mut done = vec![];
    let every = FAN_OUT_EVERY.min(duration / 3);
    let mut at = Duration::from_secs(30).min(duration / 4);
    while at + Duration::from_secs(30) < duration {
        tokio::time::sleep_until((start + at).into()).await;
        let before = received();
        let sent = Instant::now();
        send_alert(&http, &url, &token).await?;
        while received() < before + PUSH_DEVICES && sent.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = received() - before;
        ensure!(got == PUSH_DEVICES, "the alert at {:.0} s reached {got} of {PUSH_DEVICES} phones", at.as_secs_f64());
        done.push((start.elapsed().as_secs_f64(), sent.elapsed().as_secs_f64()));
        at += every;
    }
    Ok(done)
}

/// An official's alert to the whole gmina (every registered phone).
async fn send_alert(http: &reqwest::Client, url: &str, token: &str) -> Result<()> {
    let r = http
        .post(format!("{url}/api/v1/notifications"))
        .bearer_auth(token)
        .json(&json!({"title": "Komunikat: przerwa w dostawie wody", "body": "Test długotrwały: przerwa w dostawie wody do 14:00.", "topic": "alerts"}))
        .send()
        .await?;
    ensure!(r.status() == 201, "an alert: {}", r.status());
    Ok(())
}

/// Acknowledged writes not in the database (the server stopped).
fn missing_writes(db: &Path, reports: &[i64], ballots: &[i64]) -> Result<Vec<String>> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut missing = vec![];
    for (table, ids) in [("reports", reports), ("budget_ballots", ballots)] {
        let mut q = conn.prepare(&format!("SELECT count(*) FROM {table} WHERE id = ?1"))?;
        for id in ids {
            let n: i64 = q.query_row([id], |r| r.get(0))?;
            if n != 1 {
                missing.push(format!("{table} {id}"));
            }
        }
    }
    Ok(missing)
}

/// The first 10 % of the run, at least 30 s, is not judged.
fn warm_up_seconds(seconds: u64) -> f64 {
    (seconds as f64 * 0.1).max(30.0)
}

/// Prints the figures; returns what failed.
/// The figures, and what failed. `at_rest`: the server's open files at
/// rest before the load and once it stopped ([`at_rest`]).
fn report(
    samples: &[Sample],
    fan_outs: &[(f64, f64)],
    warm_up_s: f64,
    acknowledged: (usize, usize),
    missing: &[String],
    at_rest: (usize, usize),
) -> Vec<String> {
    let mut failures = vec![];
    let after: Vec<&Sample> = samples.iter().filter(|s| s.at_s > warm_up_s).collect();
    let half = after.len() / 2;
    let second_half = &after[half..];
    let hours = |s: &Sample| s.at_s / 3600.0;
    let rss_slope = slope(second_half.iter().map(|s| (hours(s), s.rss_mb)));
    let anon_slope = slope(second_half.iter().map(|s| (hours(s), s.anon_mb)));
    let file_slope = slope(second_half.iter().map(|s| (hours(s), s.file_mb)));
    let db_slope = slope(second_half.iter().map(|s| (hours(s), s.db_mb)));
    let files_slope = slope(second_half.iter().map(|s| (hours(s), s.open_files as f64)));
    let done: usize = samples.iter().map(|s| s.done).sum();
    let errors: usize = samples.iter().map(|s| s.errors).sum();
    let first_5: Vec<&Sample> = after.iter().copied().filter(|s| s.at_s <= warm_up_s + 300.0).collect();
    let last_end = samples.last().map(|s| s.at_s).unwrap_or(0.0);
    let last_5: Vec<&Sample> = after.iter().copied().filter(|s| s.at_s > last_end - 300.0).collect();
    let max = |v: &[&Sample], f: fn(&Sample) -> f64| v.iter().map(|s| f(s)).fold(0.0, f64::max);
    let median_of = |v: &[&Sample], f: fn(&Sample) -> f64| {
        let mut x: Vec<f64> = v.iter().map(|s| f(s)).collect();
        quantile(&mut x, 0.5)
    };
    println!("figures (after a warm-up of {:.0} s):", warm_up_s);
    println!("  requests answered: {done}, errors: {errors}");
    println!(
        "  RSS: {:.1} MB after the warm-up, {:.1} MB at the end, peak {:.1} MB; slope over the second half {rss_slope:+.1} MB/h",
        after.first().map(|s| s.rss_mb).unwrap_or(0.0),
        after.last().map(|s| s.rss_mb).unwrap_or(0.0),
        samples.iter().map(|s| s.rss_mb).fold(0.0, f64::max)
    );
    let (first, last) = (after.first().copied(), after.last().copied());
    let ends = |f: fn(&Sample) -> f64| (first.map(f).unwrap_or(0.0), last.map(f).unwrap_or(0.0));
    let ((a0, a1), (f0, f1), (d0, d1)) = (ends(|s| s.anon_mb), ends(|s| s.file_mb), ends(|s| s.db_mb));
    println!(
        "  of which private (RssAnon) {a0:.1} -> {a1:.1} MB, slope {anon_slope:+.1} MB/h; mapped files (RssFile) {f0:.1} -> {f1:.1} MB, slope {file_slope:+.1} MB/h; the database on disk {d0:.1} -> {d1:.1} MB, slope {db_slope:+.1} MB/h"
    );
    // Medians of windows, since sockets of requests in flight come and go.
    let files_first = median_of(&first_5, |s| s.open_files as f64) as usize;
    let files_last = median_of(&last_5, |s| s.open_files as f64) as usize;
    let other = |s: &Sample| s.open_files.saturating_sub(s.served + s.outgoing) as f64;
    let (other_first, other_last) = (median_of(&first_5, other) as usize, median_of(&last_5, other) as usize);
    println!(
        "  open files (median of the first and of the last 5 min): {files_first}, then {files_last}; most {}; slope over the second half {files_slope:+.1} per hour",
        samples.iter().map(|s| s.open_files).max().unwrap_or(0)
    );
    println!(
        "    of them sockets served (median, first and last 5 min) {} and {}, opened {} and {}, other files {other_first} and {other_last}; at rest {} before the load, {} after",
        median_of(&first_5, |s| s.served as f64),
        median_of(&last_5, |s| s.served as f64),
        median_of(&first_5, |s| s.outgoing as f64),
        median_of(&last_5, |s| s.outgoing as f64),
        at_rest.0,
        at_rest.1
    );
    println!(
        "  threads: {} to {}; the load's requests in flight (median, first and last 5 min) {} and {}, most {}",
        samples.iter().map(|s| s.threads).min().unwrap_or(0),
        samples.iter().map(|s| s.threads).max().unwrap_or(0),
        median_of(&first_5, |s| s.in_flight as f64),
        median_of(&last_5, |s| s.in_flight as f64),
        samples.iter().map(|s| s.in_flight).max().unwrap_or(0)
    );
    println!(
        "  p50 / p99 (median of the 10-s windows): first 5 min {:.1} / {:.1} ms, last 5 min {:.1} / {:.1} ms; worst window p99 {:.1} ms",
        median_of(&first_5, |s| s.p50_ms),
        median_of(&first_5, |s| s.p99_ms),
        median_of(&last_5, |s| s.p50_ms),
        median_of(&last_5, |s| s.p99_ms),
        max(&after, |s| s.p99_ms)
    );
    let mut kinds = String::new();
    for (kind, _) in MIX {
        let mut v: Vec<f64> = after.iter().filter_map(|s| s.p99_by_kind.get(&kind).copied()).collect();
        let _ = write!(kinds, " {} {:.0} ms;", kind.name(), quantile(&mut v, 0.5));
    }
    println!("  p99 per kind (median of windows):{kinds}");
    println!(
        "  alerts to {PUSH_DEVICES} phones: {} sent, each received everywhere in {}",
        fan_outs.len(),
        fan_outs.iter().map(|(_, took)| format!("{took:.1} s")).collect::<Vec<_>>().join(", ")
    );
    println!("  acknowledged: {} reports with a photo, {} ballots; missing from the database: {}", acknowledged.0, acknowledged.1, missing.len());
    if errors > 0 {
        failures.push(format!("{errors} requests failed"));
    }
    if !missing.is_empty() {
        failures.push(format!("acknowledged writes missing: {}", missing.iter().take(5).cloned().collect::<Vec<_>>().join(", ")));
    }
    let p99_last = median_of(&last_5, |s| s.p99_ms);
    if p99_last > STEP_P99_MS {
        failures.push(format!("the server fell behind: p99 {p99_last:.0} ms in the last 5 minutes (a calibration step holds under {STEP_P99_MS:.0} ms)"));
    }
    if other_last > other_first + OTHER_FILES_GROWTH {
        failures.push(format!("open files other than sockets grew from {other_first} to {other_last}"));
    }
    if at_rest.1 > at_rest.0 + AT_REST_SLACK {
        failures.push(format!("open files at rest: {} before the load, {} after it", at_rest.0, at_rest.1));
    }
    if fan_outs.is_empty() {
        failures.push("no alert was sent".into());
    }
    failures
}

fn write_csv(path: &Path, samples: &[Sample]) -> Result<()> {
    let mut out = String::from("seconds,rss_mb,rss_anon_mb,rss_file_mb,db_mb,open_files,sockets_served,sockets_opened,threads,in_flight,done,errors,p50_ms,p99_ms,server_cpu_ms_per_request,load_cpu_ms_per_request");
    for (kind, _) in MIX {
        let _ = write!(out, ",p99_{}_ms", kind.name());
    }
    out.push('\n');
    for s in samples {
        let _ = write!(
            out,
            "{:.0},{:.1},{:.1},{:.1},{:.1},{},{},{},{},{},{},{},{:.2},{:.2},{:.3},{:.3}",
            s.at_s, s.rss_mb, s.anon_mb, s.file_mb, s.db_mb, s.open_files, s.served, s.outgoing, s.threads, s.in_flight, s.done, s.errors, s.p50_ms, s.p99_ms, s.server_cpu_ms, s.load_cpu_ms
        );
        for (kind, _) in MIX {
            let _ = write!(out, ",{:.2}", s.p99_by_kind.get(&kind).copied().unwrap_or(f64::NAN));
        }
        out.push('\n');
    }
    std::fs::write(path, out)?;
    Ok(())
}

/// A line of a panel: its name, colour and values (one per sample).
type Series<'a> = (&'a str, &'a str, Vec<f64>);

/// Three panels over time (RSS, open files, p50 and p99), drawn by hand:
/// a few polylines need no plotting library.
fn svg(samples: &[Sample], rate: f64, seconds: u64) -> String {
    const W: f64 = 880.0;
    const PANEL: f64 = 170.0;
    const LEFT: f64 = 70.0;
    const TOP: f64 = 50.0;
    const GAP: f64 = 45.0;
    let end = samples.last().map(|s| s.at_s).unwrap_or(1.0).max(1.0);
    let x = |t: f64| LEFT + t / end * (W - LEFT - 20.0);
    let mut out = String::new();
    let height = TOP + 3.0 * (PANEL + GAP) + 10.0;
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}" font-family="sans-serif" font-size="12">
<title>mm-soak: {minutes:.0} min at {rate:.0} requests/s</title>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="{LEFT}" y="24" font-size="15" fill="#111111">mm-soak: {minutes:.0} min of mixed load at {rate:.0} requests/s (70 % of the measured maximum), a sample every 10 s</text>
"##,
        minutes = seconds as f64 / 60.0
    );
    let panels: [(&str, Vec<Series<'_>>); 3] = [
        (
            "server memory and database (MB)",
            vec![
                ("VmRSS", "#1f5fa8", samples.iter().map(|s| s.rss_mb).collect()),
                ("private", "#00838f", samples.iter().map(|s| s.anon_mb).collect()),
                ("mapped", "#ef6c00", samples.iter().map(|s| s.file_mb).collect()),
                ("db file", "#555555", samples.iter().map(|s| s.db_mb).collect()),
            ],
        ),
        ("open files", vec![("/proc/PID/fd", "#2e7d32", samples.iter().map(|s| s.open_files as f64).collect())]),
        (
            "latency (ms, from the due time)",
            vec![("p50", "#6a1b9a", samples.iter().map(|s| s.p50_ms).collect()), ("p99", "#c62828", samples.iter().map(|s| s.p99_ms).collect())],
        ),
    ];
    for (i, (label, series)) in panels.iter().enumerate() {
        let top = TOP + i as f64 * (PANEL + GAP);
        let max = series.iter().flat_map(|(_, _, v)| v.iter().copied()).filter(|v| v.is_finite()).fold(0.0, f64::max);
        let y_max = nice_ceiling(max * 1.1);
        let y = |v: f64| top + PANEL - v / y_max * PANEL;
        let _ = write!(
            out,
            r##"<text x="{LEFT}" y="{}" fill="#111111">{label}</text>
<rect x="{LEFT}" y="{top}" width="{}" height="{PANEL}" fill="none" stroke="#777777"/>
"##,
            top - 6.0,
            W - LEFT - 20.0
        );
        for step in 0..=4 {
            let v = y_max * f64::from(step) / 4.0;
            let _ = writeln!(
                out,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" text-anchor="end" fill="#333333">{v:.0}</text>"##,
                W - 20.0,
                LEFT - 6.0,
                y(v) + 4.0,
                y = y(v)
            );
        }
        for (j, (name, colour, values)) in series.iter().enumerate() {
            let points: Vec<String> = samples
                .iter()
                .zip(values)
                .filter(|(_, v)| v.is_finite())
                .map(|(s, v)| format!("{:.1},{:.1}", x(s.at_s), y(*v)))
                .collect();
            let _ = writeln!(out, r##"<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{}"/>"##, points.join(" "));
            let _ = writeln!(
                out,
                r##"<text x="{}" y="{}" fill="{colour}" text-anchor="end">{name}</text>"##,
                W - 26.0 - j as f64 * 70.0,
                top + 16.0
            );
        }
        // Minutes along the bottom of each panel.
        let step = (end / 60.0 / 6.0).ceil().max(1.0);
        let mut m = 0.0;
        while m * 60.0 <= end {
            let _ = writeln!(
                out,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#333333">{m:.0} min</text>"##,
                x(m * 60.0),
                top + PANEL + 15.0
            );
            m += step;
        }
    }
    out.push_str("</svg>\n");
    out
}

/// 1, 2 or 5 times a power of ten, at least `v`.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|c| *c >= v).unwrap_or(10.0 * p)
}

/// Least-squares slope of y over x.
fn slope(points: impl Iterator<Item = (f64, f64)>) -> f64 {
    let p: Vec<(f64, f64)> = points.collect();
    let n = p.len() as f64;
    if p.len() < 2 {
        return 0.0;
    }
    let (mx, my) = (p.iter().map(|q| q.0).sum::<f64>() / n, p.iter().map(|q| q.1).sum::<f64>() / n);
    let (num, den) = p.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + (x - mx) * (y - my), b + (x - mx) * (x - mx)));
    if den == 0.0 { 0.0 } else { num / den }
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

/// CPU time a process has used (user and system, `/proc/PID/stat` fields
/// 14 and 15, in clock ticks of 10 ms: `getconf CLK_TCK` is 100 on Linux).
fn cpu_ms(pid: &str) -> f64 {
    cpu_ms_of(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
}

fn cpu_ms_of(stat: &str) -> f64 {
    // The command name (field 2) may hold spaces; the fields after it may not.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // `after_name` starts at field 3, so fields 14 and 15 are its 11th and 12th.
    (ticks(11) + ticks(12)) * 10.0
}

/// A `/proc/PID/status` figure (kB, or a count).
fn kb(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .and_then(|l| l[field.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `from`'s files (the data directory is flat but for `photos/…`), copied.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|_| anyhow::anyhow!("{name}={v} is not a number")),
        Err(_) => Ok(default),
    }
}

/// A process's open files, and which of them are TCP sockets on the
/// server's port (connections it serves) or on another (ones it opened).
#[derive(Default)]
struct OpenFiles {
    total: usize,
    served: usize,
    outgoing: usize,
}

fn open_files(pid: u32, port: u16) -> OpenFiles {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return OpenFiles::default();
    };
    // The socket inodes' local ports (proc(5), /proc/net/tcp: `local_address`
    // is ADDR:PORT in hex, the inode the tenth column).
    let mut local_port: BTreeMap<u64, u16> = BTreeMap::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let port = cols.get(1).and_then(|a| a.rsplit(':').next()).and_then(|p| u16::from_str_radix(p, 16).ok());
            if let (Some(port), Some(inode)) = (port, cols.get(9).and_then(|i| i.parse().ok())) {
                local_port.insert(inode, port);
            }
        }
    }
    let mut out = OpenFiles::default();
    for fd in fds.flatten() {
        out.total += 1;
        let target = std::fs::read_link(fd.path()).unwrap_or_default();
        let inode = target.to_str().and_then(|t| t.strip_prefix("socket:[")).and_then(|t| t.strip_suffix(']')).and_then(|i| i.parse().ok());
        match inode.and_then(|i| local_port.get(&i)) {
            Some(p) if *p == port => out.served += 1,
            Some(_) => out.outgoing += 1,
            None => {}
        }
    }
    out
}

fn server_port(url: &str) -> Result<u16> {
    url.rsplit(':').next().and_then(|p| p.trim_end_matches('/').parse().ok()).with_context(|| format!("no port in {url}"))
}

/// The server's open files once the load has stopped: polled until they
/// are back within [`AT_REST_SLACK`] of `before`, for [`AT_REST_WAIT`] at
/// most (the load's clients close idle connections after [`CLIENT_IDLE`],
/// the push clients after 90 s).
async fn at_rest(pid: u32, port: u16, before: usize) -> usize {
    let until = Instant::now() + AT_REST_WAIT;
    loop {
        let now = open_files(pid, port).total;
        if now <= before + AT_REST_SLACK || Instant::now() >= until {
            return now;
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_s: f64, rss_mb: f64, open_files: usize, errors: usize) -> Sample {
        Sample {
            at_s,
            rss_mb,
            anon_mb: rss_mb * 0.6,
            file_mb: rss_mb * 0.4,
            db_mb: 20.0,
            open_files,
            served: 0,
            outgoing: 0,
            threads: 10,
            in_flight: 3,
            server_cpu_ms: 0.3,
            load_cpu_ms: 0.1,
            done: 100,
            errors,
            p50_ms: 2.0,
            p99_ms: 20.0,
            p99_by_kind: BTreeMap::new(),
        }
    }

    #[test]
    fn cpu_time_is_read_past_a_command_name_with_spaces_and_grows_with_work() {
        let before = cpu_ms("self");
        let mut x = 0u64;
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(300) {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let spent = cpu_ms("self") - before;
        assert!((200.0..2_000.0).contains(&spent), "300 ms of work counted as {spent} ms");
        // utime 250 and stime 50 ticks, after a name with a space and a parenthesis.
        assert_eq!(cpu_ms_of("42 (tokio (rt) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0"), 3_000.0);
    }

    #[test]
    fn open_files_tell_the_sockets_served_from_those_opened() {
        let pid = std::process::id();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let before = open_files(pid, port);
        let client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let after = open_files(pid, port);
        // The listener was there before; the accepted end is on its port,
        // the client's end on another.
        assert_eq!((before.served, after.served), (1, 2));
        assert_eq!(after.outgoing, before.outgoing + 1);
        assert_eq!(after.total, before.total + 2);
        assert_eq!(server_port("http://127.0.0.1:8080").unwrap(), 8080);
        drop((client, accepted));
    }

    #[test]
    fn the_mix_keeps_its_weights() {
        let mut counts: BTreeMap<Kind, u32> = BTreeMap::new();
        for n in 0..100_000 {
            *counts.entry(Kind::nth(n)).or_default() += 1;
        }
        for (kind, weight) in MIX {
            let per_mille = f64::from(counts.get(&kind).copied().unwrap_or(0)) / 100.0;
            assert!((per_mille - f64::from(weight)).abs() < 5.0, "{kind:?}: {per_mille} ‰ against {weight} ‰");
        }
        // Interleaved, not in runs: the first 20 requests hold four kinds or more.
        let first: std::collections::BTreeSet<Kind> = (0..20).map(Kind::nth).collect();
        assert!(first.len() >= 4, "{first:?}");
    }

    #[test]
    fn a_growing_series_has_a_slope_and_a_flat_one_none() {
        let growing = (0..10).map(|i| (f64::from(i) / 6.0, 100.0 + 12.0 * f64::from(i) / 6.0));
        assert!((slope(growing) - 12.0).abs() < 1e-9);
        assert_eq!(slope((0..10).map(|i| (f64::from(i), 50.0))), 0.0);
        assert_eq!(nice_ceiling(137.0), 200.0);
        assert_eq!(nice_ceiling(0.7), 1.0);
    }

    #[test]
    fn a_step_holds_only_without_errors_with_a_bounded_p99_and_the_rate_done() {
        let answered = |latency_ms: f64, error: Option<&str>| Outcome { kind: Kind::SyncCursor, latency_ms, error: error.map(str::to_owned) };
        // 1,000 answers in 10 s at 100/s offered, p99 20 ms: holds.
        let good: Vec<Outcome> = (0..1000).map(|i| answered(5.0 + (i % 100) as f64 * 0.2, None)).collect();
        assert!(StepVerdict::of(&good, 10.0).holds(100.0));
        // The same answers draining for 12 s: 83/s done of 100 offered.
        assert!(!StepVerdict::of(&good, 12.0).holds(100.0));
        // A backlog: the last 2 % waited over a second.
        let slow: Vec<Outcome> = (0..1000).map(|i| answered(if i >= 980 { 1500.0 } else { 5.0 }, None)).collect();
        assert!(!StepVerdict::of(&slow, 10.0).holds(100.0));
        // One error is enough.
        let mut failed: Vec<Outcome> = (0..999).map(|_| answered(5.0, None)).collect();
        failed.push(answered(5.0, Some("503 overloaded")));
        assert!(!StepVerdict::of(&failed, 10.0).holds(100.0));
    }

    #[test]
    fn errors_lost_writes_and_leaking_files_fail_the_soak() {
        let flat: Vec<Sample> = (1..=60).map(|i| sample(f64::from(i) * 10.0, 120.0, 40, 0)).collect();
        let alerts = [(100.0, 1.5)];
        let rest = (30, 45);
        assert!(report(&flat, &alerts, 60.0, (10, 10), &[], rest).is_empty());
        let mut failing = flat.clone();
        failing[30].errors = 1;
        assert_eq!(report(&failing, &alerts, 60.0, (10, 10), &[], rest).len(), 1);
        assert_eq!(report(&flat, &alerts, 60.0, (10, 10), &["reports 7".into()], rest).len(), 1);
        // Files other than sockets growing under load.
        let leaking: Vec<Sample> = (1..=60).map(|i| sample(f64::from(i) * 10.0, 120.0, 40 + i as usize * 4, 0)).collect();
        assert_eq!(report(&leaking, &alerts, 60.0, (10, 10), &[], rest).len(), 1);
        // Sockets growing with the connections in use are the load's, as
        // long as they go when it goes.
        let busier: Vec<Sample> = (1..=60)
            .map(|i| Sample { served: i as usize * 4, ..sample(f64::from(i) * 10.0, 120.0, 40 + i as usize * 4, 0) })
            .collect();
        assert!(report(&busier, &alerts, 60.0, (10, 10), &[], rest).is_empty());
        assert_eq!(report(&busier, &alerts, 60.0, (10, 10), &[], (30, 81)).len(), 1, "sockets kept after the load");
        assert_eq!(report(&flat, &[], 60.0, (10, 10), &[], rest).len(), 1, "no alert sent");
        // Fell behind: the last 5 minutes' windows wait seconds.
        let behind: Vec<Sample> = (1..=60)
            .map(|i| Sample { p99_ms: if i > 40 { 5000.0 } else { 20.0 }, ..sample(f64::from(i) * 10.0, 120.0, 40, 0) })
            .collect();
        assert_eq!(report(&behind, &alerts, 60.0, (10, 10), &[], rest).len(), 1, "fell behind");
        let drawn = svg(&flat, 30.0, 600);
        assert!(drawn.starts_with("<svg") && drawn.trim_end().ends_with("</svg>") && drawn.matches("<polyline").count() == 7);
    }
}

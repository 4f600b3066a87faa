//! Several instances (issue 13, item 3): three `mm-server`s over one
//! PostgreSQL behind a round-robin balancer (`mm_e2e::balancer`), sharing
//! the device token key, the public URL, the write limits and the photo
//! directory. Residents register devices and send reports with photos from
//! several threads, each write retried with its own `Idempotency-Key` until
//! a 2xx; a reader pages `/api/v1/sync` all along. A third of the way in,
//! one instance is killed with SIGKILL. Afterwards: every acknowledged
//! report and device exists exactly once and nothing else was made, every
//! token works, the fake EZD holds one registration per report (the jobs
//! the dead instance had claimed ran elsewhere once their lease ended), and
//! the reader's feed equals a fresh one from cursor 0 (no seq skipped).
//!
//! Needs PostgreSQL: `make test-scale-out` (under `pg_virtualenv`), or
//! `MM_TEST_DATABASE_URL`. Skipped, saying so, without either unless
//! `MM_REQUIRE_POSTGRES` is set.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mm_e2e::balancer::Balancer;
use mm_e2e::fake_ezd::{FakeEzd, Fault};
use mm_e2e::Server;
use serde_json::{Value, json};

const INSTANCES: usize = 3;
const THREADS: usize = 4;
const DEVICES_PER_THREAD: usize = 8;
const REPORTS_PER_DEVICE: usize = 3;
/// Short enough for the test to see the dead instance's jobs run again,
/// far longer than a registration takes (about a second: the fake answers
/// each request after 150 ms).
const JOB_LEASE_SECS: &str = "8";
/// The instance killed mid-load (not the one that loaded the demo, so the
/// kill is of a plain peer).
const KILLED: usize = 1;

// ---------------------------------------------------------------- database

/// A fresh database on the configured PostgreSQL, dropped at the end.
struct TestDatabase {
    url: String,
    name: String,
    admin: String,
}

impl TestDatabase {
    fn create() -> Option<TestDatabase> {
        let Some(admin) = server_url() else {
            assert!(
                std::env::var_os("MM_REQUIRE_POSTGRES").is_none(),
                "MM_REQUIRE_POSTGRES is set but no PostgreSQL is: set MM_TEST_DATABASE_URL, or run under pg_virtualenv"
            );
            eprintln!("skipped: no PostgreSQL (run `make test-scale-out`, or set MM_TEST_DATABASE_URL)");
            return None;
        };
        let name = format!("mm_scale_out_{}_{}", std::process::id(), chrono::Utc::now().timestamp_micros());
        sql(&admin, &format!("CREATE DATABASE {name}"));
        let mut config = tokio_postgres::Config::from_str(&admin).expect("a valid server URL");
        config.dbname(&name);
        Some(TestDatabase { url: key_values(&config), name, admin })
    }

    /// One number from the test database (a `COUNT(*)`).
    fn count(&self, query: &str) -> i64 {
        query_one(&self.url, query)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| sql(&self.admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)));
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn sql(url: &str, statement: &str) {
    runtime().block_on(async {
        let (client, connection) =
            tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL: {e}"));
        tokio::spawn(connection);
        client.batch_execute(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    });
}

fn query_one(url: &str, query: &str) -> i64 {
    runtime().block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("connect");
        tokio::spawn(connection);
        client.query_one(query, &[]).await.unwrap_or_else(|e| panic!("{query}: {e}")).get(0)
    })
}

/// As `server/tests/common/postgres.rs`: `MM_TEST_DATABASE_URL`, or what
/// `pg_virtualenv` sets (PGHOST, PGPORT, PGUSER, PGPASSWORD).
fn server_url() -> Option<String> {
    if let Ok(url) = std::env::var("MM_TEST_DATABASE_URL") {
        return Some(url);
    }
    let host = std::env::var("PGHOST").ok()?;
    let mut config = tokio_postgres::Config::new();
    config.host(&host).dbname("postgres");
    if let Some(port) = std::env::var("PGPORT").ok().and_then(|p| p.parse().ok()) {
        config.port(port);
    }
    config.user(std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into()));
    if let Ok(password) = std::env::var("PGPASSWORD") {
        config.password(password);
    }
    Some(key_values(&config))
}

/// `Config` as libpq's `key='value' ...` (what `--database` takes too).
fn key_values(c: &tokio_postgres::Config) -> String {
    let quote = |v: &str| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"));
    let mut parts = Vec::new();
    match c.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => parts.push(format!("host={}", quote(h))),
        Some(tokio_postgres::config::Host::Unix(p)) => parts.push(format!("host={}", quote(&p.to_string_lossy()))),
        None => {}
    }
    if let Some(port) = c.get_ports().first() {
        parts.push(format!("port={port}"));
    }
    if let Some(user) = c.get_user() {
        parts.push(format!("user={}", quote(user)));
    }
    if let Some(pw) = c.get_password() {
        parts.push(format!("password={}", quote(&String::from_utf8_lossy(pw))));
    }
    if let Some(db) = c.get_dbname() {
        parts.push(format!("dbname={}", quote(db)));
    }
    parts.join(" ")
}

// ------------------------------------------------------------------ client

/// What the clients went through.
#[derive(Default)]
struct Figures {
    requests: AtomicUsize,
    retries: AtomicUsize,
    connection_errors: AtomicUsize,
    server_errors: AtomicUsize,
    replays: AtomicUsize,
}

/// One connection per request, so the balancer spreads requests (not
/// keep-alive connections) over the instances.
fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// Sends until a 2xx, retrying connection errors, 5xx and 429 with the
/// same request (so the same `Idempotency-Key`) as an app's outbox does.
/// Any other answer fails the test.
fn until_2xx(figures: &Figures, what: &str, send: impl Fn() -> reqwest::Result<reqwest::blocking::Response>) -> (u16, Value) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut attempt = 0;
    loop {
        figures.requests.fetch_add(1, Ordering::Relaxed);
        if attempt > 0 {
            figures.retries.fetch_add(1, Ordering::Relaxed);
        }
        attempt += 1;
        let answer = send().and_then(|r| {
            let status = r.status().as_u16();
            r.text().map(|t| (status, t))
        });
        match answer {
            Ok((status, body)) if (200..300).contains(&status) => {
                return (status, serde_json::from_str(&body).unwrap_or(Value::Null));
            }
            Ok((status, _)) if status >= 500 || status == 429 => {
                figures.server_errors.fetch_add(1, Ordering::Relaxed);
            }
            Ok((status, body)) => panic!("{what}: {status} {body}"),
            Err(_) => {
                figures.connection_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        assert!(Instant::now() < deadline, "{what}: no 2xx within 120 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A small PNG, different for every `n` (photos are content-addressed).
fn photo(n: usize) -> Vec<u8> {
    let img = image::RgbImage::from_fn(24, 24, |x, y| {
        image::Rgb([(n % 251) as u8, (n / 251) as u8 ^ (x as u8), (y as u8).wrapping_mul(7)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A device and the reports it had acknowledged.
struct Acknowledged {
    device_id: String,
    token: String,
    /// description marker -> report id
    reports: Vec<(String, i64)>,
}

/// One resident thread: registers its devices, then sends each device's
/// reports with a photo. `acked` counts acknowledged writes for the kill.
fn resident(url: &str, thread: usize, figures: &Figures, acked: &AtomicUsize) -> Vec<Acknowledged> {
    let http = client();
    let mut out = Vec::new();
    for d in 0..DEVICES_PER_THREAD {
        let key = format!("scale-out-device-{thread}-{d}");
        let (_, dev) = until_2xx(figures, "device registration", || {
            http.post(format!("{url}/api/v1/devices"))
                .header("idempotency-key", &key)
                .json(&json!({"platform": "cli", "app_version": "1.0.0"}))
                .send()
        });
        acked.fetch_add(1, Ordering::SeqCst);
        let token = dev["token"].as_str().expect("a token").to_owned();
        let device_id = dev["device_id"].as_str().expect("a device id").to_owned();
        let mut reports = Vec::new();
        for r in 0..REPORTS_PER_DEVICE {
            let n = (thread * DEVICES_PER_THREAD + d) * REPORTS_PER_DEVICE + r;
            let bytes = photo(n);
            let (_, up) = until_2xx(figures, "photo upload", || {
                http.post(format!("{url}/api/v1/photos"))
                    .bearer_auth(&token)
                    .header("content-type", "image/png")
                    .body(bytes.clone())
                    .send()
            });
            acked.fetch_add(1, Ordering::SeqCst);
            let photo_id = up["photo_id"].as_str().expect("a photo id").to_owned();
            let marker = format!("znacznik-so-{n:04}");
            let key = format!("scale-out-report-{n}");
            let body = json!({"category": "street_lamp", "point": {"lat": 51.0335, "lon": 17.15},
                "description": format!("Latarnia nie świeci ({marker})"), "answers": {"kind": "not_lit"},
                "photo_ids": [photo_id]});
            let (status, report) = until_2xx(figures, "report", || {
                http.post(format!("{url}/api/v1/reports")).bearer_auth(&token).header("idempotency-key", &key).json(&body).send()
            });
            if status != 201 {
                figures.replays.fetch_add(1, Ordering::Relaxed);
            }
            acked.fetch_add(1, Ordering::SeqCst);
            reports.push((marker, report["id"].as_i64().expect("a report id")));
        }
        out.push(Acknowledged { device_id, token, reports });
    }
    out
}

/// Everything a sync reader saw: seq -> change, in the order received.
#[derive(Default)]
struct Feed {
    changes: BTreeMap<u64, Value>,
    cursor: String,
    pages: usize,
}

/// Pages from the feed's cursor until no more; seqs must only grow.
fn catch_up(url: &str, http: &reqwest::blocking::Client, figures: &Figures, feed: &mut Feed) {
    loop {
        let cursor = feed.cursor.clone();
        let (_, page) = until_2xx(figures, "sync", || http.get(format!("{url}/api/v1/sync?cursor={cursor}&limit=40")).send());
        feed.pages += 1;
        for change in page["changes"].as_array().expect("changes") {
            let seq = change["seq"].as_u64().expect("a seq");
            let last = feed.changes.keys().next_back().copied().unwrap_or(0);
            assert!(seq > last, "the feed went back: seq {seq} after {last}");
            feed.changes.insert(seq, change.clone());
        }
        feed.cursor = page["next_cursor"].as_str().expect("next_cursor").to_owned();
        if !page["has_more"].as_bool().unwrap_or(false) {
            return;
        }
    }
}

fn wait(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

// -------------------------------------------------------------------- test

#[test]
fn three_instances_one_killed_lose_nothing_duplicate_nothing_and_keep_the_feed_whole() {
    let Some(db) = TestDatabase::create() else { return };
    let shared = tempfile::tempdir().unwrap();
    let photos = shared.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let fake = FakeEzd::start();
    // Registrations take a while, so the killed instance is likely in the
    // middle of some when it dies.
    fake.set_fault(Fault::Slow(Duration::from_millis(150)));
    let credentials = fake.credentials_file(shared.path()).display().to_string();

    // The balancer's address is every instance's public URL, so the
    // instances' ports are chosen first (free ones, released at once).
    let addrs: Vec<String> = (0..INSTANCES)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string())
        .collect();
    let balancer = Balancer::start(&addrs.iter().map(|a| format!("http://{a}")).collect::<Vec<_>>()).unwrap();
    let env: Vec<(String, String)> = vec![
        ("MM_DATABASE_URL".into(), db.url.clone()),
        ("MM_DEVICE_TOKEN_KEY".into(), "5c".repeat(32)),
        ("MM_PUBLIC_URL".into(), balancer.url.clone()),
        ("MM_SHARED_LIMITS".into(), "1".into()),
        ("MM_PHOTOS".into(), photos.display().to_string()),
        ("MM_RATE_DEVICE_PER_HOUR".into(), "1000000".into()),
        ("MM_RATE_IP_PER_HOUR".into(), "1000000".into()),
        ("MM_RATE_REGISTRATIONS_PER_HOUR".into(), "1000000".into()),
        ("MM_JOB_LEASE_SECS".into(), JOB_LEASE_SECS.into()),
        ("MM_EZD".into(), "rp-api".into()),
        ("MM_EZD_URL".into(), fake.url.clone()),
        ("MM_EZD_CREDENTIALS".into(), credentials),
        ("MM_EZD_RETRY_BASE_MS".into(), "50".into()),
        ("MM_EZD_RETRY_MAX_MS".into(), "400".into()),
        ("MM_EZD_MAX_ATTEMPTS".into(), "1000".into()),
        ("MM_EZD_TIMEOUT_MS".into(), "3000".into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dirs: Vec<tempfile::TempDir> = (0..INSTANCES).map(|_| tempfile::tempdir().unwrap()).collect();
    // The demo load is not safe twice at once: the first instance loads
    // it and listens before the others start.
    let mut servers: Vec<Option<Server>> = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        servers.push(Some(Server::start_at(dir.path(), i == 0, &addrs[i], &env).expect("an instance starts")));
    }
    let url = balancer.url.clone();
    let devices_before = db.count("SELECT COUNT(*) FROM devices");
    let reports_before = db.count("SELECT COUNT(*) FROM reports");
    let photos_before = db.count("SELECT COUNT(*) FROM photos");

    let figures = Arc::new(Figures::default());
    let acked = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let total_writes = THREADS * DEVICES_PER_THREAD * (1 + 2 * REPORTS_PER_DEVICE);

    // The reader pages the feed the whole time.
    let reader = {
        let (url, figures, done) = (url.clone(), figures.clone(), done.clone());
        std::thread::spawn(move || {
            let http = client();
            let mut feed = Feed { cursor: "0".into(), ..Feed::default() };
            while !done.load(Ordering::SeqCst) {
                catch_up(&url, &http, &figures, &mut feed);
                std::thread::sleep(Duration::from_millis(20));
            }
            feed
        })
    };
    let residents: Vec<_> = (0..THREADS)
        .map(|t| {
            let (url, figures, acked) = (url.clone(), figures.clone(), acked.clone());
            std::thread::spawn(move || resident(&url, t, &figures, &acked))
        })
        .collect();

    // A third of the way in: kill -9.
    let deadline = Instant::now() + Duration::from_secs(300);
    while acked.load(Ordering::SeqCst) < total_writes / 3 {
        assert!(Instant::now() < deadline, "a third of the writes took over 300 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    let served_at_kill = balancer.served();
    let at_kill = acked.load(Ordering::SeqCst);
    servers[KILLED].take().unwrap().kill9();
    let started = Instant::now();

    let acknowledged: Vec<Acknowledged> = residents.into_iter().flat_map(|h| h.join().expect("a resident thread")).collect();
    let load_took = started.elapsed();
    let served = balancer.served();

    // ---- every acknowledged report exactly once, nothing else made
    let reports: HashMap<String, i64> = acknowledged.iter().flat_map(|a| a.reports.iter().cloned()).collect();
    let report_ids: HashSet<i64> = reports.values().copied().collect();
    assert_eq!(reports.len(), THREADS * DEVICES_PER_THREAD * REPORTS_PER_DEVICE);
    assert_eq!(report_ids.len(), reports.len(), "two acknowledgements named one report");
    let http = client();
    let mut listed: Vec<Value> = Vec::new();
    for page in 1.. {
        let (_, items) = until_2xx(&figures, "report list", || {
            http.get(format!("{url}/api/v1/reports?page={page}&page_size=200")).send()
        });
        let items = items.as_array().expect("a list").clone();
        if items.is_empty() {
            break;
        }
        listed.extend(items);
    }
    let mut by_marker: HashMap<String, Vec<i64>> = HashMap::new();
    for r in &listed {
        let description = r["description"].as_str().unwrap_or("");
        if let Some(at) = description.find("znacznik-so-") {
            let marker = description[at..].trim_end_matches(')').to_owned();
            by_marker.entry(marker).or_default().push(r["id"].as_i64().unwrap());
        }
    }
    for (marker, id) in &reports {
        assert_eq!(by_marker.get(marker), Some(&vec![*id]), "report {marker} listed once, as acknowledged");
    }
    assert_eq!(by_marker.len(), reports.len(), "reports nobody acknowledged were listed");
    assert_eq!(
        db.count("SELECT COUNT(*) FROM reports") - reports_before,
        reports.len() as i64,
        "the database holds exactly the acknowledged reports"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM photos") - photos_before,
        reports.len() as i64,
        "one photo per report"
    );

    // ---- every acknowledged device exactly once, and its token works
    let device_ids: HashSet<&str> = acknowledged.iter().map(|a| a.device_id.as_str()).collect();
    assert_eq!(device_ids.len(), THREADS * DEVICES_PER_THREAD, "two registrations got one device");
    assert_eq!(
        db.count("SELECT COUNT(*) FROM devices") - devices_before,
        device_ids.len() as i64,
        "the database holds exactly the acknowledged devices"
    );
    for a in &acknowledged {
        let (_, mine) = until_2xx(&figures, "my reports", || {
            http.get(format!("{url}/api/v1/reports/mine")).bearer_auth(&a.token).send()
        });
        let mut ids: Vec<i64> = mine.as_array().expect("a list").iter().map(|r| r["id"].as_i64().unwrap()).collect();
        ids.sort_unstable();
        let mut expected: Vec<i64> = a.reports.iter().map(|(_, id)| *id).collect();
        expected.sort_unstable();
        assert_eq!(ids, expected, "the device's token finds exactly its reports");
    }

    // ---- one EZD registration per report, the dead instance's included
    fake.set_fault(Fault::None);
    wait("the job queue to drain", 90, || {
        db.count("SELECT COUNT(*) FROM jobs WHERE state <> 'done'") == 0 && fake.rpw().len() >= reports.len()
    });
    std::thread::sleep(Duration::from_millis(500));
    let rpw = fake.rpw();
    let titles: HashSet<&str> = rpw.iter().map(|e| e.tytul.as_str()).collect();
    assert_eq!(titles.len(), rpw.len(), "an RPW entry twice");
    let registered: HashSet<i64> = rpw
        .iter()
        .map(|e| e.tytul.strip_prefix("MM-ZGL-").and_then(|t| t.split('-').next()).and_then(|id| id.parse().ok()).expect("our reference"))
        .collect();
    assert_eq!(registered, report_ids, "every report registered, nothing else");
    assert_eq!(rpw.len(), reports.len(), "one registration per report");
    assert!(rpw.iter().all(|e| e.zalaczniki.len() == 1), "each registration carries the report's photo");
    assert_eq!(fake.violations(), Vec::<String>::new());
    let searches = fake.requests().iter().filter(|(m, p)| m == "POST" && p.ends_with("/rpw/_search")).count();

    // ---- the reader's feed has every seq it passed
    done.store(true, Ordering::SeqCst);
    let mut feed = reader.join().expect("the reader");
    // Other instances learn a commit by NOTIFY: give it a moment.
    std::thread::sleep(Duration::from_millis(500));
    catch_up(&url, &http, &figures, &mut feed);
    let mut fresh = Feed { cursor: "0".into(), ..Feed::default() };
    catch_up(&url, &http, &figures, &mut fresh);
    let missing: Vec<u64> = fresh.changes.iter().filter(|(seq, c)| feed.changes.get(seq) != Some(c)).map(|(s, _)| *s).collect();
    assert!(missing.is_empty(), "the reader skipped seqs {missing:?} (of {} now in the feed)", fresh.changes.len());
    let synced_reports: HashSet<i64> = fresh
        .changes
        .values()
        .filter(|c| c["item"]["collection"] == "reports")
        .filter_map(|c| c["item"]["data"]["id"].as_i64())
        .collect();
    assert!(report_ids.is_subset(&synced_reports), "every report reached the feed");

    let hit_killed_after = served[KILLED] - served_at_kill[KILLED];
    println!(
        "scale-out: {} instances, {} devices, {} reports with photos; killed instance {} after {} of {} writes; \
         {} requests ({} retries: {} connection errors, {} 5xx/429; {} reports answered by replay); \
         connections per instance {:?} ({} to the killed one before the kill, {} after); load after the kill {:.1} s; \
         {} RPW entries from {} registration searches ({} runs again); reader: {} pages, {} changes, fresh feed {} changes",
        INSTANCES,
        device_ids.len(),
        reports.len(),
        KILLED,
        at_kill,
        total_writes,
        figures.requests.load(Ordering::Relaxed),
        figures.retries.load(Ordering::Relaxed),
        figures.connection_errors.load(Ordering::Relaxed),
        figures.server_errors.load(Ordering::Relaxed),
        figures.replays.load(Ordering::Relaxed),
        served,
        served_at_kill[KILLED],
        hit_killed_after,
        load_took.as_secs_f64(),
        rpw.len(),
        searches,
        searches.saturating_sub(rpw.len()),
        feed.pages,
        feed.changes.len(),
        fresh.changes.len(),
    );
    drop(servers);
}

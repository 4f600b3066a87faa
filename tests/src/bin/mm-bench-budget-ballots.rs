//! `mm-bench-budget-ballots`: ballots accepted durably per second (issue
//! 15: "ballots per second accepted durably (each answered after COMMIT),
//! 16 connections: target ≥ 2,000/s on this machine"). Prints figures;
//! asserts nothing about speed, only that every ballot was answered 201
//! and that the stored tallies are exactly the ballots sent.
//!
//! Each run, on a fresh database:
//! - the gmina added by `mm-server gmina add`, as a deployment adds it;
//! - an edition in the voting phase (PESEL identity, no SMS, approval of
//!   1 to 3 projects, one gmina-wide pool of `PROJECTS` projects), set up
//!   through the server's own store before the server starts, with dated
//!   calls as `demo::budget` does: neither the back office nor the CLI can
//!   create an edition or verify projects yet;
//! - a release `mm-server` (`MM_E2E_PROFILE=release`), `DEVICES` devices
//!   registered through the API (the ballot bucket allows 30 ballots per
//!   device per hour; each device casts `BALLOTS / DEVICES`);
//! - `BALLOTS` distinct voters (checksum-valid, distinct PESELs
//!   generated from a seed), each `POST /api/v1/budget/editions/{id}/ballots`
//!   with a fresh `Idempotency-Key`, over 16 keep-alive connections
//!   (closed loop: each connection sends its next ballot when the last is
//!   answered). The server answers 201 only after the write batch's COMMIT
//!   (SQLite: the group-committing writer with `synchronous=FULL`;
//!   PostgreSQL: the transaction's COMMIT);
//! - ballots/s = ballots answered 201 / the time from the first request to
//!   the last answer; p50, p99 and max latency per ballot; the server's
//!   CPU time per ballot (`/proc/PID/stat`);
//! - then the server is stopped (SIGTERM, exit 0) and the store is opened
//!   again: `tallies` of the pool must equal, project by project, the
//!   choices sent, and `count_input` must hold exactly `BALLOTS` ballots.
//!
//! SQLite first, then PostgreSQL when the bench runs under `pg_virtualenv`
//! (PGHOST set; `make bench-budget-ballots` runs it with `-o fsync=on`);
//! `MM_BENCH_RUNS` runs each (default 3), medians printed.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::{Datelike, Utc};
use mm_e2e::pg::Pg;
use mm_e2e::Server;
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{
    BallotInput, Choice, EditionSettings, IdentityInput, IdentityMode, PhaseDates, Pool, PoolChoice, PoolKind,
    VotingRule,
};
use mm_protocol::taxes::checksums::pesel_valid;
use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
use mm_server::store::{Actor, PostgresStore, SqliteStore, Store};
use serde_json::Value;

const SIECHNICE: &str = "0223083";
/// Connections (the 16).
const CONNS: usize = 16;
/// Projects on the ballot of the one pool.
const PROJECTS: usize = 12;
/// The target, printed beside the figure.
const TARGET: f64 = 2_000.0;

#[tokio::main]
async fn main() -> Result<()> {
    if std::env::var_os("MM_E2E_PROFILE").is_none() {
        // SAFETY: set before any thread of ours reads the environment.
        unsafe { std::env::set_var("MM_E2E_PROFILE", "release") };
    }
    let ballots: usize = env_number("MM_BENCH_BALLOTS", 20_000)?.max(CONNS);
    let runs: usize = env_number("MM_BENCH_RUNS", 3)?.max(1);
    let per_device: usize = 20;
    let voters = Voters::new(ballots);
    println!(
        "{ballots} ballots of distinct voters (checksum-valid PESELs), 1–3 of {PROJECTS} projects each, \
         {} devices ({per_device} ballots each), {CONNS} connections; machine: {} cores, load average {}",
        ballots.div_ceil(per_device),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        load_average()
    );
    let pg = Pg::from_env();
    let mut backends = vec![Backend::Sqlite];
    match &pg {
        Some(pg) => {
            let admin = pg.client("postgres").await?;
            for setting in ["server_version", "fsync", "synchronous_commit", "shared_buffers"] {
                let v: String = admin.query_one(&format!("SHOW {setting}"), &[]).await?.get(0);
                println!("postgresql {setting} = {v}");
            }
            backends.push(Backend::Postgres);
        }
        None => println!("PostgreSQL skipped: no PGHOST (run under pg_virtualenv: make bench-budget-ballots)"),
    }
    for backend in backends {
        println!("\n== {backend:?} ==");
        let mut figures = vec![];
        for run in 1..=runs {
            let f = one_run(backend, pg.as_ref(), run, &voters, per_device).await?;
            println!(
                "run {run}: {:.0} ballots/s ({} in {:.2} s), p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms; \
                 server CPU {:.0} µs/ballot; tallies equal the ballots sent; load average {}",
                f.rate,
                ballots,
                f.secs,
                f.p50,
                f.p99,
                f.max,
                f.server_cpu_us,
                load_average()
            );
            figures.push(f);
        }
        let med = |pick: fn(&Figures) -> f64| median(figures.iter().map(pick).collect());
        let rates: Vec<String> = figures.iter().map(|f| format!("{:.0}", f.rate)).collect();
        let rate = med(|f| f.rate);
        println!(
            "{backend:?}: median of {runs}: {rate:.0} ballots/s ({}), p50 {:.2} ms, p99 {:.2} ms, server CPU {:.0} µs/ballot \
             (target ≥ {TARGET:.0}/s: {})",
            rates.join(", "),
            med(|f| f.p50),
            med(|f| f.p99),
            med(|f| f.server_cpu_us),
            if rate >= TARGET { "met" } else { "NOT met" }
        );
    }
    println!("machine after: load average {}", load_average());
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Backend {
    Sqlite,
    Postgres,
}

struct Figures {
    rate: f64,
    secs: f64,
    p50: f64,
    p99: f64,
    max: f64,
    server_cpu_us: f64,
}

/// Generous limits for the device and address buckets: the bench measures
/// the store, not the limiter (the ballot bucket, 30 per device per hour,
/// is fixed and kept: each device casts fewer).
const LIMITS: [(&str, &str); 3] = [
    ("MM_RATE_DEVICE_PER_HOUR", "100000000"),
    ("MM_RATE_IP_PER_HOUR", "100000000"),
    ("MM_RATE_REGISTRATIONS_PER_HOUR", "1000000"),
];

async fn one_run(backend: Backend, pg: Option<&Pg>, run: usize, voters: &Voters, per_device: usize) -> Result<Figures> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data)?;
    let db = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            Some(pg.context("no PostgreSQL")?.create_database(&format!("mm_bench_ballots_{run}")).await?)
        }
    };
    // 1. The gmina, as a deployment adds it.
    let mut cmd = Command::new(mm_e2e::bin("mm-server"));
    cmd.arg("--data-dir").arg(&data).args([
        "gmina",
        "add",
        "--teryt",
        SIECHNICE,
        "--name",
        "Siechnice",
        "--powiat",
        "wrocławski",
        "--voivodeship",
        "dolnośląskie",
    ]);
    match &db {
        Some(url) => cmd.env("MM_DATABASE_URL", url),
        None => cmd.env_remove("MM_DATABASE_URL"),
    };
    let out = cmd.output().context("run mm-server gmina add")?;
    if !out.status.success() {
        bail!("mm-server gmina add failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    // 2. The edition in voting, through the store (no API can make one yet).
    let (edition, pool) = {
        let store = open(&data, db.as_deref()).await?;
        let ids = setup_edition(store.as_ref()).await?;
        store.close().await?;
        ids
    };

    // 3. The server and its devices.
    let mut env = LIMITS.to_vec();
    if let Some(url) = &db {
        env.push(("MM_DATABASE_URL", url));
    }
    let server = Server::start_with(&data, false, &env)?;
    let url = server.url.clone();
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONNS).timeout(Duration::from_secs(60)).build()?;
    let e: Value = http.get(format!("{url}/api/v1/budget/editions/{edition}")).send().await?.error_for_status()?.json().await?;
    if e["phase"] != "voting" || e["settings"]["identity"] != "pesel" || e["settings"]["sms"] != false {
        bail!("the edition is not in voting with PESEL identity and no SMS: {e}");
    }
    let projects: Value = http
        .get(format!("{url}/api/v1/budget/editions/{edition}/projects?status=on_ballot"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let project_ids: Vec<i64> = projects.as_array().into_iter().flatten().filter_map(|p| p["id"].as_i64()).collect();
    if project_ids.len() != PROJECTS {
        bail!("{} projects on the ballot, not {PROJECTS}", project_ids.len());
    }
    let devices = register_devices(&http, &url, voters.len().div_ceil(per_device)).await?;

    // 4. The ballots, built before the clock starts.
    let mut expected: BTreeMap<i64, u32> = BTreeMap::new();
    let bodies: Vec<(usize, Vec<u8>)> = (0..voters.len())
        .map(|i| {
            let chosen = voters.choices(i, &project_ids);
            for p in &chosen {
                *expected.entry(*p).or_default() += 1;
            }
            let input = BallotInput {
                identity: voters.identity(i),
                sms: None,
                residence_declared: true,
                pools: vec![PoolChoice {
                    pool,
                    projects: chosen.iter().map(|p| Choice { project: *p, points: None }).collect(),
                }],
            };
            (i / per_device, serde_json::to_vec(&input).expect("a ballot serialises"))
        })
        .collect();
    let bodies = Arc::new(bodies);
    let devices = Arc::new(devices);
    let target = Arc::new(format!("{url}/api/v1/budget/editions/{edition}/ballots"));
    // Every connection opened (and kept alive) before the clock starts.
    warm(&http, &url).await?;

    let cpu_before = process_cpu(server.pid());
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = vec![];
    for c in 0..CONNS {
        let (http, bodies, devices, target, next) = (http.clone(), bodies.clone(), devices.clone(), target.clone(), next.clone());
        let mut keys = KeyGen(0x5eed_0000 ^ ((run as u64) << 32) ^ c as u64 ^ nanos());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(bodies.len() / CONNS + 1);
            let mut ids = Vec::with_capacity(bodies.len() / CONNS + 1);
            let mut errors: Vec<String> = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((device, body)) = bodies.get(i) else { break };
                let t = Instant::now();
                let r = http
                    .post(target.as_str())
                    .bearer_auth(&devices[*device])
                    .header("Idempotency-Key", keys.uuid())
                    .header("Content-Type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match r {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let bytes = r.bytes().await.unwrap_or_default();
                        let took = t.elapsed();
                        match serde_json::from_slice::<Value>(&bytes).ok().and_then(|v| v["ballot_id"].as_i64()) {
                            Some(id) if status == 201 => {
                                lat.push(took);
                                ids.push(id);
                            }
                            _ => errors.push(format!("ballot {i}: {status} {}", String::from_utf8_lossy(&bytes))),
                        }
                    }
                    Err(e) => errors.push(format!("ballot {i}: {e}")),
                }
            }
            (lat, ids, errors)
        }));
    }
    let (mut lat, mut ids, mut errors) = (vec![], vec![], vec![]);
    for t in tasks {
        let (l, i, e) = t.await?;
        lat.extend(l);
        ids.extend(i);
        errors.extend(e);
    }
    let secs = start.elapsed().as_secs_f64();
    let server_cpu = process_cpu(server.pid()) - cpu_before;
    if !errors.is_empty() {
        for e in errors.iter().take(5) {
            eprintln!("{e}");
        }
        bail!("{} of {} ballots were not answered 201", errors.len(), voters.len());
    }
    let distinct: HashSet<i64> = ids.iter().copied().collect();
    if distinct.len() != voters.len() {
        bail!("{} distinct ballot ids for {} ballots", distinct.len(), voters.len());
    }
    lat.sort();
    let q = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    let figures = Figures {
        rate: lat.len() as f64 / secs,
        secs,
        p50: q(0.50),
        p99: q(0.99),
        max: q(1.0),
        server_cpu_us: server_cpu * 1e6 / lat.len() as f64,
    };

    // 5. What the register holds: exactly the ballots sent.
    let status = server.stop()?;
    if !status.success() {
        bail!("mm-server exited with {status}");
    }
    let store = open(&data, db.as_deref()).await?;
    let tallies = store.tallies(edition, pool).await?;
    let stored: BTreeMap<i64, u32> = tallies.iter().map(|t| (t.project, t.votes)).collect();
    if stored != expected {
        bail!("the stored tallies {stored:?} are not the choices sent {expected:?}");
    }
    let counted: u32 = store.count_input(edition, pool).await?.ballots.iter().map(|b| b.weight).sum();
    if counted as usize != voters.len() {
        bail!("{counted} ballots counted in the pool, {} sent", voters.len());
    }
    store.close().await?;
    if let (Some(pg), Backend::Postgres) = (pg, backend) {
        // The next run's database is made fresh; this one goes now.
        let c = pg.client("postgres").await?;
        c.batch_execute(&format!("DROP DATABASE IF EXISTS mm_bench_ballots_{run} WITH (FORCE)")).await?;
    }
    Ok(figures)
}

/// The store of the data dir, or the PostgreSQL database, scoped to the gmina.
async fn open(data: &Path, db: Option<&str>) -> Result<Arc<dyn Store>> {
    let teryt = mm_protocol::gmina::Teryt::parse(SIECHNICE).map_err(|e| anyhow::anyhow!(e.en))?;
    let base: Arc<dyn Store> = match db {
        Some(url) => Arc::new(PostgresStore::connect(url, data).await?),
        None => Arc::new(SqliteStore::open(data)?),
    };
    Ok(base.for_gmina(&teryt))
}

/// An edition in voting now (opened five days ago), PESEL identity, no
/// SMS, approval of 1–3, one gmina-wide pool of `PROJECTS` projects on the
/// ballot: submitted and verified at their dates, as `demo::budget` loads
/// its open edition. Returns (edition, pool).
async fn setup_edition(store: &dyn Store) -> Result<(i64, i64)> {
    let now = Utc::now();
    let official = || Actor("bench".into());
    let dates = PhaseDates {
        submission_from: now - chrono::Duration::days(120),
        submission_to: now - chrono::Duration::days(90),
        verification_to: now - chrono::Duration::days(45),
        appeal_to: now - chrono::Duration::days(30),
        voting_from: now - chrono::Duration::days(5),
        voting_to: now + chrono::Duration::days(10),
    };
    let settings = EditionSettings {
        voting: VotingRule::Approval { min: 1, max: 3 },
        identity: IdentityMode::Pesel,
        sms: false,
        declaration_of_residence: true,
        allow_change: false,
        ..EditionSettings::default()
    };
    let year = now.year();
    let e = store
        .create_edition(
            official(),
            NewEdition { year, title: format!("Budżet obywatelski {year} (bench)"), dates, settings },
            dates.submission_from,
        )
        .await?;
    let pool = Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: "Pula ogólnogminna".into(),
        amount_grosze: 1_000_000 * 100,
        localities: vec![],
        residents: 28_000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 1 },
    };
    let pool = store.upsert_pool(official(), e.id, pool, dates.submission_from).await?;
    for i in 0..PROJECTS {
        let zloty = 20_000 + 15_000 * i as i64;
        let project = NewProject {
            edition: e.id,
            pool: pool.id,
            title: format!("Projekt {}", i + 1),
            description: "Projekt do testu wydajności głosowania.".into(),
            cost_grosze: zloty * 100,
            category: Some("rekreacja".into()),
            location: None,
            photos: vec![],
            contact: None,
        };
        let id = match store
            .submit_project(&format!("bench-proposer-{i}"), project, None, dates.submission_from + chrono::Duration::days(5))
            .await?
        {
            Submitted::New(p) => p.id,
            Submitted::Replayed(_) => bail!("a project was replayed"),
        };
        store
            .verify_project(
                official(),
                id,
                Verification {
                    legal: true,
                    feasible: true,
                    estimate_grosze: Some(zloty * 100),
                    department: Some("Wydział Inwestycji".into()),
                    decision: Decision::OnBallot,
                },
                dates.verification_to - chrono::Duration::days(3),
            )
            .await?;
    }
    Ok((e.id, pool.id))
}

/// `n` devices registered through the API, 16 at a time.
async fn register_devices(http: &reqwest::Client, url: &str, n: usize) -> Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![];
    for _ in 0..CONNS {
        let (http, url, next) = (http.clone(), url.to_owned(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = vec![];
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let r = http
                    .post(format!("{url}/api/v1/devices"))
                    .json(&serde_json::json!({"platform": "android", "app_version": "1.0.0"}))
                    .send()
                    .await?;
                if !r.status().is_success() {
                    bail!("device registration: {} {}", r.status(), r.text().await?);
                }
                let v: Value = r.json().await?;
                out.push(v["token"].as_str().context("no device token")?.to_owned());
            }
            Ok(out)
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(all)
}

/// Opens the 16 keep-alive connections (a health check each, at once).
async fn warm(http: &reqwest::Client, url: &str) -> Result<()> {
    let mut tasks = vec![];
    for _ in 0..CONNS {
        let (http, url) = (http.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                http.get(format!("{url}/healthz")).send().await?.error_for_status()?.bytes().await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// The voters: distinct, checksum-valid PESELs (born 1940–2007) from a
/// fixed seed, names, and each one's 1–3 projects (skewed, so the
/// tallies differ project by project).
struct Voters {
    pesels: Vec<String>,
}

const FIRST: [&str; 8] = ["Anna", "Piotr", "Katarzyna", "Krzysztof", "Małgorzata", "Tomasz", "Zofia", "Jakub"];
const LAST: [&str; 8] = ["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Dąbrowska", "Mazur"];

impl Voters {
    fn new(n: usize) -> Voters {
        let mut rng = SplitMix(0x0b0d_2026_ba11);
        let mut seen = HashSet::with_capacity(n);
        let mut pesels = Vec::with_capacity(n);
        while pesels.len() < n {
            let year = 1940 + rng.below(68) as u32;
            let month = 1 + rng.below(12) as u32;
            let day = 1 + rng.below(28) as u32;
            let coded = if year >= 2000 { month + 20 } else { month };
            let ten = format!("{:02}{coded:02}{day:02}{:04}", year % 100, rng.below(10_000));
            const W: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
            let s: u32 = ten.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
            let pesel = format!("{ten}{}", (10 - s % 10) % 10);
            assert!(pesel_valid(&pesel), "a generated PESEL fails the check");
            if seen.insert(pesel.clone()) {
                pesels.push(pesel);
            }
        }
        Voters { pesels }
    }

    fn len(&self) -> usize {
        self.pesels.len()
    }

    fn identity(&self, i: usize) -> IdentityInput {
        IdentityInput {
            first_name: FIRST[i % FIRST.len()].into(),
            last_name: LAST[(i / FIRST.len()) % LAST.len()].into(),
            pesel: Some(self.pesels[i].clone()),
            address: None,
            phone: None,
        }
    }

    /// Voter `i`'s 1–3 distinct projects, the earlier ones likelier.
    fn choices(&self, i: usize, projects: &[i64]) -> Vec<i64> {
        let mut rng = SplitMix(0xc401_ce00 ^ i as u64);
        let k = 1 + rng.below(3) as usize;
        let mut out: Vec<i64> = vec![];
        while out.len() < k {
            // min of two draws: project j with weight ~ (n - j).
            let j = rng.below(projects.len() as u64).min(rng.below(projects.len() as u64)) as usize;
            if !out.contains(&projects[j]) {
                out.push(projects[j]);
            }
        }
        out.sort();
        out
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Fresh `Idempotency-Key`s shaped as the app's (UUID v4).
struct KeyGen(u64);

impl KeyGen {
    fn uuid(&mut self) -> String {
        let mut r = SplitMix(self.0);
        self.0 = r.next();
        let (a, b) = (r.next(), r.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

fn nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Seconds of CPU (user + system) the process has used.
fn process_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command's ")": state is field 3; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // `rest` starts at field 3: utime (14) is index 11, stime (15) index 12.
    (ticks(11) + ticks(12)) / clock_ticks()
}

/// USER_HZ, 100 on Linux.
fn clock_ticks() -> f64 {
    100.0
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|_| anyhow::anyhow!("{name}={v}: not a number")),
        Err(_) => Ok(default),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

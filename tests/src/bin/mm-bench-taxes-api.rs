//! `mm-bench-taxes-api`: `GET /api/v1/taxes/liabilities` of a household
//! under load (issue 14: "a household of 4 taxpayers, 40 liabilities: p99
//! under 5 ms under load"). Prints figures; asserts nothing about speed,
//! only that the answer is the household's (4 taxpayers, 40 liabilities).
//! Bounded in time: 3 runs of `MM_BENCH_SECONDS` (default 10) each.
//!
//! - a register of 25,000 taxpayers (`MM_BENCH_TAXPAYERS`) written as the
//!   documented JSON import file (docs/TAXES.md, "Import") and imported by
//!   `mm-server taxes import`, as a gmina would; among them 8 households of
//!   4 taxpayers with 10 liabilities each (kinds, instalments, payments on
//!   time, late, partial, none; arrears running across rate changes; one
//!   amount above 9,999.99 zł), the rest 4 liabilities each (~100,000);
//! - one device per household, linked to its 4 taxpayers with the codes
//!   from the file's `activation_code` field (`POST /api/v1/taxes/link`);
//! - the measured device on 16 connections while the 7 other households'
//!   devices ask for theirs at the same time (one connection each), as of
//!   today (the default: interest to date over every rate period);
//! - requests/s, p50, p90, p99, max of the measured device, the others'
//!   rate, the median p99 of the 3 runs (saturated: closed loop, so the
//!   latency is mostly queueing);
//! - then "under load": an open loop at half the saturated rate over the 8
//!   households' devices, each request timed from its planned instant (no
//!   coordinated omission); the median p99 of 3 runs is the figure compared
//!   with the target; and the server's peak RSS (VmHWM).
//!
//! `make bench` runs it on the release build:
//! `MM_E2E_PROFILE=release ./target/release/mm-bench-taxes-api`.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mm_e2e::Server;
use mm_protocol::taxes::activation::{CODE_ALPHABET, CODE_LEN};
use mm_protocol::taxes::checksums::nrb_check_digits;
use serde_json::{json, Value};

/// Connections of the measured device (the "under load").
const CONNS: usize = 16;
/// Households linked, each to its own device; the first is measured.
const HOUSEHOLDS: usize = 8;
const HOUSEHOLD_TAXPAYERS: usize = 4;
const HOUSEHOLD_LIABILITIES_EACH: usize = 10;
/// Liabilities of every other taxpayer (a whole gmina: ~100,000).
const OTHER_LIABILITIES_EACH: usize = 4;
const RUNS: usize = 3;
/// The target, printed beside the figure.
const TARGET_P99_MS: f64 = 5.0;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let taxpayers: usize = env_number("MM_BENCH_TAXPAYERS", 25_000)?.max(HOUSEHOLDS * HOUSEHOLD_TAXPAYERS);
    let seconds: u64 = env_number("MM_BENCH_SECONDS", 10)?.max(1);
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data)?;

    // 1. The register, as the tax system would export it.
    let register = Register::new(taxpayers);
    let file = dir.path().join("register.json");
    let bytes = register.write(&file)?;
    println!(
        "register: {} taxpayers, {} liabilities, {} household(s) of {HOUSEHOLD_TAXPAYERS} taxpayers with {} liabilities each; {:.1} MB JSON",
        taxpayers,
        register.liabilities,
        HOUSEHOLDS,
        HOUSEHOLD_TAXPAYERS * HOUSEHOLD_LIABILITIES_EACH,
        bytes as f64 / 1e6
    );
    // The gmina, as a deployment adds it.
    let out = Command::new(mm_e2e::bin("mm-server"))
        .arg("--data-dir")
        .arg(&data)
        .args(["gmina", "add", "--teryt", "0223083", "--name", "Siechnice", "--powiat", "wrocławski", "--voivodeship", "dolnośląskie"])
        .output()
        .context("run mm-server gmina add")?;
    if !out.status.success() {
        bail!("mm-server gmina add failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let start = Instant::now();
    let out = Command::new(mm_e2e::bin("mm-server"))
        .arg("--data-dir")
        .arg(&data)
        .args(["taxes", "import"])
        .arg(&file)
        .output()
        .context("run mm-server taxes import")?;
    if !out.status.success() {
        bail!("mm-server taxes import failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    println!(
        "mm-server taxes import: {:.1} s ({})",
        start.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&out.stdout).trim()
    );

    // The transfers' recipient, as an admin sets it under /admin/taxes
    // (without a valid NIP no transfer code is made: the answer would not
    // be the one residents get).
    {
        use mm_server::store::{Actor, SqliteStore};
        use mm_server::store::directory::DirectoryStore;
        let store = SqliteStore::open(&data)?;
        let gminas = store.list_gminas().await?;
        let mut g = gminas.into_iter().next().context("the import made no gmina")?;
        g.settings.tax_recipient_name = Some("Gmina Siechnice".into());
        g.settings.tax_recipient_nip = Some("8961012356".into());
        store.update_gmina(Actor("bench".into()), g, chrono::Utc::now()).await?;
    }

    // 2. The server, a device per household linked to its 4 taxpayers.
    let limits = [("MM_RATE_DEVICE_PER_HOUR", "100000000"), ("MM_RATE_IP_PER_HOUR", "100000000")];
    let server = Server::start_with(&data, false, &limits)?;
    let url = server.url.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNS + HOUSEHOLDS)
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut tokens = vec![];
    for h in 0..HOUSEHOLDS {
        let token = new_device(&http, &url).await?;
        for k in 0..HOUSEHOLD_TAXPAYERS {
            let r = http
                .post(format!("{url}/api/v1/taxes/link"))
                .bearer_auth(&token)
                .json(&json!({"code": Register::code(h, k)}))
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("linking household {h}'s taxpayer {k}: {} {}", r.status(), r.text().await?);
            }
        }
        tokens.push(token);
    }
    let liabilities = format!("{url}/api/v1/taxes/liabilities");
    for (h, token) in tokens.iter().enumerate() {
        let r = http.get(&liabilities).bearer_auth(token).send().await?;
        let status = r.status();
        let body = r.bytes().await?;
        let v: Value = serde_json::from_slice(&body).with_context(|| format!("household {h}: {status}"))?;
        let (tp, li) = (count(&v, "taxpayers"), count(&v, "liabilities"));
        if tp != HOUSEHOLD_TAXPAYERS || li != HOUSEHOLD_TAXPAYERS * HOUSEHOLD_LIABILITIES_EACH {
            bail!("household {h} sees {tp} taxpayers and {li} liabilities, not its own");
        }
        if h == 0 {
            let overdue = v["liabilities"].as_array().into_iter().flatten().filter(|l| l["interest_grosze"].as_i64() > Some(0)).count();
            println!("GET /api/v1/taxes/liabilities: {status}, {} bytes, {li} liabilities ({overdue} with interest to date)", body.len());
        }
    }

    // 3. Load: warm-up, then 3 measured runs.
    load(&http, &liabilities, &tokens, Duration::from_secs(1)).await?;
    let mut p99s = vec![];
    let mut max_rate: f64 = 0.0;
    for run in 1..=RUNS {
        let r = load(&http, &liabilities, &tokens, Duration::from_secs(seconds)).await?;
        println!(
            "run {run}: household device on {CONNS} connections: {:.0} req/s, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms \
             ({} errors); {} other households at once: {:.0} req/s ({} errors)",
            r.measured.len() as f64 / r.secs,
            r.quantile(0.50),
            r.quantile(0.90),
            r.quantile(0.99),
            r.quantile(1.0),
            r.measured_errors,
            HOUSEHOLDS - 1,
            r.others as f64 / r.secs,
            r.others_errors,
        );
        p99s.push(r.quantile(0.99));
        max_rate = max_rate.max((r.measured.len() + r.others) as f64 / r.secs);
    }
    p99s.sort_by(f64::total_cmp);
    let median = p99s[RUNS / 2];
    println!(
        "saturated (closed loop, {} connections): median p99 of {RUNS} runs {median:.2} ms: mostly queueing, the requests in flight / the rate",
        CONNS + HOUSEHOLDS - 1
    );
    max_rate = max_rate.max(1.0);

    // 4. Under load: an open loop at half the saturated rate, all eight
    // households' devices in turn, each request sent at its planned time
    // and timed from it (a slow answer cannot delay the next request and so
    // hide itself: no coordinated omission).
    let rate = max_rate / 2.0;
    let mut paced = vec![];
    for run in 1..=RUNS {
        let r = paced_load(&http, &liabilities, &tokens, rate, Duration::from_secs(seconds)).await?;
        println!(
            "paced run {run}: {:.0} req/s planned, {} answered, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} errors)",
            rate,
            r.measured.len(),
            r.quantile(0.50),
            r.quantile(0.90),
            r.quantile(0.99),
            r.quantile(1.0),
            r.measured_errors,
        );
        paced.push(r.quantile(0.99));
    }
    paced.sort_by(f64::total_cmp);
    let median = paced[RUNS / 2];
    println!(
        "GET /api/v1/taxes/liabilities (4 taxpayers, 40 liabilities) at {rate:.0} req/s (half the saturated rate), median p99 of {RUNS} runs: {median:.2} ms (target < {TARGET_P99_MS} ms: {})",
        if median < TARGET_P99_MS { "met" } else { "NOT met" }
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap_or_default();
    let hwm = status.lines().find(|l| l.starts_with("VmHWM")).unwrap_or("VmHWM: ?");
    println!("server peak RSS: {}", hwm.trim_start_matches("VmHWM:").trim());
    Ok(())
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|_| anyhow::anyhow!("{name}={v}: not a number")),
        Err(_) => Ok(default),
    }
}

fn count(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

async fn new_device(http: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    let v: Value =
        http.post(format!("{url}/api/v1/devices")).json(&json!({"platform": "cli", "app_version": "1.0.0"})).send().await?.json().await?;
    v["token"].as_str().map(str::to_owned).context("no device token")
}

/// One run's latencies of the measured device and the others' count.
struct Run {
    measured: Vec<Duration>,
    measured_errors: usize,
    others: usize,
    others_errors: usize,
    secs: f64,
}

impl Run {
    /// Milliseconds at quantile `q` (1.0: the maximum).
    fn quantile(&self, q: f64) -> f64 {
        let i = ((self.measured.len() as f64 * q) as usize).min(self.measured.len().saturating_sub(1));
        self.measured.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    }
}

/// `CONNS` connections of the first device and one of each other device,
/// all for `time`.
async fn load(http: &reqwest::Client, url: &str, tokens: &[String], time: Duration) -> anyhow::Result<Run> {
    let start = Instant::now();
    let mut tasks = vec![];
    let who = (0..CONNS).map(|_| 0).chain(1..tokens.len());
    for device in who {
        let (http, url, token) = (http.clone(), url.to_owned(), tokens[device].clone());
        tasks.push((
            device,
            tokio::spawn(async move {
                let (mut lat, mut errors) = (vec![], 0);
                while start.elapsed() < time {
                    let t = Instant::now();
                    let ok = match http.get(&url).bearer_auth(&token).send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    if ok {
                        lat.push(t.elapsed());
                    } else {
                        errors += 1;
                    }
                }
                (lat, errors)
            }),
        ));
    }
    let mut run = Run { measured: vec![], measured_errors: 0, others: 0, others_errors: 0, secs: 0.0 };
    for (device, task) in tasks {
        let (lat, errors) = task.await?;
        if device == 0 {
            run.measured.extend(lat);
            run.measured_errors += errors;
        } else {
            run.others += lat.len();
            run.others_errors += errors;
        }
    }
    run.secs = start.elapsed().as_secs_f64();
    run.measured.sort();
    Ok(run)
}

/// `rate` requests a second for `time`, the devices in turn, each sent at
/// its planned instant on its own task and timed from that instant.
async fn paced_load(http: &reqwest::Client, url: &str, tokens: &[String], rate: f64, time: Duration) -> anyhow::Result<Run> {
    let start = tokio::time::Instant::now();
    let n = (rate * time.as_secs_f64()) as usize;
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let planned = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(planned).await;
        let (http, url, token) = (http.clone(), url.to_owned(), tokens[i % tokens.len()].clone());
        tasks.push(tokio::spawn(async move {
            let ok = match http.get(&url).bearer_auth(&token).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            (ok, planned.elapsed())
        }));
    }
    let mut run = Run { measured: vec![], measured_errors: 0, others: 0, others_errors: 0, secs: 0.0 };
    for t in tasks {
        let (ok, lat) = t.await?;
        if ok {
            run.measured.push(lat);
        } else {
            run.measured_errors += 1;
        }
    }
    run.secs = start.elapsed().as_secs_f64();
    run.measured.sort();
    Ok(run)
}

/// The generated register: households first, then everybody else.
struct Register {
    taxpayers: usize,
    liabilities: usize,
}

/// One household liability: (kind, year, instalment, nominal due date,
/// amount in grosze, booked payments as (date, share of the amount in %)).
type Template = (&'static str, i32, u32, &'static str, i64, &'static [(&'static str, i64)]);

/// A household member's 10 liabilities: 2024 and 2025 property tax by
/// instalments, paid on time, late across the rate change of 8 May 2025,
/// in part, or not at all (interest running across every change since).
const HOUSEHOLD: [Template; HOUSEHOLD_LIABILITIES_EACH] = [
    ("property", 2024, 1, "2024-03-15", 103_700, &[("2024-03-14", 100)]),
    ("property", 2024, 2, "2024-05-15", 103_700, &[("2024-05-15", 100)]),
    ("property", 2024, 3, "2024-09-16", 103_700, &[("2025-06-20", 100)]),
    ("property", 2024, 4, "2024-11-15", 103_700, &[("2024-12-20", 40)]),
    ("property", 2025, 1, "2025-03-17", 1_250_000, &[]),
    ("property", 2025, 2, "2025-05-15", 98_000, &[("2025-05-12", 100)]),
    ("waste_fee", 2025, 6, "2025-06-15", 8_800, &[]),
    ("agricultural", 2025, 1, "2025-03-15", 45_600, &[("2025-09-01", 50)]),
    ("transport", 2025, 1, "2025-02-15", 212_000, &[("2025-02-14", 100)]),
    ("waste_fee", 2026, 1, "2026-01-15", 8_800, &[]),
];

impl Register {
    fn new(taxpayers: usize) -> Register {
        let households = HOUSEHOLDS * HOUSEHOLD_TAXPAYERS;
        let liabilities = households * HOUSEHOLD_LIABILITIES_EACH + (taxpayers - households) * OTHER_LIABILITIES_EACH;
        Register { taxpayers, liabilities }
    }

    /// Household `h`'s member `k`'s activation code (12 characters of the
    /// code alphabet, distinct per member).
    fn code(h: usize, k: usize) -> String {
        let alphabet: Vec<char> = CODE_ALPHABET.chars().collect();
        let mut x = ((h * HOUSEHOLD_TAXPAYERS + k) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0x2545_F491_4F6C_DD1D);
        (0..CODE_LEN)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                alphabet[(x % alphabet.len() as u64) as usize]
            })
            .collect()
    }

    /// Liability number `n`'s own (virtual) account: a valid NRB.
    fn account(n: usize) -> String {
        let bban = format!("10901014{n:016}");
        format!("{}{bban}", nrb_check_digits(&bban).expect("24 digits"))
    }

    /// Writes the import file (streamed: ~30 MB); returns its size.
    fn write(&self, path: &std::path::Path) -> anyhow::Result<u64> {
        let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
        let households = HOUSEHOLDS * HOUSEHOLD_TAXPAYERS;
        writeln!(w, "{{\"taxpayers\": [")?;
        for i in 0..self.taxpayers {
            let mut t = json!({"id": taxpayer_id(i), "name": format!("Podatnik {i}")});
            if i < households {
                t["activation_code"] = json!(Register::code(i / HOUSEHOLD_TAXPAYERS, i % HOUSEHOLD_TAXPAYERS));
            }
            writeln!(w, "{}{t}", if i == 0 { "" } else { "," })?;
        }
        writeln!(w, "], \"liabilities\": [")?;
        let mut n = 0;
        for i in 0..self.taxpayers {
            let rows: Vec<Value> = if i < households {
                HOUSEHOLD
                    .iter()
                    .enumerate()
                    .map(|(j, (kind, year, instalment, due, amount, paid))| {
                        let amount = amount + (i as i64 % 7) * 100;
                        let payments: Vec<Value> =
                            paid.iter().map(|(date, share)| json!({"date": date, "amount_grosze": amount * share / 100})).collect();
                        json!({"id": format!("{}/{j}", taxpayer_id(i)), "taxpayer": taxpayer_id(i), "kind": kind, "year": year,
                            "instalment": instalment, "decision": format!("FN.3120.{i}.{year}"), "due_date": due,
                            "amount_grosze": amount, "account": Register::account(n + j), "payments": payments})
                    })
                    .collect()
            } else {
                let due = ["2026-03-16", "2026-05-15", "2026-09-15", "2026-11-16"];
                (0..OTHER_LIABILITIES_EACH)
                    .map(|j| {
                        let amount = 20_000 + (i as i64 * 37 + j as i64 * 11) % 300_000;
                        let payments: Vec<Value> =
                            if (i + j) % 3 == 0 { vec![json!({"date": due[j % 4], "amount_grosze": amount})] } else { vec![] };
                        json!({"id": format!("{}/{j}", taxpayer_id(i)), "taxpayer": taxpayer_id(i), "kind": "property", "year": 2026,
                            "instalment": j + 1, "decision": format!("FN.3120.{i}.2026"), "due_date": due[j % 4],
                            "amount_grosze": amount, "account": Register::account(n + j), "payments": payments})
                    })
                    .collect()
            };
            for row in &rows {
                writeln!(w, "{}{row}", if n == 0 { "" } else { "," })?;
                n += 1;
            }
        }
        writeln!(w, "]}}")?;
        w.flush()?;
        drop(w);
        Ok(std::fs::metadata(path)?.len())
    }
}

fn taxpayer_id(i: usize) -> String {
    format!("P-{i:06}")
}

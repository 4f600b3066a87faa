//! `mm-bench-scale` (issue 13): many gminas, PostgreSQL, several instances.
//! Prints figures, each the median of 3 runs with the runs beside it;
//! asserts nothing about speed. Needs PostgreSQL (`make bench-scale` runs
//! it under `pg_virtualenv`, with fsync on) and release binaries
//! (`MM_E2E_PROFILE=release`).
//!
//! 1. One store beside another: report submission (16 connections, 5 s,
//!    each 201), a sync page (`cursor=0&limit=500`) and an unchanged sync
//!    (the cursor a client holds after its last page) on SQLite, on
//!    PostgreSQL with one instance, and with three instances behind
//!    `mm_e2e::balancer::Balancer` (one database, one device-token key,
//!    shared write limits).
//! 2. Many gminas: the same requests and Open311 `requests.json` for one
//!    active gmina, in a database of 10 gminas and in one of 500 whose
//!    other 490 hold the same content (news, events, reports, devices):
//!    tables 50× larger, the per-request cost side by side.
//! 3. The publication lock: publishing transactions per second when all
//!    gminas share one lock and one seq (as now), with a lock and a seq
//!    per gmina, and with no lock (a sequence: the floor), by `pgbench`.
//! 4. Rows and bytes per row of each table of the 500-gmina database.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use mm_e2e::Server;
use mm_e2e::balancer::Balancer;
use mm_e2e::pg::Pg;
use mm_protocol::gmina::Teryt;
use mm_server::store::{Actor, DirectoryStore, GminaRecord, HealthStore, PostgresStore};
use serde_json::json;

const CONNS: usize = 16;
/// `store::postgres::publish::PUBLICATION_LOCK` ("mm_seq").
const PUBLICATION_LOCK: i64 = 0x6d6d_5f73_6571;
const RUNS: usize = 3;
/// The demo's gmina (every run of part 1 uses it).
const SIECHNICE: &str = "0223083";
/// What each generated gmina holds (part 2).
const NEWS: u32 = 30;
const EVENTS: u32 = 60;
const REPORTS: u32 = 300;
const DEVICES: u32 = 100;
/// Active gminas: Siechnice and the first 9 generated ones.
const ACTIVE: usize = 10;

/// Generous limits: the bench measures the store, not the limiter.
const LIMITS: [(&str, &str); 4] = [
    ("MM_RATE_DEVICE_PER_HOUR", "100000000"),
    ("MM_RATE_IP_PER_HOUR", "100000000"),
    ("MM_RATE_REGISTRATIONS_PER_HOUR", "100000"),
    ("MM_DEVICE_TOKEN_KEY", "6d6d2d62656e63682d7363616c652d6b65792d6f662d33322d62797465732121"),
];

#[tokio::main]
async fn main() -> Result<()> {
    if std::env::var_os("MM_E2E_PROFILE").is_none() {
        // SAFETY: set before any thread of ours reads the environment.
        unsafe { std::env::set_var("MM_E2E_PROFILE", "release") };
    }
    let pg = Pg::from_env().context("no PostgreSQL: run under pg_virtualenv (make bench-scale)")?;
    let admin = pg.client("postgres").await?;
    for setting in ["server_version", "fsync", "synchronous_commit", "shared_buffers"] {
        let v: String = admin.query_one(&format!("SHOW {setting}"), &[]).await?.get(0);
        println!("postgresql {setting} = {v}");
    }
    println!("machine: {} cores, load average {}", num_cpus(), load_average());

    stores_side_by_side(&pg).await?;
    many_gminas(&pg).await?;
    println!("machine after: load average {}", load_average());
    Ok(())
}

// ---------------------------------------------------------------- part 1

#[derive(Clone, Copy, Debug)]
enum Setup {
    Sqlite,
    Postgres1,
    Postgres3,
}

/// The servers of one run; stopped when dropped.
struct Deployment {
    url: String,
    _servers: Vec<Server>,
    _balancer: Option<Balancer>,
    _dirs: Vec<tempfile::TempDir>,
}

async fn deploy(pg: &Pg, setup: Setup, run: usize) -> Result<Deployment> {
    let dir = tempfile::tempdir()?;
    let (url, servers, balancer, mut dirs) = match setup {
        Setup::Sqlite => {
            let s = Server::start_with(dir.path(), true, &LIMITS)?;
            (s.url.clone(), vec![s], None, vec![])
        }
        Setup::Postgres1 | Setup::Postgres3 => {
            let db = pg.create_database(&format!("mm_bench_{setup:?}_{run}").to_lowercase()).await?;
            let mut env = LIMITS.to_vec();
            env.push(("MM_DATABASE_URL", &db));
            env.push(("MM_SHARED_LIMITS", "1"));
            let first = Server::start_with(dir.path(), true, &env)?;
            let mut servers = vec![first];
            let mut dirs = vec![];
            if matches!(setup, Setup::Postgres3) {
                for _ in 0..2 {
                    let d = tempfile::tempdir()?;
                    servers.push(Server::start_with(d.path(), false, &env)?);
                    dirs.push(d);
                }
                let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
                let b = Balancer::start(&urls)?;
                (b.url.clone(), servers, Some(b), dirs)
            } else {
                (servers[0].url.clone(), servers, None, dirs)
            }
        }
    };
    dirs.push(dir);
    Ok(Deployment { url, _servers: servers, _balancer: balancer, _dirs: dirs })
}

#[derive(Default, Clone, Copy)]
struct Figures {
    submit: f64,
    page: Rate,
    unchanged: Rate,
    open311: Rate,
}

async fn stores_side_by_side(pg: &Pg) -> Result<()> {
    println!("\n== 1. SQLite, PostgreSQL x1, PostgreSQL x3 behind a balancer (demo gmina {SIECHNICE}) ==");
    let setups = [Setup::Sqlite, Setup::Postgres1, Setup::Postgres3];
    let mut figures: Vec<Vec<Figures>> = vec![vec![]; setups.len()];
    // Alternating, so that the machine's noise falls on every setup alike.
    for run in 0..RUNS {
        for (k, setup) in setups.iter().enumerate() {
            let d = deploy(pg, *setup, run).await?;
            let http = client()?;
            let gmina = Teryt::parse(SIECHNICE).map_err(|e| anyhow::anyhow!(e.en))?;
            // A device per connection: a resident sends a few reports a
            // day, so one device's limit bucket must not be the bottleneck.
            let mut tokens = vec![];
            for _ in 0..CONNS {
                tokens.push((gmina.clone(), register(&http, &d.url, &gmina).await?));
            }
            let f = measure(&http, &d.url, &tokens, &gmina, false).await?;
            println!(
                "run {} {setup:?}: submit {:.0}/s; sync page {}; unchanged sync {}",
                run + 1,
                f.submit,
                f.page,
                f.unchanged
            );
            figures[k].push(f);
        }
    }
    println!("-- medians of {RUNS} runs (runs in brackets) --");
    for (k, setup) in setups.iter().enumerate() {
        let f = &figures[k];
        println!("{setup:?}: report submission {}", median_of(f, |x| x.submit));
        println!("{setup:?}: sync page of 500 {}", median_of(f, |x| x.page.rps));
        println!("{setup:?}:   p50 ms {}", median_of(f, |x| x.page.p50));
        println!("{setup:?}: unchanged sync {}", median_of(f, |x| x.unchanged.rps));
        println!("{setup:?}:   p50 ms {}", median_of(f, |x| x.unchanged.p50));
    }
    Ok(())
}

/// Submission over the given devices (connection `c` uses `tokens[c % n]`),
/// then the reads for `gmina`.
async fn measure(http: &reqwest::Client, url: &str, tokens: &[(Teryt, String)], gmina: &Teryt, open311: bool) -> Result<Figures> {
    let submit = submit(http, url, tokens).await?;
    let page = get_bench(http, &format!("{url}/api/v1/sync?cursor=0&limit=500"), gmina).await?;
    let cursor = latest_cursor(http, url, gmina).await?;
    let unchanged = get_bench(http, &format!("{url}/api/v1/sync?cursor={cursor}"), gmina).await?;
    let open311 = if open311 {
        get_bench(http, &format!("{url}/open311/v2/requests.json?jurisdiction_id={gmina}&page_size=100"), gmina).await?
    } else {
        Rate::default()
    };
    Ok(Figures { submit, page, unchanged, open311 })
}

// ---------------------------------------------------------------- part 2

async fn many_gminas(pg: &Pg) -> Result<()> {
    println!("\n== 2. 10 gminas vs 500 gminas in one PostgreSQL, one instance ==");
    let dir10 = tempfile::tempdir()?;
    let dir500 = tempfile::tempdir()?;
    let mut deployments = vec![];
    for (n, dir) in [(ACTIVE, &dir10), (500, &dir500)] {
        let t = Instant::now();
        let db = pg.create_database(&format!("mm_bench_gminas_{n}")).await?;
        let gminas = seed(pg, &db, dir.path(), n).await?;
        println!("seeded {n} gminas in {:.1} s", t.elapsed().as_secs_f64());
        let mut env = LIMITS.to_vec();
        env.push(("MM_DATABASE_URL", &db));
        env.push(("MM_SHARED_LIMITS", "1"));
        let server = Server::start_with(dir.path(), false, &env)?;
        deployments.push((n, db, server, gminas));
    }
    let mut figures: Vec<Vec<Figures>> = vec![vec![]; 2];
    for run in 0..RUNS {
        for (k, (n, _, server, gminas)) in deployments.iter().enumerate() {
            let http = client()?;
            let mut tokens = vec![];
            for c in 0..CONNS {
                let g = &gminas[c % ACTIVE];
                tokens.push((g.clone(), register(&http, &server.url, g).await?));
            }
            // The measured gmina: a generated one (its content is the others').
            let f = measure(&http, &server.url, &tokens, &gminas[1], true).await?;
            println!(
                "run {} {n} gminas: submit {:.0}/s over {ACTIVE} gminas; sync page {}; unchanged sync {}; requests.json {}",
                run + 1,
                f.submit,
                f.page,
                f.unchanged,
                f.open311
            );
            figures[k].push(f);
        }
    }
    println!("-- medians of {RUNS} runs (runs in brackets); ratio = 500 gminas / 10 gminas --");
    type Pick = fn(&Figures) -> f64;
    let picks: [(&str, Pick); 8] = [
        ("report submission /s", |x| x.submit),
        ("sync page of 500 req/s", |x| x.page.rps),
        ("  p50 ms", |x| x.page.p50),
        ("unchanged sync req/s", |x| x.unchanged.rps),
        ("  p50 ms", |x| x.unchanged.p50),
        ("requests.json (100) req/s", |x| x.open311.rps),
        ("  p50 ms", |x| x.open311.p50),
        ("  p99 ms", |x| x.open311.p99),
    ];
    for (what, pick) in picks {
        let a = median(figures[0].iter().map(pick).collect());
        let b = median(figures[1].iter().map(pick).collect());
        println!(
            "{what}: 10 gminas {}; 500 gminas {}; ratio {:.2}",
            median_of(&figures[0], pick),
            median_of(&figures[1], pick),
            b / a
        );
    }
    let (_, db500, _, _) = &deployments[1];
    publication_lock(pg, db500).await?;
    table_sizes(pg, db500).await?;
    Ok(())
}

/// A database of `n` gminas: the demo (Siechnice) loaded by a first
/// server, the others added through the store as `gmina add` adds them
/// (default categories published), then each generated gmina given
/// Siechnice's content over again by SQL (ids and sync bodies renumbered).
async fn seed(pg: &Pg, db: &str, dir: &Path, n: usize) -> Result<Vec<Teryt>> {
    let mut env = LIMITS.to_vec();
    env.push(("MM_DATABASE_URL", db));
    Server::start_with(dir, true, &env)?.stop()?;
    let store = PostgresStore::connect(db, dir).await?;
    let mut gminas = vec![Teryt::parse(SIECHNICE).map_err(|e| anyhow::anyhow!(e.en))?];
    let now = chrono::Utc::now();
    for i in 0..n - 1 {
        let teryt = generated_teryt(i)?;
        let record = GminaRecord {
            teryt: teryt.clone(),
            name: format!("Gmina testowa {i}"),
            powiat: format!("powiat {}", i / 10),
            voivodeship: mm_server::store::directory::voivodeship_of(&teryt).to_owned(),
            boundary: None,
            center: None,
            branding: mm_server::store::directory::default_branding(),
            settings: Default::default(),
        };
        store.add_gmina(Actor("bench".into()), record, now).await?;
        gminas.push(teryt);
    }
    store.close().await?;
    let c = pg.client_url(db).await?;
    c.batch_execute(&seed_sql()).await.context("seeding content")?;
    c.batch_execute("VACUUM ANALYZE").await?;
    Ok(gminas)
}

/// Valid, distinct TERYT codes: voivodeship 02..32 (even), powiat 60..89,
/// gmina 01.., kind 2 (rural); never the demo's 0223083.
fn generated_teryt(i: usize) -> Result<Teryt> {
    let code = format!("{:02}{:02}{:02}2", 2 + 2 * (i % 16), 60 + (i / 16) % 30, 1 + i / 480);
    Teryt::parse(&code).map_err(|e| anyhow::anyhow!("{code}: {}", e.en))
}

/// Every gmina but Siechnice gets NEWS news, EVENTS events, REPORTS
/// reports (cycling over Siechnice's) and DEVICES devices, each public
/// entity with its sync-log entry, ids and seqs continuing the tables'.
fn seed_sql() -> String {
    format!(
        r#"
INSERT INTO event_categories (gmina, id, name_pl, name_en)
  SELECT g.teryt, c.id, c.name_pl, c.name_en FROM gminas g, event_categories c
  WHERE g.teryt <> '{S}' AND c.gmina = '{S}' ON CONFLICT DO NOTHING;

CREATE TEMP TABLE t_news AS SELECT row_number() OVER (ORDER BY n.id) - 1 AS k,
    n.title, n.body, n.priority, n.published_at, n.expires_at, n.updated_at, p.body AS pub
  FROM news n JOIN public_items p ON p.gmina = n.gmina AND p.collection = 'news' AND p.id = n.id::text
  WHERE n.gmina = '{S}';
CREATE TEMP TABLE new_news AS
  SELECT (SELECT COALESCE(max(id), 0) FROM news) + row_number() OVER (ORDER BY g.teryt, i) AS id, g.teryt AS gmina, t.*
  FROM gminas g CROSS JOIN generate_series(1, {NEWS}) i
  JOIN t_news t ON t.k = i % (SELECT count(*) FROM t_news)
  WHERE g.teryt <> '{S}';
INSERT INTO news (id, title, body, priority, published_at, expires_at, updated_at, gmina)
  SELECT id, title, body, priority, published_at, expires_at, updated_at, gmina FROM new_news;
SELECT setval(pg_get_serial_sequence('news', 'id'), (SELECT max(id) FROM news));
INSERT INTO public_items (gmina, collection, id, seq, body)
  SELECT gmina, 'news', id::text, (SELECT max(seq) FROM public_items) + row_number() OVER (ORDER BY id),
    regexp_replace(pub, '"data":\{{"id":[0-9]+', '"data":{{"id":' || id) FROM new_news;

CREATE TEMP TABLE t_events AS SELECT row_number() OVER (ORDER BY e.id) - 1 AS k,
    e.category, e.starts_at, e.data, p.body AS pub
  FROM events e JOIN public_items p ON p.gmina = e.gmina AND p.collection = 'events' AND p.id = e.id::text
  WHERE e.gmina = '{S}';
CREATE TEMP TABLE new_events AS
  SELECT (SELECT COALESCE(max(id), 0) FROM events) + row_number() OVER (ORDER BY g.teryt, i) AS id, g.teryt AS gmina, t.*
  FROM gminas g CROSS JOIN generate_series(1, {EVENTS}) i
  JOIN t_events t ON t.k = i % (SELECT count(*) FROM t_events)
  WHERE g.teryt <> '{S}';
INSERT INTO events (id, gmina, category, starts_at, data)
  SELECT id, gmina, category, starts_at, regexp_replace(data, '^\{{"id":[0-9]+', '{{"id":' || id) FROM new_events;
SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events));
INSERT INTO public_items (gmina, collection, id, seq, body)
  SELECT gmina, 'events', id::text, (SELECT max(seq) FROM public_items) + row_number() OVER (ORDER BY id),
    regexp_replace(pub, '"data":\{{"id":[0-9]+', '"data":{{"id":' || id) FROM new_events;

CREATE TEMP TABLE t_reports AS SELECT row_number() OVER (ORDER BY r.id) - 1 AS k,
    r.category, r.status, r.lat, r.lon, r.created_at, r.updated_at, r.private, r.data, r.visibility, p.body AS pub
  FROM reports r LEFT JOIN public_items p ON p.gmina = r.gmina AND p.collection = 'reports' AND p.id = r.id::text
  WHERE r.gmina = '{S}' AND r.duplicate_of IS NULL
    AND r.category IN (SELECT id FROM report_categories WHERE gmina = '{S}' AND id IN
      (SELECT id FROM report_categories WHERE gmina <> '{S}'));
CREATE TEMP TABLE new_reports AS
  SELECT (SELECT COALESCE(max(id), 0) FROM reports) + row_number() OVER (ORDER BY g.teryt, i) AS id, g.teryt AS gmina, t.*
  FROM gminas g CROSS JOIN generate_series(1, {REPORTS}) i
  JOIN t_reports t ON t.k = i % (SELECT count(*) FROM t_reports)
  WHERE g.teryt <> '{S}';
INSERT INTO reports (id, gmina, category, status, lat, lon, created_at, updated_at, private, data, visibility)
  SELECT id, gmina, category, status, lat, lon, created_at, updated_at, private,
    regexp_replace(data, '^\{{"id":[0-9]+', '{{"id":' || id), visibility FROM new_reports;
SELECT setval(pg_get_serial_sequence('reports', 'id'), (SELECT max(id) FROM reports));
INSERT INTO public_items (gmina, collection, id, seq, body)
  SELECT gmina, 'reports', id::text, (SELECT max(seq) FROM public_items) + row_number() OVER (ORDER BY id),
    regexp_replace(pub, '"data":\{{"id":[0-9]+', '"data":{{"id":' || id) FROM new_reports WHERE pub IS NOT NULL;

INSERT INTO devices (id, token_hash, platform, app_version, locale, os_version, push_token, created_at, last_seen_at, gmina)
  SELECT gen_random_uuid()::text, encode(sha256(random()::text::bytea), 'hex'), 'android', '1.4.0', 'pl-PL', '14',
    'fcm:' || md5(random()::text) || md5(random()::text) || md5(random()::text),
    to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), g.teryt
  FROM gminas g CROSS JOIN generate_series(1, {DEVICES}) i WHERE g.teryt <> '{S}';
"#,
        S = SIECHNICE
    )
}

/// Publishing transactions per second through `pgbench` (16 clients, 5 s,
/// 3 runs each), on scratch copies of the sync log in the 500-gmina
/// database: the lock and seq every gmina shares (as the store does), a
/// lock and seq per gmina (500 gminas, one picked at random each time),
/// and no lock at all (a sequence; the floor: insert and COMMIT).
async fn publication_lock(pg: &Pg, db: &str) -> Result<()> {
    println!("\n== 3. The publication lock: publishing transactions/s (pgbench, 16 clients, 5 s) ==");
    let c = pg.client_url(db).await?;
    c.batch_execute(
        "CREATE TABLE bench_global (LIKE public_items INCLUDING ALL);
         CREATE TABLE bench_per_gmina (gmina TEXT NOT NULL, collection TEXT NOT NULL, id TEXT NOT NULL,
           seq BIGINT NOT NULL, body TEXT, PRIMARY KEY (gmina, collection, id), UNIQUE (gmina, seq));
         CREATE TABLE bench_unlocked (LIKE public_items INCLUDING ALL);
         CREATE SEQUENCE bench_seq;
         CREATE TABLE bench_gminas AS SELECT row_number() OVER (ORDER BY teryt) AS k, teryt FROM gminas;",
    )
    .await?;
    let body = "repeat('x', 600)";
    let scripts = [
        (
            "one lock, one seq (as now)",
            format!(
                "\\set k random(1, 500)\nBEGIN;\nSELECT pg_advisory_xact_lock({PUBLICATION_LOCK});\n\
                 INSERT INTO bench_global (gmina, collection, id, seq, body) SELECT teryt, 'news', gen_random_uuid()::text, \
                 (SELECT COALESCE(max(seq), 0) + 1 FROM bench_global), {body} FROM bench_gminas WHERE k = :k;\nCOMMIT;\n"
            ),
        ),
        (
            "a lock and a seq per gmina",
            format!(
                "\\set k random(1, 500)\nBEGIN;\nSELECT pg_advisory_xact_lock(hashtext(teryt)) FROM bench_gminas WHERE k = :k;\n\
                 INSERT INTO bench_per_gmina (gmina, collection, id, seq, body) SELECT teryt, 'news', gen_random_uuid()::text, \
                 (SELECT COALESCE(max(seq), 0) + 1 FROM bench_per_gmina p WHERE p.gmina = teryt), {body} \
                 FROM bench_gminas WHERE k = :k;\nCOMMIT;\n"
            ),
        ),
        (
            "no lock, a sequence (the floor)",
            format!(
                "\\set k random(1, 500)\nBEGIN;\n\
                 INSERT INTO bench_unlocked (gmina, collection, id, seq, body) SELECT teryt, 'news', gen_random_uuid()::text, \
                 nextval('bench_seq'), {body} FROM bench_gminas WHERE k = :k;\nCOMMIT;\n"
            ),
        ),
    ];
    let dir = tempfile::tempdir()?;
    let dbname = tokio_postgres::Config::from_str(db)?.get_dbname().unwrap_or_default().to_owned();
    let mut rates: Vec<Vec<f64>> = vec![vec![]; scripts.len()];
    for _ in 0..RUNS {
        for (k, (_, script)) in scripts.iter().enumerate() {
            let file = dir.path().join(format!("s{k}.sql"));
            std::fs::write(&file, script)?;
            let out = std::process::Command::new("pgbench")
                .args(["-n", "-c", "16", "-j", "2", "-T", "5", "-f"])
                .arg(&file)
                .arg(&dbname)
                .output()?;
            let text = String::from_utf8_lossy(&out.stdout);
            let tps = text
                .lines()
                .find_map(|l| l.strip_prefix("tps = "))
                .and_then(|l| l.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok());
            match tps {
                Some(t) => rates[k].push(t),
                None => bail!("pgbench: {}{}", text, String::from_utf8_lossy(&out.stderr)),
            }
        }
    }
    for (k, (what, _)) in scripts.iter().enumerate() {
        println!("{what}: {} transactions/s", fmt_median(&rates[k]));
    }
    Ok(())
}

/// Rows, bytes (heap, TOAST and indexes) and bytes per row of each table.
async fn table_sizes(pg: &Pg, db: &str) -> Result<()> {
    println!("\n== 4. The 500-gmina database: rows and bytes per row (heap + TOAST + indexes) ==");
    let c = pg.client_url(db).await?;
    c.batch_execute("VACUUM ANALYZE").await?;
    let total: i64 = c.query_one("SELECT pg_database_size(current_database())", &[]).await?.get(0);
    for table in ["reports", "public_items", "news", "events", "devices", "report_followers", "idempotency", "audit_log", "jobs"] {
        let row = c
            .query_one(
                &format!("SELECT count(*), pg_total_relation_size('{table}'), pg_relation_size('{table}') FROM {table}"),
                &[],
            )
            .await?;
        let (n, all, heap): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
        println!(
            "{table}: {n} rows, {:.1} MB ({:.1} MB heap), {:.0} bytes/row",
            all as f64 / 1e6,
            heap as f64 / 1e6,
            if n > 0 { all as f64 / n as f64 } else { 0.0 }
        );
    }
    println!("database: {:.1} MB", total as f64 / 1e6);
    Ok(())
}

// ---------------------------------------------------------------- requests

fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder().pool_max_idle_per_host(CONNS).build()?)
}

async fn register(http: &reqwest::Client, url: &str, gmina: &Teryt) -> Result<String> {
    let r = http
        .post(format!("{url}/api/v1/devices"))
        .header("MM-Gmina", gmina.as_str())
        .json(&json!({"platform": "cli", "app_version": "1.0.0"}))
        .send()
        .await?;
    if r.status().as_u16() != 201 && r.status().as_u16() != 200 {
        bail!("device registration in {gmina}: {} {}", r.status(), r.text().await?);
    }
    let v: serde_json::Value = r.json().await?;
    Ok(v["token"].as_str().context("a device token")?.to_owned())
}

/// 16 connections for 5 s, connection `c` as device `tokens[c % n]`;
/// reports per second answered 201. Any other answer stops the bench.
async fn submit(http: &reqwest::Client, url: &str, tokens: &[(Teryt, String)]) -> Result<f64> {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let run = RUN.fetch_add(1, Ordering::Relaxed);
    let made = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = vec![];
    for c in 0..CONNS {
        let (http, url, made) = (http.clone(), url.to_owned(), made.clone());
        let (gmina, token) = tokens[c % tokens.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while start.elapsed() < Duration::from_secs(5) {
                let body = json!({"category": "other", "point": {"lat": 51.0335 + (i % 100) as f64 * 1e-4, "lon": 17.15},
                    "description": format!("Zgłoszenie z testu wydajności {c}-{i}")});
                let r = http
                    .post(format!("{url}/api/v1/reports"))
                    .bearer_auth(&token)
                    .header("MM-Gmina", gmina.as_str())
                    .header("idempotency-key", format!("s-{run}-{c}-{i}"))
                    .json(&body)
                    .send()
                    .await?;
                if r.status().as_u16() != 201 {
                    bail!("report in {gmina}: {} {}", r.status(), r.text().await.unwrap_or_default());
                }
                made.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(made.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

/// The cursor a client holds after reading the gmina's feed to its end.
async fn latest_cursor(http: &reqwest::Client, url: &str, gmina: &Teryt) -> Result<String> {
    let mut cursor = "0".to_owned();
    loop {
        let p: serde_json::Value = http
            .get(format!("{url}/api/v1/sync?cursor={cursor}&limit=2000"))
            .header("MM-Gmina", gmina.as_str())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        cursor = p["next_cursor"].as_str().map(str::to_owned).unwrap_or_else(|| p["next_cursor"].to_string());
        if p["has_more"] != json!(true) {
            return Ok(cursor);
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Rate {
    rps: f64,
    p50: f64,
    p99: f64,
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.0} req/s (p50 {:.2} ms, p99 {:.2} ms)", self.rps, self.p50, self.p99)
    }
}

/// 16 connections for 3 s, each answer 200 and read whole.
async fn get_bench(http: &reqwest::Client, url: &str, gmina: &Teryt) -> Result<Rate> {
    let start = Instant::now();
    let mut tasks = vec![];
    for _ in 0..CONNS {
        let (http, url, gmina) = (http.clone(), url.to_owned(), gmina.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            while start.elapsed() < Duration::from_secs(3) {
                let t = Instant::now();
                let r = http.get(&url).header("MM-Gmina", gmina.as_str()).send().await?;
                if r.status().as_u16() != 200 {
                    bail!("GET {url}: {}", r.status());
                }
                r.bytes().await?;
                lat.push(t.elapsed());
            }
            Ok(lat)
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort();
    let secs = start.elapsed().as_secs_f64();
    let p = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1))).map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0)
    };
    Ok(Rate { rps: all.len() as f64 / secs, p50: p(0.5), p99: p(0.99) })
}

// ---------------------------------------------------------------- figures

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn fmt_median(v: &[f64]) -> String {
    let runs: Vec<String> = v.iter().map(|x| fmt_num(*x)).collect();
    format!("{} ({})", fmt_num(median(v.to_vec())), runs.join(", "))
}

fn fmt_num(x: f64) -> String {
    if x >= 100.0 { format!("{x:.0}") } else { format!("{x:.2}") }
}

fn median_of(f: &[Figures], pick: impl Fn(&Figures) -> f64) -> String {
    fmt_median(&f.iter().map(pick).collect::<Vec<_>>())
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

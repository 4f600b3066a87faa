//! `mm-server`: serve the API, or manage the deployment (officials'
//! accounts, gminas, places, taxes, waste, push keys, the audit log,
//! backups).
//!
//! Start-up order: parse the command line, set up logging, lock the data
//! directory (SQLite), open and migrate the database, load the demo data
//! if asked, start the job queue's worker (with the EZD's jobs and case polling when configured),
//! bind, announce the address on stdout (tests read it), serve until
//! SIGTERM/SIGINT ([`connections`]: timeouts, a connection limit), then let
//! in-flight requests finish until the shutdown deadline, stop the worker
//! (running jobs finish, bounded) and close the database.

mod connections;

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Parser;
use mm_protocol::auth::Role;
use mm_server::config::{
    AuditCommand, Cli, Command, DataArgs, GminaCommand, PlacesCommand, PublicUrl, ServeArgs, TaxesCommand, UserCommand,
    PushCommand, WasteCommand,
};
use mm_server::state::AppState;
use mm_server::store::{Actor, PostgresStore, SqliteStore, Store};
use mm_server::{auth, demo};

/// mimalloc instead of glibc's malloc. Under the 30-minute soak glibc's
/// malloc took 15-20 % of the server's CPU (`malloc_consolidate`,
/// `unlink_chunk`: signs of a fragmented heap), and after each burst of requests the
/// CPU per request and the private memory rose and stayed, until the server
/// fell behind; `MALLOC_ARENA_MAX=2` did not change that. With mimalloc the
/// same run stayed flat (`docs/BENCHMARKS.md`, "Soak", runs I, K and L).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    owner_only_files();
    init_logging();
    match cli.command {
        None | Some(Command::Serve) => serve(cli.serve).await,
        Some(Command::User(UserCommand::Add {
            login,
            role,
            password_stdin,
        })) => {
            add_user(
                &cli.serve.data,
                &login,
                role.into(),
                password_stdin,
            )
            .await
        }
        Some(Command::User(UserCommand::TwoFactor { login, force })) => {
            enrol_two_factor(&cli.serve.data, cli.serve.two_factor_key.as_deref(), &login, force).await
        }
        Some(Command::Places(PlacesCommand::Import { file })) => {
            import_places(&cli.serve.data, &file).await
        }
        Some(Command::Gmina(GminaCommand::Add { teryt, name, powiat, voivodeship, boundary, admin })) => {
            let new = mm_server::gmina::setup::NewGmina { teryt, name, powiat, voivodeship, boundary: None, admin_login: admin };
            add_gmina(&cli.serve.data, new, boundary.as_deref()).await
        }
        Some(Command::Migrate { from_sqlite }) => migrate(&cli.serve.data, &from_sqlite).await,
        Some(Command::Taxes(command)) => taxes(&cli.serve.data, command).await,
        Some(Command::Waste(command)) => waste(&cli.serve.data, command).await,
        Some(Command::Push(command)) => push(command),
        Some(Command::Audit(AuditCommand::Verify { gmina, expect_head })) => {
            audit_verify(&cli.serve.data, gmina.as_deref(), &expect_head).await
        }
        Some(Command::Backup { to, force }) => backup(&cli.serve, to, force),
        Some(Command::Restore { from, force }) => restore(&cli.serve.data, &from, force),
    }
}

/// `mm-server backup --to FILE [--force]` (`mm_server::backup`): SQLite
/// only; a PostgreSQL deployment is dumped with pg_dump.
fn backup(args: &ServeArgs, to: std::path::PathBuf, force: bool) -> Result<()> {
    use mm_server::blobs::PhotoLocation;
    if args.data.database.is_some() {
        bail!(
            "na PostgreSQL kopię robi pg_dump -Fc (docs/OPERATIONS.md) / on PostgreSQL, back up with pg_dump -Fc \
             (docs/OPERATIONS.md); keep the key files of DATA_DIR (or MM_DEVICE_TOKEN_KEY, MM_BUDGET_KEY) with it"
        );
    }
    let photos_elsewhere = match &args.photos {
        Some(PhotoLocation::Dir(dir)) => Some(dir.clone()),
        Some(PhotoLocation::S3 { .. }) => {
            eprintln!("photos are in S3: not in this backup (the bucket's versioning or replication keeps them)");
            None
        }
        None => None,
    };
    let options = mm_server::backup::BackupOptions { data_dir: args.data.data_dir.clone(), photos_elsewhere, to, force };
    let r = mm_server::backup::backup(&options).context("the backup failed; nothing was written")?;
    println!("wrote {} ({})", r.file.display(), size(r.bytes));
    println!(
        "database: schema {}, {} tables, {} rows ({})",
        r.schema_version,
        r.tables,
        r.rows,
        size(r.database_bytes)
    );
    println!("photos: {} files ({})", r.photos, size(r.photo_bytes));
    println!("other files: {} ({})", r.other_files.len(), r.other_files.join(", "));
    Ok(())
}

/// `mm-server restore --from FILE [--force]` (`mm_server::backup::restore`).
fn restore(data: &DataArgs, from: &std::path::Path, force: bool) -> Result<()> {
    if data.database.is_some() {
        bail!("na PostgreSQL odtwarza pg_restore (docs/OPERATIONS.md) / on PostgreSQL, restore with pg_restore (docs/OPERATIONS.md)");
    }
    let r = mm_server::backup::restore(from, &data.data_dir, force)?;
    if r.replaced > 0 {
        println!("removed what {} held before ({} entries)", r.data_dir.display(), r.replaced);
    }
    println!(
        "restored the backup of {} into {}: schema {}, {} tables, {} rows, {} photos, {} other files ({}); \
         integrity_check ok",
        r.created_at,
        r.data_dir.display(),
        r.schema_version,
        r.tables,
        r.rows,
        r.photos,
        r.other_files,
        size(r.bytes)
    );
    Ok(())
}

/// A byte count for people: `12.3 MiB`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// `mm-server audit verify [--gmina TERYT] [--expect-head SHA256]…`
/// (`mm_server::audit::verify`): a line per gmina on stdout; exit code 1
/// when a chain is broken or a recorded head is not found.
async fn audit_verify(data: &DataArgs, gmina: Option<&str>, recorded: &[String]) -> Result<()> {
    let teryt = match gmina {
        Some(code) => Some(
            mm_protocol::gmina::Teryt::parse(code)
                .map_err(|_| anyhow::anyhow!("--gmina {code}: not a TERYT code (7 digits)"))?,
        ),
        None => None,
    };
    let store = open_store(data).await?;
    let verification = mm_server::audit::verify::verify(store.clone(), teryt.as_ref(), recorded).await;
    store.close().await.ok();
    let verification = verification.context("cannot read the audit log")?;
    print!("{verification}");
    if !verification.intact() {
        let broken = verification.chains.iter().filter(|r| !r.intact()).count();
        bail!(
            "dziennik zdarzeń naruszony / the audit log was tampered with: {broken} broken chain(s), {} recorded head(s) missing",
            verification.missing.len()
        );
    }
    Ok(())
}

/// `mm-server push vapid-keygen --out FILE`.
fn push(command: PushCommand) -> Result<()> {
    let PushCommand::VapidKeygen { out } = command;
    let (pem, public) = mm_server::push::webpush::vapid_keygen().context("cannot make a VAPID key")?;
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    let mut f = file.open(&out).with_context(|| format!("cannot create {} (it must not exist yet)", out.display()))?;
    std::io::Write::write_all(&mut f, pem.as_bytes()).with_context(|| format!("cannot write {}", out.display()))?;
    println!("{public}");
    Ok(())
}

/// `mm-server waste import DIR` (`mm_server::waste::cli`).
async fn waste(data: &DataArgs, command: WasteCommand) -> Result<()> {
    let WasteCommand::Import { dir, gmina } = command;
    let store = open_store(data).await?;
    let out = match mm_server::taxes::cli::gmina_store(store.clone(), gmina.as_deref()).await {
        Ok(s) => mm_server::waste::cli::import_dir(s.as_ref(), &dir).await,
        Err(e) => Err(e),
    };
    store.close().await.ok();
    println!("{}", out?);
    Ok(())
}

/// `mm-server taxes import|codes` (`mm_server::taxes::cli`).
async fn taxes(data: &DataArgs, command: TaxesCommand) -> Result<()> {
    use mm_server::taxes::cli;
    let store = open_store(data).await?;
    let out = match command {
        TaxesCommand::Import { file, gmina } => match cli::gmina_store(store.clone(), gmina.as_deref()).await {
            Ok(s) => cli::import_file(s.as_ref(), &file).await,
            Err(e) => Err(e),
        },
        TaxesCommand::Codes { out, gmina } => match cli::gmina_store(store.clone(), gmina.as_deref()).await {
            Ok(s) => cli::issue_codes(s.as_ref(), &out).await,
            Err(e) => Err(e),
        },
    };
    store.close().await.ok();
    println!("{}", out?);
    Ok(())
}

/// `mm-server gmina add`: the gmina and its first admin, whose password
/// is printed once on stdout (as `user add` prints a generated one). The
/// boundary file is read and checked before anything is written.
async fn add_gmina(
    data: &DataArgs,
    mut new: mm_server::gmina::setup::NewGmina,
    boundary: Option<&std::path::Path>,
) -> Result<()> {
    use mm_server::gmina::setup;
    if let Some(file) = boundary {
        let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        new.boundary = Some(setup::boundary_from_geojson(&bytes).with_context(|| format!("{} is not a usable boundary", file.display()))?);
    }
    let store = open_store(data).await?;
    let added = setup::add(store.as_ref(), new, chrono::Utc::now()).await;
    store.close().await.ok();
    let added = added?;
    println!("{}", added.admin_password);
    eprintln!(
        "gmina {} ({}) added; its admin {} has the password above, shown only once",
        added.gmina.name, added.gmina.teryt, added.admin_login
    );
    Ok(())
}

/// `mm-server places import FILE`: the OSM import, reported on stdout.
async fn import_places(data: &DataArgs, file: &std::path::Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open_store(data).await?;
    let report = mm_server::places::import(store.as_ref(), Actor("cli".into()), &bytes, chrono::Utc::now())
        .await
        .with_context(|| format!("cannot import {}", file.display()))?;
    println!(
        "created {}, updated {}, unchanged {}, skipped {}",
        report.created,
        report.updated,
        report.unchanged,
        report.skipped.len()
    );
    for s in &report.skipped {
        println!("skipped {}: {}", s.element, s.reason);
    }
    println!(
        "opening_hours: {} values, {} read after a correction, {} unreadable (kept as text)",
        report.opening_hours,
        report.opening_hours_corrected,
        report.opening_hours_unread.len()
    );
    for u in &report.opening_hours_unread {
        println!("unreadable opening_hours {}: {:?}", u.element, u.value);
    }
    store.close().await?;
    Ok(())
}

/// `MM_LOG` filters (default `info`); `MM_LOG_FORMAT=json` writes JSON
/// lines. Logs go to stderr: stdout carries only the listening line.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("MM_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Every file and directory this process creates is its owner's only
/// (umask 077): the database holds residents' contacts, photos show them.
fn owner_only_files() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-mode mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Tightens a data directory made before (or by hand, with the default
/// umask) to 0700, and its database files to 0600. What lies inside the
/// directory is then out of other users' reach whatever its own mode. A
/// directory this user may not change (another owner) is only warned about.
fn restrict_data_dir(data_dir: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set = |p: &std::path::Path, mode: u32| {
            if let Err(e) = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %p.display(), error = %e, "cannot make this owner-only");
            }
        };
        set(data_dir, 0o700);
        for f in ["mm.sqlite", "mm.sqlite-wal", "mm.sqlite-shm"] {
            set(&data_dir.join(f), 0o600);
        }
    }
}

/// The shared lock a SQLite server holds on its data directory. A file
/// system without flock(2) only costs restore's check: warned, not fatal.
fn lock_data_dir(dir: &std::path::Path) -> Result<Option<mm_server::backup::lock::DirLock>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    match mm_server::backup::lock::shared(dir) {
        Ok(Some(lock)) => Ok(Some(lock)),
        Ok(None) => bail!("{} jest właśnie odtwarzany z kopii / {} is being restored from a backup", dir.display(), dir.display()),
        Err(e) => {
            tracing::warn!(error = %e, "cannot lock the data directory: `mm-server restore` will not see this server");
            Ok(None)
        }
    }
}

/// The store of a command other than serving: photos under the data dir.
async fn open_store(data: &DataArgs) -> Result<Arc<dyn Store>> {
    let photos = mm_server::blobs::open(None, &data.data_dir).await?;
    open_store_with(data, photos).await
}

/// The store `--database` names (PostgreSQL), or the SQLite file under
/// the data dir; photos' bytes in `photos` (`--photos`).
async fn open_store_with(data: &DataArgs, photos: Arc<dyn mm_server::blobs::PhotoStorage>) -> Result<Arc<dyn Store>> {
    let data_dir = data.data_dir.as_path();
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    restrict_data_dir(data_dir);
    if let Some(url) = &data.database {
        // The URL may carry a password: it is never printed.
        let store = PostgresStore::connect_with(url, photos).await.context("cannot open the PostgreSQL database")?;
        let lease = std::time::Duration::from_secs(data.job_lease_secs.max(1));
        return Ok(Arc::new(store.with_job_lease(lease)));
    }
    let dir = data_dir.to_owned();
    let store = tokio::task::spawn_blocking(move || SqliteStore::open_with(&dir, photos))
        .await?
        .with_context(|| format!("cannot open the database in {}", data_dir.display()))?;
    Ok(Arc::new(store))
}

async fn serve(args: ServeArgs) -> Result<()> {
    // On SQLite, the data directory's lock, held until the process ends:
    // `mm-server restore` refuses a directory a server uses
    // (`mm_server::backup::lock`).
    let _data_dir_lock = match args.data.database {
        Some(_) => None,
        None => lock_data_dir(&args.data.data_dir)?,
    };
    // The SMS gateway (`--sms`): its flags are checked before anything starts.
    let sms = mm_server::sms::from_args(&args.sms, args.demo).context("cannot use the SMS gateway (--sms)")?;
    let photos = mm_server::blobs::open(args.photos.as_ref(), &args.data.data_dir)
        .await
        .context("cannot use the photo storage (--photos)")?;
    tracing::info!(photos = %photos.describe(), "photo storage");
    let store = open_store_with(&args.data, photos).await?;
    let mut state = AppState::new(store.clone());
    state.sms = sms;
    tracing::info!(provider = state.sms.provider(), "sms gateway");
    state.limits.configure(mm_server::reports::ratelimit::Limits {
        device_per_hour: args.rate_device_per_hour,
        ip_per_hour: args.rate_ip_per_hour,
    });
    state.limits.set_registrations_per_hour(args.rate_registrations_per_hour);
    // Several instances over one database count every allowance once.
    if args.shared_limits && args.device_token_key.is_none() {
        tracing::warn!(
            "several instances (--shared-limits) without MM_DEVICE_TOKEN_KEY: each derives device tokens \
             from its own DATA_DIR key, so a registration retried on another instance changes the device's token"
        );
    }
    if args.shared_limits && args.public_url.is_none() {
        tracing::warn!(
            "several instances (--shared-limits) without MM_PUBLIC_URL: each builds Open311 links and cookies \
             from its own listening address instead of the balancer's"
        );
    }
    let _limits_purge = args.shared_limits.then(|| {
        state.limits.share_through(store.clone());
        mm_server::reports::ratelimit::spawn_shared_purge(store.clone(), state.clock.clone(), args.maintenance.every())
    });
    state.device_tokens = Arc::new(mm_server::devices::tokens::DeviceTokens::load(
        &args.data.data_dir,
        args.device_token_key.as_deref(),
    )?);
    // Officials' second factors: the key that seals TOTP secrets.
    state.factor_key = Arc::new(mm_server::auth::factor_key::FactorKey::load(
        &args.data.data_dir,
        args.two_factor_key.as_deref(),
    )?);
    // The budget's identity key: voter keys of one edition must not change
    // between instances or restarts (a second vote would pass the register).
    let budget_key = std::env::var("MM_BUDGET_KEY").ok().filter(|k| !k.trim().is_empty());
    if args.shared_limits && budget_key.is_none() {
        tracing::warn!(
            "several instances (--shared-limits) without MM_BUDGET_KEY: each derives budget voter keys \
             from its own DATA_DIR key, so one person could vote once on each instance"
        );
    }
    state.budget_keys = Arc::new(mm_server::budget::identity::BudgetKeys::load(&args.data.data_dir, budget_key.as_deref())?);
    let mut demo_admin = Vec::new();
    let mut demo_tax_code = None;
    if args.demo {
        // Beside a real EZD the demo loads no reports: their stand-in cases
        // must never be asked about there.
        let with_office = args.ezd.mode != mm_server::config::EzdMode::RpApi;
        let started = demo::start(store.clone(), state.clock.clone(), &state.budget_keys, with_office).await?;
        tracing::info!(loaded_now = started.loaded, "demo data (Gminas Siechnice and Czernica) present");
        let neighbour = if args.demo_neighbour {
            demo::start_neighbour(store.clone(), state.clock.clone(), with_office).await?
        } else {
            None
        };
        demo_admin = started
            .admin_password
            .map(|p| (demo::ADMIN_LOGIN, p))
            .into_iter()
            .chain(started.taxes.official_password.map(|p| (demo::taxes::TAX_OFFICIAL_LOGIN, p)))
            .chain(neighbour.map(|p| (demo::czernica::ADMIN_LOGIN, p)))
            .collect();
        demo_tax_code = started.taxes.activation_code;
    }
    // One clean-up pass before serving (photos stored raw are cleaned
    // before anyone or the EZD bridge reads them), then one periodically.
    let maintenance = mm_server::maintenance::Maintenance {
        store: store.clone(),
        clock: state.clock.clone(),
        retention: args.maintenance.retention(),
    };
    maintenance.run_once().await?;
    let _maintenance = maintenance.spawn(args.maintenance.every());
    // The job queue's worker and the EZD's case polling stop when this is set.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = move || {
        let mut rx = stopped.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let mut worker = mm_server::jobs::Worker::new(store.clone(), state.clock.clone());
    let poller = start_ezd_bridge(&args, store.clone(), state.clock.clone(), &mut worker, until_stopped())?;
    let tax_schedule = start_tax_pull(&args, store.clone(), state.clock.clone(), &mut worker, until_stopped())?;
    start_notifications(&args, &mut state, store.clone(), &mut worker)?;
    let worker = worker.spawn(until_stopped());
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    state.public_url = args.public_url.clone().unwrap_or_else(|| PublicUrl::for_addr(addr));
    start_payments(&args, &mut state, until_stopped())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "mm-server listening on http://{addr}")?;
    out.flush()?;
    drop(out);
    for (login, password) in demo_admin {
        announce_demo_admin(state.public_url.base(), login, &password);
    }
    if let Some(code) = demo_tax_code {
        // Issue 14: the demo taxpayer's code, for the app's "Podatki i opłaty".
        eprintln!("  Kod aktywacyjny do wypróbowania / activation code to try: {code}\n");
    }
    tracing::info!(%addr, data_dir = %args.data.data_dir.display(), "serving");
    connections::serve(listener, mm_server::app(state), (&args.connections).into(), shutdown_signal()).await;
    tracing::info!("shutting down: stopping the job queue");
    let _ = stop.send(true);
    let background = async {
        let _ = worker.await;
        if let Some(p) = poller {
            let _ = p.await;
        }
        let _ = tax_schedule.await;
    };
    if tokio::time::timeout(JOBS_SHUTDOWN, background).await.is_err() {
        tracing::warn!("jobs still running at shutdown are attempted again at the next start");
    }
    tracing::info!("shutting down: closing the database");
    store.close().await?;
    Ok(())
}

/// How long running jobs get to finish at shutdown.
const JOBS_SHUTDOWN: std::time::Duration = std::time::Duration::from_secs(10);

/// The demo admin's password, once, on the terminal (stderr: stdout
/// carries only the listening line). Never logged: logs are kept.
fn announce_demo_admin(base: &str, login: &str, password: &str) {
    let base = base.trim_end_matches('/');
    eprintln!(
        "\n  Panel urzędnika / back office: {base}/admin\n  login: {}   hasło / password: {password}\n  \
         Hasło pokazujemy tylko ten jeden raz; zmień je po zalogowaniu w „Zmiana hasła” ({base}/admin/password).\n  \
         The password is shown only this once; change it after signing in under \"Change password\".\n",
        login
    );
}

/// The EZD bridge (`--ezd package|rp-api|off`): its two jobs on the
/// queue's worker, and case polling on its own task when the adapter can
/// tell a case's state.
fn start_ezd_bridge(
    args: &ServeArgs,
    store: Arc<dyn Store>,
    clock: mm_server::state::Clock,
    worker: &mut mm_server::jobs::Worker,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Option<tokio::task::JoinHandle<()>>> {
    use mm_server::config::EzdMode;
    use mm_server::ezd::{bridge, package, rp_api};
    use std::time::Duration;
    let e = &args.ezd;
    let ezd: Arc<dyn mm_server::ezd::Ezd> = match e.mode {
        EzdMode::Off => return Ok(None),
        EzdMode::Package => {
            let dir = args.data.data_dir.join("ezd");
            Arc::new(package::PackageEzd::new(&dir).with_context(|| format!("cannot use {}", dir.display()))?)
        }
        EzdMode::RpApi => {
            let url = e.ezd_url.as_deref().context("--ezd rp-api needs --ezd-url")?;
            let file = e.ezd_credentials.as_deref().context("--ezd rp-api needs --ezd-credentials FILE")?;
            let creds = rp_api::Credentials::load(file)
                .with_context(|| format!("cannot read the EZD credentials {}", file.display()))?;
            Arc::new(rp_api::RpApi::new(url, creds, Duration::from_millis(e.ezd_timeout_ms))?)
        }
    };
    let cfg = bridge::BridgeConfig {
        retry: mm_server::jobs::RetryPolicy {
            base: Duration::from_millis(e.ezd_retry_base_ms),
            max: Duration::from_millis(e.ezd_retry_max_ms),
            max_attempts: e.ezd_max_attempts.max(1),
        },
        poll_every: Duration::from_millis(e.ezd_poll_ms),
        // Packages are bound by fsync latency, so many at once keep up with
        // the write rate (`make bench-jobs`); a live EZD gets a few at once.
        concurrency: match e.mode {
            EzdMode::Package => 64,
            _ => 8,
        },
    };
    // Each gmina's registrations go to its own EZD: under `--ezd rp-api`
    // the one its settings name (`ezd_base_url`, with the credentials file
    // its settings name, relative to the data directory), else `--ezd-url`;
    // under `--ezd package` a folder of its own, `ezd-<TERYT>/`, beside the
    // deployment's first gmina's `ezd/`.
    let (timeout, dir) = (Duration::from_millis(e.ezd_timeout_ms), args.data.data_dir.clone());
    let (mode, first) = (e.mode, store.gmina_scope().clone());
    let bridge = bridge::Bridge::new(store, ezd, cfg, clock).with_gmina_ezds(
        mm_server::ezd::jobs::GminaEzds::new(Box::new(move |gmina, settings| {
            Ok(match mode {
                EzdMode::RpApi => match &settings.ezd_base_url {
                    Some(url) => {
                        let file = settings
                            .ezd_credentials
                            .as_deref()
                            .context("the gmina's settings name an EZD but no credentials file")?;
                        let creds = rp_api::Credentials::load(&dir.join(file))?;
                        Some(Arc::new(rp_api::RpApi::new(url, creds, timeout)?) as Arc<dyn mm_server::ezd::Ezd>)
                    }
                    None => None,
                },
                EzdMode::Package if *gmina != first => {
                    let folder = dir.join(format!("ezd-{gmina}"));
                    let ezd = package::PackageEzd::new(&folder).with_context(|| format!("cannot use {}", folder.display()))?;
                    Some(Arc::new(ezd) as Arc<dyn mm_server::ezd::Ezd>)
                }
                _ => None,
            })
        })),
    );
    bridge.register_jobs(worker);
    tracing::info!(mode = ?e.mode, "ezd bridge started");
    Ok(bridge.spawn_polling(shutdown))
}

/// The tax systems' HTTP adapter (`taxes::pull`): its job on the queue's
/// worker, and the scheduler that enqueues each pulled gmina's job per slot.
fn start_tax_pull(
    args: &ServeArgs,
    store: Arc<dyn Store>,
    clock: mm_server::state::Clock,
    worker: &mut mm_server::jobs::Worker,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<tokio::task::JoinHandle<()>> {
    use mm_server::taxes::pull::{PullConfig, PullTaxes, TaxContext, spawn_schedule};
    use std::time::Duration;
    let t = &args.taxes;
    let retry = mm_server::jobs::RetryPolicy {
        base: Duration::from_millis(t.tax_retry_base_ms),
        max: Duration::from_millis(t.tax_retry_max_ms),
        max_attempts: t.tax_max_attempts.max(1),
    };
    let cfg = PullConfig {
        default_url: t.tax_url.clone(),
        default_credentials: t.tax_credentials.clone(),
        data_dir: args.data.data_dir.clone(),
        timeout: Duration::from_millis(t.tax_timeout_ms),
        schedule_every: Duration::from_millis(t.tax_schedule_ms.max(100)),
        retry,
    };
    let ctx = TaxContext::new(store.clone(), clock.clone(), cfg.clone()).context("cannot start the tax pull")?;
    worker.register::<PullTaxes>(Arc::new(ctx), 2, retry);
    Ok(spawn_schedule(store, clock, cfg, shutdown))
}

/// Notifications (issue 16): the fan-out and delivery jobs, which Web Push
/// endpoints devices may register, and the push services each gmina sends
/// through.
fn start_notifications(args: &ServeArgs, state: &mut AppState, store: Arc<dyn Store>, worker: &mut mm_server::jobs::Worker) -> anyhow::Result<()> {
    use mm_server::notifications::{deliver, fanout, transports};
    state.push_endpoints = mm_protocol::notifications::EndpointPolicy { allow_loopback: args.push_allow_loopback };
    let p = &args.push;
    let mut options = transports::PushOptions::new(args.data.data_dir.clone());
    options.default_credentials = p.push_credentials.clone();
    options.apns_url = p.apns_url.clone();
    options.fcm_url = p.fcm_url.clone();
    options.fcm_token_url = p.fcm_token_url.clone();
    options.extra_root_pem = match &p.push_ca {
        Some(f) => Some(std::fs::read(f).with_context(|| format!("cannot read --push-ca {}", f.display()))?),
        None => None,
    };
    options.allow_loopback = args.push_allow_loopback;
    options.concurrency = p.push_concurrency.max(1);
    options.timeout = std::time::Duration::from_millis(p.push_timeout_ms.max(100));
    let push = Arc::new(transports::PushTransports::new(options));
    // A broken default credentials file is a deployment error: say so now,
    // not at the first alert.
    if p.push_credentials.is_some() {
        push.of(store.gmina_scope(), None).context("cannot open --push-credentials")?;
    }
    let ctx = fanout::FanOutContext { store: store.clone(), clock: state.clock.clone() };
    worker.register::<fanout::FanOutJob>(Arc::new(ctx), 1, mm_server::jobs::RetryPolicy::default());
    let mut ctx = deliver::DeliverContext::new(store, state.clock.clone(), push);
    ctx.lease = std::time::Duration::from_millis(p.push_lease_ms.max(1000));
    worker.register::<deliver::DeliverJob>(Arc::new(ctx), 4, mm_server::jobs::RetryPolicy::default());
    Ok(())
}

/// The payment gateway (`--payments none|sandbox|p24`): the sandbox is
/// reached over HTTP at this server's own public URL, like a real gateway;
/// pending payments past the gateway's time limit expire on a timer.
fn start_payments(
    args: &ServeArgs,
    state: &mut AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    use mm_server::config::PaymentsMode;
    use mm_server::payments::{Gateway, p24, sandbox};
    let p = &args.payments;
    let mode = p.payments.unwrap_or(if args.demo { PaymentsMode::Sandbox } else { PaymentsMode::None });
    let timeout = std::time::Duration::from_millis(p.p24_timeout_ms.max(1));
    let (provider, url, credentials) = match mode {
        PaymentsMode::None => return Ok(()),
        PaymentsMode::Sandbox => {
            state.sandbox = Some(Arc::new(sandbox::Sandbox::default()));
            ("sandbox", format!("{}{}", state.public_url.base(), sandbox::PREFIX), p24::CredentialsFile::One(sandbox::credentials()))
        }
        PaymentsMode::P24 => {
            let url = p.p24_url.clone().context("--payments p24 needs --p24-url")?;
            let file = p.p24_credentials.as_deref().context("--payments p24 needs --p24-credentials FILE")?;
            let creds = p24::CredentialsFile::load(file)
                .with_context(|| format!("cannot read the P24 credentials {}", file.display()))?;
            ("p24", url, creds)
        }
    };
    let gateway = Arc::new(Gateway {
        provider,
        client: p24::P24Client::new(&url, timeout).context("--p24-url is not a usable URL")?,
        credentials,
        time_limit_minutes: p.p24_time_limit_minutes.clamp(1, 99),
    });
    state.payments = Some(gateway);
    mm_server::payments::expire::spawn(state.clone(), args.maintenance.every().min(std::time::Duration::from_secs(300)), shutdown);
    tracing::info!(provider, "payment gateway configured");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `mm-server user two-factor --login L [--force]`: a new TOTP secret for
/// the official, confirmed at once (whoever runs this holds the server),
/// printed with its recovery codes on stdout, once.
async fn enrol_two_factor(data: &DataArgs, key: Option<&str>, login: &str, force: bool) -> Result<()> {
    use mm_server::auth::{factor_key, totp};
    let factor = factor_key::FactorKey::load(&data.data_dir, key)?;
    let store = open_store(data).await?;
    let Some(user) = store.find_user(login).await.map_err(|e| anyhow::anyhow!("{e}"))? else {
        bail!("no enabled official has the login {login}");
    };
    let now = chrono::Utc::now();
    let existing = store.totp(user.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if existing.as_ref().is_some_and(|t| t.confirmed) {
        if !force {
            bail!("{login} has two-step sign-in already; --force replaces it");
        }
        store.remove_totp(Actor("cli".into()), user.id, "two_factor.reset", now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let secret = totp::new_secret();
    store.begin_totp(user.id, &factor.seal(user.id, &secret)).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let codes: Vec<String> = (0..factor_key::RECOVERY_CODES).map(|_| factor_key::new_recovery_code()).collect();
    let hashes = codes.iter().map(|c| factor.recovery_hash(c)).collect();
    // The step before now: the official's first code (this step's) still works.
    let step = totp::step_at(now.timestamp()) - totp::WINDOW - 1;
    store.confirm_totp(Actor("cli".into()), user.id, step, hashes, now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let issuer = match store.gmina_record(&user.gmina).await.map_err(|e| anyhow::anyhow!("{e}"))? {
        Some(g) => format!("Gmina {}", g.name),
        None => "mMieszkaniec".to_owned(),
    };
    store.close().await.ok();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", totp::otpauth_uri(&issuer, login, &secret))?;
    writeln!(out, "{}", totp::base32(&secret))?;
    for c in codes {
        writeln!(out, "{c}")?;
    }
    eprintln!("{login}: two-step sign-in enrolled; the URI, secret and recovery codes above are shown only once");
    Ok(())
}

async fn add_user(
    data: &DataArgs,
    login: &str,
    role: Role,
    password_stdin: bool,
) -> Result<()> {
    let login = login.trim();
    if login.is_empty() || login.chars().count() > 100 || login.chars().any(char::is_control) {
        bail!("the login must be 1 to 100 visible characters");
    }
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Hasło / Password: ")?;
        let second = rpassword::prompt_password("Powtórz / Repeat: ")?;
        if first != second {
            bail!("the passwords differ");
        }
        (first, false)
    } else {
        (auth::password::generate(), true)
    };
    if let Err(e) = auth::password_policy::check_new(login, &password) {
        bail!("{} / {}", e.pl, e.en);
    }
    let hash =
        tokio::task::spawn_blocking(move || auth::password::hash(&password).map(|h| (h, password)))
            .await?
            .map_err(anyhow::Error::msg)?;
    let store = open_store(data).await?;
    store
        .create_user(Actor("cli".into()), login, role, &hash.0)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    store.close().await.ok();
    if generated {
        println!("{}", hash.1);
        eprintln!(
            "user {login} ({}) added; the password above is shown only once",
            role.as_str()
        );
    } else {
        eprintln!("user {login} ({}) added", role.as_str());
    }
    Ok(())
}

/// `mm-server migrate --from-sqlite DIR --database URL`: the SQLite
/// deployment's rows into the empty PostgreSQL database, then every table
/// compared (`store::migrate_from_sqlite`). Photos stay files: copy
/// `DIR/photos` to the new data dir (the command says whether it must).
async fn migrate(data: &DataArgs, from: &std::path::Path) -> Result<()> {
    let url = data.database.as_deref().context("migrate needs --database postgres://… (or MM_DATABASE_URL)")?;
    let report = mm_server::store::migrate_from_sqlite::migrate(from, url)
        .await
        .context("the migration failed; the PostgreSQL database was left as it was")?;
    for t in &report.tables {
        println!("{:<28} {:>8} rows, identical", t.table, t.rows);
    }
    let (src, dst) = (from.join("photos"), data.data_dir.join("photos"));
    if src.exists() && std::fs::canonicalize(&src).ok() != std::fs::canonicalize(&dst).ok() {
        println!("photos stay files: copy {} to {} before serving", src.display(), dst.display());
    }
    Ok(())
}

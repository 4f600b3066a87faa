//! The command line: `mm-server [serve] …` and `mm-server user add …`.
//! Every option can also come from the environment (`MM_*`), and is global,
//! so `mm-server --demo serve` and `mm-server serve --demo` mean the same.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use mm_protocol::auth::Role;

#[derive(Debug, Parser)]
#[command(
    name = "mm-server",
    version,
    about = "mMieszkaniec: the gmina's API and back office"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Manage officials' accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the map's places.
    #[command(subcommand)]
    Places(PlacesCommand),
    /// Manage the deployment's gminas.
    #[command(subcommand)]
    Gmina(GminaCommand),
    /// Local taxes: import the tax system's export, issue activation codes.
    #[command(subcommand)]
    Taxes(TaxesCommand),
    /// The waste-collection schedule (docs/WASTE.md).
    #[command(subcommand)]
    Waste(WasteCommand),
    /// Push services' keys (docs/NOTIFICATIONS.md).
    #[command(subcommand)]
    Push(PushCommand),
    /// The officials' audit log (docs/SECURITY.md, "Audit log integrity").
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Copy a SQLite deployment (its DATA_DIR) into the PostgreSQL database
    /// that `--database` names, which must be empty; every table is
    /// compared afterwards.
    Migrate {
        /// The SQLite deployment's data directory (holding `mm.sqlite`).
        #[arg(long, value_name = "DIR")]
        from_sqlite: PathBuf,
    },
    /// Back up a SQLite deployment into one file (mode 0600) while its
    /// server keeps running: the database's snapshot, the key files and
    /// the photos (docs/OPERATIONS.md). PostgreSQL: pg_dump -Fc.
    Backup {
        /// The backup file to write; never replaced without `--force`.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Restore a backup into `--data-dir`, which must be absent or empty
    /// (`--force` replaces what it holds) and unused by any server; the
    /// backup is checked whole before anything is moved.
    Restore {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk each gmina's audit chain: prints how many entries were checked
    /// and the head (last entry's id, place and hash) to record elsewhere;
    /// at the first entry edited, deleted or out of its chain, prints its
    /// id, time, action and the check it failed, and exits with 1.
    Verify {
        /// Only this gmina's chain (its TERYT code; default: every gmina's).
        #[arg(long)]
        gmina: Option<String>,
        /// A head an earlier run printed and someone recorded (its sha256);
        /// it must still be an entry of a chain that verifies, else the
        /// log was rewritten or cut since (exit code 1). Repeatable.
        #[arg(long, value_name = "SHA256")]
        expect_head: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PushCommand {
    /// Make a Web Push (VAPID, RFC 8292) key: its PEM goes to FILE (created
    /// with mode 0600, never overwritten; name it as `vapid_key_file` in the
    /// push credentials file); its public key is printed, for the apps.
    VapidKeygen {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum GminaCommand {
    /// Add a gmina and its first admin account (its password is printed
    /// once, on stdout). The first gmina added is the deployment's default.
    Add {
        /// Its TERYT code (7 digits, e.g. 0223032).
        #[arg(long)]
        teryt: String,
        /// As residents say it, e.g. "Czernica".
        #[arg(long)]
        name: String,
        /// e.g. "wrocławski".
        #[arg(long)]
        powiat: String,
        /// e.g. "dolnośląskie".
        #[arg(long)]
        voivodeship: String,
        /// A GeoJSON file: a Polygon or a one-part MultiPolygon, bare or as
        /// a Feature. Without it, reports are not checked against a boundary.
        #[arg(long)]
        boundary: Option<PathBuf>,
        /// The first admin's login (default: admin-<name>, e.g. admin-czernica).
        #[arg(long)]
        admin: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "MM_ADDR", default_value = "127.0.0.1:8080", global = true)]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub data: DataArgs,
    /// Load the Siechnice demo data (once per database); see `--demo-neighbour`.
    /// `MM_DEMO` takes 1/0, true/false, yes/no.
    #[arg(long, env = "MM_DEMO", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new(), global = true)]
    pub demo: bool,
    /// With `--demo`: also Siechnice's neighbour Czernica (a second gmina,
    /// with its own admin `admin-czernica`), to see two gminas kept apart.
    /// Off by default: a deployment of two gminas needs every app request
    /// to name its gmina. `MM_DEMO_NEIGHBOUR` takes 1/0, true/false, yes/no.
    #[arg(long, env = "MM_DEMO_NEIGHBOUR", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new(), global = true)]
    pub demo_neighbour: bool,
    /// Tests only: devices may register `http://127.0.0.1:…` (and `[::1]`,
    /// `localhost`) Web Push endpoints, which the SSRF rule refuses
    /// otherwise (https to public addresses only).
    #[arg(long, env = "MM_PUSH_ALLOW_LOOPBACK", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new(), global = true)]
    pub push_allow_loopback: bool,
    /// Residents' writes (reports, photos, follows) per device per hour.
    #[arg(long, env = "MM_RATE_DEVICE_PER_HOUR", default_value_t = 30, global = true)]
    pub rate_device_per_hour: u32,
    /// Residents' writes per client IP per hour; high, because an office or
    /// a mobile network puts many residents behind one address.
    #[arg(long, env = "MM_RATE_IP_PER_HOUR", default_value_t = 2000, global = true)]
    pub rate_ip_per_hour: u32,
    /// Device registrations per client address per hour (an IPv6 client
    /// counts by its /64).
    #[arg(long, env = "MM_RATE_REGISTRATIONS_PER_HOUR", default_value_t = 60, global = true)]
    pub rate_registrations_per_hour: u32,
    /// The key device tokens are derived from: at least 32 bytes, e.g.
    /// `openssl rand -hex 32`; every instance behind one load balancer needs
    /// the same. Without it, one is made in DATA_DIR/device-token.key (0600).
    #[arg(long, env = "MM_DEVICE_TOKEN_KEY", hide_env_values = true, global = true)]
    pub device_token_key: Option<String>,
    /// The key officials' TOTP secrets are sealed and recovery codes
    /// hashed with (`auth::factor_key`): at least 32 bytes; every instance
    /// needs the same. Without it, one is made in DATA_DIR/two-factor.key (0600).
    #[arg(long, env = "MM_TWO_FACTOR_KEY", hide_env_values = true, global = true)]
    pub two_factor_key: Option<String>,
    /// Where photos' bytes go: `s3://BUCKET[/PREFIX]` on an S3-compatible
    /// store (`MM_S3_ENDPOINT`, `MM_S3_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`; `crate::blobs::s3`), or a directory. Every
    /// instance behind one load balancer needs the same. Default:
    /// DATA_DIR/photos.
    #[arg(long, env = "MM_PHOTOS", value_parser = crate::blobs::PhotoLocation::parse, global = true)]
    pub photos: Option<crate::blobs::PhotoLocation>,
    /// Count residents' write limits in the database, so that several
    /// instances over one database share each device's and address's
    /// allowance (`crate::store::limits`). Off: in this process's memory.
    #[arg(long, env = "MM_SHARED_LIMITS", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new(), global = true)]
    pub shared_limits: bool,
    #[command(flatten)]
    pub maintenance: MaintenanceArgs,
    /// The address residents and officials use, e.g.
    /// `https://zgloszenia.gmina.pl`: absolute URLs (Open311) are built from
    /// it, never from the request's `Host`; when it is https, cookies are
    /// `Secure` with the `__Host-` prefix and HSTS is sent. Default:
    /// `http://` + the address the server listens on.
    #[arg(long, env = "MM_PUBLIC_URL", value_parser = PublicUrl::parse, global = true)]
    pub public_url: Option<PublicUrl>,
    #[command(flatten)]
    pub ezd: EzdArgs,
    #[command(flatten)]
    pub taxes: TaxPullArgs,
    #[command(flatten)]
    pub connections: ConnectionArgs,
    #[command(flatten)]
    pub payments: PaymentArgs,
    #[command(flatten)]
    pub sms: SmsArgs,
    #[command(flatten)]
    pub push: PushArgs,
}

/// The push services (`crate::notifications::transports`): each gmina's
/// credentials file is named by its `push_credentials` setting (relative to
/// the data directory); `--push-credentials` serves gminas that name none.
/// The URLs replace the services' own only for tests and benches (the fakes
/// in `tests/`).
#[derive(Debug, Clone, Args)]
pub struct PushArgs {
    /// JSON naming the APNs key, the FCM service account and the VAPID key
    /// (format in `notifications/transports.rs` and docs/NOTIFICATIONS.md).
    #[arg(long, env = "MM_PUSH_CREDENTIALS", value_name = "FILE", global = true)]
    pub push_credentials: Option<PathBuf>,
    /// Replaces `https://api.push.apple.com` (tests).
    #[arg(long, env = "MM_APNS_URL", global = true)]
    pub apns_url: Option<String>,
    /// Replaces `https://fcm.googleapis.com` (tests).
    #[arg(long, env = "MM_FCM_URL", global = true)]
    pub fcm_url: Option<String>,
    /// Replaces the service account's `token_uri` (tests).
    #[arg(long, env = "MM_FCM_TOKEN_URL", global = true)]
    pub fcm_token_url: Option<String>,
    /// A PEM certificate trusted besides the web PKI, for the fakes' TLS.
    #[arg(long, env = "MM_PUSH_CA", value_name = "FILE", global = true)]
    pub push_ca: Option<PathBuf>,
    /// Sends in flight per service of a gmina (per host for Web Push).
    #[arg(long, env = "MM_PUSH_CONCURRENCY", default_value_t = crate::notifications::transports::DEFAULT_CONCURRENCY, global = true)]
    pub push_concurrency: usize,
    /// One send's timeout, in milliseconds.
    #[arg(long, env = "MM_PUSH_TIMEOUT_MS", default_value_t = 10_000, global = true)]
    pub push_timeout_ms: u64,
    /// How long a sender holds the deliveries it claimed, in milliseconds:
    /// after a crash, they are sent again this long after they were claimed
    /// (`notifications::deliver::LEASE`; tests shorten it).
    #[arg(long, env = "MM_PUSH_LEASE_MS", default_value_t = 120_000, global = true)]
    pub push_lease_ms: u64,
}

/// The HTTP adapter of the tax systems (`crate::taxes::pull`): a gmina whose
/// settings name a `tax_source_url` is pulled from it; `--tax-url` is the
/// source of gminas that name none (a hosted, multi-gmina tax system, asked
/// with each gmina's TERYT).
#[derive(Debug, Clone, Args)]
pub struct TaxPullArgs {
    #[arg(long, env = "MM_TAX_URL", global = true)]
    pub tax_url: Option<String>,
    /// JSON `{"token": "..."}`, or such objects keyed by TERYT: the bearer
    /// token of `--tax-url` (a gmina's own file is named by its
    /// `tax_source_credentials` setting, relative to the data directory).
    #[arg(long, env = "MM_TAX_CREDENTIALS", value_name = "FILE", global = true)]
    pub tax_credentials: Option<PathBuf>,
    /// How often each gmina's next pull is looked at, in milliseconds (a
    /// gmina is pulled every `tax_pull_minutes` of its settings, default 60).
    #[arg(long, env = "MM_TAX_SCHEDULE_MS", default_value_t = 60_000, global = true)]
    pub tax_schedule_ms: u64,
    /// Timeout of one page's request, in milliseconds.
    #[arg(long, env = "MM_TAX_TIMEOUT_MS", default_value_t = 30_000, global = true)]
    pub tax_timeout_ms: u64,
    /// The first retry's delay after a temporary failure, doubled each time.
    #[arg(long, env = "MM_TAX_RETRY_BASE_MS", default_value_t = 5_000, global = true)]
    pub tax_retry_base_ms: u64,
    #[arg(long, env = "MM_TAX_RETRY_MAX_MS", default_value_t = 900_000, global = true)]
    pub tax_retry_max_ms: u64,
    /// Attempts of one pull before it becomes a dead letter (the next time
    /// slot pulls again anyway).
    #[arg(long, env = "MM_TAX_MAX_ATTEMPTS", default_value_t = 8, global = true)]
    pub tax_max_attempts: u32,
}

/// Limits on clients' connections (`crate::connections` in the binary):
/// a slow or idle client must not hold the server (slowloris), and a
/// shutdown must end in bounded time. Even behind a reverse proxy these
/// stay on, as the last line.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// How long a client may take to send a request's headers (also how
    /// long an idle connection stays open), in milliseconds.
    #[arg(long, env = "MM_HEADER_READ_TIMEOUT_MS", default_value_t = 15_000, global = true)]
    pub header_read_timeout_ms: u64,
    /// The longest pause while a request's body arrives, in milliseconds;
    /// the request fails and the connection closes after it.
    #[arg(long, env = "MM_BODY_READ_TIMEOUT_MS", default_value_t = 30_000, global = true)]
    pub body_read_timeout_ms: u64,
    /// Connections served at once; further clients wait in the listen
    /// queue until one closes.
    #[arg(long, env = "MM_MAX_CONNECTIONS", default_value_t = 512, global = true)]
    pub max_connections: usize,
    /// After SIGTERM/SIGINT, how long requests under way may finish before
    /// the remaining connections are dropped, in milliseconds.
    #[arg(long, env = "MM_SHUTDOWN_DEADLINE_MS", default_value_t = 10_000, global = true)]
    pub shutdown_deadline_ms: u64,
    /// Requests handled at once across all connections. Beyond it a
    /// request waits for a turn; one that waits longer than
    /// `--overload-wait-ms` is answered 503 with Retry-After (load
    /// shedding), so an overload costs the excess requests and not
    /// everyone's latency, threads and memory.
    #[arg(long, env = "MM_MAX_IN_FLIGHT", default_value_t = 256, global = true)]
    pub max_in_flight: usize,
    /// How long a request may wait for a turn before it is shed, in milliseconds.
    #[arg(long, env = "MM_OVERLOAD_WAIT_MS", default_value_t = 2_000, global = true)]
    pub overload_wait_ms: u64,
}

/// The periodic clean-up (`crate::maintenance`).
#[derive(Debug, Clone, Args)]
pub struct MaintenanceArgs {
    /// Minutes between clean-up passes.
    #[arg(long, env = "MM_MAINTENANCE_EVERY_MINUTES", default_value_t = 60, global = true)]
    pub maintenance_every_minutes: u64,
    /// Hours an uploaded photo may stay without a report naming it.
    #[arg(long, env = "MM_ORPHAN_PHOTO_HOURS", default_value_t = 72, global = true)]
    pub orphan_photo_hours: i64,
    /// Days an idempotency key (and its stored answer) is kept.
    #[arg(long, env = "MM_IDEMPOTENCY_DAYS", default_value_t = 30, global = true)]
    pub idempotency_days: i64,
    /// Days after which an unseen device with no open report is deleted.
    #[arg(long, env = "MM_DEVICE_UNSEEN_DAYS", default_value_t = 730, global = true)]
    pub device_unseen_days: i64,
}

impl MaintenanceArgs {
    pub fn retention(&self) -> crate::maintenance::Retention {
        crate::maintenance::Retention {
            orphan_photos: chrono::Duration::hours(self.orphan_photo_hours.max(1)),
            idempotency: chrono::Duration::days(self.idempotency_days.max(1)),
            unseen_devices: chrono::Duration::days(self.device_unseen_days.max(1)),
        }
    }

    pub fn every(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.maintenance_every_minutes.max(1) * 60)
    }
}

/// The server's public base URL: a scheme (http or https) and a host with
/// an optional port, no path (every route is absolute), no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    base: String,
    https: bool,
}

impl PublicUrl {
    pub fn parse(s: &str) -> Result<PublicUrl, String> {
        let uri: axum::http::Uri = s.trim().parse().map_err(|e| format!("not a URL: {e}"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err("the public URL must begin with https:// or http://".into()),
        };
        let authority = uri.authority().ok_or("the public URL needs a host")?;
        if authority.as_str().contains('@') || authority.host().is_empty() {
            return Err("the public URL needs a host and no user name".into());
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err("the public URL takes no path: the server answers at the root".into());
        }
        let scheme = if https { "https" } else { "http" };
        Ok(PublicUrl { base: format!("{scheme}://{}", authority.as_str().to_ascii_lowercase()), https })
    }

    /// `http://ADDR`, the default when none is configured.
    pub fn for_addr(addr: SocketAddr) -> PublicUrl {
        PublicUrl { base: format!("http://{addr}"), https: false }
    }

    /// `scheme://host[:port]`, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn is_https(&self) -> bool {
        self.https
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base)
    }
}

/// The EZD bridge (`crate::ezd`).
#[derive(Debug, Clone, Args)]
pub struct EzdArgs {
    /// Where reports are registered: `package` (folders under
    /// DATA_DIR/ezd), `rp-api` (EZD RP Integrator API v2) or `off`.
    #[arg(long = "ezd", env = "MM_EZD", value_enum, default_value = "package", global = true)]
    pub mode: EzdMode,
    /// The EZD RP base URL (paths begin with /ezdrp/integrator/v2).
    #[arg(long, env = "MM_EZD_URL", global = true)]
    pub ezd_url: Option<String>,
    /// JSON file with pid, aki, api_key, sid, obieg_id (and sso_url).
    #[arg(long, env = "MM_EZD_CREDENTIALS", global = true)]
    pub ezd_credentials: Option<PathBuf>,
    /// The first retry's delay in milliseconds (doubled each attempt).
    #[arg(long, env = "MM_EZD_RETRY_BASE_MS", default_value_t = 2000, global = true)]
    pub ezd_retry_base_ms: u64,
    /// The longest delay between attempts, in milliseconds.
    #[arg(long, env = "MM_EZD_RETRY_MAX_MS", default_value_t = 900_000, global = true)]
    pub ezd_retry_max_ms: u64,
    /// Attempts before a delivery becomes a dead letter.
    #[arg(long, env = "MM_EZD_MAX_ATTEMPTS", default_value_t = 12, global = true)]
    pub ezd_max_attempts: u32,
    /// How often open cases are polled, in milliseconds.
    #[arg(long, env = "MM_EZD_POLL_MS", default_value_t = 300_000, global = true)]
    pub ezd_poll_ms: u64,
    /// Timeout of one request to the EZD, in milliseconds.
    #[arg(long, env = "MM_EZD_TIMEOUT_MS", default_value_t = 30_000, global = true)]
    pub ezd_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EzdMode {
    Package,
    RpApi,
    Off,
}

/// The payment gateway (`crate::payments`, docs/TAXES.md "Payments").
#[derive(Debug, Clone, Args)]
pub struct PaymentArgs {
    /// `none` (residents pay by transfer only), `sandbox` (a Przelewy24
    /// stand-in served by this server under /sandbox/p24: no money moves)
    /// or `p24` (`--p24-url`, `--p24-credentials`). Default: `sandbox`
    /// with `--demo`, else `none`.
    #[arg(long = "payments", env = "MM_PAYMENTS", value_enum, global = true)]
    pub payments: Option<PaymentsMode>,
    /// The Przelewy24 base URL: https://secure.przelewy24.pl, or
    /// https://sandbox.przelewy24.pl for P24's own test accounts.
    #[arg(long, env = "MM_P24_URL", global = true)]
    pub p24_url: Option<String>,
    /// JSON file {"merchant_id","pos_id","api_key","crc"}, or an object of
    /// those keyed by TERYT when gminas have their own accounts.
    #[arg(long, env = "MM_P24_CREDENTIALS", global = true)]
    pub p24_credentials: Option<PathBuf>,
    /// Timeout of one request to the gateway, in milliseconds (the
    /// resident waits for the registration).
    #[arg(long, env = "MM_P24_TIMEOUT_MS", default_value_t = 10_000, global = true)]
    pub p24_timeout_ms: u64,
    /// Minutes the payer has on the gateway's page (P24's timeLimit, 1–99).
    #[arg(long, env = "MM_P24_TIME_LIMIT_MINUTES", default_value_t = 15, global = true)]
    pub p24_time_limit_minutes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PaymentsMode {
    None,
    Sandbox,
    P24,
}

/// The SMS gateway (`crate::sms`): one-time codes of the participatory
/// budget (issue 15).
#[derive(Debug, Clone, Args)]
pub struct SmsArgs {
    /// `none` (no SMS: an edition that asks for SMS codes answers 503
    /// `sms_unavailable`), `log` (nothing is sent, each message is printed
    /// on the terminal; only with `--demo`) or `smsapi` (SMSAPI.pl:
    /// `--sms-credentials`). Default: `log` with `--demo`, else `none`.
    #[arg(long = "sms", env = "MM_SMS", value_enum, global = true)]
    pub sms: Option<SmsMode>,
    /// The SMSAPI base URL (`/sms.do` is appended).
    #[arg(long, env = "MM_SMS_URL", default_value = crate::sms::smsapi::DEFAULT_URL, global = true)]
    pub sms_url: String,
    /// JSON file `{"token": "…"}`: the SMSAPI OAuth token (read once, at start).
    #[arg(long, env = "MM_SMS_CREDENTIALS", value_name = "FILE", global = true)]
    pub sms_credentials: Option<PathBuf>,
    /// The sender name residents see (registered at SMSAPI, at most 11
    /// characters). Default: the account's default sender.
    #[arg(long, env = "MM_SMS_SENDER", global = true)]
    pub sms_sender: Option<String>,
    /// Timeout of one request to the gateway, in milliseconds (the
    /// resident waits for the code).
    #[arg(long, env = "MM_SMS_TIMEOUT_MS", default_value_t = 10_000, global = true)]
    pub sms_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmsMode {
    None,
    Log,
    Smsapi,
}

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Where `mm.sqlite` lives (and photos, whichever the database).
    #[arg(long, env = "MM_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://user:password@host/db`) instead
    /// of the embedded SQLite file: several instances can share it.
    #[arg(long, env = "MM_DATABASE_URL", hide_env_values = true, global = true)]
    pub database: Option<String>,
    /// With `--database`: seconds a job claimed by an instance stays hidden
    /// from the others; a job whose instance died runs elsewhere after it.
    /// Longer than any job runs (an EZD registration: seconds).
    #[arg(long, env = "MM_JOB_LEASE_SECS", default_value_t = 600, global = true)]
    pub job_lease_secs: u64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an official.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password as one line from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Enrol an official in two-step sign-in (TOTP, RFC 6238) from the
    /// server's console, e.g. the first admin of a server reached only by
    /// API: prints the `otpauth://` URI, the secret (base32) and 10
    /// recovery codes, once. Audited as the CLI's enrolment.
    TwoFactor {
        #[arg(long)]
        login: String,
        /// Replace an enrolment that exists (its recovery codes end too).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlacesCommand {
    /// Import an OpenStreetMap extract (.osm XML or GeoJSON): idempotent on
    /// OSM ids; prints what it created, updated, left unchanged and skipped
    /// (with reasons). Exits 1 on a malformed file.
    Import {
        /// The extract.
        file: PathBuf,
    },
}

/// `mm-server taxes ...` (docs/TAXES.md, "Import").
#[derive(Debug, Subcommand)]
pub enum TaxesCommand {
    /// Import a JSON or CSV export of the tax system (by extension, else
    /// by content). Idempotent; a file with any bad row is refused whole,
    /// each bad row's line and reason on stderr, exit code 1.
    Import {
        file: PathBuf,
        /// The gmina's TERYT code (default: the deployment's first gmina).
        #[arg(long)]
        gmina: Option<String>,
    },
    /// Issue a fresh activation code to every taxpayer (their unused codes
    /// stop working) into a new owner-only CSV file for the letters.
    Codes {
        /// The CSV to create (never overwritten).
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
        #[arg(long)]
        gmina: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WasteCommand {
    /// Import the schedule from a directory holding zones.csv, rules.csv,
    /// pickups.csv, dictionary.csv, pszok.csv (whichever are there; each
    /// replaces its kind). A file with any bad line refuses the whole
    /// import, each bad line on stderr, exit code 1.
    Import {
        dir: PathBuf,
        /// The gmina's TERYT code (default: the deployment's first gmina).
        #[arg(long)]
        gmina: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Editor,
    Dispatcher,
    Department,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Editor => Role::Editor,
            RoleArg::Dispatcher => Role::Dispatcher,
            RoleArg::Department => Role::Department,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn the_command_line_is_well_formed_and_takes_the_payment_flags() {
        use clap::{CommandFactory, Parser};
        super::Cli::command().debug_assert();
        let cli = super::Cli::parse_from(["mm-server", "--payments", "p24", "--p24-url", "https://secure.przelewy24.pl", "--p24-credentials", "/etc/mm/p24.json"]);
        assert_eq!(cli.serve.payments.payments, Some(super::PaymentsMode::P24));
        assert_eq!(cli.serve.payments.p24_url.as_deref(), Some("https://secure.przelewy24.pl"));
        assert_eq!(super::Cli::parse_from(["mm-server"]).serve.payments.payments, None);
    }

    #[test]
    fn public_urls() {
        let u = PublicUrl::parse("https://Zgloszenia.Gmina.pl/").unwrap();
        assert_eq!(u.base(), "https://zgloszenia.gmina.pl");
        assert!(u.is_https());
        assert_eq!(PublicUrl::parse("http://[::1]:8080").unwrap().base(), "http://[::1]:8080");
        for bad in ["zgloszenia.gmina.pl", "ftp://x.pl", "https://x.pl/app", "https://u@x.pl", "https://x.pl/?a=1", "https://"] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}

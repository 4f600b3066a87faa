//! The PostgreSQL store (issue 13): one database that several stateless
//! `mm-server` instances share, through a pool of connections
//! (deadpool-postgres over tokio-postgres). Same tables and columns as the
//! SQLite store (`migrations/postgres/`), same SQL ported, same errors.
//!
//! What the SQLite store may keep in memory because its process is the only
//! writer comes from the database here: `reference_version` is read from
//! the publication log; `max_seq` is this instance's own commits plus every
//! other instance's, told by `NOTIFY` ([`listener`]); the job signal fires
//! on this instance's enqueues and on the others' `NOTIFY`. Writes run on
//! their own task, so a caller that stops waiting (a client that hung up)
//! does not cut a transaction short: it commits or rolls back whole, as
//! the SQLite writer thread does. Photos stay files under the data dir.

mod admin;
mod auth;
mod backoffice;
mod ballots;
mod budget;
mod consultations;
mod content;
mod devices;
mod directory;
mod ezd;
mod jobs;
mod limits;
mod listener;
mod maintenance;
mod migrations;
mod notifications;
mod officials;
mod places;
mod publish;
mod reports;
mod sync;
mod taxes;
mod transparency;
mod waste;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};

use mm_protocol::gmina::Teryt;

use super::directory::FALLBACK_GMINA;
use super::{AuditStore, HealthStore, Store, StoreError, StoreResult, Tenancy};
use crate::audit::chain::StoredEntry;
use crate::audit::model::AuditEntry;

pub use migrations::VERSION as SCHEMA_VERSION;

/// Connections per instance: every write holds one until COMMIT.
const POOL_SIZE: usize = 16;

/// A handle on the deployment's database, scoped to one gmina
/// (`store::directory`); handles of other gminas share everything else.
#[derive(Clone)]
pub struct PostgresStore {
    shared: Arc<Shared>,
    gmina: Teryt,
}

/// What every gmina's handle of one instance shares.
struct Shared {
    pool: Pool,
    /// Highest committed seq this instance knows of (`SyncStore::max_seq`).
    max_seq: Arc<AtomicU64>,
    /// Told after a commit that made a job runnable, here or elsewhere.
    jobs_ready: Arc<tokio::sync::Notify>,
    /// Where photos' bytes live (`crate::blobs`), shared by the instances.
    photos: Arc<dyn crate::blobs::PhotoStorage>,
    /// The `LISTEN` task; ends with the store.
    listener: tokio::task::AbortHandle,
    /// How long a claimed job is hidden from other instances (`jobs.rs`).
    job_lease: chrono::Duration,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl Tenancy for PostgresStore {
    fn for_gmina(&self, teryt: &Teryt) -> Arc<dyn Store> {
        Arc::new(PostgresStore { shared: self.shared.clone(), gmina: teryt.clone() })
    }

    fn gmina_scope(&self) -> &Teryt {
        &self.gmina
    }
}

/// A `gmina` column's TERYT code.
pub(crate) fn teryt(s: &str) -> StoreResult<Teryt> {
    Teryt::parse(s).map_err(|_| StoreError::backend(format!("a stored TERYT code does not parse: {s:?}")))
}

/// A write's transaction, and what its commit must tell this instance.
pub(crate) struct Tx<'a> {
    pub c: deadpool_postgres::Transaction<'a>,
    /// The highest seq it published (0: none).
    published: AtomicU64,
    /// It enqueued or re-queued a job.
    job_ready: AtomicBool,
    /// It changed a gmina's report categories or directory row.
    reference_changed: AtomicBool,
    /// Its audit entries, written at COMMIT (`publish::append_audit`).
    audits: std::sync::Mutex<Vec<publish::PendingAudit>>,
}

impl Tx<'_> {
    fn published(&self, seq: u64) {
        self.published.fetch_max(seq, Ordering::SeqCst);
    }

    fn job_ready(&self) {
        self.job_ready.store(true, Ordering::SeqCst);
    }

    fn reference_changed(&self) {
        self.reference_changed.store(true, Ordering::SeqCst);
    }

    fn audit(&self, entry: publish::PendingAudit) {
        self.audits.lock().unwrap_or_else(|p| p.into_inner()).push(entry);
    }
}

/// What a write needs to open its transaction and tell its commit.
#[derive(Clone)]
pub(crate) struct Writer {
    pool: Pool,
    max_seq: Arc<AtomicU64>,
    jobs_ready: Arc<tokio::sync::Notify>,
}

impl Writer {
    async fn begin(&self) -> StoreResult<deadpool_postgres::Client> {
        Ok(self.pool.get().await?)
    }

    /// After a COMMIT: this instance sees its own seq and jobs at once
    /// (the others through `NOTIFY`).
    fn committed(&self, tx_published: u64, job_ready: bool) {
        if tx_published > 0 {
            self.max_seq.fetch_max(tx_published, Ordering::SeqCst);
        }
        if job_ready {
            self.jobs_ready.notify_one();
        }
    }
}

/// Runs `$body` (a block giving `StoreResult<T>`, with `$tx: &Tx` in
/// scope, and `$g: &str`, the handle's gmina, when named) in one transaction on its own task: committed when it is `Ok`,
/// rolled back (by dropping the transaction) when it is `Err`; answered
/// after COMMIT.
macro_rules! write_tx {
    ($store:expr, |$tx:ident, $g:ident| $body:block) => {{
        let scope = $store.scope();
        $crate::store::postgres::write_tx!($store, |$tx| {
            let $g: &str = &scope;
            $body
        })
    }};
    ($store:expr, |$tx:ident| $body:block) => {{
        let writer = $store.writer();
        $crate::store::postgres::detached(async move {
            let mut client = writer.begin().await?;
            let (value, published, job_ready, reference_changed) = {
                let inner = client.transaction().await?;
                let tx = $crate::store::postgres::Tx::new(inner);
                let out: $crate::store::StoreResult<_> = {
                    let $tx = &tx;
                    async { $body }.await
                };
                let value = out?;
                let (published, job_ready, reference_changed) = tx.commit().await?;
                (value, published, job_ready, reference_changed)
            };
            // After COMMIT, outside the transaction: a cache that reads
            // the new version then reads the committed data.
            if reference_changed {
                client.execute("SELECT nextval('mm_reference_version')", &[]).await?;
            }
            writer.committed(published, job_ready);
            Ok(value)
        })
        .await
    }};
}
pub(crate) use write_tx;

impl<'a> Tx<'a> {
    pub(crate) fn new(c: deadpool_postgres::Transaction<'a>) -> Tx<'a> {
        Tx {
            c,
            published: AtomicU64::new(0),
            job_ready: AtomicBool::new(false),
            reference_changed: AtomicBool::new(false),
            audits: std::sync::Mutex::default(),
        }
    }

    /// Its audit entries, then COMMIT; what the transaction published,
    /// whether it queued a job, and whether it changed reference data
    /// (`write_tx!` then moves `reference_version` on).
    pub(crate) async fn commit(self) -> StoreResult<(u64, bool, bool)> {
        let audits = std::mem::take(&mut *self.audits.lock().unwrap_or_else(|p| p.into_inner()));
        if !audits.is_empty() {
            publish::append_audit(&self, audits).await?;
        }
        let reference_changed = self.reference_changed.load(Ordering::SeqCst);
        let published = self.published.load(Ordering::SeqCst);
        let job_ready = self.job_ready.load(Ordering::SeqCst);
        // Delivered to the other instances only if the COMMIT succeeds.
        if published > 0 {
            self.c.execute("SELECT pg_notify($1, $2)", &[&publish::SEQ_CHANNEL, &published.to_string()]).await?;
        }
        if job_ready {
            self.c.execute("SELECT pg_notify($1, '')", &[&publish::JOBS_CHANNEL]).await?;
        }
        self.c.commit().await?;
        Ok((published, job_ready, reference_changed))
    }
}

/// Runs `f` on its own task, so it completes even when the caller stops
/// waiting.
pub(crate) async fn detached<T: Send + 'static>(
    f: impl std::future::Future<Output = StoreResult<T>> + Send + 'static,
) -> StoreResult<T> {
    tokio::spawn(f).await.map_err(|e| StoreError::backend(format!("a write task failed: {e}")))?
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host/db`), migrates the
    /// database, and starts listening for other instances' commits. Photos
    /// are kept under `data_dir/photos` (which instances must then share).
    /// The handle of the deployment's default gmina (the first one added,
    /// `FALLBACK_GMINA` while there is none), as `SqliteStore::open`.
    pub async fn connect(url: &str, data_dir: &Path) -> StoreResult<PostgresStore> {
        let photos = crate::blobs::local::LocalPhotos::new(data_dir.join("photos"));
        Self::connect_with(url, Arc::new(photos)).await
    }

    /// [`connect`](Self::connect), with photos' bytes in `photos` (`--photos`).
    pub async fn connect_with(url: &str, photos: Arc<dyn crate::blobs::PhotoStorage>) -> StoreResult<PostgresStore> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::backend(format!("invalid database URL: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            tokio_postgres::NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::backend(format!("cannot build the pool: {e}")))?;
        {
            let mut c = pool.get().await?;
            migrations::run(&mut c).await?;
        }
        let max_seq = Arc::new(AtomicU64::new(0));
        let jobs_ready = Arc::new(tokio::sync::Notify::new());
        let listener = listener::start(config, pool.clone(), max_seq.clone(), jobs_ready.clone()).await?;
        let gmina = {
            let c = pool.get().await?;
            teryt(directory::default_gmina(&c).await?.as_deref().unwrap_or(FALLBACK_GMINA))?
        };
        let shared = Shared { pool, max_seq, jobs_ready, photos, listener, job_lease: jobs::DEFAULT_LEASE };
        Ok(PostgresStore { shared: Arc::new(shared), gmina })
    }

    /// Sets how long a job claimed here stays hidden from other instances,
    /// so the time after which one whose instance died runs elsewhere
    /// (`--job-lease-secs`). It must exceed the longest run of a job, or a
    /// slow one runs twice at once. Only on a fresh handle (before it is
    /// cloned or scoped): returns the handle unchanged otherwise.
    #[must_use]
    pub fn with_job_lease(mut self, lease: std::time::Duration) -> PostgresStore {
        if let (Some(shared), Ok(lease)) = (Arc::get_mut(&mut self.shared), chrono::Duration::from_std(lease)) {
            shared.job_lease = lease;
        }
        self
    }

    /// The TERYT code of the handle's gmina, as `gmina` columns hold it.
    pub(crate) fn scope(&self) -> String {
        self.gmina.as_str().to_owned()
    }

    pub(crate) fn writer(&self) -> Writer {
        Writer { pool: self.shared.pool.clone(), max_seq: self.shared.max_seq.clone(), jobs_ready: self.shared.jobs_ready.clone() }
    }

    /// A pooled connection for reads (autocommit: each statement one snapshot).
    pub(crate) async fn reader(&self) -> StoreResult<deadpool_postgres::Client> {
        Ok(self.shared.pool.get().await?)
    }
}

/// PostgreSQL's errors reach callers as backend failures (the trait's error
/// names no backend), except where a caller turns a unique violation into
/// a conflict ([`unique_violation`]).
impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

/// Whether `e` is a unique violation (SQLSTATE 23505) of `constraint`.
pub(crate) fn unique_violation(e: &tokio_postgres::Error, constraint: &str) -> bool {
    e.as_db_error().is_some_and(|d| {
        *d.code() == tokio_postgres::error::SqlState::UNIQUE_VIOLATION && d.constraint() == Some(constraint)
    })
}

/// Times are stored as in SQLite: fixed-width RFC 3339 UTC text.
pub(crate) use super::sqlite::ts;

pub(crate) fn parse_time(s: &str) -> StoreResult<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::backend(format!("a stored time does not parse: {e}")))
}

pub(crate) fn opt_time(s: Option<String>) -> StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
    s.as_deref().map(parse_time).transpose()
}

/// A non-negative count or size from a BIGINT column.
pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn list_audit(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        publish::list_audit(&self.reader().await?, &self.scope(), limit).await
    }

    async fn audit_chains(&self) -> StoreResult<Vec<Teryt>> {
        publish::chain_gminas(&self.reader().await?).await?.iter().map(|g| teryt(g)).collect()
    }

    async fn audit_chain_page(&self, after: i64, limit: u32) -> StoreResult<Vec<StoredEntry>> {
        publish::chain_page(&self.reader().await?, &self.scope(), after, limit).await
    }
}

#[async_trait]
impl HealthStore for PostgresStore {
    async fn ping(&self) -> StoreResult<()> {
        self.reader().await?.query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    /// Nothing to checkpoint: the server's own durability.
    async fn close(&self) -> StoreResult<()> {
        self.shared.listener.abort();
        self.shared.pool.close();
        Ok(())
    }
}

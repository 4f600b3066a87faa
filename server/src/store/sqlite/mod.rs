//! The embedded SQLite store: one file `DATA_DIR/mm.sqlite` in WAL mode,
//! exactly one writer connection behind a mutex and a few readers, as
//! Mozilla application-services does. All database work runs on tokio's
//! blocking pool. Functions that write take a `&Transaction`, functions
//! that read take a `&Connection`; raw connections never leave this module.

mod admin;
mod auth;
mod backoffice;
mod ballots;
mod budget;
mod checkpoint;
mod consultations;
mod content;
mod directory;
mod devices;
mod ezd;
mod jobs;
mod limits;
mod maintenance;
mod notifications;
mod officials;
mod migrations;
mod places;
mod publish;
mod readers;
mod reports;
mod sync;
mod taxes;
mod waste;
mod writer;
mod transparency;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction};

use mm_protocol::gmina::Teryt;

use super::directory::FALLBACK_GMINA;
use super::{AuditStore, HealthStore, Store, StoreError, StoreResult, Tenancy};
use crate::audit::chain::StoredEntry;
use crate::audit::model::AuditEntry;

#[doc(hidden)]
pub use migrations::run_until as migrate_until;
pub use migrations::VERSION as SCHEMA_VERSION;
/// Shared with the PostgreSQL store: photo files and report decoding.
pub(crate) use reports::decode as decode_report;
/// Shared with the PostgreSQL store: when an edition's register may go.
pub(crate) use ballots::past_retention as ballots_past_retention;

const READERS: usize = 4;
/// How much of the file the readers map (`PRAGMA mmap_size`). In WAL mode
/// a reader drops its page cache (2 MB by default) at its first read after
/// any commit, so under writes every query read its pages again through
/// `pread`, and a notification's recipients (four indexes walked together,
/// 25,000 devices) took 130-260 ms; mapped, 35-46 ms (`make bench-push`).
/// The trade: RSS counts the mapped pages of the kernel's page cache (with
/// 64 KB read around each fault, once per connection), +57 MB at the
/// bench's peak. A 16 MB cache per reader instead kept RSS lower but left
/// the largest target at 55-66 ms (docs/BENCHMARKS.md). The writer keeps
/// `pread`: a mapped page written while a query runs is what SQLite's
/// documentation warns about.
const READER_MMAP_BYTES: i64 = 1 << 30;
pub const DB_FILE: &str = "mm.sqlite";

/// A handle on the deployment's database, scoped to one gmina: every call
/// reads and writes that gmina's rows (`store::directory`). Handles of
/// other gminas share everything else (`for_gmina` is a clone of an Arc).
#[derive(Clone)]
pub struct SqliteStore {
    shared: Arc<Shared>,
    gmina: Teryt,
}

/// What every gmina's handle shares: the connections, the writer threads
/// and what they keep in memory.
struct Shared {
    writer: Arc<Mutex<Connection>>,
    /// The reader connections, lent to one read at a time (`readers.rs`).
    readers: readers::Readers,
    /// Highest committed seq; lets an unchanged sync answer without the DB.
    max_seq: Arc<AtomicU64>,
    /// New reports, for the group-commit writer thread (`reports::group_commit`).
    reports: std::sync::mpsc::Sender<reports::ReportJob>,
    /// Every other write, for the group-commit writer thread (`writer::run`).
    writes: std::sync::mpsc::Sender<writer::Write>,
    /// Told after a commit that made a job runnable (`JobStore::job_signal`).
    jobs_ready: Arc<tokio::sync::Notify>,
    /// Grows after every committed change to the report categories or the
    /// gmina (`ReportStore::reference_version`). In memory: this process
    /// is the only one that writes them to the file.
    reference_version: Arc<AtomicU64>,
    /// Where photos' bytes live (`crate::blobs`; `DATA_DIR/photos` by default).
    photos: Arc<dyn crate::blobs::PhotoStorage>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and migrates
    /// it; the handle of the deployment's default gmina (the first one
    /// added, `FALLBACK_GMINA` while there is none); photos in
    /// `DATA_DIR/photos`.
    pub fn open(data_dir: &Path) -> StoreResult<SqliteStore> {
        let photos = crate::blobs::local::LocalPhotos::new(data_dir.join("photos"));
        Self::open_with(data_dir, Arc::new(photos))
    }

    /// [`open`](Self::open), with the photos' bytes in `photos` (`--photos`).
    pub fn open_with(data_dir: &Path, photos: Arc<dyn crate::blobs::PhotoStorage>) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::backend(format!("cannot create {}: {e}", data_dir.display())))?;
        let path = data_dir.join(DB_FILE);
        let mut writer = Connection::open(&path)?;
        configure(&writer)?;
        // WAL persists in the file; readers opened after this see it.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        migrations::run(&mut writer)?;
        let default: Option<String> = writer
            .query_row("SELECT value FROM deployment WHERE key = 'default_gmina'", [], |r| r.get(0))
            .optional()?;
        let max: i64 =
            writer.query_row("SELECT COALESCE(MAX(seq), 0) FROM public_items", [], |r| {
                r.get(0)
            })?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open_with_flags(
                    &path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                configure(&c)?;
                c.pragma_update(None, "mmap_size", READER_MMAP_BYTES)?;
                Ok(Mutex::new(c))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let readers = Arc::new(readers);
        let writer = Arc::new(Mutex::new(writer));
        let max_seq = Arc::new(AtomicU64::new(max as u64));
        let jobs_ready = Arc::new(tokio::sync::Notify::new());
        let (tx, rx) = std::sync::mpsc::channel();
        let (w, m, j) = (writer.clone(), max_seq.clone(), jobs_ready.clone());
        // Both writers end when the store (the only sender) is dropped.
        std::thread::Builder::new()
            .name("mm-report-writer".into())
            .spawn(move || reports::group_commit(w, m, j, rx))
            .map_err(|e| StoreError::backend(format!("cannot start the report writer: {e}")))?;
        let (writes, rx) = std::sync::mpsc::channel();
        let (w, m) = (writer.clone(), max_seq.clone());
        std::thread::Builder::new()
            .name("mm-writer".into())
            .spawn(move || writer::run(w, m, rx))
            .map_err(|e| StoreError::backend(format!("cannot start the writer: {e}")))?;
        checkpoint::start(Arc::downgrade(&writer), Arc::downgrade(&readers))
            .map_err(|e| StoreError::backend(format!("cannot start the checkpointer: {e}")))?;
        let gmina = Teryt::parse(default.as_deref().unwrap_or(FALLBACK_GMINA))
            .map_err(|_| StoreError::backend("the deployment's default gmina is not a TERYT code"))?;
        let shared = Shared {
            writer,
            readers: readers::Readers::new(readers),
            max_seq,
            reports: tx,
            writes,
            jobs_ready,
            reference_version: Arc::new(AtomicU64::new(0)),
            photos,
        };
        Ok(SqliteStore { shared: Arc::new(shared), gmina })
    }

    /// The TERYT code of the handle's gmina, as `gmina` columns hold it.
    pub(crate) fn scope(&self) -> String {
        self.gmina.as_str().to_owned()
    }

    /// Runs `f` in the writer's transaction (group-committed with other
    /// writes, `writer.rs`); answers after COMMIT. When `f` returns Err,
    /// nothing it did stays.
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.write_then(f, || ()).await
    }

    /// [`write`](Self::write), and `committed` runs on the writer thread
    /// once `f` succeeded and the COMMIT did, before any caller is
    /// answered. It runs even when the caller has stopped waiting (a
    /// client that hung up), which code after `.await` would not.
    pub(crate) async fn write_then<T, F, C>(&self, f: F, committed: C) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
        C: FnOnce() + Send + 'static,
    {
        let (send, answer) = tokio::sync::oneshot::channel();
        let write: writer::Write = Box::new(move |tx| {
            let out = writer::in_savepoint(tx, f);
            Box::new(move |commit| {
                let _ = send.send(match (out, commit) {
                    (Err(e), _) => Err(e),
                    (Ok(v), Ok(())) => {
                        committed();
                        Ok(v)
                    }
                    (Ok(_), Err(e)) => Err(StoreError::backend(format!("commit failed: {e}"))),
                });
            })
        });
        self.shared.writes.send(write).map_err(|_| StoreError::backend("the writer has stopped"))?;
        answer.await.map_err(|_| StoreError::backend("the writer dropped a write"))?
    }

    /// What `write_then` runs after a committed change to the report
    /// categories or the gmina: the next `reference_version` differs.
    fn reference_changed(&self) -> impl FnOnce() + Send + 'static {
        let version = self.shared.reference_version.clone();
        move || {
            version.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Runs `f` on one of the reader connections.
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.shared.readers.read(f).await
    }
}

/// A `gmina` column's TERYT code.
pub(crate) fn teryt(s: String) -> rusqlite::Result<Teryt> {
    Teryt::parse(&s).map_err(|_| rusqlite::Error::InvalidColumnType(0, s, rusqlite::types::Type::Text))
}

/// SQLite's errors reach callers as backend failures (the trait's error
/// names no backend).
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

/// How long a connection waits for another's lock (`configure`).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn configure(c: &Connection) -> rusqlite::Result<()> {
    c.busy_timeout(BUSY_TIMEOUT)?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    // FULL: once the server answered 2xx, the change survives a power cut.
    c.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// Times are stored as fixed-width RFC 3339 UTC text, so text order is time order.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

impl Tenancy for SqliteStore {
    fn for_gmina(&self, teryt: &Teryt) -> Arc<dyn Store> {
        Arc::new(SqliteStore { shared: self.shared.clone(), gmina: teryt.clone() })
    }

    fn gmina_scope(&self) -> &Teryt {
        &self.gmina
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn list_audit(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let g = self.scope();
        self.read(move |c| publish::list_audit(c, &g, limit)).await
    }

    async fn audit_chains(&self) -> StoreResult<Vec<Teryt>> {
        let gminas = self.read(publish::chain_gminas).await?;
        gminas
            .iter()
            .map(|g| Teryt::parse(g).map_err(|_| StoreError::backend(format!("a stored TERYT code does not parse: {g:?}"))))
            .collect()
    }

    async fn audit_chain_page(&self, after: i64, limit: u32) -> StoreResult<Vec<StoredEntry>> {
        let g = self.scope();
        self.read(move |c| publish::chain_page(c, &g, after, limit)).await
    }
}

#[async_trait]
impl HealthStore for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| {
            c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
            Ok(())
        })
        .await
    }

    async fn close(&self) -> StoreResult<()> {
        let writer = self.shared.writer.clone();
        tokio::task::spawn_blocking(move || {
            let conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
        .map_err(|e| StoreError::backend(format!("blocking task failed: {e}")))?
    }
}

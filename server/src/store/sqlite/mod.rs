//! The embedded SQLite store: one file `DATA_DIR/mm.sqlite` in WAL mode,
//! exactly one writer connection behind a mutex and a few readers, as
//! Mozilla application-services does. All database work runs on tokio's
//! blocking pool. Functions that write take a `&Transaction`, functions
//! that read take a `&Connection`; raw connections never leave this module.

mod admin;
mod auth;
mod backoffice;
mod content;
mod devices;
mod maintenance;
mod migrations;
mod places;
pub(crate) mod publish;
pub(crate) mod reports;
mod sync;
mod transparency;

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use super::{AuditStore, HealthStore, StoreError, StoreResult};
use crate::audit::model::AuditEntry;

#[doc(hidden)]
pub use migrations::run_until as migrate_until;

const READERS: usize = 4;
pub const DB_FILE: &str = "mm.sqlite";

pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: AtomicUsize,
    /// Highest committed seq; lets an unchanged sync answer without the DB.
    max_seq: Arc<AtomicU64>,
    /// New reports, for the group-commit writer thread (`reports::group_commit`).
    reports: std::sync::mpsc::Sender<reports::ReportJob>,
    /// Where photos live (`DATA_DIR/photos`).
    photos_dir: std::path::PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and migrates it.
    pub fn open(data_dir: &Path) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Other(format!("cannot create {}: {e}", data_dir.display())))?;
        let path = data_dir.join(DB_FILE);
        let mut writer = Connection::open(&path)?;
        configure(&writer)?;
        // WAL persists in the file; readers opened after this see it.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        migrations::run(&mut writer)?;
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
                Ok(Mutex::new(c))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let writer = Arc::new(Mutex::new(writer));
        let max_seq = Arc::new(AtomicU64::new(max as u64));
        let (tx, rx) = std::sync::mpsc::channel();
        let (w, m) = (writer.clone(), max_seq.clone());
        // Ends when the store (the only sender) is dropped.
        std::thread::Builder::new()
            .name("mm-report-writer".into())
            .spawn(move || reports::group_commit(w, m, rx))
            .map_err(|e| StoreError::Other(format!("cannot start the report writer: {e}")))?;
        Ok(SqliteStore {
            writer,
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
            max_seq,
            reports: tx,
            photos_dir: data_dir.join("photos"),
        })
    }

    /// Runs `f` in an IMMEDIATE transaction on the writer; commits when it
    /// returns Ok, rolls back (changing nothing) when it returns Err.
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> StoreResult<T> + Send + 'static,
    {
        let writer = self.writer.clone();
        let max_seq = self.max_seq.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            let max = publish::max_seq(&tx)?;
            tx.commit()?;
            // Only after the commit: a sync must never see a seq it cannot read.
            max_seq.fetch_max(max, Ordering::SeqCst);
            Ok(out)
        })
        .await
        .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
    }

    /// Runs `f` on one of the reader connections.
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let readers = self.readers.clone();
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        tokio::task::spawn_blocking(move || {
            let conn = readers[i].lock().unwrap_or_else(|p| p.into_inner());
            f(&conn)
        })
        .await
        .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
    }
}

fn configure(c: &Connection) -> rusqlite::Result<()> {
    c.busy_timeout(std::time::Duration::from_secs(5))?;
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

#[async_trait]
impl AuditStore for SqliteStore {
    async fn list_audit(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.read(move |c| publish::list_audit(c, limit)).await
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
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
    }
}

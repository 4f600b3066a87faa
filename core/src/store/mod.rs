//! The offline store: one SQLite file in WAL mode, exactly one writer
//! connection and one reader (application-services' habit). Functions that
//! write take a `&Transaction`, functions that read take a `&Connection`;
//! the raw connections never leave this module.

pub(crate) mod meta;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::Error;

#[cfg(test)]
pub(crate) use schema::SCHEMA_VERSION;

pub(crate) struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    /// WAL lets reads run beside a write: a screen never waits for a sync.
    reader: Mutex<Connection>,
}

impl Store {
    /// Opens (creating when missing) and migrates the store at `path`.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        schema::migrate(&mut writer)?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        configure(&reader)?;
        Ok(Store {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    #[allow(dead_code)]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the reader connection.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let conn = lock(&self.reader)?;
        f(&conn)
    }

    /// Runs `f` in one write transaction, committed when `f` succeeds and
    /// rolled back otherwise. IMMEDIATE takes the write lock up front, so a
    /// transaction never fails half-way on a lock upgrade.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut conn = lock(&self.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Copies the WAL into the database file and truncates the WAL to
    /// nothing (`PRAGMA wal_checkpoint(TRUNCATE)`), on the writer, outside
    /// any transaction (a checkpoint cannot run inside one). The WAL keeps
    /// old frames until then, so a write that removed a secret (a voter's
    /// identity in the outbox) is not gone from the files before this.
    /// `Ok(false)`: a reader held frames back and the checkpoint was
    /// partial; the next one finishes the job.
    pub fn checkpoint_truncate(&self) -> Result<bool, Error> {
        let conn = lock(&self.writer)?;
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }
}

fn configure(conn: &Connection) -> Result<(), Error> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // WAL is durable enough with NORMAL: a power cut may lose the last
    // transaction but never corrupts the file; sync simply repeats it.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

fn lock(m: &Mutex<Connection>) -> Result<MutexGuard<'_, Connection>, Error> {
    // A panic while holding the lock leaves SQLite itself consistent (the
    // transaction rolled back on drop), so a poisoned lock is safe to reuse.
    Ok(m.lock().unwrap_or_else(|p| p.into_inner()))
}

/// Indexed times are Unix seconds; entities keep full precision in `body`.
pub(crate) fn ts(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn from_ts(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_from_empty_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mm.sqlite3");
        let store = Store::open(&path).unwrap();
        let version: i64 = store
            .read(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let mode: String = store
            .read(|c| Ok(c.pragma_query_value(None, "journal_mode", |r| r.get(0))?))
            .unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        for table in [
            "meta",
            "news",
            "events",
            "event_occurrences",
            "event_categories",
            "gmina",
            "localities",
            "outbox",
            "device",
            "notifications",
            "search_index",
            "waste_addresses",
            "waste_schedules",
            "waste_dictionary",
        ] {
            let n: i64 = store
                .read(|c| {
                    Ok(c.query_row(
                        "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                        [table],
                        |r| r.get(0),
                    )?)
                })
                .unwrap();
            assert_eq!(n, 1, "table {table} missing");
        }
        store.write(|tx| meta::set(tx, "k", "v")).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.read(|c| meta::get(c, "k")).unwrap().as_deref(),
            Some("v")
        );
    }

    #[test]
    fn checkpoint_truncate_empties_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = Store::open(&path).unwrap();
        store
            .write(|tx| {
                tx.execute_batch("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('sekret');")?;
                Ok(())
            })
            .unwrap();
        let wal = path.with_file_name("s.db-wal");
        assert!(std::fs::metadata(&wal).unwrap().len() > 0, "the write is in the WAL");
        assert!(store.checkpoint_truncate().unwrap());
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0);
        // Still readable, and writable afterwards.
        let n: i64 = store.read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)).unwrap();
        assert_eq!(n, 1);
        store.write(|tx| Ok(tx.execute("DELETE FROM t", []).map(|_| ())?)).unwrap();
    }

    #[test]
    fn a_failed_write_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("mm.sqlite3")).unwrap();
        let r: Result<(), Error> = store.write(|tx| {
            meta::set(tx, "k", "v")?;
            Err(Error::internal("boom"))
        });
        assert!(r.is_err());
        assert_eq!(store.read(|c| meta::get(c, "k")).unwrap(), None);
    }

    #[test]
    fn the_reader_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("mm.sqlite3")).unwrap();
        let r =
            store.read(|c| Ok(c.execute("INSERT INTO meta(key, value) VALUES ('a', 'b')", [])?));
        assert!(r.is_err());
    }
}

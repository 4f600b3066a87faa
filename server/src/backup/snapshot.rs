//! The database's snapshot, with SQLite's online backup API
//! (https://www.sqlite.org/backup.html), from a process of its own while
//! the server keeps serving.
//!
//! The copy runs in steps of [`PAGES_PER_STEP`] pages inside one read
//! transaction held across all of them. In WAL mode a reader never blocks
//! the writer, so the server commits as usual meanwhile (its WAL only
//! grows until the copy ends: a checkpoint cannot pass an open reader);
//! and the source's pages are the ones of the moment the transaction
//! began, so the backup API does not restart on every write the server
//! makes (it would, step after step, under steady load: the source pager
//! is reset when another connection changed the file between two steps).
//! The snapshot is therefore the database as of the start of the backup:
//! every write acknowledged before it is in it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OpenFlags};

use crate::store::sqlite::SCHEMA_VERSION;

/// 256 pages of 4 KiB: a millisecond or so of reading per step.
const PAGES_PER_STEP: i32 = 256;
/// Between steps, so the copy leaves the disk to the server now and then.
const PAUSE: Duration = Duration::from_millis(2);

/// What a checked database holds: its schema version and rows per table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub schema_version: i64,
    pub tables: BTreeMap<String, u64>,
}

/// Copies the database at `src` into a new file `to` (mode 0600), a
/// single file in rollback-journal mode (no `-wal` beside it), and checks
/// the copy ([`check`]).
pub fn take(src: &Path, to: &Path) -> Result<Checked> {
    let source = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("cannot open {}", src.display()))?;
    source.busy_timeout(Duration::from_secs(30))?;
    // The read transaction the whole copy runs in (module docs): it
    // begins at the first read.
    source.execute_batch("BEGIN DEFERRED")?;
    source.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    drop(super::lock::create_owner_only_file(to).with_context(|| format!("cannot create {}", to.display()))?);
    let mut copy = Connection::open(to)?;
    {
        let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
        backup.run_to_completion(PAGES_PER_STEP, PAUSE, None)?;
    }
    source.execute_batch("COMMIT")?;
    drop(source);
    // The copy carries the source's WAL flag; one self-contained file is
    // what goes into the archive (the server turns WAL on again at start).
    let mode: String = copy.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        bail!("the copy stayed in {mode} mode");
    }
    let checked = check(&copy)?;
    copy.close().map_err(|(_, e)| e)?;
    Ok(checked)
}

/// `PRAGMA integrity_check` must answer `ok`, and the schema version must
/// be one this binary knows (an older one is migrated when the server
/// starts; a newer one came from a newer mm-server). Then every table's
/// rows are counted: the manifest keeps the counts, restore compares them.
pub fn check(db: &Connection) -> Result<Checked> {
    let problems = db
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if problems != ["ok"] {
        bail!(
            "PRAGMA integrity_check found {} problem(s), the first: {}",
            problems.len(),
            problems.first().map(String::as_str).unwrap_or("?")
        );
    }
    let schema_version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if schema_version < 1 {
        bail!("not an mm-server database (schema version {schema_version})");
    }
    if schema_version > SCHEMA_VERSION as i64 {
        bail!("the database's schema version {schema_version} is newer than this mm-server's ({SCHEMA_VERSION}): use the newer mm-server");
    }
    let names = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut tables = BTreeMap::new();
    for name in names {
        let quoted = name.replace('"', "\"\"");
        let n: i64 = db.query_row(&format!("SELECT COUNT(*) FROM \"{quoted}\""), [], |r| r.get(0))?;
        tables.insert(name, n as u64);
    }
    Ok(Checked { schema_version, tables })
}

#[cfg(test)]
mod tests {
    /// Another connection commits all through the copy (as the server
    /// does): the copy still ends, in steps, and holds at least every row
    /// committed before it began.
    #[test]
    fn a_snapshot_under_steady_writes_ends_and_holds_what_was_committed_before() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        drop(crate::store::SqliteStore::open(dir.path()).unwrap());
        let db = dir.path().join(crate::store::sqlite::DB_FILE);
        let setup = rusqlite::Connection::open(&db).unwrap();
        // ~8 MiB: some 2000 pages, eight steps or more.
        setup.execute_batch("CREATE TABLE t (x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT zeroblob(4000) FROM n").unwrap();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let (path, flag) = (db.clone(), stop.clone());
        let writer = std::thread::spawn(move || {
            let c = rusqlite::Connection::open(path).unwrap();
            c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            let mut n = 0;
            while !flag.load(Ordering::SeqCst) {
                c.execute("INSERT INTO t VALUES (zeroblob(4000))", []).unwrap();
                n += 1;
            }
            n
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        let before: i64 = setup.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        let to = dir.path().join("copy.sqlite");
        let checked = super::take(&db, &to).unwrap();
        stop.store(true, Ordering::SeqCst);
        let written = writer.join().unwrap();
        let after: i64 = setup.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        assert!(checked.tables["t"] as i64 >= before, "{} rows copied, {before} committed before", checked.tables["t"]);
        assert!(checked.tables["t"] as i64 <= after);
        eprintln!("copied {} rows; {before} before the copy, {after} after; {written} inserts meanwhile", checked.tables["t"]);
    }

    /// The copy holds what the database held and passes the check; bytes
    /// that are not a database do not. (Writes during a snapshot: the e2e
    /// test `backup_restore`.)
    #[test]
    fn the_copy_checks_out_and_bytes_that_are_no_database_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SqliteStore::open(dir.path()).unwrap();
        drop(store);
        let db = dir.path().join(crate::store::sqlite::DB_FILE);
        let writer = rusqlite::Connection::open(&db).unwrap();
        writer.execute_batch("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(100000))").unwrap();
        let to = dir.path().join("copy.sqlite");
        let checked = super::take(&db, &to).unwrap();
        assert_eq!(checked.schema_version, crate::store::sqlite::SCHEMA_VERSION as i64);
        assert_eq!(checked.tables["t"], 1);
        let copy = rusqlite::Connection::open(&to).unwrap();
        assert_eq!(super::check(&copy).unwrap(), checked);
        std::fs::write(&to, b"not a database at all, just bytes").unwrap();
        assert!(rusqlite::Connection::open(&to).map_err(anyhow::Error::from).and_then(|c| super::check(&c)).is_err());
    }
}

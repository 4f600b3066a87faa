//! Keeps the write-ahead log short while reads never stop.
//!
//! SQLite copies the WAL back into the database (a checkpoint) after a
//! commit, but only as far as the oldest reader's snapshot, and starts the
//! WAL again from its beginning only when no reader is using it. Under
//! steady load the four readers overlap without a gap, so the WAL only
//! grows ("checkpoint starvation", sqlite.org/wal.html §"Avoiding
//! Excessively Large WAL Files"): a 10-minute soak at 1,785 requests/s
//! left a 198 MB WAL beside a 39 MB database, every read searched it, and
//! the checkpoint that finally ran copied it all on the writer's commit
//! path (`docs/BENCHMARKS.md`, "Soak").
//!
//! This process owns every reader connection, so it can make the gap
//! itself: once a second a passive checkpoint says how long the WAL is;
//! past [`RESTART_FRAMES`] it takes every reader (waiting at most
//! [`READERS_WAIT`] for the reads in flight, else it tries again the next
//! second) and the writer, and a RESTART checkpoint copies the rest and
//! lets the next write start the WAL from its beginning.

use std::sync::{Mutex, MutexGuard, TryLockError, Weak};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::readers::lock;

/// WAL frames (pages, 4 KB) past which the WAL is restarted: 16 MB.
pub(super) const RESTART_FRAMES: i64 = 4096;
const EVERY: Duration = Duration::from_secs(1);
/// The longest a read waits for the restart: the reads in flight finish
/// within it (milliseconds), or the restart waits for the next second.
/// Also the busy timeout of the RESTART itself, for another process's
/// reader (`mm-server backup`).
const READERS_WAIT: Duration = Duration::from_millis(50);
/// A passive checkpoint that holds the writer this long is logged.
const SLOW_COPY: Duration = Duration::from_millis(100);

/// Starts the checkpointer; it ends within a second of the store.
pub(super) fn start(writer: Weak<Mutex<Connection>>, readers: Weak<Vec<Mutex<Connection>>>) -> std::io::Result<()> {
    std::thread::Builder::new().name("mm-checkpoint".into()).spawn(move || {
        loop {
            std::thread::sleep(EVERY);
            let (Some(writer), Some(readers)) = (writer.upgrade(), readers.upgrade()) else {
                return;
            };
            if let Err(e) = restart_if_long(&writer, &readers, RESTART_FRAMES) {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    })?;
    Ok(())
}

/// What a checkpoint did: frames in the WAL, and of them copied back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Checkpoint {
    pub busy: bool,
    pub frames: i64,
    pub copied: i64,
}

pub(super) fn checkpoint(c: &Connection, mode: &str) -> rusqlite::Result<Checkpoint> {
    c.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok(Checkpoint { busy: r.get::<_, i64>(0)? != 0, frames: r.get(1)?, copied: r.get(2)? })
    })
}

/// A passive checkpoint; past `limit` frames, the restart described above.
/// `None`: no restart (short enough, or a read did not finish in time).
pub(super) fn restart_if_long(
    writer: &Mutex<Connection>,
    readers: &[Mutex<Connection>],
    limit: i64,
) -> rusqlite::Result<Option<Checkpoint>> {
    let passive = {
        let w = lock(writer);
        let copying = Instant::now();
        let passive = checkpoint(&w, "PASSIVE")?;
        // Writes wait for this (it holds the writer): a slow disk shows here.
        if copying.elapsed() >= SLOW_COPY {
            let ms = copying.elapsed().as_millis() as u64;
            tracing::warn!(frames = passive.frames, copied = passive.copied, ms, "slow WAL checkpoint");
        }
        passive
    };
    if passive.frames < limit {
        return Ok(None);
    }
    // Readers first, the writer last: a write is not held up while the
    // reads in flight finish. (Nothing else takes a reader and then the
    // writer, so the order cannot deadlock.)
    let started = Instant::now();
    let deadline = started + READERS_WAIT;
    let mut held: Vec<MutexGuard<'_, Connection>> = Vec::with_capacity(readers.len());
    for r in readers {
        loop {
            match r.try_lock() {
                Ok(g) => break held.push(g),
                Err(TryLockError::Poisoned(p)) => break held.push(p.into_inner()),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(Duration::from_micros(200)),
                Err(TryLockError::WouldBlock) => return Ok(None),
            }
        }
    }
    let readers_waited = started.elapsed();
    let w = lock(writer);
    w.busy_timeout(READERS_WAIT)?;
    let restarted = checkpoint(&w, "RESTART");
    w.busy_timeout(super::BUSY_TIMEOUT)?;
    drop(held);
    // Every read and write waited for this: an operator (and the soak)
    // can line a slow second up with it.
    if let Ok(done) = &restarted {
        tracing::info!(
            frames = done.frames,
            copied = done.copied,
            readers_wait_ms = readers_waited.as_millis() as u64,
            held_ms = started.elapsed().as_millis() as u64,
            "WAL restarted"
        );
    }
    restarted.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store's connections on a fresh file, and a table to write.
    fn connections(dir: &std::path::Path) -> (Mutex<Connection>, Vec<Mutex<Connection>>) {
        let path = dir.join("t.sqlite");
        let w = Connection::open(&path).unwrap();
        w.pragma_update(None, "journal_mode", "WAL").unwrap();
        w.execute("CREATE TABLE t (x TEXT)", []).unwrap();
        let readers = (0..2).map(|_| Mutex::new(Connection::open(&path).unwrap())).collect();
        (Mutex::new(w), readers)
    }

    /// Writes made while a reader keeps a snapshot open: the automatic
    /// checkpoint cannot pass it.
    fn writes_under_a_snapshot(writer: &Mutex<Connection>, reader: &Mutex<Connection>, n: usize) {
        let r = reader.lock().unwrap();
        r.execute_batch("BEGIN").unwrap();
        r.query_row("SELECT count(*) FROM t", [], |row| row.get::<_, i64>(0)).unwrap();
        for i in 0..n {
            writer.lock().unwrap().execute("INSERT INTO t VALUES (?1)", [format!("{i:0>500}")]).unwrap();
        }
        r.execute_batch("COMMIT").unwrap();
    }

    #[test]
    fn a_wal_grown_under_readers_starts_again_after_the_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, readers) = connections(dir.path());
        writes_under_a_snapshot(&writer, &readers[0], 200);
        let before = checkpoint(&writer.lock().unwrap(), "PASSIVE").unwrap();
        assert!(before.frames >= 200, "{before:?}");

        // Short of the limit: nothing but the passive checkpoint.
        assert_eq!(restart_if_long(&writer, &readers, before.frames + 1).unwrap(), None);
        let done = restart_if_long(&writer, &readers, 100).unwrap().expect("restarted");
        assert!(!done.busy && done.copied == done.frames, "{done:?}");
        // The next write starts the WAL from its beginning.
        writer.lock().unwrap().execute("INSERT INTO t VALUES ('after')", []).unwrap();
        let after = checkpoint(&writer.lock().unwrap(), "PASSIVE").unwrap();
        assert!(after.frames < 10, "{after:?}");
        assert_eq!(readers[1].lock().unwrap().query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap(), 201);
    }

    #[test]
    fn without_the_restart_the_wal_keeps_growing() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, readers) = connections(dir.path());
        writes_under_a_snapshot(&writer, &readers[0], 200);
        writer.lock().unwrap().execute("INSERT INTO t VALUES ('after')", []).unwrap();
        let after = checkpoint(&writer.lock().unwrap(), "PASSIVE").unwrap();
        assert!(after.frames > 200, "{after:?}");
    }

    #[test]
    fn a_read_still_running_puts_the_restart_off() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, readers) = connections(dir.path());
        writes_under_a_snapshot(&writer, &readers[0], 200);
        let busy = readers[1].lock().unwrap();
        assert_eq!(restart_if_long(&writer, &readers, 100).unwrap(), None);
        drop(busy);
        assert!(restart_if_long(&writer, &readers, 100).unwrap().is_some());
    }
}

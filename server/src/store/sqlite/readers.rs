//! The reader connections, lent one read at a time.
//!
//! A read first waits, as a task, for a free connection (any of them),
//! and only then takes a thread of tokio's blocking pool to run on it: at
//! most one thread per connection is ever busy with reads, however many
//! requests are waiting. Before this, each read took a blocking thread at
//! once and then waited on one connection's mutex, picked round robin. In
//! a burst (a slow second, an alert's fan-out) the blocking pool grew to
//! 220 threads, each asleep on a mutex and each with a malloc arena of
//! its own, and a read queued behind a slow one on its connection while
//! the other three were idle; the 30-minute soak of 2026-12-04 fell
//! behind after such bursts and did not recover (`docs/BENCHMARKS.md`,
//! "Soak").
//!
//! Each connection keeps its mutex: the checkpointer takes them all to
//! make the gap a WAL restart needs (`checkpoint.rs`).

use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::store::{StoreError, StoreResult};

pub(super) struct Readers {
    connections: Arc<Vec<Mutex<Connection>>>,
    /// One permit per free connection.
    permits: Arc<Semaphore>,
    /// The indexes of the free connections.
    free: Arc<Mutex<Vec<usize>>>,
}

impl Readers {
    pub(super) fn new(connections: Arc<Vec<Mutex<Connection>>>) -> Readers {
        let n = connections.len();
        Readers { permits: Arc::new(Semaphore::new(n)), free: Arc::new(Mutex::new((0..n).collect())), connections }
    }

    /// Runs `f` on a free reader connection once there is one.
    pub(super) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| StoreError::backend("the readers are closed"))?;
        let (connections, free) = (self.connections.clone(), self.free.clone());
        // The connection goes back when the closure ends, even when the
        // caller stopped waiting or `f` panicked (the lease's Drop).
        tokio::task::spawn_blocking(move || {
            let lease = Lease::take(free, permit);
            let conn = lock(&connections[lease.index]);
            f(&conn)
        })
        .await
        .map_err(|e| StoreError::backend(format!("blocking task failed: {e}")))?
    }
}

/// One free connection's index, taken with its permit; given back on drop
/// (the index first, then the permit that lets the next read take it).
struct Lease {
    index: usize,
    free: Arc<Mutex<Vec<usize>>>,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    fn take(free: Arc<Mutex<Vec<usize>>>, permit: OwnedSemaphorePermit) -> Lease {
        let index = lock(&free).pop().expect("a permit is held for each free connection");
        Lease { index, free, _permit: permit }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        lock(&self.free).push(self.index);
    }
}

/// A mutex's value even if a holder panicked: the connection outlives a
/// panicking holder (rusqlite's transaction guards roll back as they
/// unwind). The checkpointer locks with it too.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readers(n: usize) -> Readers {
        let connections = (0..n).map(|_| Mutex::new(Connection::open_in_memory().unwrap())).collect();
        Readers::new(Arc::new(connections))
    }

    /// Reads waiting for a connection wait as tasks: however many are
    /// queued, no more threads run reads than there are connections, and
    /// a slow read holds up only its own connection.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_reads_wait_as_tasks_and_take_whichever_connection_is_free() {
        let readers = Arc::new(readers(2));
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let slow = {
            let r = readers.clone();
            tokio::spawn(async move { r.read(|_| { std::thread::sleep(std::time::Duration::from_millis(600)); Ok(()) }).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        let quick: Vec<_> = (0..64)
            .map(|_| {
                let (r, running, most) = (readers.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    r.read(move |c| {
                        let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(2));
                        let one: i64 = c.query_row("SELECT 1", [], |r| r.get(0))?;
                        running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                        Ok(one)
                    })
                    .await
                })
            })
            .collect();
        for q in quick {
            assert_eq!(q.await.unwrap().unwrap(), 1);
        }
        // 64 reads of 2 ms on the one free connection, not behind the slow one.
        assert!(started.elapsed() < std::time::Duration::from_millis(500), "{:?}", started.elapsed());
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 1, "only the free connection ran the quick reads");
        slow.await.unwrap().unwrap();
        assert_eq!(lock(&readers.free).len(), 2, "both connections are free again");
    }

    /// A read that panics, or whose caller stopped waiting, gives its
    /// connection back.
    #[tokio::test]
    async fn a_panicking_or_abandoned_read_gives_its_connection_back() {
        let readers = Arc::new(readers(1));
        let panicked = readers.read(|_| -> StoreResult<()> { panic!("a read that fails") }).await;
        assert!(panicked.is_err());
        let abandoned = {
            let r = readers.clone();
            tokio::spawn(async move { r.read(|_| { std::thread::sleep(std::time::Duration::from_millis(100)); Ok(()) }).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        abandoned.abort();
        let one: i64 = tokio::time::timeout(std::time::Duration::from_secs(5), readers.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get(0))?)))
            .await
            .expect("the one connection came back")
            .unwrap();
        assert_eq!(one, 1);
    }
}

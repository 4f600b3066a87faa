//! Group commit for every write: concurrent writers share one IMMEDIATE
//! transaction on the single writer connection and one fsync
//! (`synchronous=FULL`), and each is answered only after COMMIT. Each
//! write runs in its own SAVEPOINT, so one that fails rolls back alone
//! and changes nothing; a failed COMMIT fails every write in the batch.
//! This is what lets the job queue record thousands of outcomes a second
//! beside the residents' writes (issue 11, step 6). New reports have a
//! writer of their own (`reports::group_commit`).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::publish;
use crate::store::{StoreError, StoreResult};

/// Called once the batch's COMMIT succeeded (`Ok`) or failed.
pub(super) type Reply = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;
/// One write: runs in the batch's transaction, answers after COMMIT.
pub(super) type Write = Box<dyn FnOnce(&Transaction<'_>) -> Reply + Send>;

/// Most writes in one transaction.
const MAX_BATCH: usize = 256;

/// `f` in a savepoint: released when it returns Ok, rolled back (nothing
/// it did stays) when it returns Err or panics.
pub(super) fn in_savepoint<T>(
    tx: &Transaction<'_>,
    f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    tx.execute_batch("SAVEPOINT one_write")?;
    let out = std::panic::catch_unwind(AssertUnwindSafe(|| f(tx)))
        .unwrap_or_else(|_| Err(StoreError::backend("a write panicked")));
    match out {
        Ok(v) => {
            tx.execute_batch("RELEASE one_write")?;
            Ok(v)
        }
        Err(e) => {
            // Fails only when SQLite already rolled the whole transaction
            // back; the batch loop sees that and fails the batch.
            let _ = tx.execute_batch("ROLLBACK TO one_write; RELEASE one_write");
            Err(e)
        }
    }
}

/// The writer loop, on its own thread until the store is dropped: wait for
/// one write, take every other one already queued, run them all in one
/// transaction, COMMIT, then answer each.
pub(super) fn run(writer: Arc<Mutex<Connection>>, max_seq: Arc<AtomicU64>, rx: Receiver<Write>) {
    while let Ok(first) = rx.recv() {
        let mut writes = vec![first];
        while writes.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => writes.push(w),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
        let (replies, outcome) = batch(&mut conn, writes);
        drop(conn);
        match outcome {
            Ok(max) => {
                // Only after the commit: a sync must never see a seq it cannot read.
                max_seq.fetch_max(max, Ordering::SeqCst);
                for r in replies {
                    r(Ok(()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, batch = replies.len(), "write batch failed");
                for r in replies {
                    r(Err(&e));
                }
            }
        }
    }
}

/// Runs the writes in one transaction and commits: their replies, and the
/// highest seq committed (or why the batch failed).
fn batch(conn: &mut Connection, writes: Vec<Write>) -> (Vec<Reply>, StoreResult<u64>) {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        // Dropping the writes fails them ("the writer dropped a write").
        Err(e) => return (Vec::new(), Err(e.into())),
    };
    let mut replies = Vec::with_capacity(writes.len());
    for w in writes {
        if tx.is_autocommit() {
            // SQLite rolled the transaction back (a full disk, an I/O
            // error): what is left is failed by being dropped.
            continue;
        }
        replies.push(w(&tx));
    }
    let outcome = if tx.is_autocommit() {
        Err(StoreError::backend("the database rolled the transaction back"))
    } else {
        publish::max_seq(&tx).and_then(|max| {
            tx.commit()?;
            Ok(max)
        })
    };
    (replies, outcome)
}

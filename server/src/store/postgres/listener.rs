//! What other instances commit, told by PostgreSQL's `NOTIFY` (sent by
//! `Tx::commit` in the committing transaction, so delivered only if it
//! commits): the new highest seq (`SyncStore::max_seq`) and jobs made
//! runnable (`JobStore::job_signal`). One connection of its own per
//! instance; on a lost connection it reconnects, reads the highest seq
//! again and wakes the worker once (a signal may have been missed).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool_postgres::Pool;
use tokio_postgres::{AsyncMessage, Config, NoTls};

use super::publish::{JOBS_CHANNEL, SEQ_CHANNEL, max_seq};
use crate::store::StoreResult;

/// Reads the highest seq now, then listens on a task of its own (aborted
/// through the handle when the store goes).
pub async fn start(
    config: Config,
    pool: Pool,
    seq: Arc<AtomicU64>,
    jobs: Arc<tokio::sync::Notify>,
) -> StoreResult<tokio::task::AbortHandle> {
    seq.fetch_max(max_seq(&pool.get().await?).await?, Ordering::SeqCst);
    let task = tokio::spawn(async move {
        loop {
            if let Err(e) = session(&config, &pool, &seq, &jobs).await {
                tracing::warn!(error = %e, "database notifications: connection lost, reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    Ok(task.abort_handle())
}

async fn session(
    config: &Config,
    pool: &Pool,
    seq: &AtomicU64,
    jobs: &tokio::sync::Notify,
) -> StoreResult<()> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (send, mut notifications) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(message)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            if let AsyncMessage::Notification(n) = message
                && send.send(n).is_err()
            {
                break;
            }
        }
    });
    client.batch_execute(&format!("LISTEN {SEQ_CHANNEL}; LISTEN {JOBS_CHANNEL}")).await?;
    // Whatever committed before LISTEN took effect.
    seq.fetch_max(max_seq(&pool.get().await?).await?, Ordering::SeqCst);
    jobs.notify_one();
    while let Some(n) = notifications.recv().await {
        match n.channel() {
            SEQ_CHANNEL => {
                if let Ok(s) = n.payload().parse::<u64>() {
                    seq.fetch_max(s, Ordering::SeqCst);
                }
            }
            JOBS_CHANNEL => jobs.notify_one(),
            _ => {}
        }
    }
    drop(client);
    Err(crate::store::StoreError::backend("the notification connection closed"))
}

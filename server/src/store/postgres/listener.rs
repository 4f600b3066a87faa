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

/// Reads the highest seq now, starts listening, and then listens on a task
/// of its own (aborted through the handle when the store goes). The first
/// `LISTEN` is in place before this returns: the store is not handed out
/// with its notification connection still half made (a connection that a
/// caller's blocked thread left mid-handshake holds PostgreSQL in
/// authentication for `authentication_timeout`, and with it anything that
/// waits for every backend, such as `DROP DATABASE`).
pub async fn start(
    config: Config,
    pool: Pool,
    seq: Arc<AtomicU64>,
    jobs: Arc<tokio::sync::Notify>,
) -> StoreResult<tokio::task::AbortHandle> {
    seq.fetch_max(max_seq(&pool.get().await?).await?, Ordering::SeqCst);
    let first = Session::listen(&config, &pool, &seq, &jobs).await?;
    let task = tokio::spawn(async move {
        let mut session = Some(first);
        loop {
            let listened = match session.take() {
                Some(s) => s.run(&seq, &jobs).await,
                None => match Session::listen(&config, &pool, &seq, &jobs).await {
                    Ok(s) => s.run(&seq, &jobs).await,
                    Err(e) => Err(e),
                },
            };
            if let Err(e) = listened {
                tracing::warn!(error = %e, "database notifications: connection lost, reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    Ok(task.abort_handle())
}

/// A connection that has run `LISTEN`, and the notifications it receives.
struct Session {
    client: tokio_postgres::Client,
    notifications: tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::Notification>,
}

impl Session {
    async fn listen(config: &Config, pool: &Pool, seq: &AtomicU64, jobs: &tokio::sync::Notify) -> StoreResult<Session> {
        let (client, mut connection) = config.connect(NoTls).await?;
        let (send, notifications) = tokio::sync::mpsc::unbounded_channel();
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
        Ok(Session { client, notifications })
    }

    /// Until the connection is lost.
    async fn run(mut self, seq: &AtomicU64, jobs: &tokio::sync::Notify) -> StoreResult<()> {
        while let Some(n) = self.notifications.recv().await {
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
        drop(self.client);
        Err(crate::store::StoreError::backend("the notification connection closed"))
    }
}

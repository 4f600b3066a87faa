//! The bridge's two tasks: its jobs on the queue (registration and case
//! opening, `super::jobs`), and polling open cases for their state.
//!
//! Case polling is a periodic task of its own: each open case is asked on
//! its own. A case whose poll fails (deleted in the EZD: 404; an
//! unparseable answer) waits out a backoff of its own and never holds up
//! the others; only a run of temporary failures in a row (the EZD itself
//! is down) ends a round early. A new state goes through
//! `super::rules::on_case_state` in the store's transaction.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::jobs::{EzdContext, GminaEzds, OpenCase, RegisterReport};
use crate::jobs::JobContext;
use super::model::{Ezd, EzdError};
use crate::jobs::{RetryPolicy, Worker, backoff};
use crate::state::Clock;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct BridgeConfig {
    /// Retries of both jobs (`--ezd-retry-base-ms`, `--ezd-retry-max-ms`,
    /// `--ezd-max-attempts`).
    pub retry: RetryPolicy,
    /// How often open cases are polled for their status.
    pub poll_every: Duration,
    /// Deliveries to this EZD at once, per job kind.
    pub concurrency: usize,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        BridgeConfig { retry: RetryPolicy::default(), poll_every: Duration::from_secs(300), concurrency: 16 }
    }
}

/// Temporary failures in a row after which a polling round stops: the EZD
/// itself is unreachable, so asking about the remaining cases now would
/// only wait out one timeout per case. Cases that failed are backed off,
/// so the next round starts with others.
const POLL_TEMPORARY_FAILURES_IN_A_ROW: u32 = 3;

/// A case whose last polls failed: how many in a row, and when to ask again.
#[derive(Debug, Clone, Copy)]
struct PollBackoff {
    failures: u32,
    next_at: Instant,
}

pub struct Bridge {
    store: Arc<dyn Store>,
    ezd: Arc<dyn Ezd>,
    cfg: BridgeConfig,
    clock: Clock,
    /// The EZDs of gminas whose settings name their own.
    own: Arc<GminaEzds>,
    /// Per report; in memory (a restart simply asks every case again).
    poll_backoff: Mutex<HashMap<i64, PollBackoff>>,
}

impl Bridge {
    pub fn new(store: Arc<dyn Store>, ezd: Arc<dyn Ezd>, cfg: BridgeConfig, clock: Clock) -> Bridge {
        Bridge { store, ezd, cfg, clock, own: Arc::default(), poll_backoff: Mutex::new(HashMap::new()) }
    }

    /// Gminas whose settings name an EZD of their own get it (opened by
    /// `own`); the others use the deployment's.
    pub fn with_gmina_ezds(mut self, own: GminaEzds) -> Bridge {
        self.own = Arc::new(own);
        self
    }

    fn context(&self) -> EzdContext {
        EzdContext { store: self.store.clone(), ezd: self.ezd.clone(), clock: self.clock.clone(), own: self.own.clone() }
    }

    /// Puts the EZD's two jobs on the queue's worker.
    pub fn register_jobs(&self, worker: &mut Worker) {
        let ctx = Arc::new(self.context());
        worker.register::<RegisterReport>(ctx.clone(), self.cfg.concurrency, self.cfg.retry);
        worker.register::<OpenCase>(ctx, self.cfg.concurrency, self.cfg.retry);
    }

    /// Delivers every EZD job due now (and the cases their registrations
    /// unblock) through a worker of its own; the number of attempts.
    pub async fn deliver_due(&self) -> Result<usize, crate::store::StoreError> {
        let mut worker = Worker::new(self.store.clone(), self.clock.clone());
        self.register_jobs(&mut worker);
        worker.run_due().await
    }

    /// Polls open cases every `poll_every` until `shutdown` (nothing when
    /// this EZD cannot tell a case's state: packages).
    pub fn spawn_polling(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Option<tokio::task::JoinHandle<()>> {
        if !self.ezd.polls() {
            return None;
        }
        Some(tokio::spawn(async move {
            tokio::pin!(shutdown);
            loop {
                self.poll_cases().await;
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(self.cfg.poll_every) => {}
                }
            }
        }))
    }

    /// Asks each gmina's EZD about that gmina's open cases, one gmina
    /// after another (`poll_gmina`).
    pub async fn poll_cases(&self) {
        let mut gminas: Vec<_> = match self.store.list_gminas().await {
            Ok(list) => list.into_iter().map(|g| g.teryt).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "ezd bridge: cannot list the gminas");
                return;
            }
        };
        if gminas.is_empty() {
            gminas.push(self.store.gmina_scope().clone());
        }
        let all = self.context();
        let mut open = std::collections::HashSet::new();
        for gmina in gminas {
            match all.for_gmina(&gmina).await {
                Ok(ctx) => open.extend(self.poll_gmina(&ctx).await),
                Err(e) => tracing::warn!(%gmina, error = %e, "ezd bridge: cannot poll this gmina's cases"),
            }
        }
        self.forget_backoff_of_closed(&open);
    }

    /// Asks the gmina's EZD about every open case not backed off; a change
    /// flows back to the report. A failing case is backed off on its own
    /// (`backoff`, at least one poll interval) and the round goes on.
    /// Returns the reports whose cases are open.
    async fn poll_gmina(&self, ctx: &EzdContext) -> Vec<i64> {
        let cases = match ctx.store.ezd_open_cases().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "ezd bridge: cannot list open cases");
                return Vec::new();
            }
        };
        let open = cases.iter().map(|c| c.report_id).collect();
        let mut temporary_in_a_row = 0;
        for c in cases {
            if self.backed_off(c.report_id) {
                continue;
            }
            match ctx.ezd.case_state(&c.case_id).await {
                Ok(state) => {
                    temporary_in_a_row = 0;
                    self.poll_backoff.lock().unwrap_or_else(|p| p.into_inner()).remove(&c.report_id);
                    if let Some(state) = state.filter(|s| *s != c.state)
                        && let Err(e) = ctx
                            .store
                            .ezd_case_state(c.report_id, state, super::rules::on_case_state, self.clock.now())
                            .await
                    {
                        tracing::warn!(report = c.report_id, error = %e, "ezd bridge: cannot apply a case state");
                    }
                }
                Err(e) => {
                    let wait = self.back_off(c.report_id);
                    tracing::info!(report = c.report_id, error = %e, retry_in_ms = wait.as_millis() as u64, "ezd bridge: case status poll failed");
                    if matches!(e, EzdError::Temporary(_) | EzdError::Busy { .. }) {
                        temporary_in_a_row += 1;
                        if temporary_in_a_row >= POLL_TEMPORARY_FAILURES_IN_A_ROW {
                            tracing::info!("ezd bridge: the EZD seems unreachable; the next poll goes on");
                            return open;
                        }
                    } else {
                        temporary_in_a_row = 0;
                    }
                }
            }
        }
        open
    }

    fn backed_off(&self, report_id: i64) -> bool {
        let map = self.poll_backoff.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&report_id).is_some_and(|b| b.next_at > Instant::now())
    }

    /// Records one more failed poll of the case; the wait before the next.
    fn back_off(&self, report_id: i64) -> Duration {
        let mut map = self.poll_backoff.lock().unwrap_or_else(|p| p.into_inner());
        let failures = map.get(&report_id).map_or(0, |b| b.failures);
        let wait = backoff(&self.cfg.retry, failures).max(self.cfg.poll_every);
        map.insert(report_id, PollBackoff { failures: failures.saturating_add(1), next_at: Instant::now() + wait });
        wait
    }

    /// Drops the entries of cases no longer open, so the map stays small.
    fn forget_backoff_of_closed(&self, open: &std::collections::HashSet<i64>) {
        let mut map = self.poll_backoff.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|id, _| open.contains(id));
    }
}

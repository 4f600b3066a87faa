//! Pending payments past the gateway's time limit become `expired`
//! (P24 notifies successful payments only: a payer who gave up or closed
//! the page leaves nothing to hear). A notification that still comes for
//! an expired payment moves nothing and is flagged for an official
//! (`routes::status_notification`).

use std::future::Future;

use crate::state::AppState;
use crate::store::taxes::PaymentUpdate;
use crate::tenant::scoped;

/// One pass over every gmina; how many payments expired.
pub async fn run_once(state: &AppState) -> anyhow::Result<u64> {
    let Some(gateway) = state.payments.clone() else { return Ok(0) };
    let now = state.clock.now();
    let mut gminas: Vec<_> = state.gminas.list(state.store.as_ref()).await?.iter().map(|g| g.teryt.clone()).collect();
    if gminas.is_empty() {
        gminas.push(state.store.gmina_scope().clone());
    }
    let mut expired = 0;
    for gmina in gminas {
        let store = scoped(state, &gmina).store;
        for p in store.stale_pending_payments(now - gateway.expiry()).await? {
            if store.update_payment(&p.id, PaymentUpdate::Expired, now).await? {
                expired += 1;
            }
        }
    }
    Ok(expired)
}

/// A pass every `every` until `shutdown`.
pub fn spawn(
    state: AppState,
    every: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {
                    match run_once(&state).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(expired = n, "pending payments past the gateway's time limit expired"),
                        Err(e) => tracing::warn!(error = %e, "payments.expire failed"),
                    }
                }
            }
        }
    })
}

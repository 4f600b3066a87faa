//! One persisted job queue for every outside system (crates.io's
//! `crates_io_worker` is the model). Contents:
//!
//! - [`model`]: the [`Job`] trait (`KIND`, `DEDUPLICATED`, `run`), every
//!   [`JobKind`] in one place, and [`JobError`] (temporary, with an
//!   optional `Retry-After`, or rejected);
//! - [`worker`]: the one worker: claims due jobs, runs them with bounded
//!   concurrency per kind, backs off with jitter, dead-letters after the
//!   kind's last attempt, wakes on the store's signal after a commit (no
//!   polling), and stops with the server.
//!
//! Jobs are enqueued only inside the business write's transaction (the
//! store's `enqueue(tx, &NewJob)`); the table and its SQL are the store's
//! (`store::jobs`). The dead letters of every kind are on `/admin/jobs`.
//! The queue knows nothing of what a kind does: the EZD's two jobs are in
//! `crate::ezd::jobs`.

pub mod model;
pub mod worker;

pub use model::{Job, JobContext, JobError, JobKind, new_job};
pub use worker::{RetryPolicy, Worker, backoff};

/// Gmina `gmina`'s settings (the defaults when it has none stored), for a
/// job context's `for_gmina`: a database error is temporary.
pub async fn gmina_settings(
    store: &dyn crate::store::Store,
    gmina: &mm_protocol::gmina::Teryt,
) -> Result<crate::store::GminaSettings, JobError> {
    Ok(store
        .gmina_record(gmina)
        .await
        .map_err(|e| JobError::temporary(format!("database: {e}")))?
        .map(|g| g.settings)
        .unwrap_or_default())
}

//! Consultations (konsultacje społeczne, issue 15): the gmina's surveys,
//! cached for offline reading; the resident's answers drafted, checked
//! with `mm_protocol::consultations::check_answers` at every step and
//! again before queueing (so nothing invalid is queued), sent through the
//! outbox once (`Kind::ConsultationAnswers`, with its idempotency key);
//! the published summary after the consultation closes.
//!
//! - `model`: the records the shells get (with their texts).
//! - `store`: the tables (schema version 6).
//! - `sync`: the HTTP side (`/api/v1/consultations/...`) and what the
//!   outbox sends.
//! - `api`: `core.consultations()`.
//!
//! One response per consultation from this device: a queued or sent one
//! makes a second `submit` fail with `already_answered` before anything is
//! queued; the server enforces the same per device (409).

mod api;
pub mod model;
pub(crate) mod store;
pub(crate) mod sync;

pub use api::ConsultationsApi;

#[cfg(test)]
mod tests;

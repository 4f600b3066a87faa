//! The participatory budget (budżet obywatelski, issue 15): the editions,
//! their projects and published results, cached for offline reading; the
//! ballot as the resident picks it, with the edition's rule enforced at
//! every pick (`mm_protocol::budget::rules`); casting it through the
//! outbox, exactly once.
//!
//! - `model`: the records the shells get (with their texts).
//! - `store`: the tables (schema version 5): editions, projects, results,
//!   ballot drafts, casts.
//! - `fetch`: the HTTP side (`/api/v1/budget/...`, `mm_protocol::budget::
//!   wire`) and what the outbox sends (a ballot).
//! - `writes`: a project submitted, a support signature, an appeal, a
//!   ballot's change: each one outbox item and one `budget_writes` row.
//! - `photos`: the projects' photos kept for offline reading.
//! - `api`: `core.budget()`.
//!
//! A ballot's life on the device: `cast` checks the ballot
//! (`rules::check_ballot`) and the identity (`identity::normalise`) first,
//! so nothing invalid is queued; then, in one transaction, one outbox item
//! (`Kind::BudgetBallot`, with its idempotency key) and a `budget_casts`
//! row (`queued`, the choices only). The identity (PESEL, names, address,
//! phone) lives only in the item's payload. A 5xx or no network keeps the
//! item with the same key; the server's 201 stores the receipt (`cast`);
//! a final refusal (`already_voted`, `ballot_rule`, `invalid_identity`,
//! `invalid_sms_code`, `sms_locked`, `phase_closed`, any other 4xx) is
//! kept on the row (`refused`). Either way the item is deleted with
//! SQLite's `secure_delete` on and the WAL truncated, so no byte of the
//! identity stays in the store's files.

mod api;
pub(crate) mod fetch;
pub mod model;
pub(crate) mod photos;
pub(crate) mod store;
pub(crate) mod writes;

pub use api::BudgetApi;

#[cfg(test)]
mod test_fixture;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod writes_tests;

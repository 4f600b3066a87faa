//! Local taxes (issue 14): what the resident's household owes the gmina,
//! with interest to today, and paying it (a bank-transfer QR, or the gmina's
//! payment gateway). The tax system owns the figures; the core keeps the
//! linked taxpayers' copy for offline reading and recomputes the balance to
//! any day with the protocol's own rules (`mm_protocol::taxes::view`), so
//! the app and the server never disagree by a grosz.
//!
//! - `model`: the records the shells get (figures with their Polish texts).
//! - `store`: the tables (schema version 4): taxpayers, liabilities, the
//!   gmina's rules and recipient, payments made on this device.
//! - `fetch`: the HTTP side: link, the liabilities, a payment's state and
//!   receipt, and what the outbox sends (a payment, an unlink).
//! - `qr`: the ZBP transfer QR as a module matrix for the shells to draw.
//! - `reminders`: instalments due in the next N days (1..=7, default 3).
//! - `api`: `core.taxes()`.
//!
//! A payment's life on the device: `pay` writes, in one transaction, a
//! `tax_payments` row (`queued`) and an outbox item whose idempotency key
//! the row keeps; the outbox posts it (at once when online); the server's
//! 201 makes it `pending` with the gateway's redirect URL; polling
//! `payment(id)` follows it to `paid`, `failed` or `expired`. An answer
//! lost to a dead network or a killed app leaves the item queued with the
//! same key: the retry gets the server's first answer, never a second
//! payment. A refusal (payments off, an amount above the total) makes it
//! `refused` with the server's reason.
//!
//! Unlinking deletes every row of the taxpayer at once (one transaction)
//! and queues the server's `DELETE` in the outbox; until it is sent, a
//! refresh does not bring the taxpayer back.

mod api;
pub(crate) mod fetch;
pub mod model;
pub(crate) mod qr;
pub(crate) mod reminders;
pub(crate) mod store;

pub use api::TaxesApi;
pub(crate) use api::refresh_if_linked;

#[cfg(test)]
mod tests;

/// The ZBP payload's QR code as `(modules per side, modules row-major,
/// true = dark)`, for a payload a shell holds (`TaxLiabilityDetail` has it
/// drawn already).
pub fn qr_matrix(payload: &str) -> Result<(u32, Vec<bool>), crate::CoreError> {
    Ok(qr::matrix(payload)?)
}

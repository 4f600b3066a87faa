//! The EZD bridge: every report registered as incoming correspondence in
//! the town hall's document management system (EZD), a case (sprawa)
//! opened when an official accepts it, and the case's status flowing back.
//!
//! - [`model`]: what is sent (a registration, a case) and what comes back;
//! - [`outbox`]: the transactional outbox, written in the same transaction
//!   as the report or the status change, and the bridge's own tables;
//! - [`bridge`]: the worker: at-least-once delivery with backoff and jitter,
//!   a dead letter after N attempts, case status polling;
//! - [`rp_api`]: the adapter for EZD RP Integrator API v2 (NASK);
//! - [`package`]: the adapter writing each registration as a folder with
//!   `metadata.xml` and attachments, atomically;
//! - [`admin`]: the back-office page of dead letters, with a retry action.

pub mod admin;
pub mod bridge;
pub mod model;
pub mod outbox;
pub mod package;
pub mod rp_api;
pub mod rules;

pub use model::{Ezd, EzdError};

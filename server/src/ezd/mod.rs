//! The EZD bridge: every report registered as incoming correspondence in
//! the town hall's document management system (EZD), a case (sprawa)
//! opened when an official accepts it, and the case's status flowing back.
//!
//! - [`model`]: what is sent (a registration, a case) and what comes back;
//! - [`jobs`]: registration and case opening, two jobs on the one queue
//!   (`crate::jobs`), enqueued in the report's own transaction;
//! - [`rules`]: what a case's state does to its report (pure);
//! - [`bridge`]: the jobs' wiring and case status polling;
//! - [`rp_api`]: the adapter for EZD RP Integrator API v2 (NASK);
//! - [`package`]: the adapter writing each registration as a folder with
//!   `metadata.xml` and attachments, atomically.
//!
//! What the bridge stores is `store::ezd`; its dead letters are on the
//! back office's `/admin/jobs`.

pub mod bridge;
pub mod jobs;
pub mod model;
pub mod package;
pub mod rp_api;
pub mod rules;

pub use model::{Ezd, EzdError};

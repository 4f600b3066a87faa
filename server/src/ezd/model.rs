//! What the bridge sends to an EZD and what comes back, independent of the
//! adapter (Integrator API or package export).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::reports::Report;

/// One registration in the register of incoming mail (RPW, rejestr
/// przesyłek wpływających): the report with its metadata and attachments.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Our idempotency reference: the EZD ends up with exactly one entry
    /// carrying it (searched for before anything is created).
    pub reference: String,
    pub report: Report,
    pub category_name: String,
    /// The report itself rendered as a document, then the photos.
    pub attachments: Vec<Attachment>,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    /// File name, unique within the registration.
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What a case's new state does to its report ([`super::rules`]), and
/// what comes back from an EZD: the store's types, as the store keeps them.
pub use crate::store::ezd::{CaseOutcome, CaseState, OpenedCase, Registered};

/// A case (sprawa) to open for an accepted report.
#[derive(Debug, Clone)]
pub struct CaseRequest {
    pub reference: String,
    pub report_id: i64,
    /// The JRWA class configured for the report's category.
    pub jrwa: String,
    /// Kategoria archiwalna, e.g. `B5`.
    pub archival_category: String,
    /// At most 500 characters (EZD RP `POST /sprawy`).
    pub title: String,
    pub year: i32,
    pub registration: Registered,
    /// The report document, attached to the case.
    pub document: Attachment,
}

#[derive(Debug, thiserror::Error)]
pub enum EzdError {
    /// Worth retrying: the EZD is down, slow, or answered 5xx/429.
    #[error("temporary: {0}")]
    Temporary(String),
    /// Worth retrying, no sooner than the EZD asked (`Retry-After` on a
    /// 429 or 503, RFC 9110 §10.2.3).
    #[error("temporary: {message}")]
    Busy { message: String, retry_after: std::time::Duration },
    /// Retrying the same request cannot help (4xx, a bad configuration);
    /// still retried with backoff, since an official may fix the cause.
    #[error("rejected: {0}")]
    Rejected(String),
}

/// One EZD, behind one of the two adapters.
#[async_trait]
pub trait Ezd: Send + Sync {
    /// Registers in the RPW unless an entry with `reference` exists;
    /// either way answers where it is. Safe to call again after any failure.
    async fn register(&self, reg: &Registration) -> Result<Registered, EzdError>;
    /// Opens the case for an accepted report, or finds the one opened before.
    async fn open_case(&self, case: &CaseRequest) -> Result<OpenedCase, EzdError>;
    /// The case's current state; `None` when this EZD cannot tell (packages).
    async fn case_state(&self, case_id: &str) -> Result<Option<CaseState>, EzdError>;
    /// Whether `case_state` means anything (so the bridge polls).
    fn polls(&self) -> bool;
}

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

/// Where the registration ended up: an RPW number (`RPW/{n}/{yyyy}`) and
/// the document's id, or the package folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    pub rpw_number: String,
    pub document_id: Option<String>,
}

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

/// A case in the EZD; `case_reference` is the znak sprawy
/// (`DEPT.JRWA.N.YYYY`), absent where the EZD gives none back (packages).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedCase {
    pub case_id: String,
    pub case_reference: Option<String>,
}

/// A case's state as the bridge maps it back to the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseState {
    Open,
    Suspended,
    Resumed,
    Closed,
}

impl CaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Suspended => "suspended",
            CaseState::Resumed => "resumed",
            CaseState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        [CaseState::Open, CaseState::Suspended, CaseState::Resumed, CaseState::Closed]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// What a case's new state does to its report ([`super::rules`]).
#[derive(Debug, Clone, PartialEq)]
pub enum CaseOutcome {
    /// A workflow move, made as the official `ezd`.
    Move(mm_protocol::reports::StatusChangeRequest),
    /// A public note in the report's history, under its current status.
    PublicNote(String),
    Nothing,
}

#[derive(Debug, thiserror::Error)]
pub enum EzdError {
    /// Worth retrying: the EZD is down, slow, or answered 5xx/429.
    #[error("temporary: {0}")]
    Temporary(String),
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

//! What the EZD bridge stores: what each report became in the EZD (its
//! registration and case), the JRWA class per report category, and what a
//! case's state does to its report. The deliveries themselves are jobs on
//! the one queue ([`super::jobs`]); the bridge itself is the `ezd` module.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::reports::{Report, StatusChangeRequest};

use super::{Actor, StoreResult};

/// Where a registration ended up: an RPW number (`RPW/{n}/{yyyy}`) and
/// the document's id, or the package folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    pub rpw_number: String,
    pub document_id: Option<String>,
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

/// What a case's new state does to its report (decided by
/// `ezd::rules::on_case_state`, applied by the store).
#[derive(Debug, Clone, PartialEq)]
pub enum CaseOutcome {
    /// A workflow move, made as the official `ezd`.
    Move(StatusChangeRequest),
    /// A public note in the report's history, under its current status.
    PublicNote(String),
    Nothing,
}

/// The rule a store applies inside the transaction that records a case's
/// new state: (the report, the new state, the case reference).
pub type CaseRule = fn(&Report, CaseState, &str) -> CaseOutcome;

/// Everything a delivery needs about its report.
#[derive(Debug, Clone)]
pub struct EzdReport {
    pub report: Report,
    pub category_name: String,
    pub jrwa: String,
    pub archival_category: String,
    /// Set once the registration was delivered.
    pub registered: Option<Registered>,
}

/// A case the bridge polls for its state.
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub report_id: i64,
    pub case_id: String,
    pub case_reference: Option<String>,
    pub state: CaseState,
}

#[async_trait]
pub trait EzdStore: Send + Sync {
    async fn ezd_report(&self, report_id: i64) -> StoreResult<EzdReport>;
    /// Records where the report's registration ended up.
    async fn ezd_registered(&self, report_id: i64, reference: &str, r: Registered, now: DateTime<Utc>)
    -> StoreResult<()>;
    /// Stores the case; with a case reference, publishes it on the report.
    async fn ezd_case_opened(&self, report_id: i64, c: OpenedCase, now: DateTime<Utc>) -> StoreResult<()>;
    async fn ezd_open_cases(&self) -> StoreResult<Vec<OpenCase>>;
    /// A case's new state from the EZD: stored, and `rule` decides what it
    /// does to the report, in one transaction (the same state again changes
    /// nothing).
    async fn ezd_case_state(
        &self,
        report_id: i64,
        state: CaseState,
        rule: CaseRule,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Sets the JRWA class of a report category (audited).
    async fn ezd_set_category_class(
        &self,
        actor: Actor,
        category: String,
        jrwa: String,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn ezd_category_classes(&self) -> StoreResult<Vec<(String, String)>>;
}

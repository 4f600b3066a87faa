//! The records the reports screens get from the core.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use mm_protocol::error::Message;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{Contact, LocationSource, Report, ReportCategory, ReportStatus};

use super::flow::ReportStep;
use serde::{Deserialize, Serialize};

/// A public report in a list ("near me", "this may already be reported").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSummary {
    pub id: i64,
    pub category: String,
    pub status: ReportStatus,
    pub point: GeoPoint,
    pub address: Option<String>,
    /// At most 200 characters of the description.
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub photo_count: u32,
    pub followers: u32,
    /// From the point asked about, in metres.
    pub distance_m: f64,
}

/// A photo attached to a draft, already normalised on the device (JPEG,
/// longest edge at most 2048 px, no metadata).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoInfo {
    /// SHA-256 hex of the normalised bytes: the id the server gives it too.
    pub id: String,
    /// The normalised file on the device (under `data_dir/photos/`).
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// A report being written. Kept in the store, so it survives the app being
/// killed; it becomes a queued report on [`crate::Core::submit_report_draft`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDraft {
    pub id: String,
    pub category: String,
    pub point: Option<GeoPoint>,
    pub location_source: LocationSource,
    pub accuracy_m: Option<f64>,
    pub address: Option<String>,
    pub description: String,
    pub answers: BTreeMap<String, String>,
    pub contact: Option<Contact>,
    /// In the order they were added.
    pub photos: Vec<PhotoInfo>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Changes to a draft: `None` leaves a field as it is. An empty `address`
/// clears it. A new `point` replaces the accuracy too (with `accuracy_m`,
/// or without one: a moved pin has none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportDraftUpdate {
    pub category: Option<String>,
    pub point: Option<GeoPoint>,
    pub location_source: Option<LocationSource>,
    pub accuracy_m: Option<f64>,
    pub address: Option<String>,
    pub description: Option<String>,
    /// Replaces all answers.
    pub answers: Option<BTreeMap<String, String>>,
    pub contact: Option<Contact>,
}

/// Where one of my reports is on its way to the town hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MyReportState {
    /// Waiting in the outbox; not tried yet.
    Queued,
    /// Tried at least once and not acknowledged yet; retried with the same
    /// idempotency key, so it can never become two reports.
    Sending,
    /// The server refused it (see `error`); discard it or edit and resend.
    Failed,
    /// The server has it (`server_id`).
    Sent,
}

impl MyReportState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MyReportState::Queued => "queued",
            MyReportState::Sending => "sending",
            MyReportState::Failed => "failed",
            MyReportState::Sent => "sent",
        }
    }

    pub(crate) fn parse(s: &str) -> MyReportState {
        match s {
            "sending" => MyReportState::Sending,
            "failed" => MyReportState::Failed,
            "sent" => MyReportState::Sent,
            _ => MyReportState::Queued,
        }
    }
}

/// Why the server refused a report, or why the last try failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportError {
    /// Stable code (`invalid_field`, `network`, `rate_limited`…).
    pub code: String,
    pub message: Message,
    pub field: Option<String>,
}

/// A report made on this device, from queued to handled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyReport {
    /// This device's number for it (exists before the server's id).
    pub local_id: i64,
    pub state: MyReportState,
    /// The server's id once it acknowledged the report.
    pub server_id: Option<i64>,
    pub category: String,
    pub point: GeoPoint,
    pub address: Option<String>,
    pub description: String,
    pub answers: BTreeMap<String, String>,
    pub photo_count: u32,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// For `failed`: the server's reason; for `sending`: the last try's.
    pub error: Option<ReportError>,
    /// The handling status, once the server has it.
    pub status: Option<ReportStatus>,
    /// The public view as last synced: full history with the officials'
    /// public replies, the case reference (znak sprawy).
    pub report: Option<Report>,
    /// Where it is, in words, in the core's language ("Czeka na wysłanie",
    /// "Przyjęte"): `flow::state_label`.
    #[serde(default)]
    pub state_text: String,
    /// What the resident may do with it now.
    #[serde(default)]
    pub actions: ReportActions,
}

/// What the resident may do with one of my reports (`flow::actions`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportActions {
    /// Withdraw it: not sent yet, or refused.
    pub can_discard: bool,
    /// Back as a draft to fix and send again: refused.
    pub can_edit: bool,
    /// Send again as it was: refused.
    pub can_retry: bool,
}

/// What blocks sending a draft: the first failing check, with the field
/// it concerns and the step where the resident fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftProblem {
    pub code: String,
    pub field: String,
    pub message: Message,
    pub step: ReportStep,
}

/// The review screen in one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportReview {
    pub draft: ReportDraft,
    /// The draft's category (with its questions); `None` if it is unknown.
    pub category: Option<ReportCategory>,
    /// `None` when the draft can be sent.
    pub problem: Option<DraftProblem>,
    /// "To może już być zgłoszone": open reports of the same category
    /// within 30 m, nearest first.
    pub possible_duplicates: Vec<ReportSummary>,
}

/// A public report's screen in one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDetail {
    pub report: Report,
    pub category: Option<ReportCategory>,
    /// Whether this device follows it.
    pub followed: bool,
}

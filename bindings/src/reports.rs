//! Residents' reports (zgłoszenia) across the boundary: the records, and
//! the `MmCore` methods of the reporting flow, one call per screen:
//!
//! | screen | call |
//! |---|---|
//! | category choice | `report_categories`, `report_drafts` |
//! | location, photos, questions, description | `create_report_draft`, `update_report_draft`, `add_report_photo`, `remove_report_photo` (each answers the whole draft or photo) |
//! | review | `report_review` (draft + category + first problem + possible duplicates) |
//! | send | `submit_report_draft` (typed `InvalidInput` naming the field) |
//! | my reports | `my_reports` (states, history, replies), `my_report` |
//! | a public report | `report_detail`, `reports_near`, `follow_report` |
//!
//! Mapping only: validation, duplicate search, the boundary check, photo
//! normalisation and sending are the core's.

use std::collections::HashMap;

use mm_core as core;

use crate::error::MmError;
use crate::object::{MmCore, all, one};
use crate::records::{GeoPoint, ms};

/// A question's answer type (Open311 attribute datatype).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AttributeType {
    /// One line of text.
    Text,
    /// A whole number, e.g. the lamp's number plate.
    Number,
    /// One of the attribute's `values` (send its `key`).
    SingleChoice,
}

impl From<core::AttributeType> for AttributeType {
    fn from(t: core::AttributeType) -> Self {
        match t {
            core::AttributeType::String => AttributeType::Text,
            core::AttributeType::Number => AttributeType::Number,
            core::AttributeType::SingleChoice => AttributeType::SingleChoice,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AttributeValue {
    /// What the answer holds.
    pub key: String,
    pub name_pl: String,
    pub name_en: String,
}

/// One extra question of a category; its answer goes under `code`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CategoryAttribute {
    pub code: String,
    pub label_pl: String,
    pub label_en: String,
    pub datatype: AttributeType,
    pub required: bool,
    /// For `SingleChoice`: the allowed answers, in display order.
    pub values: Vec<AttributeValue>,
}

/// A kind of report (Open311 service), e.g. `street_lamp`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportCategory {
    pub id: String,
    pub name_pl: String,
    pub name_en: String,
    pub description_pl: String,
    pub description_en: String,
    /// In display order.
    pub attributes: Vec<CategoryAttribute>,
    /// Target hours from report to resolution.
    pub target_hours: Option<u32>,
    pub active: bool,
}

impl From<core::ReportCategory> for ReportCategory {
    fn from(c: core::ReportCategory) -> Self {
        ReportCategory {
            id: c.id,
            name_pl: c.name_pl,
            name_en: c.name_en,
            description_pl: c.description_pl,
            description_en: c.description_en,
            attributes: c
                .attributes
                .into_iter()
                .map(|a| CategoryAttribute {
                    code: a.code,
                    label_pl: a.label_pl,
                    label_en: a.label_en,
                    datatype: a.datatype.into(),
                    required: a.required,
                    values: a
                        .values
                        .into_iter()
                        .map(|v| AttributeValue { key: v.key, name_pl: v.name_pl, name_en: v.name_en })
                        .collect(),
                })
                .collect(),
            target_hours: c.target_hours,
            active: c.active,
        }
    }
}

impl From<ReportCategory> for core::ReportCategory {
    fn from(c: ReportCategory) -> Self {
        core::ReportCategory {
            id: c.id,
            name_pl: c.name_pl,
            name_en: c.name_en,
            description_pl: c.description_pl,
            description_en: c.description_en,
            attributes: c
                .attributes
                .into_iter()
                .map(|a| core::CategoryAttribute {
                    code: a.code,
                    label_pl: a.label_pl,
                    label_en: a.label_en,
                    datatype: match a.datatype {
                        AttributeType::Text => core::AttributeType::String,
                        AttributeType::Number => core::AttributeType::Number,
                        AttributeType::SingleChoice => core::AttributeType::SingleChoice,
                    },
                    required: a.required,
                    values: a
                        .values
                        .into_iter()
                        .map(|v| core::AttributeValue { key: v.key, name_pl: v.name_pl, name_en: v.name_en })
                        .collect(),
                })
                .collect(),
            target_hours: c.target_hours,
            active: c.active,
        }
    }
}

/// The report wizard's steps, in the order the screens show them. Which
/// step is on screen is the shell's; the order, the skipping of questions
/// and the step that fixes a field are the core's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ReportStep {
    Category,
    Location,
    Photos,
    Questions,
    Description,
    Review,
}

impl From<core::ReportStep> for ReportStep {
    fn from(s: core::ReportStep) -> Self {
        match s {
            core::ReportStep::Category => ReportStep::Category,
            core::ReportStep::Location => ReportStep::Location,
            core::ReportStep::Photos => ReportStep::Photos,
            core::ReportStep::Questions => ReportStep::Questions,
            core::ReportStep::Description => ReportStep::Description,
            core::ReportStep::Review => ReportStep::Review,
        }
    }
}

impl From<ReportStep> for core::ReportStep {
    fn from(s: ReportStep) -> Self {
        match s {
            ReportStep::Category => core::ReportStep::Category,
            ReportStep::Location => core::ReportStep::Location,
            ReportStep::Photos => core::ReportStep::Photos,
            ReportStep::Questions => core::ReportStep::Questions,
            ReportStep::Description => core::ReportStep::Description,
            ReportStep::Review => core::ReportStep::Review,
        }
    }
}

/// The step where the resident fixes `field` as the core names it (a
/// `DraftProblem`'s or an `InvalidInput`'s `field`); `None`: the review.
#[uniffi::export]
pub fn report_step_for_field(field: Option<String>) -> ReportStep {
    core::ReportStep::for_field(field.as_deref()).into()
}

/// The step after `step` ("Dalej"): a category without questions skips them.
#[uniffi::export]
pub fn next_report_step(step: ReportStep, category: Option<ReportCategory>) -> ReportStep {
    core::ReportStep::from(step).next(category.map(Into::into).as_ref()).into()
}

/// The step before `step` ("Wstecz"), skipping the questions as `next` does.
#[uniffi::export]
pub fn previous_report_step(step: ReportStep, category: Option<ReportCategory>) -> ReportStep {
    core::ReportStep::from(step).previous(category.map(Into::into).as_ref()).into()
}

/// A compass direction to move the pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Direction {
    North,
    South,
    East,
    West,
}

/// `point` moved `metres` towards `direction` (the pin's nudge buttons);
/// right at any latitude (cos φ).
#[uniffi::export]
pub fn nudge_point(point: GeoPoint, direction: Direction, metres: f64) -> GeoPoint {
    let d = match direction {
        Direction::North => core::Direction::North,
        Direction::South => core::Direction::South,
        Direction::East => core::Direction::East,
        Direction::West => core::Direction::West,
    };
    core::nudge_point(point.into(), d, metres).into()
}

/// The limits the report screens state, with their hints.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportRules {
    pub max_photos: u32,
    pub description_min_chars: u32,
    pub description_max_chars: u32,
    /// "Do 5 zdjęć. …" for the photos step.
    pub photos_hint: String,
    /// "Opisz problem (co najmniej 10 znaków)".
    pub description_hint: String,
}

impl From<core::ReportRules> for ReportRules {
    fn from(r: core::ReportRules) -> Self {
        ReportRules {
            max_photos: r.max_photos,
            description_min_chars: r.description_min_chars,
            description_max_chars: r.description_max_chars,
            photos_hint: r.photos_hint,
            description_hint: r.description_hint,
        }
    }
}

/// Where a report's point came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LocationSource {
    /// The phone's position fix (with its accuracy).
    Gps,
    /// A pin the resident placed or moved.
    Pin,
}

impl From<core::LocationSource> for LocationSource {
    fn from(s: core::LocationSource) -> Self {
        match s {
            core::LocationSource::Gps => LocationSource::Gps,
            core::LocationSource::Pin => LocationSource::Pin,
        }
    }
}

impl From<LocationSource> for core::LocationSource {
    fn from(s: LocationSource) -> Self {
        match s {
            LocationSource::Gps => core::LocationSource::Gps,
            LocationSource::Pin => core::LocationSource::Pin,
        }
    }
}

/// The reporter's contact details: seen by officials only, never public.
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct Contact {
    #[uniffi(default = None)]
    pub name: Option<String>,
    #[uniffi(default = None)]
    pub email: Option<String>,
    #[uniffi(default = None)]
    pub phone: Option<String>,
}

impl From<core::Contact> for Contact {
    fn from(c: core::Contact) -> Self {
        Contact { name: c.name, email: c.email, phone: c.phone }
    }
}

impl From<Contact> for core::Contact {
    fn from(c: Contact) -> Self {
        core::Contact { name: c.name, email: c.email, phone: c.phone }
    }
}

/// Handling status: `New → Accepted → InProgress → Resolved`, or
/// `Rejected` / `Duplicate`. Labels: [`report_status_label`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ReportStatus {
    New,
    Accepted,
    InProgress,
    Resolved,
    Rejected,
    Duplicate,
}

impl From<core::ReportStatus> for ReportStatus {
    fn from(s: core::ReportStatus) -> Self {
        match s {
            core::ReportStatus::New => ReportStatus::New,
            core::ReportStatus::Accepted => ReportStatus::Accepted,
            core::ReportStatus::InProgress => ReportStatus::InProgress,
            core::ReportStatus::Resolved => ReportStatus::Resolved,
            core::ReportStatus::Rejected => ReportStatus::Rejected,
            core::ReportStatus::Duplicate => ReportStatus::Duplicate,
        }
    }
}

impl From<ReportStatus> for core::ReportStatus {
    fn from(s: ReportStatus) -> Self {
        match s {
            ReportStatus::New => core::ReportStatus::New,
            ReportStatus::Accepted => core::ReportStatus::Accepted,
            ReportStatus::InProgress => core::ReportStatus::InProgress,
            ReportStatus::Resolved => core::ReportStatus::Resolved,
            ReportStatus::Rejected => core::ReportStatus::Rejected,
            ReportStatus::Duplicate => core::ReportStatus::Duplicate,
        }
    }
}

/// The status's name for the resident ("Przyjęte" / "Accepted"). Shells
/// call it once per status and keep the six answers.
#[uniffi::export]
pub fn report_status_label(status: ReportStatus, english: bool) -> String {
    let s = core::ReportStatus::from(status);
    if english { s.label_en() } else { s.label_pl() }.to_owned()
}

/// Where one of my reports is, in words (what `MyReport.state_text` holds
/// in the core's language): "Czeka na wysłanie", then the status's label.
#[uniffi::export]
pub fn my_report_state_label(state: MyReportState, status: Option<ReportStatus>, english: bool) -> String {
    let lang = if english { core::Language::English } else { core::Language::Polish };
    let state = match state {
        MyReportState::Queued => core::MyReportState::Queued,
        MyReportState::Sending => core::MyReportState::Sending,
        MyReportState::Failed => core::MyReportState::Failed,
        MyReportState::Sent => core::MyReportState::Sent,
    };
    core::my_report_state_label(state, status.map(Into::into), lang)
}

/// Whether the status still counts as being handled (Open311 `open`).
#[uniffi::export]
pub fn report_status_is_open(status: ReportStatus) -> bool {
    core::ReportStatus::from(status).is_open()
}

/// One step of a report's history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatusChange {
    pub status: ReportStatus,
    pub at_ms: i64,
    /// The officials' reply to the resident.
    pub public_reply: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PhotoRef {
    pub id: String,
    /// A path on the server, e.g. `/api/v1/photos/{id}`.
    pub url: String,
}

/// A report as the public sees it (no personal data), as last synced.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Report {
    pub id: i64,
    pub category: String,
    pub point: GeoPoint,
    pub address: Option<String>,
    pub description: String,
    /// By attribute code.
    pub answers: HashMap<String, String>,
    pub status: ReportStatus,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub photos: Vec<PhotoRef>,
    /// Oldest first.
    pub history: Vec<StatusChange>,
    /// For `Duplicate`: the original report.
    pub duplicate_of: Option<i64>,
    /// Znak sprawy in the EZD, once the town hall registered it.
    pub case_reference: Option<String>,
    pub followers: u32,
    /// What the public sees of it; one of my reports can be `Hidden` or
    /// `Redacted` here while I still see it whole: show the resident that
    /// the town hall withheld it from the public.
    pub visibility: ReportVisibility,
}

/// What the public may see of a report (the town hall decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ReportVisibility {
    Public,
    /// The resident's description, address, typed answers and photos withheld.
    Redacted,
    /// Withheld from the public entirely.
    Hidden,
}

impl From<core::Visibility> for ReportVisibility {
    fn from(v: core::Visibility) -> Self {
        match v {
            core::Visibility::Public => ReportVisibility::Public,
            core::Visibility::Redacted => ReportVisibility::Redacted,
            core::Visibility::Hidden => ReportVisibility::Hidden,
        }
    }
}

impl From<core::Report> for Report {
    fn from(r: core::Report) -> Self {
        Report {
            id: r.id,
            category: r.category,
            point: r.point.into(),
            address: r.address,
            description: r.description,
            answers: r.answers.into_iter().collect(),
            status: r.status.into(),
            created_at_ms: ms(r.created_at),
            updated_at_ms: ms(r.updated_at),
            photos: r.photos.into_iter().map(|p| PhotoRef { id: p.id, url: p.url }).collect(),
            history: r
                .history
                .into_iter()
                .map(|h| StatusChange { status: h.status.into(), at_ms: ms(h.at), public_reply: h.public_reply })
                .collect(),
            duplicate_of: r.duplicate_of,
            case_reference: r.case_reference,
            followers: r.followers,
            visibility: r.visibility.into(),
        }
    }
}

/// A public report in a list ("near me", "this may already be reported").
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportSummary {
    pub id: i64,
    pub category: String,
    pub status: ReportStatus,
    pub point: GeoPoint,
    pub address: Option<String>,
    /// At most 200 characters of the description.
    pub description: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub photo_count: u32,
    pub followers: u32,
    /// From the point asked about, in metres.
    pub distance_m: f64,
}

impl From<core::ReportSummary> for ReportSummary {
    fn from(s: core::ReportSummary) -> Self {
        ReportSummary {
            id: s.id,
            category: s.category,
            status: s.status.into(),
            point: s.point.into(),
            address: s.address,
            description: s.description,
            created_at_ms: ms(s.created_at),
            updated_at_ms: ms(s.updated_at),
            photo_count: s.photo_count,
            followers: s.followers,
            distance_m: s.distance_m,
        }
    }
}

/// A photo on a draft, already normalised on the device (JPEG, longest
/// edge at most 2048 px, no metadata).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PhotoInfo {
    /// SHA-256 hex of the normalised bytes (the server's id for it too).
    pub id: String,
    /// The normalised JPEG on the device (show it as the thumbnail).
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

impl From<core::PhotoInfo> for PhotoInfo {
    fn from(p: core::PhotoInfo) -> Self {
        PhotoInfo { id: p.id, path: p.path, width: p.width, height: p.height, bytes: p.bytes }
    }
}

/// A report being written; stored at every change, so it survives the app
/// being killed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportDraft {
    pub id: String,
    pub category: String,
    pub point: Option<GeoPoint>,
    pub location_source: LocationSource,
    pub accuracy_m: Option<f64>,
    pub address: Option<String>,
    pub description: String,
    pub answers: HashMap<String, String>,
    pub contact: Option<Contact>,
    /// In the order they were added.
    pub photos: Vec<PhotoInfo>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// Where a stored draft continues ("continue your report").
    pub resume_step: ReportStep,
    /// Photos the resident may still add.
    pub photo_slots_left: u32,
}

impl From<core::ReportDraft> for ReportDraft {
    fn from(d: core::ReportDraft) -> Self {
        ReportDraft {
            resume_step: d.resume_step().into(),
            photo_slots_left: d.photo_slots_left(),
            id: d.id,
            category: d.category,
            point: d.point.map(Into::into),
            location_source: d.location_source.into(),
            accuracy_m: d.accuracy_m,
            address: d.address,
            description: d.description,
            answers: d.answers.into_iter().collect(),
            contact: d.contact.map(Into::into),
            photos: d.photos.into_iter().map(Into::into).collect(),
            created_at_ms: ms(d.created_at),
            updated_at_ms: ms(d.updated_at),
        }
    }
}

/// Changes to a draft: a `None` leaves the field as it is; an empty
/// `address` clears it; a new `point` replaces the accuracy too (a moved
/// pin has none); `answers` replaces all answers.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct ReportDraftUpdate {
    #[uniffi(default = None)]
    pub category: Option<String>,
    #[uniffi(default = None)]
    pub point: Option<GeoPoint>,
    #[uniffi(default = None)]
    pub location_source: Option<LocationSource>,
    #[uniffi(default = None)]
    pub accuracy_m: Option<f64>,
    #[uniffi(default = None)]
    pub address: Option<String>,
    #[uniffi(default = None)]
    pub description: Option<String>,
    #[uniffi(default = None)]
    pub answers: Option<HashMap<String, String>>,
    #[uniffi(default = None)]
    pub contact: Option<Contact>,
}

impl From<ReportDraftUpdate> for core::ReportDraftUpdate {
    fn from(u: ReportDraftUpdate) -> Self {
        core::ReportDraftUpdate {
            category: u.category,
            point: u.point.map(Into::into),
            location_source: u.location_source.map(Into::into),
            accuracy_m: u.accuracy_m,
            address: u.address,
            description: u.description,
            answers: u.answers.map(|a| a.into_iter().collect()),
            contact: u.contact.map(Into::into),
        }
    }
}

/// Where one of my reports is on its way to the town hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MyReportState {
    /// In the outbox, not tried yet (e.g. made offline).
    Queued,
    /// Tried and not acknowledged yet; retried with the same key, so it can
    /// never become two reports.
    Sending,
    /// Refused by the server (see `error`): discard, or edit and resend.
    Failed,
    /// The server has it (`server_id`).
    Sent,
}

impl From<core::MyReportState> for MyReportState {
    fn from(s: core::MyReportState) -> Self {
        match s {
            core::MyReportState::Queued => MyReportState::Queued,
            core::MyReportState::Sending => MyReportState::Sending,
            core::MyReportState::Failed => MyReportState::Failed,
            core::MyReportState::Sent => MyReportState::Sent,
        }
    }
}

/// Why the server refused a report, or why the last try failed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportError {
    /// Stable code (`invalid_field`, `network`, `rate_limited`, …).
    pub code: String,
    pub message_pl: String,
    pub message_en: String,
    pub field: Option<String>,
}

impl From<core::ReportError> for ReportError {
    fn from(e: core::ReportError) -> Self {
        ReportError { code: e.code, message_pl: e.message.pl, message_en: e.message.en, field: e.field }
    }
}

/// A report made on this device, from queued to handled.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MyReport {
    /// This device's number for it (exists before the server's id).
    pub local_id: i64,
    pub state: MyReportState,
    pub server_id: Option<i64>,
    pub category: String,
    pub point: GeoPoint,
    pub address: Option<String>,
    pub description: String,
    pub answers: HashMap<String, String>,
    pub photo_count: u32,
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
    pub error: Option<ReportError>,
    /// The handling status once the server has it.
    pub status: Option<ReportStatus>,
    /// The public view as last synced: history with the officials' public
    /// replies, the case reference.
    pub report: Option<Report>,
    /// Where it is, in words ("Czeka na wysłanie", "Przyjęte").
    pub state_text: String,
    /// What the resident may do with it now.
    pub actions: ReportActions,
}

/// What the resident may do with one of my reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ReportActions {
    /// "Wycofaj zgłoszenie": not sent yet, or refused.
    pub can_discard: bool,
    /// "Popraw i wyślij ponownie": refused.
    pub can_edit: bool,
    /// Send again as it was: refused.
    pub can_retry: bool,
}

impl From<core::MyReport> for MyReport {
    fn from(r: core::MyReport) -> Self {
        MyReport {
            local_id: r.local_id,
            state: r.state.into(),
            server_id: r.server_id,
            category: r.category,
            point: r.point.into(),
            address: r.address,
            description: r.description,
            answers: r.answers.into_iter().collect(),
            photo_count: r.photo_count,
            created_at_ms: ms(r.created_at),
            sent_at_ms: r.sent_at.map(ms),
            error: r.error.map(Into::into),
            status: r.status.map(Into::into),
            report: r.report.map(Into::into),
            state_text: r.state_text,
            actions: ReportActions {
                can_discard: r.actions.can_discard,
                can_edit: r.actions.can_edit,
                can_retry: r.actions.can_retry,
            },
        }
    }
}

/// What blocks sending a draft: the first failing check, with the field it
/// concerns (`point`, `description`, `answers.kind`, …) so the shell can
/// take the resident to that step.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DraftProblem {
    pub code: String,
    pub field: String,
    pub message_pl: String,
    pub message_en: String,
    /// Where the resident fixes it ("Popraw").
    pub step: ReportStep,
}

impl From<core::DraftProblem> for DraftProblem {
    fn from(p: core::DraftProblem) -> Self {
        DraftProblem { code: p.code, field: p.field, message_pl: p.message.pl, message_en: p.message.en, step: p.step.into() }
    }
}

/// The review screen in one call.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
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

impl From<core::ReportReview> for ReportReview {
    fn from(r: core::ReportReview) -> Self {
        ReportReview {
            draft: r.draft.into(),
            category: r.category.map(Into::into),
            problem: r.problem.map(Into::into),
            possible_duplicates: r.possible_duplicates.into_iter().map(Into::into).collect(),
        }
    }
}

/// A public report's screen in one call.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportDetail {
    pub report: Report,
    pub category: Option<ReportCategory>,
    /// Whether this device follows it.
    pub followed: bool,
}

impl From<core::ReportDetail> for ReportDetail {
    fn from(d: core::ReportDetail) -> Self {
        ReportDetail { report: d.report.into(), category: d.category.map(Into::into), followed: d.followed }
    }
}

#[uniffi::export]
impl MmCore {
    /// Category choice: active categories with their questions.
    pub fn report_categories(&self) -> Result<Vec<ReportCategory>, MmError> {
        all(self.core.reports().categories())
    }

    /// Public reports within `radius_m` (1 m..50 km) of `point`, nearest
    /// first, from the local store.
    #[uniffi::method(default(category = None, open_only = false))]
    pub fn reports_near(
        &self,
        point: GeoPoint,
        radius_m: f64,
        category: Option<String>,
        open_only: bool,
    ) -> Result<Vec<ReportSummary>, MmError> {
        all(self.core.reports().near(point.into(), radius_m, category.as_deref(), open_only))
    }

    /// A public report with its history, its category and whether this
    /// device follows it.
    pub fn report_detail(&self, id: i64) -> Result<ReportDetail, MmError> {
        one(self.core.reports().detail(id))
    }

    /// "Zgłoś barierę" from a place's card: a draft of an architectural
    /// barrier pinned at the place, its name and address filled in. Show
    /// the location step first, so the resident confirms the pin.
    pub fn start_barrier_report(&self, place_id: i64) -> Result<ReportDraft, MmError> {
        one(self.core.reports().start_barrier_report(place_id))
    }

    /// The limits the report screens state, with their hints.
    pub fn report_rules(&self) -> ReportRules {
        self.core.reports().rules().into()
    }

    /// A new empty draft of `category`, stored at once.
    pub fn create_report_draft(&self, category: String) -> Result<ReportDraft, MmError> {
        one(self.core.reports().create_draft(&category))
    }

    /// Applies the changes of one step and answers the whole draft. Answers
    /// are trimmed and a blank one is removed.
    pub fn update_report_draft(&self, id: String, update: ReportDraftUpdate) -> Result<ReportDraft, MmError> {
        one(self.core.reports().update_draft(&id, update.into()))
    }

    /// Normalises the photo (JPEG or PNG bytes as read from the camera or
    /// the gallery) on the device and attaches it; at most 5. Kotlin:
    /// `ByteArray`; Swift: `Data`. Call it off the UI thread (decoding a
    /// large photo takes a while).
    pub fn add_report_photo(&self, draft_id: String, bytes: Vec<u8>) -> Result<PhotoInfo, MmError> {
        one(self.core.reports().add_photo(&draft_id, bytes))
    }

    pub fn remove_report_photo(&self, draft_id: String, photo_id: String) -> Result<(), MmError> {
        Ok(self.core.reports().remove_photo(&draft_id, &photo_id)?)
    }

    /// Unfinished drafts, most recently changed first ("continue your report").
    pub fn report_drafts(&self) -> Result<Vec<ReportDraft>, MmError> {
        all(self.core.reports().drafts())
    }

    pub fn report_draft(&self, id: String) -> Result<ReportDraft, MmError> {
        one(self.core.reports().draft(&id))
    }

    pub fn delete_report_draft(&self, id: String) -> Result<(), MmError> {
        Ok(self.core.reports().delete_draft(&id)?)
    }

    /// Every check the device can make; `MmError::InvalidInput` names the
    /// field (`point` outside the gmina, `answers.kind` unanswered, …).
    pub fn validate_report_draft(&self, id: String) -> Result<(), MmError> {
        Ok(self.core.reports().validate_draft(&id)?)
    }

    /// "This may already be reported": open reports of the draft's
    /// category within 30 m of its point, nearest first.
    pub fn possible_duplicates(&self, draft_id: String) -> Result<Vec<ReportSummary>, MmError> {
        all(self.core.reports().possible_duplicates(&draft_id))
    }

    /// The review screen: the draft, its category, the first problem (as
    /// data, not thrown) and the possible duplicates.
    pub fn report_review(&self, draft_id: String) -> Result<ReportReview, MmError> {
        one(self.core.reports().review(&draft_id))
    }

    /// Validates, then queues the report (sent by the next `sync` or
    /// `flush_outbox`, exactly once) and deletes the draft.
    pub fn submit_report_draft(&self, id: String) -> Result<MyReport, MmError> {
        one(self.core.reports().submit_draft(&id))
    }

    /// My reports: queued, sending, failed and sent (with the synced
    /// status, history and replies), newest first.
    pub fn my_reports(&self) -> Result<Vec<MyReport>, MmError> {
        all(self.core.reports().mine())
    }

    pub fn my_report(&self, local_id: i64) -> Result<MyReport, MmError> {
        one(self.core.reports().my_report(local_id))
    }

    /// Drops a refused report (or one not tried yet).
    pub fn discard_failed_report(&self, local_id: i64) -> Result<(), MmError> {
        Ok(self.core.reports().discard_failed(local_id)?)
    }

    /// A refused report back as a draft (photos included) to fix and resend.
    pub fn edit_failed_report(&self, local_id: i64) -> Result<ReportDraft, MmError> {
        one(self.core.reports().edit_failed(local_id))
    }

    /// A refused report back in the queue as it was (once the reason for
    /// the refusal has gone); sent by the next flush or sync.
    pub fn retry_failed_report(&self, local_id: i64) -> Result<(), MmError> {
        Ok(self.core.reports().retry_failed(local_id)?)
    }

    /// Follows a public report (through the outbox); its status changes
    /// notify from the next sync on.
    pub fn follow_report(&self, id: i64) -> Result<(), MmError> {
        Ok(self.core.reports().follow(id)?)
    }

    pub fn unfollow_report(&self, id: i64) -> Result<(), MmError> {
        Ok(self.core.reports().unfollow(id)?)
    }

    pub fn followed_reports(&self) -> Result<Vec<Report>, MmError> {
        all(self.core.reports().followed())
    }
}

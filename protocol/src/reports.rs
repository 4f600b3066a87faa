//! Residents' reports (zgłoszenia): a dark street lamp, a pothole, an
//! architectural barrier. Categories are Open311 "services"; a report is an
//! Open311 "service request" and vice versa.
//!
//! Public views never carry the reporter's personal data (name, e-mail,
//! phone, device): those stay on the server for officials only.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::geo::GeoPoint;
use crate::validation::{optional_text, required_text, FieldError, Validate};

pub const DESCRIPTION_MIN: usize = 10;
pub const DESCRIPTION_MAX: usize = 2_000;
pub const ADDRESS_MAX: usize = 300;
pub const ANSWER_MAX: usize = 500;
pub const REPLY_MAX: usize = 4_000;
pub const MAX_PHOTOS: usize = 5;
/// Photos as uploaded (after the device normalised them).
pub const PHOTO_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Longest edge after normalisation on the device.
pub const PHOTO_MAX_EDGE: u32 = 2048;
/// Most pixels a photo may have to be decoded at all, by the core or the
/// server: 2^26 (about 67 Mpx). Every phone's default output (12 Mpx
/// binned) and the full-resolution 48, 50 and 64 Mpx modes fit; the opt-in
/// 108 and 200 Mpx modes do not (a 200 Mpx frame is 600 MB as RGB, too much
/// to allocate at once in a phone app or per upload on the server). Checked
/// from the header, before any pixel is allocated.
pub const PHOTO_MAX_PIXELS: u64 = 1 << 26;
/// "This may already be reported": open reports of the same category this close.
pub const DUPLICATE_RADIUS_M: f64 = 30.0;

/// A kind of report, managed by officials (Open311: a service).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportCategory {
    /// Stable code, e.g. `street_lamp` (Open311 `service_code`).
    pub id: String,
    pub name_pl: String,
    pub name_en: String,
    #[serde(default)]
    pub description_pl: String,
    #[serde(default)]
    pub description_en: String,
    /// Extra questions (Open311 attributes), in display order.
    #[serde(default)]
    pub attributes: Vec<CategoryAttribute>,
    /// Target time from report to resolution; past it a report is overdue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_hours: Option<u32>,
    /// Inactive categories take no new reports but keep their old ones.
    pub active: bool,
}

/// One extra question of a category (Open311 attribute).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryAttribute {
    /// Open311 attribute `code`; the key of the answer.
    pub code: String,
    pub label_pl: String,
    pub label_en: String,
    pub datatype: AttributeType,
    pub required: bool,
    /// For `single_choice`: the allowed answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<AttributeValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    /// One line of text (Open311 `string`).
    String,
    /// A whole number (Open311 `number`), e.g. the lamp's number plate.
    Number,
    /// One of `values` (Open311 `singlevaluelist`).
    SingleChoice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributeValue {
    pub key: String,
    pub name_pl: String,
    pub name_en: String,
}

/// Where a report's location came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// The phone's position fix, with its accuracy.
    Gps,
    /// A pin the resident placed or moved on the map.
    #[default]
    Pin,
}

/// What the app sends to make a report (`POST /api/v1/reports`, with an
/// `Idempotency-Key` header and the device's bearer token). Photos are
/// uploaded first (`POST /api/v1/photos`) and referenced by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub category: String,
    pub point: GeoPoint,
    #[serde(default)]
    pub location_source: LocationSource,
    /// Accuracy of a GPS fix in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub description: String,
    /// Answers to the category's questions, by attribute code.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    #[serde(default)]
    pub photo_ids: Vec<String>,
    /// Optional contact, seen only by officials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// The reporter's contact details: personal data, never in public views.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Validate for NewReport {
    /// What can be checked without the category list and the boundary
    /// (those checks need data: see [`NewReport::validate_against`]).
    fn validate(&self) -> Result<(), FieldError> {
        required_text("category", &self.category, 64)?;
        self.point.validate()?;
        if let Some(a) = self.accuracy_m
            && !(a.is_finite() && (0.0..=10_000.0).contains(&a))
        {
            return Err(FieldError::new("accuracy_m", "Nieprawidłowa dokładność położenia.", "Invalid location accuracy."));
        }
        if let Some(a) = &self.address {
            optional_text("address", a, ADDRESS_MAX)?;
        }
        required_text("description", &self.description, DESCRIPTION_MAX)?;
        if self.description.trim().chars().count() < DESCRIPTION_MIN {
            return Err(FieldError::new(
                "description",
                format!("Opisz problem w co najmniej {DESCRIPTION_MIN} znakach."),
                format!("Describe the problem in at least {DESCRIPTION_MIN} characters."),
            ));
        }
        for (code, answer) in &self.answers {
            optional_text(&format!("answers.{code}"), answer, ANSWER_MAX)?;
        }
        if self.photo_ids.len() > MAX_PHOTOS {
            return Err(FieldError::new(
                "photo_ids",
                format!("Można dołączyć najwyżej {MAX_PHOTOS} zdjęć."),
                format!("At most {MAX_PHOTOS} photos."),
            ));
        }
        if let Some(c) = &self.contact {
            for (field, v, max) in [("contact.name", &c.name, 200), ("contact.email", &c.email, 254), ("contact.phone", &c.phone, 32)] {
                if let Some(v) = v {
                    optional_text(field, v, max)?;
                }
            }
            if let Some(e) = &c.email {
                let ok = e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'));
                if !ok {
                    return Err(FieldError::new("contact.email", "Nieprawidłowy adres e-mail.", "Invalid e-mail address."));
                }
            }
        }
        Ok(())
    }
}

impl NewReport {
    /// The checks that need the category: it exists and is active, every
    /// required question is answered, answers fit their type, no unknown
    /// question is answered. (The boundary check is the caller's: the core
    /// and the server hold the polygon.)
    pub fn validate_against(&self, category: Option<&ReportCategory>) -> Result<(), FieldError> {
        self.validate()?;
        let Some(cat) = category.filter(|c| c.active) else {
            return Err(FieldError::new("category", "Nieznana kategoria zgłoszenia.", "Unknown report category."));
        };
        for attr in &cat.attributes {
            let field = format!("answers.{}", attr.code);
            match self.answers.get(&attr.code).map(|s| s.trim()).filter(|s| !s.is_empty()) {
                None if attr.required => {
                    return Err(FieldError::new(
                        field,
                        format!("Odpowiedz na pytanie: {}.", attr.label_pl),
                        format!("Please answer: {}.", attr.label_en),
                    ));
                }
                None => {}
                Some(v) => match attr.datatype {
                    AttributeType::String => {}
                    AttributeType::Number => {
                        if v.parse::<i64>().is_err() {
                            return Err(FieldError::new(field, "Podaj liczbę.", "Enter a number."));
                        }
                    }
                    AttributeType::SingleChoice => {
                        if !attr.values.iter().any(|x| x.key == v) {
                            return Err(FieldError::new(field, "Wybierz jedną z podanych odpowiedzi.", "Choose one of the given answers."));
                        }
                    }
                },
            }
        }
        if let Some(code) = self.answers.keys().find(|k| !cat.attributes.iter().any(|a| &a.code == *k)) {
            return Err(FieldError::new(format!("answers.{code}"), "Pytanie nie należy do tej kategorii.", "This question is not part of the category."));
        }
        Ok(())
    }
}

/// Where a report is in its handling.
/// `new → accepted → in_progress → resolved`, or `rejected` / `duplicate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    New,
    Accepted,
    InProgress,
    Resolved,
    Rejected,
    Duplicate,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::New => "new",
            ReportStatus::Accepted => "accepted",
            ReportStatus::InProgress => "in_progress",
            ReportStatus::Resolved => "resolved",
            ReportStatus::Rejected => "rejected",
            ReportStatus::Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<ReportStatus> {
        [Self::New, Self::Accepted, Self::InProgress, Self::Resolved, Self::Rejected, Self::Duplicate]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// Still being handled (Open311 `open`); the rest are `closed`.
    pub fn is_open(self) -> bool {
        matches!(self, ReportStatus::New | ReportStatus::Accepted | ReportStatus::InProgress)
    }

    /// The workflow's allowed moves. Closed reports may be reopened (back
    /// to `accepted`) when a resident shows it is not fixed.
    pub fn can_move_to(self, next: ReportStatus) -> bool {
        use ReportStatus::*;
        match (self, next) {
            (a, b) if a == b => false,
            (New, Accepted | Rejected | Duplicate) => true,
            (Accepted, InProgress | Resolved | Rejected | Duplicate) => true,
            (InProgress, Resolved | Rejected | Duplicate | Accepted) => true,
            (Resolved | Rejected, Accepted) => true,
            _ => false,
        }
    }

    pub fn label_pl(self) -> &'static str {
        match self {
            ReportStatus::New => "Nowe",
            ReportStatus::Accepted => "Przyjęte",
            ReportStatus::InProgress => "W realizacji",
            ReportStatus::Resolved => "Załatwione",
            ReportStatus::Rejected => "Odrzucone",
            ReportStatus::Duplicate => "Duplikat",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ReportStatus::New => "New",
            ReportStatus::Accepted => "Accepted",
            ReportStatus::InProgress => "In progress",
            ReportStatus::Resolved => "Resolved",
            ReportStatus::Rejected => "Rejected",
            ReportStatus::Duplicate => "Duplicate",
        }
    }
}

/// The title of what a status change tells the report's reporter and
/// followers, the same from the server's push as from the app's own
/// notification raised by a sync: the app shows the two as one (the core
/// merges them by report and title).
pub fn status_notification_title(id: i64, status: ReportStatus) -> String {
    format!("Zgłoszenie nr {id}: {}", status.label_pl())
}

/// One step of a report's history, as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub status: ReportStatus,
    pub at: DateTime<Utc>,
    /// The officials' reply to the resident, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_reply: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoRef {
    pub id: String,
    /// Absolute path on the server, e.g. `/api/v1/photos/{id}`.
    pub url: String,
}

/// A report as residents and the public see it: no personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: i64,
    pub category: String,
    pub point: GeoPoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub description: String,
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    pub status: ReportStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    /// Oldest first.
    #[serde(default)]
    pub history: Vec<StatusChange>,
    /// For `duplicate`: the report this one duplicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<i64>,
    /// Znak sprawy in the EZD, e.g. `GKM.7021.15.2026`, once a case exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    pub followers: u32,
    /// Whether the town hall withheld the report from the public. Absent
    /// (public) on almost every report. The public never receives a hidden
    /// report, and receives a redacted one as [`Report::redacted`] makes
    /// it; officials and the resident who made it see it whole, marked.
    #[serde(default, skip_serializing_if = "Visibility::is_public")]
    pub visibility: Visibility,
}

/// What the public may see of a report. An official withholds a report
/// when it carries what must not be published: personal data of the
/// resident or of someone else, a face or a number plate in a photo,
/// abusive content (GDPR Art. 5(1)(c) and 17; the report itself stays in
/// the EZD, where the town hall's duty to keep it applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone sees the whole report.
    #[default]
    Public,
    /// The public sees that the report exists, where, its category,
    /// status and the officials' replies, but not the resident's own
    /// words and pictures: description, address, typed answers, photos.
    Redacted,
    /// The public does not see the report at all.
    Hidden,
}

impl Visibility {
    pub fn is_public(&self) -> bool {
        *self == Visibility::Public
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Redacted => "redacted",
            Visibility::Hidden => "hidden",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        [Visibility::Public, Visibility::Redacted, Visibility::Hidden]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The description a redacted report shows in its place, in both
/// languages (apps that predate `visibility` show it as it is).
pub const REDACTED_DESCRIPTION: &str =
    "Treść zgłoszenia ukryta przez urząd (ochrona danych). / Content withheld by the town hall (data protection).";

impl Report {
    /// The public view of a redacted report: the resident's description,
    /// address, free-text answers and photos withheld. `keep_answer`
    /// says which answers to keep: only single-choice answers, whose
    /// values are the category's fixed keys, not the resident's words (a
    /// number field could hold a phone number).
    pub fn redacted(&self, keep_answer: impl Fn(&str) -> bool) -> Report {
        Report {
            description: REDACTED_DESCRIPTION.to_owned(),
            address: None,
            answers: self.answers.iter().filter(|(k, _)| keep_answer(k)).map(|(k, v)| (k.clone(), v.clone())).collect(),
            photos: Vec::new(),
            visibility: Visibility::Redacted,
            ..self.clone()
        }
    }
}

/// An official's decision on what the public sees of a report
/// (`POST /api/v1/reports/{id}/visibility`, or the back office's form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisibilityChangeRequest {
    pub visibility: Visibility,
    /// Why: goes to the audit log, for officials only. Required both ways,
    /// so that every withholding and every restoring can be accounted for.
    pub reason: String,
}

pub const VISIBILITY_REASON_MAX: usize = 1_000;

impl Validate for VisibilityChangeRequest {
    fn validate(&self) -> Result<(), FieldError> {
        required_text("reason", &self.reason, VISIBILITY_REASON_MAX)
    }
}

/// Response to `POST /api/v1/photos`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoUploaded {
    /// Content-addressed (SHA-256 of the bytes): uploading the same photo
    /// twice gives the same id, so a retried upload never duplicates.
    pub photo_id: String,
    pub url: String,
}

/// An official's move in the workflow (`POST /api/v1/reports/{id}/status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusChangeRequest {
    pub status: ReportStatus,
    /// Shown to the resident and the public.
    #[serde(default)]
    pub public_reply: Option<String>,
    /// Seen by officials only.
    #[serde(default)]
    pub internal_note: Option<String>,
    /// Required for `duplicate`: the original report.
    #[serde(default)]
    pub duplicate_of: Option<i64>,
}

/// Every edge that moves a report (the API, the back office's single and
/// bulk actions) checks the move with this, so none is looser than another.
impl Validate for StatusChangeRequest {
    fn validate(&self) -> Result<(), FieldError> {
        if let Some(r) = &self.public_reply {
            optional_text("public_reply", r, REPLY_MAX)?;
        }
        if let Some(n) = &self.internal_note {
            optional_text("internal_note", n, REPLY_MAX)?;
        }
        // The resident is owed the reason their report is refused (and the
        // public sees it next to the report).
        if self.status == ReportStatus::Rejected && self.public_reply.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(FieldError::new(
                "public_reply",
                "Odrzucenie wymaga podania powodu w odpowiedzi publicznej.",
                "A rejection needs the reason in the public reply.",
            ));
        }
        match (self.status, self.duplicate_of) {
            (ReportStatus::Duplicate, None) => Err(FieldError::new(
                "duplicate_of",
                "Wskaż zgłoszenie, którego to jest duplikat.",
                "Name the report this one duplicates.",
            )),
            (s, Some(_)) if s != ReportStatus::Duplicate => Err(FieldError::new(
                "duplicate_of",
                "Zgłoszenie źródłowe podaje się tylko dla duplikatu.",
                "The original is given only for a duplicate.",
            )),
            _ => Ok(()),
        }
    }
}

/// Query of `GET /api/v1/reports/near`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct NearQuery {
    pub lat: f64,
    pub lon: f64,
    /// Metres, 1..=5000 (default 500).
    pub radius_m: Option<f64>,
    pub category: Option<String>,
    /// Only open reports (default false).
    pub open_only: Option<bool>,
}

/// Distance in metres between two WGS84 points (haversine on a sphere of
/// the mean Earth radius: within 0.5% of the ellipsoid, plenty for 30 m).
pub fn distance_m(a: GeoPoint, b: GeoPoint) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lamp() -> ReportCategory {
        ReportCategory {
            id: "street_lamp".into(),
            name_pl: "Awaria latarni".into(),
            name_en: "Street lamp failure".into(),
            description_pl: String::new(),
            description_en: String::new(),
            attributes: vec![
                CategoryAttribute { code: "lamp_number".into(), label_pl: "Numer latarni".into(), label_en: "Lamp number".into(), datatype: AttributeType::Number, required: false, values: vec![] },
                CategoryAttribute {
                    code: "kind".into(), label_pl: "Rodzaj awarii".into(), label_en: "Kind of failure".into(), datatype: AttributeType::SingleChoice, required: true,
                    values: vec![AttributeValue { key: "not_lit".into(), name_pl: "Nie świeci".into(), name_en: "Not lit".into() }],
                },
            ],
            target_hours: Some(72),
            active: true,
        }
    }

    fn report() -> NewReport {
        NewReport {
            category: "street_lamp".into(),
            point: GeoPoint { lat: 51.0335, lon: 17.15 },
            location_source: LocationSource::Gps,
            accuracy_m: Some(8.0),
            address: None,
            description: "Latarnia nie świeci od tygodnia.".into(),
            answers: BTreeMap::from([("kind".into(), "not_lit".into())]),
            photo_ids: vec![],
            contact: None,
        }
    }

    #[test]
    fn a_good_report_passes_and_bad_answers_are_named() {
        assert!(report().validate_against(Some(&lamp())).is_ok());
        let mut r = report();
        r.answers.clear();
        assert_eq!(r.validate_against(Some(&lamp())).unwrap_err().field, "answers.kind");
        let mut r = report();
        r.answers.insert("lamp_number".into(), "dwanaście".into());
        assert_eq!(r.validate_against(Some(&lamp())).unwrap_err().field, "answers.lamp_number");
        let mut r = report();
        r.answers.insert("colour".into(), "red".into());
        assert_eq!(r.validate_against(Some(&lamp())).unwrap_err().field, "answers.colour");
        let mut r = report();
        r.description = "ciemno".into();
        assert_eq!(r.validate_against(Some(&lamp())).unwrap_err().field, "description");
        assert_eq!(report().validate_against(None).unwrap_err().field, "category");
    }

    #[test]
    fn workflow_moves() {
        use ReportStatus::*;
        assert!(New.can_move_to(Accepted));
        assert!(Accepted.can_move_to(InProgress));
        assert!(InProgress.can_move_to(Resolved));
        assert!(!New.can_move_to(Resolved));
        assert!(!Duplicate.can_move_to(Accepted));
        assert!(Resolved.can_move_to(Accepted));
        assert!(!Resolved.is_open() && InProgress.is_open());
    }

    #[test]
    fn distance_of_a_known_pair() {
        // Siechnice centre to Święta Katarzyna: about 2.3 km apart.
        let d = distance_m(GeoPoint { lat: 51.0335, lon: 17.15 }, GeoPoint { lat: 51.033, lon: 17.117 });
        assert!((2200.0..2450.0).contains(&d), "{d}");
        let near = distance_m(GeoPoint { lat: 51.0335, lon: 17.15 }, GeoPoint { lat: 51.0337, lon: 17.15 });
        assert!((21.0..24.0).contains(&near), "{near}");
    }
}

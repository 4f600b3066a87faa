//! Server-side report types: what officials see beyond the public view,
//! stored photo metadata, and the default categories.

use chrono::{DateTime, Utc};
use mm_protocol::reports::{
    AttributeType, AttributeValue, CategoryAttribute, Contact, LocationSource, Report,
    ReportCategory, ReportStatus, Visibility,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stored photo: id = SHA-256 hex of its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoMeta {
    pub id: String,
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub created_at: DateTime<Utc>,
}

/// A note officials keep for themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InternalNote {
    pub at: DateTime<Utc>,
    /// The official's login.
    pub actor: String,
    /// The status the report moved to with this note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReportStatus>,
    pub note: String,
}

/// The officials' view of a report: personal data and internal notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportInternal {
    pub report: Report,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    pub location_source: LocationSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    pub notes: Vec<InternalNote>,
    /// Officials' decisions on what the public sees, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visibility_log: Vec<VisibilityDecision>,
}

/// One official's decision to withhold a report from the public, or to
/// publish it again, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisibilityDecision {
    pub at: DateTime<Utc>,
    /// The official's login.
    pub actor: String,
    pub visibility: Visibility,
    pub reason: String,
}

/// Personal and internal fields of a report, stored apart from the public JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PrivatePart {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(default)]
    pub location_source: LocationSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
}

pub fn photo_url(id: &str) -> String {
    format!("{}/photos/{id}", mm_protocol::API_PREFIX)
}

fn value(key: &str, pl: &str, en: &str) -> AttributeValue {
    AttributeValue {
        key: key.into(),
        name_pl: pl.into(),
        name_en: en.into(),
    }
}

fn category(
    id: &str,
    pl: &str,
    en: &str,
    dpl: &str,
    den: &str,
    target_hours: u32,
    attributes: Vec<CategoryAttribute>,
) -> ReportCategory {
    ReportCategory {
        id: id.into(),
        name_pl: pl.into(),
        name_en: en.into(),
        description_pl: dpl.into(),
        description_en: den.into(),
        attributes,
        target_hours: Some(target_hours),
        active: true,
    }
}

/// The categories every gmina starts with (migration 3); officials edit them.
pub fn default_categories() -> Vec<ReportCategory> {
    let kind = |values| CategoryAttribute {
        code: "kind".into(),
        label_pl: "Rodzaj problemu".into(),
        label_en: "Kind of problem".into(),
        datatype: AttributeType::SingleChoice,
        required: true,
        values,
    };
    vec![
        category(
            "street_lamp",
            "Awaria latarni",
            "Street lamp failure",
            "Latarnia nie świeci, miga, świeci w dzień albo jest uszkodzona.",
            "A street lamp is dark, flickers, is lit by day or is damaged.",
            72,
            vec![
                CategoryAttribute {
                    code: "lamp_number".into(),
                    label_pl: "Numer latarni (tabliczka na słupie)".into(),
                    label_en: "Lamp number (plate on the pole)".into(),
                    datatype: AttributeType::Number,
                    required: false,
                    values: vec![],
                },
                kind(vec![
                    value("not_lit", "Nie świeci", "Not lit"),
                    value("flickers", "Miga", "Flickers"),
                    value("lit_by_day", "Świeci w dzień", "Lit by day"),
                    value(
                        "damaged_pole",
                        "Uszkodzony słup lub oprawa",
                        "Damaged pole or fitting",
                    ),
                ]),
            ],
        ),
        category(
            "road_damage",
            "Uszkodzenie drogi",
            "Road damage",
            "Dziura w jezdni, zniszczony chodnik lub krawężnik, brak pokrywy studzienki, uszkodzony znak.",
            "A pothole, broken pavement or kerb, a missing manhole cover, a damaged sign.",
            168,
            vec![kind(vec![
                value("pothole", "Dziura w jezdni", "Pothole"),
                value(
                    "pavement_or_kerb",
                    "Zniszczony chodnik lub krawężnik",
                    "Broken pavement or kerb",
                ),
                value(
                    "manhole_cover",
                    "Brak pokrywy studzienki",
                    "Missing manhole cover",
                ),
                value(
                    "road_sign",
                    "Uszkodzony lub brakujący znak",
                    "Damaged or missing road sign",
                ),
            ])],
        ),
        category(
            "barrier",
            "Bariera architektoniczna",
            "Architectural barrier",
            "Przeszkoda dla osób z niepełnosprawnościami: schody bez podjazdu, wysoki krawężnik, zastawione przejście.",
            "An obstacle for people with disabilities: steps without a ramp, a high kerb, a blocked path.",
            336,
            vec![],
        ),
        category(
            "other",
            "Inne",
            "Other",
            "Inny problem w przestrzeni publicznej.",
            "Another problem in a public space.",
            336,
            vec![],
        ),
    ]
}

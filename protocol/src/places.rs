//! The map (mapa): municipal infrastructure, tourist attractions, monuments
//! and bike paths, with accessibility for people with disabilities.
//!
//! Accessibility is structured data compatible with OpenStreetMap tagging
//! (<https://wiki.openstreetmap.org/wiki/Key:wheelchair> and friends), so
//! that data can be imported from and exported to OSM without loss:
//! [`Accessibility::to_osm_tags`] and [`Accessibility::from_osm_tags`].
//! A missing tag is `Unknown`: unknown is a value, never guessed.
//!
//! Coordinates are WGS84 `GeoPoint {lat, lon}`; only the GeoJSON export
//! (`GET /api/v1/map/places.geojson`) writes `[lon, lat]`, as RFC 7946 has it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::geo::GeoPoint;
use crate::validation::{http_url, optional_text, required_text, FieldError, Validate};

pub const PLACE_NAME_MAX: usize = 200;
pub const PLACE_CATEGORY_MAX: usize = 64;
pub const PLACE_ADDRESS_MAX: usize = 300;
pub const PLACE_DESCRIPTION_MAX: usize = 10_000;
/// OSM itself caps a tag value at 255 characters.
pub const OSM_VALUE_MAX: usize = 255;
pub const OSM_KEY_MAX: usize = 255;
pub const PLACE_NOTE_MAX: usize = 2_000;
pub const PLACE_MAX_PHOTOS: usize = 20;
pub const PLACE_MAX_EXTRA_TAGS: usize = 200;
pub const PLACE_MAX_NOTES: usize = 40;
/// A bike path is a polyline of at most this many vertices.
pub const PLACE_LINE_MAX_POINTS: usize = 10_000;

/// The categories the app knows icons and names for. The wire takes any
/// slug (`[a-z0-9_]`), so a newer server can add one; these are the ones
/// the demo and the OSM import produce.
pub const KNOWN_CATEGORIES: &[(&str, Layer)] = &[
    ("town_hall", Layer::Infrastructure),
    ("office", Layer::Infrastructure),
    ("school", Layer::Infrastructure),
    ("kindergarten", Layer::Infrastructure),
    ("library", Layer::Infrastructure),
    ("health_centre", Layer::Infrastructure),
    ("sports", Layer::Infrastructure),
    ("playground", Layer::Infrastructure),
    ("toilets", Layer::Infrastructure),
    ("parking", Layer::Infrastructure),
    ("ev_charger", Layer::Infrastructure),
    ("waste_point", Layer::Infrastructure),
    ("attraction", Layer::Attractions),
    ("monument", Layer::Monuments),
    ("bike_path", Layer::BikePaths),
];

/// The map layers a resident switches on and off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Municipal infrastructure: offices, schools, toilets, parking, ...
    Infrastructure,
    /// Tourist attractions.
    Attractions,
    /// Monuments (zabytki), usually with a register number.
    Monuments,
    /// Bike paths and trails (lines).
    BikePaths,
}

impl Layer {
    pub const ALL: [Layer; 4] = [Layer::Infrastructure, Layer::Attractions, Layer::Monuments, Layer::BikePaths];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Infrastructure => "infrastructure",
            Layer::Attractions => "attractions",
            Layer::Monuments => "monuments",
            Layer::BikePaths => "bike_paths",
        }
    }

    pub fn parse(s: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// OSM `wheelchair=*`. `Limited`: at most one step of 7 cm, the main rooms
/// step-free. A missing tag is `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Wheelchair {
    Yes,
    Limited,
    No,
    #[default]
    Unknown,
}

impl Wheelchair {
    pub fn as_str(self) -> &'static str {
        match self {
            Wheelchair::Yes => "yes",
            Wheelchair::Limited => "limited",
            Wheelchair::No => "no",
            Wheelchair::Unknown => "unknown",
        }
    }

    /// The OSM value; `designated` (built for wheelchairs) counts as yes.
    /// Anything else is unknown, never guessed.
    pub fn from_osm(v: &str) -> Wheelchair {
        match v.trim() {
            "yes" | "designated" => Wheelchair::Yes,
            "limited" => Wheelchair::Limited,
            "no" => Wheelchair::No,
            _ => Wheelchair::Unknown,
        }
    }

    /// `yes|limited|no|unknown`, as in `?wheelchair=` filters.
    pub fn parse(s: &str) -> Option<Wheelchair> {
        match s {
            "yes" => Some(Wheelchair::Yes),
            "limited" => Some(Wheelchair::Limited),
            "no" => Some(Wheelchair::No),
            "unknown" => Some(Wheelchair::Unknown),
            _ => None,
        }
    }
}

/// A yes/no facility whose absence of data is a value of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    Yes,
    No,
    #[default]
    Unknown,
}

impl Tri {
    pub fn as_str(self) -> &'static str {
        match self {
            Tri::Yes => "yes",
            Tri::No => "no",
            Tri::Unknown => "unknown",
        }
    }

    /// OSM `yes`/`designated` → Yes, `no` → No, anything else Unknown.
    pub fn from_osm(v: &str) -> Tri {
        match v.trim() {
            "yes" | "designated" => Tri::Yes,
            "no" => Tri::No,
            _ => Tri::Unknown,
        }
    }

    fn osm(self) -> Option<&'static str> {
        match self {
            Tri::Yes => Some("yes"),
            Tri::No => Some("no"),
            Tri::Unknown => None,
        }
    }
}

/// Accessibility of a place, mapped one-to-one onto OSM tags:
///
/// | field | OSM key |
/// |---|---|
/// | `wheelchair` | `wheelchair` |
/// | `toilets_wheelchair` | `toilets:wheelchair` |
/// | `entrance_step_count` | `entrance:step_count` |
/// | `ramp` | `ramp:wheelchair` (read first), else `ramp`; written as both |
/// | `kerb_lowered` | `kerb=lowered` (also `flush`) → yes, `kerb=raised` → no |
/// | `disabled_parking_spaces` | `capacity:disabled` (a number; `no` → 0) |
/// | `hearing_loop` | `hearing_loop` |
/// | `tactile_paving` | `tactile_paving` |
/// | `braille` | `braille` |
/// | `sign_language` | `sign_language:pjm` (Polish Sign Language, PJM); read from `sign_language` or any `sign_language:*` |
/// | `changing_table` | `changing_table` |
/// | `notes` | `*:description:*`, e.g. `wheelchair:description:pl` |
///
/// OSM has no settled key for "staff use sign language"; we follow the
/// `sign_language:<language>` pattern in use for named sign languages and
/// write Polish Sign Language as `pjm`, the abbreviation Polish offices use.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Accessibility {
    pub wheelchair: Wheelchair,
    pub toilets_wheelchair: Tri,
    /// Steps at the main entrance; `Some(0)` is step-free.
    pub entrance_step_count: Option<u32>,
    pub ramp: Tri,
    pub kerb_lowered: Tri,
    pub disabled_parking_spaces: Option<u32>,
    pub hearing_loop: Tri,
    pub tactile_paving: Tri,
    /// Braille signage (OSM `braille`).
    pub braille: Tri,
    /// Staff trained in sign language (PJM).
    pub sign_language: Tri,
    pub changing_table: Tri,
    /// Free text per disability and language, keyed the OSM way:
    /// `wheelchair:description:pl`, `wheelchair:description:en`,
    /// `blind:description:pl`, `deaf:description:pl`, ...
    pub notes: BTreeMap<String, String>,
}

pub const OSM_SIGN_LANGUAGE_KEY: &str = "sign_language:pjm";

/// The OSM keys [`Accessibility`] reads (besides `*:description:*` and
/// `sign_language:*`); an importer keeps everything else as extra tags.
pub const ACCESSIBILITY_OSM_KEYS: &[&str] = &[
    "wheelchair",
    "toilets:wheelchair",
    "entrance:step_count",
    "ramp",
    "ramp:wheelchair",
    "kerb",
    "capacity:disabled",
    "hearing_loop",
    "tactile_paving",
    "braille",
    "sign_language",
    "changing_table",
];

/// `wheelchair:description:pl` and its kin: `<who>:description:<lang>`.
pub fn is_description_key(key: &str) -> bool {
    let mut parts = key.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(who), Some("description"), Some(lang), None) => {
            let slug = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            slug(who) && slug(lang)
        }
        _ => false,
    }
}

impl Accessibility {
    /// The OSM tags this accessibility writes; unknown values write nothing.
    pub fn to_osm_tags(&self) -> BTreeMap<String, String> {
        let mut t = BTreeMap::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                t.insert(k.to_string(), v.to_string());
            }
        };
        put("wheelchair", (self.wheelchair != Wheelchair::Unknown).then(|| self.wheelchair.as_str()));
        put("toilets:wheelchair", self.toilets_wheelchair.osm());
        put("ramp", self.ramp.osm());
        put("ramp:wheelchair", self.ramp.osm());
        put(
            "kerb",
            match self.kerb_lowered {
                Tri::Yes => Some("lowered"),
                Tri::No => Some("raised"),
                Tri::Unknown => None,
            },
        );
        put("hearing_loop", self.hearing_loop.osm());
        put("tactile_paving", self.tactile_paving.osm());
        put("braille", self.braille.osm());
        put(OSM_SIGN_LANGUAGE_KEY, self.sign_language.osm());
        put("changing_table", self.changing_table.osm());
        if let Some(n) = self.entrance_step_count {
            t.insert("entrance:step_count".into(), n.to_string());
        }
        if let Some(n) = self.disabled_parking_spaces {
            t.insert("capacity:disabled".into(), n.to_string());
        }
        for (k, v) in &self.notes {
            t.insert(k.clone(), v.clone());
        }
        t
    }

    /// Reads OSM tags; missing or unrecognised values stay unknown.
    pub fn from_osm_tags(tags: &BTreeMap<String, String>) -> Accessibility {
        let get = |k: &str| tags.get(k).map(|s| s.as_str());
        let tri = |k: &str| get(k).map(Tri::from_osm).unwrap_or_default();
        let number = |k: &str| get(k).and_then(|v| v.trim().parse::<u32>().ok());
        let ramp = match get("ramp:wheelchair").map(Tri::from_osm) {
            Some(t) if t != Tri::Unknown => t,
            _ => tri("ramp"),
        };
        let kerb_lowered = match get("kerb") {
            Some("lowered") | Some("flush") => Tri::Yes,
            Some("raised") => Tri::No,
            _ => Tri::Unknown,
        };
        let disabled_parking_spaces = match get("capacity:disabled") {
            Some("no") => Some(0),
            _ => number("capacity:disabled"),
        };
        // Any named sign language answers "yes"; "no" only when nothing says yes.
        let mut sign_language = tri("sign_language");
        for (k, v) in tags.range("sign_language:".to_string()..) {
            if !k.starts_with("sign_language:") {
                break;
            }
            match Tri::from_osm(v) {
                Tri::Yes => sign_language = Tri::Yes,
                Tri::No if sign_language == Tri::Unknown => sign_language = Tri::No,
                _ => {}
            }
        }
        Accessibility {
            wheelchair: get("wheelchair").map(Wheelchair::from_osm).unwrap_or_default(),
            toilets_wheelchair: tri("toilets:wheelchair"),
            entrance_step_count: number("entrance:step_count"),
            ramp,
            kerb_lowered,
            disabled_parking_spaces,
            hearing_loop: tri("hearing_loop"),
            tactile_paving: tri("tactile_paving"),
            braille: tri("braille"),
            sign_language,
            changing_table: tri("changing_table"),
            notes: tags
                .iter()
                .filter(|(k, _)| is_description_key(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// Whether a tag is one this model reads (so an importer need not keep
    /// it among the extra tags when its value round-trips).
    pub fn reads_osm_key(key: &str) -> bool {
        ACCESSIBILITY_OSM_KEYS.contains(&key) || key.starts_with("sign_language:") || is_description_key(key)
    }

    /// Step-free entry as far as the data says: wheelchair=yes, or zero
    /// steps, or a ramp. Unknown data is not step-free.
    pub fn step_free(&self) -> bool {
        self.wheelchair == Wheelchair::Yes || self.entrance_step_count == Some(0) || self.ramp == Tri::Yes
    }
}

impl Validate for Accessibility {
    fn validate(&self) -> Result<(), FieldError> {
        if self.notes.len() > PLACE_MAX_NOTES {
            return Err(FieldError::new(
                "accessibility.notes",
                format!("Najwyżej {PLACE_MAX_NOTES} opisów dostępności."),
                format!("At most {PLACE_MAX_NOTES} accessibility notes."),
            ));
        }
        for (k, v) in &self.notes {
            if !is_description_key(k) {
                return Err(FieldError::new(
                    "accessibility.notes",
                    format!("Nieprawidłowy klucz opisu „{k}” (oczekiwano np. wheelchair:description:pl)."),
                    format!("Invalid note key \"{k}\" (expected e.g. wheelchair:description:pl)."),
                ));
            }
            required_text(&format!("accessibility.notes.{k}"), v, PLACE_NOTE_MAX)?;
        }
        for (field, n) in [
            ("accessibility.entrance_step_count", self.entrance_step_count),
            ("accessibility.disabled_parking_spaces", self.disabled_parking_spaces),
        ] {
            if n.is_some_and(|n| n > 10_000) {
                return Err(FieldError::new(field, "Nieprawdopodobna liczba.", "Implausible number."));
            }
        }
        Ok(())
    }
}

/// Where a place is: a point, or a line (bike paths, trails).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PlaceGeometry {
    Point { point: GeoPoint },
    /// A polyline, in order; at least two points.
    Line { points: Vec<GeoPoint> },
}

impl PlaceGeometry {
    /// The point itself, or a line's first point (where a route starts).
    pub fn anchor(&self) -> Option<GeoPoint> {
        match self {
            PlaceGeometry::Point { point } => Some(*point),
            PlaceGeometry::Line { points } => points.first().copied(),
        }
    }

    /// All vertices.
    pub fn points(&self) -> &[GeoPoint] {
        match self {
            PlaceGeometry::Point { point } => std::slice::from_ref(point),
            PlaceGeometry::Line { points } => points,
        }
    }

    /// `[min_lon, min_lat, max_lon, max_lat]` over all vertices.
    pub fn bbox(&self) -> [f64; 4] {
        let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for p in self.points() {
            b[0] = b[0].min(p.lon);
            b[1] = b[1].min(p.lat);
            b[2] = b[2].max(p.lon);
            b[3] = b[3].max(p.lat);
        }
        b
    }
}

impl Validate for PlaceGeometry {
    fn validate(&self) -> Result<(), FieldError> {
        let prefix = |e: FieldError| FieldError { field: format!("geometry.{}", e.field), ..e };
        match self {
            PlaceGeometry::Point { point } => point.validate().map_err(prefix),
            PlaceGeometry::Line { points } => {
                if points.len() < 2 {
                    return Err(FieldError::new(
                        "geometry.points",
                        "Linia musi mieć co najmniej dwa punkty.",
                        "A line needs at least two points.",
                    ));
                }
                if points.len() > PLACE_LINE_MAX_POINTS {
                    return Err(FieldError::new(
                        "geometry.points",
                        format!("Linia może mieć najwyżej {PLACE_LINE_MAX_POINTS} punktów."),
                        format!("A line may have at most {PLACE_LINE_MAX_POINTS} points."),
                    ));
                }
                points.iter().try_for_each(|p| p.validate().map_err(prefix))
            }
        }
    }
}

/// How to reach whoever runs the place.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlaceContact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// A monument (zabytek): its entry in the register of monuments
/// (rejestr zabytków, OSM `ref:zabytek` / `heritage:ref`) and its period.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Monument {
    /// Register number, e.g. `A/1234/56` (numer w rejestrze zabytków).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register_number: Option<String>,
    /// E.g. `XIII w.`, `1910`, `1934`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

/// One place on the map, as stored and synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    pub id: i64,
    pub layer: Layer,
    /// Slug, e.g. `town_hall`, `school`, `toilets`, `monument`, `bike_path`
    /// (see [`KNOWN_CATEGORIES`]).
    pub category: String,
    pub name: String,
    pub geometry: PlaceGeometry,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// OSM `opening_hours` syntax, e.g. `Mo-Fr 07:30-15:30; PH off`;
    /// evaluated by the core ("open now").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<String>,
    #[serde(default)]
    pub contact: PlaceContact,
    #[serde(default)]
    pub description_pl: String,
    #[serde(default)]
    pub description_en: String,
    /// Photo URLs.
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub accessibility: Accessibility,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monument: Option<Monument>,
    /// The OSM element this place came from: `node/123`, `way/45`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub osm_id: Option<String>,
    /// OSM tags we do not map, kept as notes (and written back on export).
    #[serde(default)]
    pub extra_tags: BTreeMap<String, String>,
    pub updated_at: DateTime<Utc>,
}

/// What an official sends to create or replace a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    pub layer: Layer,
    pub category: String,
    pub name: String,
    pub geometry: PlaceGeometry,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub opening_hours: Option<String>,
    #[serde(default)]
    pub contact: PlaceContact,
    #[serde(default)]
    pub description_pl: String,
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub accessibility: Accessibility,
    #[serde(default)]
    pub monument: Option<Monument>,
    #[serde(default)]
    pub osm_id: Option<String>,
    #[serde(default)]
    pub extra_tags: BTreeMap<String, String>,
}

/// `[a-z0-9_]`, 1..=64, starting with a letter.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= PLACE_CATEGORY_MAX
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `node/123`, `way/45`, `relation/6`.
pub fn is_osm_id(s: &str) -> bool {
    match s.split_once('/') {
        Some(("node" | "way" | "relation", n)) => !n.is_empty() && n.len() <= 20 && n.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

impl Validate for PlaceInput {
    fn validate(&self) -> Result<(), FieldError> {
        required_text("name", &self.name, PLACE_NAME_MAX)?;
        if !is_slug(&self.category) {
            return Err(FieldError::new(
                "category",
                "Kategoria to krótki identyfikator z małych liter, cyfr i podkreśleń (np. town_hall).",
                "The category is a short slug of lowercase letters, digits and underscores (e.g. town_hall).",
            ));
        }
        self.geometry.validate()?;
        if self.layer == Layer::BikePaths && !matches!(self.geometry, PlaceGeometry::Line { .. }) {
            return Err(FieldError::new(
                "geometry",
                "Ścieżka rowerowa jest linią.",
                "A bike path is a line.",
            ));
        }
        for (field, value, max) in [
            ("address", &self.address, PLACE_ADDRESS_MAX),
            ("opening_hours", &self.opening_hours, OSM_VALUE_MAX),
            ("contact.phone", &self.contact.phone, 50),
            ("contact.email", &self.contact.email, 254),
        ] {
            if let Some(v) = value {
                required_text(field, v, max)?;
            }
        }
        if let Some(e) = &self.contact.email
            && (!e.contains('@') || e.contains(char::is_whitespace))
        {
            return Err(FieldError::new("contact.email", "Nieprawidłowy adres e-mail.", "Invalid e-mail address."));
        }
        if let Some(w) = &self.contact.website {
            http_url("contact.website", w)?;
        }
        optional_text("description_pl", &self.description_pl, PLACE_DESCRIPTION_MAX)?;
        optional_text("description_en", &self.description_en, PLACE_DESCRIPTION_MAX)?;
        if self.photos.len() > PLACE_MAX_PHOTOS {
            return Err(FieldError::new(
                "photos",
                format!("Najwyżej {PLACE_MAX_PHOTOS} zdjęć."),
                format!("At most {PLACE_MAX_PHOTOS} photos."),
            ));
        }
        for p in &self.photos {
            http_url("photos", p)?;
        }
        self.accessibility.validate()?;
        if let Some(m) = &self.monument {
            for (field, value) in [("monument.register_number", &m.register_number), ("monument.period", &m.period)] {
                if let Some(v) = value {
                    required_text(field, v, 100)?;
                }
            }
        }
        if let Some(o) = &self.osm_id
            && !is_osm_id(o)
        {
            return Err(FieldError::new(
                "osm_id",
                "Identyfikator OSM ma postać node/123, way/45 lub relation/6.",
                "An OSM id reads node/123, way/45 or relation/6.",
            ));
        }
        if self.extra_tags.len() > PLACE_MAX_EXTRA_TAGS {
            return Err(FieldError::new(
                "extra_tags",
                format!("Najwyżej {PLACE_MAX_EXTRA_TAGS} dodatkowych tagów."),
                format!("At most {PLACE_MAX_EXTRA_TAGS} extra tags."),
            ));
        }
        for (k, v) in &self.extra_tags {
            required_text("extra_tags", k, OSM_KEY_MAX)?;
            optional_text(&format!("extra_tags.{k}"), v, OSM_VALUE_MAX)?;
        }
        Ok(())
    }
}

impl PlaceInput {
    /// The stored place this input becomes.
    pub fn into_place(self, id: i64, updated_at: DateTime<Utc>) -> Place {
        Place {
            id,
            layer: self.layer,
            category: self.category,
            name: self.name,
            geometry: self.geometry,
            address: self.address,
            opening_hours: self.opening_hours,
            contact: self.contact,
            description_pl: self.description_pl,
            description_en: self.description_en,
            photos: self.photos,
            accessibility: self.accessibility,
            monument: self.monument,
            osm_id: self.osm_id,
            extra_tags: self.extra_tags,
            updated_at,
        }
    }
}

impl Place {
    /// The input that would recreate this place (edit forms, idempotent import).
    pub fn to_input(&self) -> PlaceInput {
        PlaceInput {
            layer: self.layer,
            category: self.category.clone(),
            name: self.name.clone(),
            geometry: self.geometry.clone(),
            address: self.address.clone(),
            opening_hours: self.opening_hours.clone(),
            contact: self.contact.clone(),
            description_pl: self.description_pl.clone(),
            description_en: self.description_en.clone(),
            photos: self.photos.clone(),
            accessibility: self.accessibility.clone(),
            monument: self.monument.clone(),
            osm_id: self.osm_id.clone(),
            extra_tags: self.extra_tags.clone(),
        }
    }
}

/// Query of `GET /api/v1/places`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct PlaceListQuery {
    /// `infrastructure`, `attractions`, `monuments` or `bike_paths`.
    pub layer: Option<String>,
    /// A category slug, e.g. `school`.
    pub category: Option<String>,
}

/// Query of `GET /api/v1/map/places.geojson`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct PlaceMapQuery {
    /// `minlon,minlat,maxlon,maxlat` (WGS84); places whose geometry
    /// touches the box.
    pub bbox: Option<String>,
    pub layer: Option<String>,
    pub category: Option<String>,
    /// Comma list of `yes`, `limited`, `no`, `unknown`.
    pub wheelchair: Option<String>,
}

/// One element an OSM import did not take, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSkip {
    /// `node/123`, `way/45`, or a GeoJSON feature's index (`feature/3`).
    pub element: String,
    pub reason: String,
}

/// An imported place whose `opening_hours` the app cannot read: the place
/// is kept, its value as written, and the app shows "hours unknown".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadHours {
    /// `node/123`, `way/45`, or `feature/3`.
    pub element: String,
    /// The value as written.
    pub value: String,
    /// Where reading stopped.
    pub reason: String,
}

/// What an OSM import did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceImportReport {
    pub created: u32,
    pub updated: u32,
    /// Present already with the same data: nothing written.
    pub unchanged: u32,
    pub skipped: Vec<ImportSkip>,
    /// Imported places with `opening_hours` (any value).
    #[serde(default)]
    pub opening_hours: u32,
    /// Of those, values read only after a case or format correction
    /// (`pn-pt 8-16`): kept as written, evaluated as read, the reading shown
    /// beside the raw text.
    #[serde(default)]
    pub opening_hours_corrected: u32,
    /// Of those, values that cannot be read at all: kept as text, hours
    /// unknown. Worth fixing in OSM.
    #[serde(default)]
    pub opening_hours_unread: Vec<UnreadHours>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn full() -> Accessibility {
        Accessibility {
            wheelchair: Wheelchair::Limited,
            toilets_wheelchair: Tri::Yes,
            entrance_step_count: Some(1),
            ramp: Tri::No,
            kerb_lowered: Tri::Yes,
            disabled_parking_spaces: Some(2),
            hearing_loop: Tri::Yes,
            tactile_paving: Tri::No,
            braille: Tri::Yes,
            sign_language: Tri::Yes,
            changing_table: Tri::No,
            notes: tags(&[
                ("wheelchair:description:pl", "Jeden stopień 5 cm przy wejściu."),
                ("wheelchair:description:en", "One 5 cm step at the entrance."),
                ("blind:description:pl", "Plan tyflograficzny przy wejściu."),
                ("deaf:description:pl", "Tłumacz PJM online."),
            ]),
        }
    }

    #[test]
    fn default_is_all_unknown_and_writes_no_tags() {
        let a = Accessibility::default();
        assert_eq!(a.wheelchair, Wheelchair::Unknown);
        assert!(a.to_osm_tags().is_empty());
        assert_eq!(Accessibility::from_osm_tags(&BTreeMap::new()), a);
    }

    #[test]
    fn round_trips_through_osm_tags() {
        let a = full();
        let t = a.to_osm_tags();
        assert_eq!(t["wheelchair"], "limited");
        assert_eq!(t["toilets:wheelchair"], "yes");
        assert_eq!(t["entrance:step_count"], "1");
        assert_eq!(t["ramp"], "no");
        assert_eq!(t["ramp:wheelchair"], "no");
        assert_eq!(t["kerb"], "lowered");
        assert_eq!(t["capacity:disabled"], "2");
        assert_eq!(t["hearing_loop"], "yes");
        assert_eq!(t["tactile_paving"], "no");
        assert_eq!(t["braille"], "yes");
        assert_eq!(t[OSM_SIGN_LANGUAGE_KEY], "yes");
        assert_eq!(t["changing_table"], "no");
        assert_eq!(t["deaf:description:pl"], "Tłumacz PJM online.");
        assert_eq!(Accessibility::from_osm_tags(&t), a);
        // And tags -> model -> tags is stable for the canonical form.
        assert_eq!(Accessibility::from_osm_tags(&t).to_osm_tags(), t);
    }

    #[test]
    fn every_single_field_round_trips() {
        for w in [Wheelchair::Yes, Wheelchair::Limited, Wheelchair::No, Wheelchair::Unknown] {
            let a = Accessibility { wheelchair: w, ..Default::default() };
            assert_eq!(Accessibility::from_osm_tags(&a.to_osm_tags()), a);
        }
        for t in [Tri::Yes, Tri::No, Tri::Unknown] {
            for a in [
                Accessibility { toilets_wheelchair: t, ..Default::default() },
                Accessibility { ramp: t, ..Default::default() },
                Accessibility { kerb_lowered: t, ..Default::default() },
                Accessibility { hearing_loop: t, ..Default::default() },
                Accessibility { tactile_paving: t, ..Default::default() },
                Accessibility { braille: t, ..Default::default() },
                Accessibility { sign_language: t, ..Default::default() },
                Accessibility { changing_table: t, ..Default::default() },
            ] {
                assert_eq!(Accessibility::from_osm_tags(&a.to_osm_tags()), a);
            }
        }
        let a = Accessibility { entrance_step_count: Some(0), disabled_parking_spaces: Some(0), ..Default::default() };
        assert_eq!(Accessibility::from_osm_tags(&a.to_osm_tags()), a);
    }

    #[test]
    fn reads_osm_variants_and_never_guesses() {
        let a = Accessibility::from_osm_tags(&tags(&[
            ("wheelchair", "designated"),
            ("ramp", "no"),
            ("ramp:wheelchair", "yes"),
            ("kerb", "flush"),
            ("sign_language:de", "no"),
            ("sign_language:pjm", "yes"),
            ("tactile_paving", "incorrect"),
            ("capacity:disabled", "yes"),
            ("hearing_loop", "maybe"),
            ("description", "not an accessibility note"),
        ]));
        assert_eq!(a.wheelchair, Wheelchair::Yes);
        assert_eq!(a.ramp, Tri::Yes, "ramp:wheelchair wins over ramp");
        assert_eq!(a.kerb_lowered, Tri::Yes);
        assert_eq!(a.sign_language, Tri::Yes);
        assert_eq!(a.tactile_paving, Tri::Unknown);
        assert_eq!(a.disabled_parking_spaces, None);
        assert_eq!(a.hearing_loop, Tri::Unknown);
        assert!(a.notes.is_empty());
        let a = Accessibility::from_osm_tags(&tags(&[("wheelchair", "bad"), ("sign_language", "no")]));
        assert_eq!(a.wheelchair, Wheelchair::Unknown);
        assert_eq!(a.sign_language, Tri::No);
    }

    #[test]
    fn wire_form() {
        let p = PlaceInput {
            layer: Layer::BikePaths,
            category: "bike_path".into(),
            name: "Szlak".into(),
            geometry: PlaceGeometry::Line {
                points: vec![GeoPoint { lat: 51.0, lon: 17.1 }, GeoPoint { lat: 51.01, lon: 17.12 }],
            },
            address: None,
            opening_hours: None,
            contact: PlaceContact::default(),
            description_pl: String::new(),
            description_en: String::new(),
            photos: vec![],
            accessibility: Accessibility::default(),
            monument: None,
            osm_id: Some("way/45".into()),
            extra_tags: BTreeMap::new(),
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["layer"], "bike_paths");
        assert_eq!(v["geometry"]["type"], "line");
        assert_eq!(v["accessibility"]["wheelchair"], "unknown");
        assert!(p.validate().is_ok());
        let back: PlaceInput = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, p);
        let mut bad = v;
        bad["surprise"] = serde_json::json!(1);
        assert!(serde_json::from_value::<PlaceInput>(bad).is_err());
        let point: PlaceGeometry = serde_json::from_str(r#"{"type":"point","point":{"lat":51.03,"lon":17.15}}"#).unwrap();
        assert_eq!(point.anchor(), Some(GeoPoint { lat: 51.03, lon: 17.15 }));
    }

    #[test]
    fn validation() {
        let ok = PlaceInput {
            layer: Layer::Infrastructure,
            category: "town_hall".into(),
            name: "Urząd Miejski".into(),
            geometry: PlaceGeometry::Point { point: GeoPoint { lat: 51.03, lon: 17.15 } },
            address: Some("ul. Jana Pawła II 12, Siechnice".into()),
            opening_hours: Some("Mo-Fr 07:30-15:30; PH off".into()),
            contact: PlaceContact { phone: Some("+48 71 786 09 01".into()), email: Some("a@b.pl".into()), website: Some("https://siechnice.gmina.pl".into()) },
            description_pl: "Opis".into(),
            description_en: String::new(),
            photos: vec![],
            accessibility: full(),
            monument: None,
            osm_id: Some("node/1".into()),
            extra_tags: BTreeMap::new(),
        };
        assert!(ok.validate().is_ok());
        let field = |f: &dyn Fn(&mut PlaceInput)| {
            let mut p = ok.clone();
            f(&mut p);
            p.validate().unwrap_err().field
        };
        assert_eq!(field(&|p| p.name = " ".into()), "name");
        assert_eq!(field(&|p| p.name = "x".repeat(201)), "name");
        assert_eq!(field(&|p| p.category = "Town Hall".into()), "category");
        assert_eq!(field(&|p| p.geometry = PlaceGeometry::Line { points: vec![GeoPoint { lat: 51.0, lon: 17.0 }] }), "geometry.points");
        assert_eq!(field(&|p| p.geometry = PlaceGeometry::Point { point: GeoPoint { lat: 91.0, lon: 17.0 } }), "geometry.lat");
        assert_eq!(field(&|p| p.geometry = PlaceGeometry::Point { point: GeoPoint { lat: 51.0, lon: f64::NAN } }), "geometry.lon");
        assert_eq!(field(&|p| p.layer = Layer::BikePaths), "geometry");
        assert_eq!(field(&|p| p.osm_id = Some("node/x".into())), "osm_id");
        assert_eq!(field(&|p| p.contact.website = Some("ftp://x".into())), "contact.website");
        assert_eq!(field(&|p| { p.accessibility.notes.insert("note".into(), "x".into()); }), "accessibility.notes");
        assert_eq!(field(&|p| p.description_pl = "x".repeat(PLACE_DESCRIPTION_MAX + 1)), "description_pl");
    }
}

//! The map across the boundary: records for places with their
//! accessibility, filters, boxes, and the `MmCore` methods, one per screen:
//!
//! | screen | call |
//! |---|---|
//! | map view (markers, layer and accessibility filter) | `places_in_box` (+ `gmina_bbox` for the first view) |
//! | "near me" list | `nearest_places` (distances in metres) |
//! | place card | `place` (open now, next change, today's hours, needs met) |
//! | search | `search_places` (diacritics ignored) |
//! | bike paths layer | `bike_paths_in_box` (polylines with lengths) |
//!
//! Mapping only: the needs rules, opening hours (Europe/Warsaw, Polish
//! holidays) and the spatial index are the core's. Instants are `_ms`.

use std::collections::HashMap;

use chrono::Utc;
use mm_core as core;

use crate::error::MmError;
use crate::object::{MmCore, all, one};
use crate::records::{GeoPoint, from_ms, ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Layer {
    Infrastructure,
    Attractions,
    Monuments,
    BikePaths,
}

impl From<core::Layer> for Layer {
    fn from(l: core::Layer) -> Self {
        match l {
            core::Layer::Infrastructure => Layer::Infrastructure,
            core::Layer::Attractions => Layer::Attractions,
            core::Layer::Monuments => Layer::Monuments,
            core::Layer::BikePaths => Layer::BikePaths,
        }
    }
}

impl From<Layer> for core::Layer {
    fn from(l: Layer) -> Self {
        match l {
            Layer::Infrastructure => core::Layer::Infrastructure,
            Layer::Attractions => core::Layer::Attractions,
            Layer::Monuments => core::Layer::Monuments,
            Layer::BikePaths => core::Layer::BikePaths,
        }
    }
}

/// OSM `wheelchair`: `Limited` = at most one 7 cm step; `Unknown` = no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Wheelchair {
    Yes,
    Limited,
    No,
    Unknown,
}

impl From<core::Wheelchair> for Wheelchair {
    fn from(w: core::Wheelchair) -> Self {
        match w {
            core::Wheelchair::Yes => Wheelchair::Yes,
            core::Wheelchair::Limited => Wheelchair::Limited,
            core::Wheelchair::No => Wheelchair::No,
            core::Wheelchair::Unknown => Wheelchair::Unknown,
        }
    }
}

impl From<Wheelchair> for core::Wheelchair {
    fn from(w: Wheelchair) -> Self {
        match w {
            Wheelchair::Yes => core::Wheelchair::Yes,
            Wheelchair::Limited => core::Wheelchair::Limited,
            Wheelchair::No => core::Wheelchair::No,
            Wheelchair::Unknown => core::Wheelchair::Unknown,
        }
    }
}

/// Yes / no / no data (never guessed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Tri {
    Yes,
    No,
    Unknown,
}

impl From<core::Tri> for Tri {
    fn from(t: core::Tri) -> Self {
        match t {
            core::Tri::Yes => Tri::Yes,
            core::Tri::No => Tri::No,
            core::Tri::Unknown => Tri::Unknown,
        }
    }
}

/// An accessibility need to filter by; see `mm_core::AccessNeed` for the
/// exact rule of each (unknown never satisfies one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AccessNeed {
    StepFree,
    AccessibleToilet,
    HearingLoop,
    TactilePaving,
    Braille,
    SignLanguage,
    ChangingTable,
    DisabledParking,
}

impl From<core::AccessNeed> for AccessNeed {
    fn from(n: core::AccessNeed) -> Self {
        match n {
            core::AccessNeed::StepFree => AccessNeed::StepFree,
            core::AccessNeed::AccessibleToilet => AccessNeed::AccessibleToilet,
            core::AccessNeed::HearingLoop => AccessNeed::HearingLoop,
            core::AccessNeed::TactilePaving => AccessNeed::TactilePaving,
            core::AccessNeed::Braille => AccessNeed::Braille,
            core::AccessNeed::SignLanguage => AccessNeed::SignLanguage,
            core::AccessNeed::ChangingTable => AccessNeed::ChangingTable,
            core::AccessNeed::DisabledParking => AccessNeed::DisabledParking,
        }
    }
}

impl From<AccessNeed> for core::AccessNeed {
    fn from(n: AccessNeed) -> Self {
        match n {
            AccessNeed::StepFree => core::AccessNeed::StepFree,
            AccessNeed::AccessibleToilet => core::AccessNeed::AccessibleToilet,
            AccessNeed::HearingLoop => core::AccessNeed::HearingLoop,
            AccessNeed::TactilePaving => core::AccessNeed::TactilePaving,
            AccessNeed::Braille => core::AccessNeed::Braille,
            AccessNeed::SignLanguage => core::AccessNeed::SignLanguage,
            AccessNeed::ChangingTable => core::AccessNeed::ChangingTable,
            AccessNeed::DisabledParking => core::AccessNeed::DisabledParking,
        }
    }
}

/// A box on the map, WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub min_lon: f64,
    pub max_lat: f64,
    pub max_lon: f64,
}

impl From<BoundingBox> for core::BoundingBox {
    fn from(b: BoundingBox) -> Self {
        core::BoundingBox { min_lat: b.min_lat, min_lon: b.min_lon, max_lat: b.max_lat, max_lon: b.max_lon }
    }
}

impl From<core::BoundingBox> for BoundingBox {
    fn from(b: core::BoundingBox) -> Self {
        BoundingBox { min_lat: b.min_lat, min_lon: b.min_lon, max_lat: b.max_lat, max_lon: b.max_lon }
    }
}

/// Every need must be met; empty `categories` and `needs` mean "any".
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlaceFilter {
    /// `None`: any layer; an empty list: none (every toggle off). Pass
    /// the toggles as they are.
    #[uniffi(default = None)]
    pub layers: Option<Vec<Layer>>,
    #[uniffi(default = [])]
    pub categories: Vec<String>,
    #[uniffi(default = [])]
    pub needs: Vec<AccessNeed>,
    /// Only places open at this instant (epoch ms); places without hours are left out.
    #[uniffi(default = None)]
    pub open_at_ms: Option<i64>,
    #[uniffi(default = None)]
    pub limit: Option<u32>,
}

impl PlaceFilter {
    fn to_core(&self) -> Result<core::PlaceFilter, MmError> {
        Ok(core::PlaceFilter {
            layers: self.layers.as_ref().map(|ls| ls.iter().map(|l| (*l).into()).collect()),
            categories: self.categories.clone(),
            needs: self.needs.iter().map(|n| (*n).into()).collect(),
            open_at: self.open_at_ms.map(|t| from_ms("open_at_ms", t)).transpose()?,
            limit: self.limit,
        })
    }
}

/// A marker or a list row.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlaceSummary {
    pub id: i64,
    pub layer: Layer,
    pub category: String,
    pub category_name_pl: String,
    pub category_name_en: String,
    pub name: String,
    /// The point, or a line's first point.
    pub point: GeoPoint,
    pub is_line: bool,
    pub address: Option<String>,
    pub wheelchair: Wheelchair,
    pub needs_met: Vec<AccessNeed>,
    /// Open at the filter's `open_at_ms`, when one was given and the place has hours.
    pub open_now: Option<bool>,
    /// From the point asked about (nearest only), metres.
    pub distance_m: Option<f64>,
    /// The row as one sentence (name, category, wheelchair, open now,
    /// distance, address) for TalkBack and VoiceOver.
    pub spoken_text: String,
}

impl From<core::PlaceSummary> for PlaceSummary {
    fn from(s: core::PlaceSummary) -> Self {
        PlaceSummary {
            id: s.id,
            layer: s.layer.into(),
            category: s.category,
            category_name_pl: s.category_name_pl,
            category_name_en: s.category_name_en,
            name: s.name,
            point: s.point.into(),
            is_line: s.is_line,
            address: s.address,
            wheelchair: s.wheelchair.into(),
            needs_met: s.needs_met.into_iter().map(Into::into).collect(),
            open_now: s.open_now,
            distance_m: s.distance_m,
            spoken_text: s.spoken_text,
        }
    }
}

/// Accessibility as OSM tags it; unknown stays unknown.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Accessibility {
    pub wheelchair: Wheelchair,
    pub toilets_wheelchair: Tri,
    /// Steps at the main entrance; 0 = step-free; `None` = no data.
    pub entrance_step_count: Option<u32>,
    pub ramp: Tri,
    pub kerb_lowered: Tri,
    pub disabled_parking_spaces: Option<u32>,
    pub hearing_loop: Tri,
    pub tactile_paving: Tri,
    pub braille: Tri,
    /// Staff using Polish Sign Language (PJM).
    pub sign_language: Tri,
    pub changing_table: Tri,
    /// `wheelchair:description:pl` → text, and the like per disability and language.
    pub notes: HashMap<String, String>,
}

impl From<core::Accessibility> for Accessibility {
    fn from(a: core::Accessibility) -> Self {
        Accessibility {
            wheelchair: a.wheelchair.into(),
            toilets_wheelchair: a.toilets_wheelchair.into(),
            entrance_step_count: a.entrance_step_count,
            ramp: a.ramp.into(),
            kerb_lowered: a.kerb_lowered.into(),
            disabled_parking_spaces: a.disabled_parking_spaces,
            hearing_loop: a.hearing_loop.into(),
            tactile_paving: a.tactile_paving.into(),
            braille: a.braille.into(),
            sign_language: a.sign_language.into(),
            changing_table: a.changing_table.into(),
            notes: a.notes.into_iter().collect(),
        }
    }
}

/// A place's card ("navigate" takes `point`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlaceDetail {
    pub id: i64,
    pub layer: Layer,
    pub layer_name_pl: String,
    pub layer_name_en: String,
    pub category: String,
    pub category_name_pl: String,
    pub category_name_en: String,
    pub name: String,
    /// The point, or a line's first point.
    pub point: GeoPoint,
    /// A line's vertices (empty for a point).
    pub line: Vec<GeoPoint>,
    pub length_m: Option<f64>,
    pub address: Option<String>,
    /// As written (OSM `opening_hours`).
    pub opening_hours: Option<String>,
    /// `None`: no hours, or hours the core cannot read (`opening_hours_error`).
    pub open_now: Option<bool>,
    pub next_change_ms: Option<i64>,
    pub opening_hours_error: Option<String>,
    /// How the core read hours written another way (`pn-pt 8-16` read as
    /// `Mo-Fr 08:00-16:00`), to show beside the raw text.
    pub opening_hours_reading: Option<String>,
    /// Today's intervals (Europe/Warsaw), e.g. `08:00-16:00`.
    pub hours_today: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub description_pl: String,
    pub description_en: String,
    pub photos: Vec<String>,
    pub accessibility: Accessibility,
    pub needs_met: Vec<AccessNeed>,
    pub monument_register_number: Option<String>,
    pub monument_period: Option<String>,
    pub osm_id: Option<String>,
    pub updated_at_ms: i64,
    /// The card, one sentence a line, in the core's language: render it
    /// as it is (the order and the "no data" lines are the core's).
    pub card: Vec<CardLine>,
}

/// What a card line says, for a shell that styles or groups lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardLineKind {
    Name,
    Category,
    Length,
    Hours,
    HoursReading,
    Wheelchair,
    Toilet,
    Steps,
    HearingLoop,
    TactilePaving,
    Braille,
    SignLanguage,
    ChangingTable,
    Parking,
    Note,
    Address,
    Phone,
    MonumentRegister,
    MonumentPeriod,
    Description,
}

impl From<core::CardLineKind> for CardLineKind {
    fn from(k: core::CardLineKind) -> Self {
        use core::CardLineKind as K;
        match k {
            K::Name => CardLineKind::Name,
            K::Category => CardLineKind::Category,
            K::Length => CardLineKind::Length,
            K::Hours => CardLineKind::Hours,
            K::HoursReading => CardLineKind::HoursReading,
            K::Wheelchair => CardLineKind::Wheelchair,
            K::Toilet => CardLineKind::Toilet,
            K::Steps => CardLineKind::Steps,
            K::HearingLoop => CardLineKind::HearingLoop,
            K::TactilePaving => CardLineKind::TactilePaving,
            K::Braille => CardLineKind::Braille,
            K::SignLanguage => CardLineKind::SignLanguage,
            K::ChangingTable => CardLineKind::ChangingTable,
            K::Parking => CardLineKind::Parking,
            K::Note => CardLineKind::Note,
            K::Address => CardLineKind::Address,
            K::Phone => CardLineKind::Phone,
            K::MonumentRegister => CardLineKind::MonumentRegister,
            K::MonumentPeriod => CardLineKind::MonumentPeriod,
            K::Description => CardLineKind::Description,
        }
    }
}

/// One sentence of a place's card.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CardLine {
    pub kind: CardLineKind,
    pub text: String,
}

impl From<core::CardLine> for CardLine {
    fn from(l: core::CardLine) -> Self {
        CardLine { kind: l.kind.into(), text: l.text }
    }
}

impl From<core::PlaceDetail> for PlaceDetail {
    fn from(d: core::PlaceDetail) -> Self {
        let p = d.place;
        let line = match &p.geometry {
            core::PlaceGeometry::Line { points } => points.iter().map(|q| (*q).into()).collect(),
            core::PlaceGeometry::Point { .. } => Vec::new(),
        };
        let (register, period) = match p.monument {
            Some(m) => (m.register_number, m.period),
            None => (None, None),
        };
        PlaceDetail {
            id: p.id,
            layer: p.layer.into(),
            layer_name_pl: d.layer_name_pl,
            layer_name_en: d.layer_name_en,
            category: p.category,
            category_name_pl: d.category_name_pl,
            category_name_en: d.category_name_en,
            name: p.name,
            point: d.point.into(),
            line,
            length_m: d.length_m,
            address: p.address,
            opening_hours: p.opening_hours,
            open_now: d.open_now,
            next_change_ms: d.next_change.map(ms),
            opening_hours_error: d.opening_hours_error,
            opening_hours_reading: d.opening_hours_reading,
            hours_today: d.hours_today,
            phone: p.contact.phone,
            email: p.contact.email,
            website: p.contact.website,
            description_pl: p.description_pl,
            description_en: p.description_en,
            photos: p.photos,
            accessibility: p.accessibility.into(),
            needs_met: d.needs_met.into_iter().map(Into::into).collect(),
            monument_register_number: register,
            monument_period: period,
            osm_id: p.osm_id,
            updated_at_ms: ms(p.updated_at),
            card: d.card.into_iter().map(Into::into).collect(),
        }
    }
}

/// A bike path or trail crossing the box.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BikePathSummary {
    pub id: i64,
    pub name: String,
    pub category: String,
    pub length_m: f64,
    pub points: Vec<GeoPoint>,
    pub description_pl: String,
    pub description_en: String,
    /// `1,2 km`.
    pub length_text: String,
    /// The path as one sentence.
    pub spoken_text: String,
}

impl From<core::BikePathSummary> for BikePathSummary {
    fn from(b: core::BikePathSummary) -> Self {
        BikePathSummary {
            id: b.id,
            name: b.name,
            category: b.category,
            length_m: b.length_m,
            points: b.points.into_iter().map(Into::into).collect(),
            description_pl: b.description_pl,
            description_en: b.description_en,
            length_text: b.length_text,
            spoken_text: b.spoken_text,
        }
    }
}

#[uniffi::export]
impl MmCore {
    /// Map view: places in or crossing `bbox` that pass `filter`, nearest
    /// the box's centre first.
    pub fn places_in_box(&self, bbox: BoundingBox, filter: PlaceFilter) -> Result<Vec<PlaceSummary>, MmError> {
        all(self.core.places().in_box(bbox.into(), &filter.to_core()?))
    }

    /// "Near me": the `n` nearest places that pass `filter`, with distances.
    pub fn nearest_places(&self, point: GeoPoint, n: u32, filter: PlaceFilter) -> Result<Vec<PlaceSummary>, MmError> {
        all(self.core.places().nearest(point.into(), n, &filter.to_core()?))
    }

    /// A place's card, evaluated at `at_ms` (default: now).
    #[uniffi::method(default(at_ms = None))]
    pub fn place(&self, id: i64, at_ms: Option<i64>) -> Result<PlaceDetail, MmError> {
        let at = match at_ms {
            Some(t) => from_ms("at_ms", t)?,
            None => Utc::now(),
        };
        one(self.core.places().detail(id, at))
    }

    /// The card's lines alone, evaluated at `at_ms` (default: now).
    #[uniffi::method(default(at_ms = None))]
    pub fn place_card(&self, id: i64, at_ms: Option<i64>) -> Result<Vec<CardLine>, MmError> {
        Ok(self.place(id, at_ms)?.card)
    }

    /// A layer's name, for the filter's toggles, in the core's language.
    pub fn layer_label(&self, layer: Layer) -> String {
        core::layer_label(layer.into(), self.core.language()).to_owned()
    }

    /// A need's name, for the filter's checkboxes ("I need …").
    pub fn need_label(&self, need: AccessNeed) -> String {
        core::need_label(need.into(), self.core.language()).to_owned()
    }

    /// Wheelchair access in words, lower case ("dostępne dla wózków").
    pub fn wheelchair_label(&self, wheelchair: Wheelchair) -> String {
        core::wheelchair_label(wheelchair.into(), self.core.language()).to_owned()
    }

    /// Places by name, category or address; diacritics and case ignored.
    #[uniffi::method(default(limit = 20))]
    pub fn search_places(&self, text: String, limit: u32) -> Result<Vec<PlaceSummary>, MmError> {
        all(self.core.places().search(&text, limit))
    }

    /// Bike paths crossing `bbox`, longest first.
    pub fn bike_paths_in_box(&self, bbox: BoundingBox) -> Result<Vec<BikePathSummary>, MmError> {
        all(self.core.places().bike_paths_in_box(bbox.into()))
    }

    /// The box around the gmina (the map's first view); `None` before a sync.
    pub fn gmina_bbox(&self) -> Result<Option<BoundingBox>, MmError> {
        Ok(self.core.places().gmina_bbox()?.map(Into::into))
    }
}

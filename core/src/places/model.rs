//! The records the map screens get from the core.

use chrono::{DateTime, Utc};
use mm_protocol::geo::GeoPoint;
use mm_protocol::places::{Accessibility, Layer, Place, Tri, Wheelchair};
use serde::{Deserialize, Serialize};

use super::card::CardLine;

/// A box on the map, WGS84 degrees. `min_lat <= max_lat`,
/// `min_lon <= max_lon` (a box across the antimeridian is not supported:
/// no gmina needs one).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub min_lon: f64,
    pub max_lat: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    pub fn center(&self) -> GeoPoint {
        GeoPoint { lat: (self.min_lat + self.max_lat) / 2.0, lon: (self.min_lon + self.max_lon) / 2.0 }
    }

    pub fn contains(&self, p: GeoPoint) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat) && (self.min_lon..=self.max_lon).contains(&p.lon)
    }
}

/// An accessibility need a resident filters by ("I need step-free entry
/// and an accessible toilet"). A place satisfies a need only when its data
/// says so: unknown never satisfies a need, and an explicit "no" always
/// wins over a partial tag.
///
/// | need | satisfied when |
/// |---|---|
/// | `StepFree` | `wheelchair=yes`; or, unless `wheelchair=no`, `entrance:step_count=0` or a ramp (`ramp`/`ramp:wheelchair=yes`). `wheelchair=limited` alone does **not** count: OSM defines it as up to one 7 cm step, which is not step-free. |
/// | `AccessibleToilet` | `toilets:wheelchair=yes`; for a public toilet (category `toilets`) also `wheelchair=yes`, since OSM tags a toilet's own accessibility with `wheelchair`. |
/// | `HearingLoop` | `hearing_loop=yes` |
/// | `TactilePaving` | `tactile_paving=yes` |
/// | `Braille` | `braille=yes` |
/// | `SignLanguage` | staff using Polish Sign Language (`sign_language:pjm=yes`) |
/// | `ChangingTable` | `changing_table=yes` |
/// | `DisabledParking` | `capacity:disabled` ≥ 1 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl AccessNeed {
    pub const ALL: [AccessNeed; 8] = [
        AccessNeed::StepFree,
        AccessNeed::AccessibleToilet,
        AccessNeed::HearingLoop,
        AccessNeed::TactilePaving,
        AccessNeed::Braille,
        AccessNeed::SignLanguage,
        AccessNeed::ChangingTable,
        AccessNeed::DisabledParking,
    ];

    pub fn bit(self) -> i64 {
        1 << (self as u32)
    }

    /// `step_free`, `accessible_toilet`, ... (the serde names).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessNeed::StepFree => "step_free",
            AccessNeed::AccessibleToilet => "accessible_toilet",
            AccessNeed::HearingLoop => "hearing_loop",
            AccessNeed::TactilePaving => "tactile_paving",
            AccessNeed::Braille => "braille",
            AccessNeed::SignLanguage => "sign_language",
            AccessNeed::ChangingTable => "changing_table",
            AccessNeed::DisabledParking => "disabled_parking",
        }
    }

    /// Accepts `step_free` and `step-free`.
    pub fn parse(s: &str) -> Option<AccessNeed> {
        let s = s.replace('-', "_");
        AccessNeed::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// Whether a place in `category` with this accessibility satisfies the need.
    pub fn satisfied_by(self, a: &Accessibility, category: &str) -> bool {
        match self {
            AccessNeed::StepFree => {
                a.wheelchair == Wheelchair::Yes
                    || (a.wheelchair != Wheelchair::No && (a.entrance_step_count == Some(0) || a.ramp == Tri::Yes))
            }
            AccessNeed::AccessibleToilet => {
                a.toilets_wheelchair == Tri::Yes || (category == "toilets" && a.wheelchair == Wheelchair::Yes)
            }
            AccessNeed::HearingLoop => a.hearing_loop == Tri::Yes,
            AccessNeed::TactilePaving => a.tactile_paving == Tri::Yes,
            AccessNeed::Braille => a.braille == Tri::Yes,
            AccessNeed::SignLanguage => a.sign_language == Tri::Yes,
            AccessNeed::ChangingTable => a.changing_table == Tri::Yes,
            AccessNeed::DisabledParking => a.disabled_parking_spaces.is_some_and(|n| n > 0),
        }
    }

    /// The needs a place satisfies, as a bit mask (stored beside the place).
    pub fn mask_of(a: &Accessibility, category: &str) -> i64 {
        AccessNeed::ALL.into_iter().filter(|n| n.satisfied_by(a, category)).fold(0, |m, n| m | n.bit())
    }

    pub fn from_mask(mask: i64) -> Vec<AccessNeed> {
        AccessNeed::ALL.into_iter().filter(|n| mask & n.bit() != 0).collect()
    }
}

/// What the map shows. Every need must be met; empty `categories` and
/// `needs` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlaceFilter {
    /// `None`: any layer; `Some(vec![])`: none (every toggle off), so a
    /// shell passes its toggles as they are.
    pub layers: Option<Vec<Layer>>,
    /// Category slugs (`school`, `toilets`, ...).
    pub categories: Vec<String>,
    pub needs: Vec<AccessNeed>,
    /// Only places open at this instant. A place without (parseable)
    /// opening hours is left out: unknown is not "open".
    pub open_at: Option<DateTime<Utc>>,
    /// At most this many results (`places_in_box`: those nearest the box's
    /// centre). `None`: all.
    pub limit: Option<u32>,
}

/// A place in a list or as a marker: what needs no JSON decoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceSummary {
    pub id: i64,
    pub layer: Layer,
    pub category: String,
    pub category_name_pl: String,
    pub category_name_en: String,
    pub name: String,
    /// The point, or a line's first point.
    pub point: GeoPoint,
    /// A line (bike path, trail) rather than a point.
    pub is_line: bool,
    pub address: Option<String>,
    pub wheelchair: Wheelchair,
    /// The accessibility needs this place satisfies (see [`AccessNeed`]).
    pub needs_met: Vec<AccessNeed>,
    /// Open at the filter's `open_at`; `None` when no instant was asked
    /// about or the place has no (parseable) opening hours.
    pub open_now: Option<bool>,
    /// From the point asked about (nearest, to the closest point of a
    /// line), in metres; `None` in box queries and search.
    pub distance_m: Option<f64>,
    /// The row as one sentence for a screen reader, in the core's language
    /// (`card::summary_text`).
    #[serde(default)]
    pub spoken_text: String,
}

/// A place's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceDetail {
    pub place: Place,
    /// Where the card's pin goes and navigation leads: the point itself, or
    /// a line's first point (where a bike path starts). Every stored place
    /// has one: the protocol refuses a line of fewer than two points and the
    /// store refuses a place without a point.
    pub point: GeoPoint,
    pub category_name_pl: String,
    pub category_name_en: String,
    pub layer_name_pl: String,
    pub layer_name_en: String,
    /// `None` when the place has no opening hours or they cannot be read.
    pub open_now: Option<bool>,
    /// When `open_now` next flips (within about a year).
    pub next_change: Option<DateTime<Utc>>,
    /// Why the opening hours could not be read: the raw text is shown with
    /// "hours unknown" (godziny nieznane), never a guess.
    pub opening_hours_error: Option<String>,
    /// The hours as the app read them, when that differs from the raw text
    /// (a case or format correction: `pn-pt 8-16` read as
    /// `Mo-Fr 08:00-16:00`), to be shown beside it.
    pub opening_hours_reading: Option<String>,
    /// Today's (Europe/Warsaw) opening intervals, e.g. `08:00-16:00`.
    pub hours_today: Vec<String>,
    pub needs_met: Vec<AccessNeed>,
    /// The line's length for a bike path, in metres.
    pub length_m: Option<f64>,
    /// The card, one sentence a line, in the core's language (`card::card`).
    #[serde(default)]
    pub card: Vec<CardLine>,
}

/// A bike path or trail crossing the map's box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BikePathSummary {
    pub id: i64,
    pub name: String,
    pub category: String,
    /// Whole length (haversine over its vertices), in metres.
    pub length_m: f64,
    /// The polyline, to draw.
    pub points: Vec<GeoPoint>,
    pub description_pl: String,
    pub description_en: String,
    /// `1,2 km` (`display::format_distance`).
    #[serde(default)]
    pub length_text: String,
    /// The path as one sentence (`card::bike_path_text`).
    #[serde(default)]
    pub spoken_text: String,
}

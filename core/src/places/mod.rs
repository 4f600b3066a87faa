//! The map (mapa): places synced from the server (municipal
//! infrastructure, attractions, monuments, bike paths), with accessibility
//! needs, "open now" from OSM `opening_hours` (evaluated in Europe/Warsaw,
//! Polish public holidays for `PH`), diacritic-free search and bike paths
//! with their lengths. One call per screen; see [`model`] for the records.

mod api;
pub mod card;
pub mod model;

pub use api::PlacesApi;
pub(crate) mod store;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Utc};
use mm_protocol::error::Message;
use mm_protocol::geo::GeoPoint;
use mm_protocol::opening_hours::OpeningHours;
use mm_protocol::places::{Layer, PlaceGeometry};
use mm_protocol::LOCAL_TZ;
use rusqlite::Connection;

use crate::error::Error;
use model::{AccessNeed, BoundingBox, PlaceDetail};

/// Polish and English names of the categories the app knows; an unknown
/// slug (a newer server's) shows as itself.
pub fn category_names(slug: &str) -> (&str, &str) {
    match slug {
        "town_hall" => ("Urząd gminy", "Town hall"),
        "office" => ("Urząd / biuro", "Office"),
        "school" => ("Szkoła", "School"),
        "kindergarten" => ("Przedszkole", "Kindergarten"),
        "library" => ("Biblioteka", "Library"),
        "health_centre" => ("Przychodnia", "Health centre"),
        "sports" => ("Obiekt sportowy", "Sports facility"),
        "playground" => ("Plac zabaw", "Playground"),
        "toilets" => ("Toaleta publiczna", "Public toilets"),
        "parking" => ("Parking", "Parking"),
        "ev_charger" => ("Ładowarka samochodów elektrycznych", "EV charger"),
        "waste_point" => ("Punkt selektywnej zbiórki odpadów (PSZOK)", "Waste collection point"),
        "attraction" => ("Atrakcja turystyczna", "Tourist attraction"),
        "monument" => ("Zabytek", "Monument"),
        "bike_path" => ("Ścieżka rowerowa", "Bike path"),
        other => (other, other),
    }
}

pub fn layer_names(layer: Layer) -> (&'static str, &'static str) {
    match layer {
        Layer::Infrastructure => ("Infrastruktura gminna", "Municipal infrastructure"),
        Layer::Attractions => ("Atrakcje turystyczne", "Tourist attractions"),
        Layer::Monuments => ("Zabytki", "Monuments"),
        Layer::BikePaths => ("Ścieżki rowerowe", "Bike paths"),
    }
}

/// Parsed opening hours by text: a map screen evaluates hundreds of places
/// per query and most share a few values, while reading one takes far
/// longer than evaluating it. Bounded; emptied when full.
static HOURS: LazyLock<Mutex<HoursByText>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));
const HOURS_CACHED: usize = 4096;
/// `None`: the text could not be read.
type HoursByText = HashMap<Box<str>, Option<Arc<OpeningHours>>>;

/// The hours of `text` at `point` (for sun times), `None` when they cannot
/// be read.
pub(crate) fn hours_at(text: &str, point: GeoPoint) -> Option<Arc<OpeningHours>> {
    let parsed = {
        let mut cache = HOURS.lock().unwrap_or_else(|e| e.into_inner());
        match cache.get(text) {
            Some(h) => h.clone(),
            None => {
                let h = OpeningHours::parse(text).ok().map(Arc::new);
                if cache.len() >= HOURS_CACHED {
                    cache.clear();
                }
                cache.insert(text.into(), h.clone());
                h
            }
        }
    }?;
    if parsed.depends_on_location() {
        return Some(Arc::new((*parsed).clone().at_location(point.lat, point.lon)));
    }
    Some(parsed)
}

/// Open at `at`? `None` without hours, or when they cannot be read.
pub(crate) fn open_state(hours: Option<&str>, point: GeoPoint, at: DateTime<Utc>) -> Option<bool> {
    hours_at(hours?, point).map(|h| h.is_open(at))
}

fn invalid(field: &str, pl: &str, en: &str) -> Error {
    Error::InvalidInput { field: field.into(), message: Message::new(pl, en) }
}

pub(crate) fn check_point(p: GeoPoint, field: &str) -> Result<(), Error> {
    if !(p.lat.is_finite() && (-90.0..=90.0).contains(&p.lat) && p.lon.is_finite() && (-180.0..=180.0).contains(&p.lon)) {
        return Err(invalid(field, "Nieprawidłowe współrzędne.", "Invalid coordinates."));
    }
    Ok(())
}

pub(crate) fn check_box(b: &BoundingBox) -> Result<(), Error> {
    check_point(GeoPoint { lat: b.min_lat, lon: b.min_lon }, "bbox")?;
    check_point(GeoPoint { lat: b.max_lat, lon: b.max_lon }, "bbox")?;
    if b.min_lat > b.max_lat || b.min_lon > b.max_lon {
        return Err(invalid(
            "bbox",
            "Nieprawidłowy obszar mapy: minimum większe od maksimum.",
            "Invalid map box: a minimum is above its maximum.",
        ));
    }
    Ok(())
}

/// A place's card at `now`.
pub(crate) fn detail(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<PlaceDetail, Error> {
    let place = store::get(conn, id)?.ok_or_else(|| Error::not_found(format!("place {id}")))?;
    // `store::upsert` keeps no place without one; a body that lost it is damage, not (0, 0).
    let point = place.geometry.anchor().ok_or_else(|| Error::internal(format!("place {id} has no geometry")))?;
    let (category_name_pl, category_name_en) = category_names(&place.category);
    let (layer_name_pl, layer_name_en) = layer_names(place.layer);
    let (mut open_now, mut next_change, mut opening_hours_error, mut hours_today) = (None, None, None, Vec::new());
    let mut opening_hours_reading = None;
    if let Some(text) = &place.opening_hours {
        match OpeningHours::parse(text) {
            Ok(h) => {
                let h = if h.depends_on_location() { h.at_location(point.lat, point.lon) } else { h };
                open_now = Some(h.is_open(now));
                next_change = h.next_change(now);
                hours_today = h.intervals_on(now.with_timezone(&LOCAL_TZ).date_naive()).iter().map(|i| i.to_string()).collect();
                opening_hours_reading = h.reading().map(str::to_string);
            }
            Err(e) => opening_hours_error = Some(e.to_string()),
        }
    }
    let length_m = matches!(place.geometry, PlaceGeometry::Line { .. }).then(|| store::length_m(&place.geometry));
    Ok(PlaceDetail {
        category_name_pl: category_name_pl.to_string(),
        category_name_en: category_name_en.to_string(),
        layer_name_pl: layer_name_pl.to_string(),
        layer_name_en: layer_name_en.to_string(),
        open_now,
        next_change,
        opening_hours_error,
        opening_hours_reading,
        hours_today,
        needs_met: AccessNeed::from_mask(AccessNeed::mask_of(&place.accessibility, &place.category)),
        length_m,
        card: Vec::new(),
        point,
        place,
    })
}

#[cfg(test)]
mod tests;

//! `core.places()`: the map screen, the "near me" list, a place's card,
//! search and bike paths.

use chrono::{DateTime, Utc};
use mm_protocol::geo::GeoPoint;

use super::card::{self, CardLine};
use super::model::{BikePathSummary, BoundingBox, PlaceDetail, PlaceFilter, PlaceSummary};
use crate::display::{self, Language};
use crate::error::CoreError;
use crate::{Core, places};

/// The map; from `Core::places`.
pub struct PlacesApi<'a> {
    pub(crate) core: &'a Core,
}

impl PlacesApi<'_> {
    /// Places whose geometry lies in or crosses `bbox`, filtered by layer,
    /// category, accessibility needs (all must be met; unknown never meets
    /// one) and "open at"; nearest the box's centre first, at most
    /// `filter.limit`. From the local store.
    pub fn in_box(&self, bbox: BoundingBox, filter: &PlaceFilter) -> Result<Vec<PlaceSummary>, CoreError> {
        places::check_box(&bbox)?;
        let list = self.core.store.read(|c| places::store::in_box(c, &bbox, filter))?;
        Ok(spoken(list, self.core.language))
    }

    /// The `n` places nearest `point` that pass `filter`, nearest first,
    /// with exact (haversine) distances; a line counts by its closest point.
    pub fn nearest(&self, point: GeoPoint, n: u32, filter: &PlaceFilter) -> Result<Vec<PlaceSummary>, CoreError> {
        places::check_point(point, "point")?;
        let list = self.core.store.read(|c| places::store::nearest(c, point, n, filter))?;
        Ok(spoken(list, self.core.language))
    }

    /// A place's card: the place, its category's names, and whether it is
    /// open at `now` with the next change (Europe/Warsaw, Polish holidays).
    pub fn detail(&self, id: i64, now: DateTime<Utc>) -> Result<PlaceDetail, CoreError> {
        let mut d = self.core.store.read(|c| places::detail(c, id, now))?;
        d.card = card::card(&d, self.core.language);
        Ok(d)
    }

    /// The card's lines alone (the CLI's `mm place`; a shell's reader view).
    pub fn card(&self, id: i64, now: DateTime<Utc>) -> Result<Vec<CardLine>, CoreError> {
        Ok(self.detail(id, now)?.card)
    }

    /// Places whose name, category, address or description match `text`,
    /// diacritics and case ignored ("swietej katarzyny"), last word a prefix.
    pub fn search(&self, text: &str, limit: u32) -> Result<Vec<PlaceSummary>, CoreError> {
        let list = self.core.store.read(|c| places::store::search(c, text, limit))?;
        Ok(spoken(list, self.core.language))
    }

    /// Bike paths and trails crossing `bbox` (not only those with a vertex
    /// inside), longest first, with their lengths.
    pub fn bike_paths_in_box(&self, bbox: BoundingBox) -> Result<Vec<BikePathSummary>, CoreError> {
        places::check_box(&bbox)?;
        let mut list = self.core.store.read(|c| places::store::bike_paths_in_box(c, &bbox))?;
        for b in &mut list {
            b.length_text = display::format_distance(b.length_m, self.core.language);
            b.spoken_text = card::bike_path_text(b, self.core.language);
        }
        Ok(list)
    }

    /// The box around the synced gmina boundary: the map's first view.
    /// `None` before the first sync.
    pub fn gmina_bbox(&self) -> Result<Option<BoundingBox>, CoreError> {
        Ok(self.core.gmina()?.and_then(|g| {
            let mut it = g.boundary.rings.iter().flatten();
            let first = it.next()?;
            let init = BoundingBox { min_lat: first[1], min_lon: first[0], max_lat: first[1], max_lon: first[0] };
            Some(it.fold(init, |b, p| BoundingBox {
                min_lat: b.min_lat.min(p[1]),
                min_lon: b.min_lon.min(p[0]),
                max_lat: b.max_lat.max(p[1]),
                max_lon: b.max_lon.max(p[0]),
            }))
        }))
    }

    /// How many places the local store holds.
    pub fn count(&self) -> Result<u32, CoreError> {
        Ok(self.core.store.read(places::store::count)?)
    }
}

fn spoken(mut list: Vec<PlaceSummary>, lang: Language) -> Vec<PlaceSummary> {
    for p in &mut list {
        p.spoken_text = card::summary_text(p, lang);
    }
    list
}

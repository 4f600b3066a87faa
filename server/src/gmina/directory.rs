//! The deployment's gminas: kept in memory for every request's
//! resolution (`tenant`), and searched for `GET /api/v1/gminas`.
//!
//! **When it is loaded again.** Gminas are added about never (`mm-server
//! gmina add`, possibly by another process or instance), so the list is
//! kept for [`KEEP`]; a code not in it loads it again at once (at most
//! once per [`RELOAD_ON_MISS`], so a stream of unknown codes does not
//! turn into a stream of reads), so a gmina just added is served at its
//! first request.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use geo::{Contains, Coord, LineString, Point, Polygon as GeoPolygon};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::{BoundingBox, GminaSummary, Teryt};
use mm_protocol::text::fold;

use crate::store::{GminaRecord, Store, StoreResult};

const KEEP: Duration = Duration::from_secs(10);
const RELOAD_ON_MISS: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct DirectoryCache {
    loaded: RwLock<Option<(Instant, Arc<Vec<GminaRecord>>)>>,
}

impl DirectoryCache {
    /// Every gmina of the deployment, in the order they were added.
    pub async fn list(&self, store: &dyn Store) -> StoreResult<Arc<Vec<GminaRecord>>> {
        self.loaded_within(store, KEEP).await
    }

    async fn loaded_within(&self, store: &dyn Store, keep: Duration) -> StoreResult<Arc<Vec<GminaRecord>>> {
        if let Some((at, list)) = self.loaded.read().unwrap_or_else(|e| e.into_inner()).as_ref()
            && at.elapsed() < keep
        {
            return Ok(list.clone());
        }
        let list = Arc::new(store.list_gminas().await?);
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), list.clone()));
        Ok(list)
    }

    /// The gmina with this code, if the deployment serves it.
    pub async fn find(&self, store: &dyn Store, teryt: &Teryt) -> StoreResult<Option<GminaRecord>> {
        let list = self.list(store).await?;
        if let Some(g) = list.iter().find(|g| &g.teryt == teryt) {
            return Ok(Some(g.clone()));
        }
        let list = self.loaded_within(store, RELOAD_ON_MISS).await?;
        Ok(list.iter().find(|g| &g.teryt == teryt).cloned())
    }

    /// Forgets the list (after this process added or changed a gmina).
    pub fn invalidate(&self) {
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// What `GET /api/v1/gminas` asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Search {
    /// Folded (`mm_protocol::text::fold`): matched in the name and the
    /// powiat as a word prefix, and as a prefix of the TERYT code.
    pub text: Option<String>,
    /// The gminas whose boundary contains this point.
    pub point: Option<GeoPoint>,
}

/// The gminas matching `search`, in the directory's order.
pub fn search(gminas: &[GminaRecord], search: &Search) -> Vec<GminaSummary> {
    let text = search.text.as_deref().map(fold).filter(|t| !t.trim().is_empty());
    gminas
        .iter()
        .filter(|g| text.as_deref().is_none_or(|t| matches_text(g, t.trim())))
        .filter(|g| search.point.is_none_or(|p| contains(g, p)))
        .map(summary)
        .collect()
}

/// A word of the name or powiat starts with the query ("siech" finds
/// Siechnice, "wroc" the gminas of powiat wrocławski), the whole name
/// starts with it ("kamieniec wro"), or the TERYT code does ("0223").
fn matches_text(g: &GminaRecord, folded: &str) -> bool {
    if g.teryt.as_str().starts_with(folded) {
        return true;
    }
    [&g.name, &g.powiat].into_iter().any(|field| {
        let f = fold(field);
        f.starts_with(folded) || f.split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with(folded))
    })
}

/// Whether the gmina's boundary contains `p`: its box first (most gminas
/// are ruled out there), then the polygon itself. A gmina without a
/// boundary contains no point.
fn contains(g: &GminaRecord, p: GeoPoint) -> bool {
    let Some(boundary) = &g.boundary else { return false };
    if !BoundingBox::of(boundary).is_some_and(|b| b.contains(p)) {
        return false;
    }
    to_geo(boundary).contains(&Point::new(p.lon, p.lat))
}

pub fn to_geo(p: &mm_protocol::geo::Polygon) -> GeoPolygon<f64> {
    let ring = |r: &Vec<[f64; 2]>| LineString::new(r.iter().map(|p| Coord { x: p[0], y: p[1] }).collect());
    let mut rings = p.rings.iter();
    let outer = rings.next().map(ring).unwrap_or_else(|| LineString::new(vec![]));
    GeoPolygon::new(outer, rings.map(ring).collect())
}

/// A gmina as the directory lists it: no settings, nothing secret.
pub fn summary(g: &GminaRecord) -> GminaSummary {
    let bbox = g.boundary.as_ref().and_then(BoundingBox::of);
    let center = g
        .center
        .or_else(|| bbox.map(|b| GeoPoint { lat: (b.min_lat + b.max_lat) / 2.0, lon: (b.min_lon + b.max_lon) / 2.0 }))
        .unwrap_or(GeoPoint { lat: 52.0, lon: 19.0 });
    let bbox = bbox.unwrap_or(BoundingBox { min_lat: center.lat, min_lon: center.lon, max_lat: center.lat, max_lon: center.lon });
    GminaSummary {
        teryt: g.teryt.clone(),
        name: g.name.clone(),
        powiat: g.powiat.clone(),
        voivodeship: g.voivodeship.clone(),
        bbox,
        center,
        branding: g.branding.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mm_protocol::geo::Polygon;
    use mm_protocol::gmina::Branding;

    fn gmina(teryt: &str, name: &str, powiat: &str, square: Option<[f64; 4]>) -> GminaRecord {
        GminaRecord {
            teryt: Teryt::parse(teryt).unwrap(),
            name: name.into(),
            powiat: powiat.into(),
            voivodeship: "dolnośląskie".into(),
            boundary: square.map(|[w, s, e, n]| Polygon { rings: vec![vec![[w, s], [e, s], [e, n], [w, n], [w, s]]] }),
            center: None,
            branding: Branding::default(),
            settings: Default::default(),
        }
    }

    fn names(found: Vec<GminaSummary>) -> Vec<String> {
        found.into_iter().map(|g| g.name).collect()
    }

    fn all() -> Vec<GminaRecord> {
        vec![
            gmina("0223083", "Siechnice", "wrocławski", Some([17.0, 51.0, 17.2, 51.1])),
            gmina("0223032", "Czernica", "wrocławski", Some([17.2, 51.0, 17.4, 51.1])),
            gmina("0223102", "Żórawina", "wrocławski", None),
            gmina("0264011", "Wrocław", "Wrocław", None),
            gmina("1465011", "Warszawa", "Warszawa", None),
        ]
    }

    #[test]
    fn text_matches_without_diacritics_by_word_prefix_powiat_and_teryt() {
        let q = |t: &str| names(search(&all(), &Search { text: Some(t.into()), point: None }));
        assert_eq!(q("zorawina"), ["Żórawina"]);
        assert_eq!(q("ŻÓRAW"), ["Żórawina"]);
        assert_eq!(q("siech"), ["Siechnice"]);
        assert_eq!(q("wroclawski"), ["Siechnice", "Czernica", "Żórawina"]);
        assert_eq!(q("wroc"), ["Siechnice", "Czernica", "Żórawina", "Wrocław"]);
        assert_eq!(q("0223"), ["Siechnice", "Czernica", "Żórawina"]);
        assert_eq!(q("14"), ["Warszawa"]);
        assert_eq!(q("nice"), Vec::<String>::new(), "prefixes of words, not any substring");
        assert_eq!(q("  ").len(), 5, "a blank query lists them all");
    }

    #[test]
    fn a_point_finds_the_gminas_whose_boundary_contains_it() {
        let at = |lat, lon| names(search(&all(), &Search { text: None, point: Some(GeoPoint { lat, lon }) }));
        assert_eq!(at(51.05, 17.1), ["Siechnice"]);
        assert_eq!(at(51.05, 17.3), ["Czernica"]);
        assert!(at(52.2, 21.0).is_empty(), "no boundary, no match");
        let both = names(search(
            &all(),
            &Search { text: Some("czer".into()), point: Some(GeoPoint { lat: 51.05, lon: 17.1 }) },
        ));
        assert!(both.is_empty(), "text and point both apply");
    }

    #[test]
    fn the_box_is_only_a_prefilter() {
        // An L-shaped gmina: its box holds the empty corner, the polygon does not.
        let mut g = gmina("0223083", "L", "x", None);
        g.boundary = Some(Polygon {
            rings: vec![vec![[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0], [1.0, 2.0], [0.0, 2.0], [0.0, 0.0]]],
        });
        assert!(contains(&g, GeoPoint { lat: 0.5, lon: 1.5 }));
        assert!(!contains(&g, GeoPoint { lat: 1.5, lon: 1.5 }));
    }
}

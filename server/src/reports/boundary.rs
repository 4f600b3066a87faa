//! Is a point inside the gmina? Each gmina's boundary is loaded from its
//! store and kept in memory (it changes about never); until one is loaded,
//! every point is accepted.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use geo::{Contains, Coord, LineString, Point, Polygon};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Teryt;
use mm_protocol::validation::FieldError;

use crate::store::{Store, StoreResult};

/// When it was loaded, and the boundary (`None`: no gmina loaded yet).
type Loaded = (Instant, Option<Arc<Polygon<f64>>>);

/// Per gmina, by the TERYT code of the store handle asked with.
#[derive(Default)]
pub struct BoundaryCache {
    cached: RwLock<HashMap<Teryt, Loaded>>,
}

/// How long a loaded boundary / a missing one is trusted.
const KEEP_LOADED: Duration = Duration::from_secs(30);
const KEEP_MISSING: Duration = Duration::from_secs(1);

impl BoundaryCache {
    async fn polygon(&self, store: &dyn Store) -> StoreResult<Option<Arc<Polygon<f64>>>> {
        let teryt = store.gmina_scope();
        if let Some((at, p)) = self
            .cached
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(teryt)
        {
            let keep = if p.is_some() {
                KEEP_LOADED
            } else {
                KEEP_MISSING
            };
            if at.elapsed() < keep {
                return Ok(p.clone());
            }
        }
        let (gmina, _) = store.gmina().await?;
        let polygon = gmina.map(|g| {
            let ring = |r: &Vec<[f64; 2]>| {
                LineString::new(r.iter().map(|p| Coord { x: p[0], y: p[1] }).collect())
            };
            let mut rings = g.boundary.rings.iter();
            let outer = rings
                .next()
                .map(ring)
                .unwrap_or_else(|| LineString::new(vec![]));
            Arc::new(Polygon::new(outer, rings.map(ring).collect()))
        });
        self.cached
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(teryt.clone(), (Instant::now(), polygon.clone()));
        Ok(polygon)
    }

    /// Forgets the cached boundaries (after a gmina was loaded or changed).
    pub fn invalidate(&self) {
        self.cached.write().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// `Err` naming `point` when a boundary is loaded and the point is outside it.
    pub async fn check(
        &self,
        store: &dyn Store,
        point: GeoPoint,
    ) -> StoreResult<Result<(), FieldError>> {
        let Some(p) = self.polygon(store).await? else {
            return Ok(Ok(()));
        };
        if p.contains(&Point::new(point.lon, point.lat)) {
            Ok(Ok(()))
        } else {
            Ok(Err(FieldError::new(
                "point",
                "Wskazane miejsce leży poza granicami gminy.",
                "The point lies outside the gmina (poza granicami gminy).",
            )))
        }
    }
}

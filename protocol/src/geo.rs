//! Points and polygons in WGS84. GeoJSON order ([lon, lat]) only inside
//! polygon rings, as RFC 7946 has it; named fields everywhere else.

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, Validate};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    /// Latitude in degrees, WGS84.
    pub lat: f64,
    /// Longitude in degrees, WGS84.
    pub lon: f64,
}

impl Validate for GeoPoint {
    fn validate(&self) -> Result<(), FieldError> {
        if !(self.lat.is_finite() && (-90.0..=90.0).contains(&self.lat)) {
            return Err(FieldError::new("lat", "Nieprawidłowa szerokość geograficzna.", "Invalid latitude."));
        }
        if !(self.lon.is_finite() && (-180.0..=180.0).contains(&self.lon)) {
            return Err(FieldError::new("lon", "Nieprawidłowa długość geograficzna.", "Invalid longitude."));
        }
        Ok(())
    }
}

/// A polygon as GeoJSON writes it: the first ring is the outer boundary,
/// any further rings are holes; each ring closed (first == last), points
/// as `[lon, lat]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Polygon {
    pub rings: Vec<Vec<[f64; 2]>>,
}

impl Validate for Polygon {
    fn validate(&self) -> Result<(), FieldError> {
        let bad = |en: &str| Err(FieldError::new("rings", "Nieprawidłowy wielokąt.", format!("Invalid polygon: {en}.")));
        if self.rings.is_empty() {
            return bad("no rings");
        }
        for ring in &self.rings {
            if ring.len() < 4 {
                return bad("a ring needs at least 4 positions");
            }
            if ring.first() != ring.last() {
                return bad("a ring must be closed");
            }
            for p in ring {
                GeoPoint { lon: p[0], lat: p[1] }.validate()?;
            }
        }
        Ok(())
    }
}

//! The gmina itself: its boundary and its localities (miejscowości).
//! Synced to the core so reports can be checked against the boundary offline.

use serde::{Deserialize, Serialize};

use crate::geo::{GeoPoint, Polygon};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gmina {
    /// Always `"gmina"`: there is one per deployment.
    pub id: String,
    pub name: String,
    /// TERYT code of the gmina, e.g. `0223083` for Siechnice.
    pub teryt: String,
    pub boundary: Polygon,
    /// Where the map opens.
    pub center: GeoPoint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LocalityKind {
    /// miasto
    Town,
    /// wieś
    Village,
    /// osada, część wsi
    Settlement,
}

/// A locality (miejscowość) of the gmina.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Locality {
    pub id: i64,
    pub name: String,
    pub kind: LocalityKind,
    pub point: GeoPoint,
}

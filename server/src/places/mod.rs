//! The map (issue 7): places of municipal infrastructure, attractions,
//! monuments and bike paths, with OSM-compatible accessibility.
//!
//! - [`routes`]: `/api/v1/places` CRUD, `/api/v1/places/import`,
//!   `/api/v1/map/places.geojson`;
//! - [`geojson`]: the RFC 7946 export and its filters;
//! - [`osm`]: the OpenStreetMap import (pure parsing and tag mapping).
//!
//! Persistence is [`crate::store::PlaceStore`].

pub mod geojson;
pub mod osm;
pub mod routes;

use chrono::{DateTime, Utc};
use mm_protocol::places::PlaceImportReport;

use crate::store::{Actor, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Malformed(osm::MalformedInput),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Imports an OSM extract (XML or GeoJSON) into the store: what lies
/// outside the stored gmina boundary is skipped (no boundary stored: no
/// check). Shared by the HTTP endpoint and `mm-server places import`.
pub async fn import(
    store: &dyn Store,
    actor: Actor,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<PlaceImportReport, ImportError> {
    let (gmina, _) = store.gmina().await?;
    let boundary = gmina.map(|g| osm::boundary_polygon(&g.boundary));
    let parsed = osm::parse(bytes, boundary.as_ref()).map_err(ImportError::Malformed)?;
    let mut report = store.import_places(actor, parsed.places, parsed.skipped, now).await?;
    parsed.hours.report(&mut report);
    Ok(report)
}

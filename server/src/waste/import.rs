//! One import of a gmina's waste schedule (docs/WASTE.md, "Import files"):
//! the files checked whole by `protocol::waste::parse_import` (every bad
//! line reported, nothing stored if one is bad), then stored by
//! `WasteStore::import_waste` in one transaction with its audit entry and
//! the notifications of changed zones. The same function serves `mm-server
//! waste import`, the back office's form and the demo, so the demo runs the
//! importer.
//!
//! The PSZOK becomes a place of the map (category `waste_point`, layer
//! infrastructure), matched by name, right after the schedule's
//! transaction. Why a place and not a field of the schedule: the map, its
//! "open now" (the core evaluates a place's `opening_hours`), the offline
//! sync of places and the demo's existing PSZOK all already speak places;
//! a second map layer for one kind of point would be a second source of
//! truth for the same building. The waste tables keep the PSZOK rows too
//! (the back office lists them; the import is replayable from them).

use chrono::{DateTime, Utc};
use mm_protocol::geo::GeoPoint;
use mm_protocol::places::{Layer, PlaceGeometry, PlaceInput};
use mm_protocol::text::fold;
use mm_protocol::validation::Validate;
use mm_protocol::waste::{FileKind, ImportError, ImportInput, Pszok, WasteImport, parse_import};

use crate::store::waste::WasteImported;
use crate::store::{Actor, PlaceFilter, Store, StoreError};

/// The map category of a PSZOK (`places::KNOWN_CATEGORIES`).
pub const PSZOK_CATEGORY: &str = "waste_point";

/// The files of one import, owned (so the parse can run off the async
/// threads). A kind left out is not changed.
#[derive(Debug, Clone, Default)]
pub struct ImportFiles {
    pub zones: Option<Vec<u8>>,
    pub rules: Option<Vec<u8>>,
    pub pickups: Option<Vec<u8>>,
    pub dictionary: Option<Vec<u8>>,
    pub pszok: Option<Vec<u8>>,
}

impl ImportFiles {
    pub fn set(&mut self, kind: FileKind, bytes: Vec<u8>) {
        let slot = match kind {
            FileKind::Zones => &mut self.zones,
            FileKind::Rules => &mut self.rules,
            FileKind::Pickups => &mut self.pickups,
            FileKind::Dictionary => &mut self.dictionary,
            FileKind::Pszok => &mut self.pszok,
        };
        *slot = Some(bytes);
    }

    pub fn is_empty(&self) -> bool {
        self.zones.is_none()
            && self.rules.is_none()
            && self.pickups.is_none()
            && self.dictionary.is_none()
            && self.pszok.is_none()
    }

    fn input(&self) -> ImportInput<'_> {
        ImportInput {
            zones: self.zones.as_deref(),
            rules: self.rules.as_deref(),
            pickups: self.pickups.as_deref(),
            dictionary: self.dictionary.as_deref(),
            pszok: self.pszok.as_deref(),
        }
    }
}

/// Why an import did nothing.
#[derive(Debug)]
pub enum ImportFailure {
    /// Bad lines (every one of them); nothing was stored.
    Refused(Vec<ImportError>),
    Store(StoreError),
}

impl From<StoreError> for ImportFailure {
    fn from(e: StoreError) -> Self {
        ImportFailure::Store(e)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportDone {
    pub stored: WasteImported,
    /// PSZOK places created and updated on the map.
    pub places_created: usize,
    pub places_updated: usize,
}

/// Checks `files` whole and stores them for the handle's gmina.
pub async fn import(
    store: &dyn Store,
    actor: Actor,
    files: ImportFiles,
    now: DateTime<Utc>,
) -> Result<ImportDone, ImportFailure> {
    let parsed = tokio::task::spawn_blocking(move || parse_import(&files.input()))
        .await
        .map_err(|e| StoreError::backend(format!("blocking task failed: {e}")))?
        .map_err(ImportFailure::Refused)?;
    import_parsed(store, actor, parsed, now).await
}

/// Stores an already checked import.
pub async fn import_parsed(
    store: &dyn Store,
    actor: Actor,
    parsed: WasteImport,
    now: DateTime<Utc>,
) -> Result<ImportDone, ImportFailure> {
    let (_, localities) = store.gmina().await?;
    let pszok = parsed.pszok.clone();
    let stored = store
        .import_waste(actor.clone(), parsed, localities, now)
        .await?;
    let mut done = ImportDone {
        stored,
        ..Default::default()
    };
    if let Some(points) = pszok {
        for p in &points {
            link_place(store, &actor, p, now, &mut done).await?;
        }
    }
    Ok(done)
}

/// The PSZOK's place: the `waste_point` of the same name (compared
/// folded) updated where the import says otherwise, else a new one. A
/// place's other fields (contact, photos, accessibility) are the map
/// editors' and stay.
async fn link_place(
    store: &dyn Store,
    actor: &Actor,
    p: &Pszok,
    now: DateTime<Utc>,
    done: &mut ImportDone,
) -> Result<(), StoreError> {
    let filter = PlaceFilter {
        category: Some(PSZOK_CATEGORY.into()),
        ..Default::default()
    };
    let existing = store
        .list_places(filter)
        .await?
        .into_iter()
        .find(|pl| fold(&pl.name) == fold(&p.name));
    let mut input = match &existing {
        Some(place) => place.to_input(),
        None => PlaceInput {
            layer: Layer::Infrastructure,
            category: PSZOK_CATEGORY.into(),
            name: p.name.clone(),
            geometry: PlaceGeometry::Point { point: p.point },
            address: None,
            opening_hours: None,
            contact: Default::default(),
            description_pl: String::new(),
            description_en: String::new(),
            photos: vec![],
            accessibility: Default::default(),
            monument: None,
            osm_id: None,
            extra_tags: Default::default(),
        },
    };
    input.geometry = PlaceGeometry::Point {
        point: GeoPoint {
            lat: p.point.lat,
            lon: p.point.lon,
        },
    };
    input.address = Some(p.address.clone());
    input.opening_hours = Some(p.opening_hours.clone());
    if !p.accepts.is_empty() || p.note.is_some() {
        let mut pl = String::new();
        if !p.accepts.is_empty() {
            pl.push_str(&format!("Przyjmuje: {}.", p.accepts.join(", ")));
        }
        if let Some(note) = &p.note {
            if !pl.is_empty() {
                pl.push(' ');
            }
            pl.push_str(note);
        }
        input.description_pl = pl;
    }
    if input.validate().is_err() {
        // The CSV's limits are wider than a place's (a 500-character name):
        // the schedule keeps the row, the map does without it.
        tracing::warn!("a PSZOK of the waste import does not fit a map place; not linked");
        return Ok(());
    }
    match existing {
        Some(place) if place.to_input() == input => {}
        Some(place) => {
            store
                .update_place(actor.clone(), place.id, input, now)
                .await?;
            done.places_updated += 1;
        }
        None => {
            store.create_place(actor.clone(), input, now).await?;
            done.places_created += 1;
        }
    }
    Ok(())
}

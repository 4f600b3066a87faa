//! Delta sync: `GET /api/v1/sync?cursor=C&limit=N`.
//!
//! The server keeps one change sequence over every public collection.
//! Each change (upsert or delete) takes the next sequence number inside the
//! writing transaction, so a cursor is "everything up to and including
//! sequence C" and no change can be skipped when writes race with a sync.
//! An entity appears once per page, with its latest state.

use serde::{Deserialize, Serialize};

use crate::events::{Event, EventCategory};
use crate::gmina::{Gmina, Locality};
use crate::news::News;
use crate::places::Place;
use crate::reports::{Report, ReportCategory};

pub const SYNC_DEFAULT_LIMIT: u32 = 500;
pub const SYNC_MAX_LIMIT: u32 = 2000;

/// Query of `GET /api/v1/sync`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct SyncQuery {
    /// `next_cursor` of the previous page; absent for a first sync.
    pub cursor: Option<String>,
    /// At most this many changes (1..=2000, default 500).
    pub limit: Option<u32>,
}

/// The public collections that sync carries. Later features add theirs
/// (report categories, public reports, places, budget projects, surveys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    Gmina,
    Localities,
    News,
    Events,
    EventCategories,
    ReportCategories,
    /// Public views of residents' reports (no personal data).
    Reports,
    /// Places on the map (infrastructure, attractions, monuments, bike paths).
    Places,
}

impl Collection {
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::Gmina => "gmina",
            Collection::Localities => "localities",
            Collection::News => "news",
            Collection::Events => "events",
            Collection::EventCategories => "event_categories",
            Collection::ReportCategories => "report_categories",
            Collection::Reports => "reports",
            Collection::Places => "places",
        }
    }
}

/// One public entity in its latest state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "collection", content = "data", rename_all = "snake_case")]
pub enum Item {
    Gmina(Gmina),
    Localities(Locality),
    News(News),
    Events(Event),
    EventCategories(EventCategory),
    ReportCategories(ReportCategory),
    Reports(Report),
    Places(Place),
}

impl Item {
    pub fn collection(&self) -> Collection {
        match self {
            Item::Gmina(_) => Collection::Gmina,
            Item::Localities(_) => Collection::Localities,
            Item::News(_) => Collection::News,
            Item::Events(_) => Collection::Events,
            Item::EventCategories(_) => Collection::EventCategories,
            Item::ReportCategories(_) => Collection::ReportCategories,
            Item::Reports(_) => Collection::Reports,
            Item::Places(_) => Collection::Places,
        }
    }

    /// The entity's id within its collection, as a string.
    pub fn id(&self) -> String {
        match self {
            Item::Gmina(g) => g.id.clone(),
            Item::Localities(l) => l.id.to_string(),
            Item::News(n) => n.id.to_string(),
            Item::Events(e) => e.id.to_string(),
            Item::EventCategories(c) => c.id.clone(),
            Item::ReportCategories(c) => c.id.clone(),
            Item::Reports(r) => r.id.to_string(),
            Item::Places(p) => p.id.to_string(),
        }
    }
}

/// One change in the sequence.
///
/// Wire form: `{"op":"upsert","seq":7,"item":{"collection":"events","data":{…}}}`
/// or `{"op":"delete","seq":8,"collection":"events","id":"12"}`.
/// A client skips changes of collections it does not know (newer server).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant, reason = "changes are read, applied and dropped a page at a time; a Box per item would cost an allocation each for nothing")]
pub enum Change {
    Upsert { seq: u64, item: Item },
    Delete { seq: u64, collection: Collection, id: String },
}

impl Change {
    pub fn seq(&self) -> u64 {
        match self {
            Change::Upsert { seq, .. } | Change::Delete { seq, .. } => *seq,
        }
    }
}

/// One page of changes, in sequence order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncPage {
    /// Changes are `serde_json::Value`s on the wire side of a client so
    /// that one unknown collection does not fail the page; see
    /// [`Change`] for their form.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Change>))]
    pub changes: Vec<serde_json::Value>,
    /// Opaque; pass it back as `cursor`. Equal to the request's cursor when
    /// nothing changed.
    pub next_cursor: String,
    /// More changes wait beyond this page: ask again at once.
    pub has_more: bool,
}

impl SyncPage {
    /// Parses the changes this build knows; unknown collections and ops
    /// are skipped (they come from a newer server), and reported so.
    pub fn known_changes(&self) -> (Vec<Change>, usize) {
        let mut skipped = 0;
        let known = self
            .changes
            .iter()
            .filter_map(|v| match serde_json::from_value::<Change>(v.clone()) {
                Ok(c) => Some(c),
                Err(_) => {
                    skipped += 1;
                    None
                }
            })
            .collect();
        (known, skipped)
    }
}

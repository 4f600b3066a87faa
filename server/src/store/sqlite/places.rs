//! The map's places. The whole place is stored as JSON, with the columns
//! that queries filter on beside it (layer, category, OSM id, bounding box).
//! Each write publishes `Item::Places` to the sync log and audits the
//! official's change, in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::places::{ImportSkip, Place, PlaceImportReport, PlaceInput};
use mm_protocol::sync::{Collection, Item};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use super::SqliteStore;
use super::publish::{audit, get_setting, publish, set_setting, tombstone};
use crate::store::{Conflict, Actor, PlaceFilter, PlaceStore, StoreError, StoreResult};

const DEMO_PLACES_LOADED: &str = "demo_places_loaded";

fn get(c: &Connection, id: i64) -> StoreResult<Option<Place>> {
    let data: Option<String> = c
        .query_row("SELECT data FROM places WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
}

fn by_osm_id(c: &Connection, osm_id: &str) -> StoreResult<Option<Place>> {
    let data: Option<String> = c
        .query_row("SELECT data FROM places WHERE osm_id = ?1", [osm_id], |r| r.get(0))
        .optional()?;
    Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
}

fn osm_conflict() -> StoreError {
    StoreError::Conflict(Conflict::OsmIdTaken)
}

/// Inserts (`id` None) or replaces a place, publishes it; no audit.
fn write(tx: &Transaction<'_>, id: Option<i64>, input: PlaceInput, now: DateTime<Utc>) -> StoreResult<Place> {
    if let Some(osm) = &input.osm_id {
        let other: Option<i64> = tx
            .query_row("SELECT id FROM places WHERE osm_id = ?1", [osm], |r| r.get(0))
            .optional()?;
        if other.is_some() && other != id {
            return Err(osm_conflict());
        }
    }
    let id = match id {
        Some(id) => {
            if get(tx, id)?.is_none() {
                return Err(StoreError::NotFound);
            }
            id
        }
        None => {
            // Reserve the id first: the stored JSON carries it.
            tx.execute(
                "INSERT INTO places (layer, category, min_lon, min_lat, max_lon, max_lat, data)
                 VALUES ('', '', 0, 0, 0, 0, '')",
                [],
            )?;
            tx.last_insert_rowid()
        }
    };
    let place = input.into_place(id, now);
    let b = place.geometry.bbox();
    tx.execute(
        "UPDATE places SET layer = ?2, category = ?3, osm_id = ?4, min_lon = ?5, min_lat = ?6,
             max_lon = ?7, max_lat = ?8, data = ?9 WHERE id = ?1",
        params![
            id,
            place.layer.as_str(),
            place.category,
            place.osm_id,
            b[0],
            b[1],
            b[2],
            b[3],
            serde_json::to_string(&place)?
        ],
    )?;
    publish(tx, &Item::Places(place.clone()))?;
    Ok(place)
}

fn summary(p: &Place) -> serde_json::Value {
    json!({"name": p.name, "layer": p.layer.as_str(), "category": p.category, "osm_id": p.osm_id})
}

fn list(c: &Connection, f: &PlaceFilter) -> StoreResult<Vec<Place>> {
    let mut sql = String::from("SELECT data FROM places WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(l) = f.layer {
        args.push(l.as_str().to_string().into());
        sql += &format!(" AND layer = ?{}", args.len());
    }
    if let Some(cat) = &f.category {
        args.push(cat.clone().into());
        sql += &format!(" AND category = ?{}", args.len());
    }
    if let Some([min_lon, min_lat, max_lon, max_lat]) = f.bbox {
        // Boxes overlap unless one lies wholly beside the other.
        for v in [max_lon, min_lon, max_lat, min_lat] {
            args.push(v.into());
        }
        let n = args.len();
        sql += &format!(
            " AND min_lon <= ?{} AND max_lon >= ?{} AND min_lat <= ?{} AND max_lat >= ?{}",
            n - 3,
            n - 2,
            n - 1,
            n
        );
    }
    sql += " ORDER BY id";
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(serde_json::from_str(&r?)?);
    }
    Ok(out)
}

#[async_trait]
impl PlaceStore for SqliteStore {
    async fn list_places(&self, filter: PlaceFilter) -> StoreResult<Vec<Place>> {
        self.read(move |c| list(c, &filter)).await
    }

    async fn get_place(&self, id: i64) -> StoreResult<Option<Place>> {
        self.read(move |c| get(c, id)).await
    }

    async fn create_place(&self, actor: Actor, input: PlaceInput, now: DateTime<Utc>) -> StoreResult<Place> {
        self.write(move |tx| {
            let p = write(tx, None, input, now)?;
            audit(tx, &actor, now, "place.create", "place", Some(&p.id.to_string()), summary(&p))?;
            Ok(p)
        })
        .await
    }

    async fn update_place(
        &self,
        actor: Actor,
        id: i64,
        input: PlaceInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Place> {
        self.write(move |tx| {
            let p = write(tx, Some(id), input, now)?;
            audit(tx, &actor, now, "place.update", "place", Some(&id.to_string()), summary(&p))?;
            Ok(p)
        })
        .await
    }

    async fn delete_place(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        self.write(move |tx| {
            let p = get(tx, id)?.ok_or(StoreError::NotFound)?;
            tx.execute("DELETE FROM places WHERE id = ?1", [id])?;
            tombstone(tx, Collection::Places, &id.to_string())?;
            audit(tx, &actor, now, "place.delete", "place", Some(&id.to_string()), summary(&p))?;
            Ok(())
        })
        .await
    }

    async fn import_places(
        &self,
        actor: Actor,
        places: Vec<PlaceInput>,
        skipped: Vec<ImportSkip>,
        now: DateTime<Utc>,
    ) -> StoreResult<PlaceImportReport> {
        self.write(move |tx| {
            let mut report = PlaceImportReport { skipped, ..Default::default() };
            for input in places {
                let osm = input
                    .osm_id
                    .clone()
                    .ok_or_else(|| StoreError::backend("an imported place needs an OSM id"))?;
                match by_osm_id(tx, &osm)? {
                    Some(existing) if existing.to_input() == input => report.unchanged += 1,
                    Some(existing) => {
                        let p = write(tx, Some(existing.id), input, now)?;
                        audit(tx, &actor, now, "place.import.update", "place", Some(&p.id.to_string()), summary(&p))?;
                        report.updated += 1;
                    }
                    None => {
                        let p = write(tx, None, input, now)?;
                        audit(tx, &actor, now, "place.import.create", "place", Some(&p.id.to_string()), summary(&p))?;
                        report.created += 1;
                    }
                }
            }
            audit(
                tx,
                &actor,
                now,
                "place.import",
                "place",
                None,
                json!({"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                       "skipped": report.skipped.len()}),
            )?;
            Ok(report)
        })
        .await
    }

    async fn load_demo_places(&self, places: Vec<PlaceInput>, now: DateTime<Utc>) -> StoreResult<bool> {
        self.write(move |tx| {
            // Its own flag: databases that had the demo before places existed get them too.
            if get_setting(tx, DEMO_PLACES_LOADED)?.is_some() {
                return Ok(false);
            }
            let n = places.len();
            for p in places {
                write(tx, None, p, now)?;
            }
            set_setting(tx, DEMO_PLACES_LOADED, &super::ts(now))?;
            audit(tx, &Actor("demo".into()), now, "demo.load_places", "place", None, json!({"places": n}))?;
            Ok(true)
        })
        .await
    }
}

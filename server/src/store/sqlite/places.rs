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

fn get(c: &Connection, g: &str, id: i64) -> StoreResult<Option<Place>> {
    let data: Option<String> = c
        .query_row("SELECT data FROM places WHERE id = ?1 AND gmina = ?2", params![id, g], |r| r.get(0))
        .optional()?;
    Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
}

fn by_osm_id(c: &Connection, g: &str, osm_id: &str) -> StoreResult<Option<Place>> {
    let data: Option<String> = c
        .query_row("SELECT data FROM places WHERE gmina = ?1 AND osm_id = ?2", [g, osm_id], |r| r.get(0))
        .optional()?;
    Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
}

fn osm_conflict() -> StoreError {
    StoreError::Conflict(Conflict::OsmIdTaken)
}

/// Inserts (`id` None) or replaces a place, publishes it; no audit.
fn write(tx: &Transaction<'_>, g: &str, id: Option<i64>, input: PlaceInput, now: DateTime<Utc>) -> StoreResult<Place> {
    // Another gmina's place is not found, whatever its OSM id would say.
    if let Some(id) = id
        && get(tx, g, id)?.is_none()
    {
        return Err(StoreError::NotFound);
    }
    if let Some(osm) = &input.osm_id {
        let other: Option<i64> = tx
            .query_row("SELECT id FROM places WHERE gmina = ?1 AND osm_id = ?2", [g, osm], |r| r.get(0))
            .optional()?;
        if other.is_some() && other != id {
            return Err(osm_conflict());
        }
    }
    let id = match id {
        Some(id) => id,
        None => {
            // Reserve the id first: the stored JSON carries it.
            tx.execute(
                "INSERT INTO places (gmina, layer, category, min_lon, min_lat, max_lon, max_lat, data)
                 VALUES (?1, '', '', 0, 0, 0, 0, '')",
                [g],
            )?;
            tx.last_insert_rowid()
        }
    };
    let place = input.into_place(id, now);
    let b = place.geometry.bbox();
    tx.execute(
        "UPDATE places SET layer = ?2, category = ?3, osm_id = ?4, min_lon = ?5, min_lat = ?6,
             max_lon = ?7, max_lat = ?8, data = ?9 WHERE id = ?1 AND gmina = ?10",
        params![
            id,
            place.layer.as_str(),
            place.category,
            place.osm_id,
            b[0],
            b[1],
            b[2],
            b[3],
            serde_json::to_string(&place)?,
            g
        ],
    )?;
    publish(tx, g, &Item::Places(place.clone()))?;
    Ok(place)
}

fn summary(p: &Place) -> serde_json::Value {
    json!({"name": p.name, "layer": p.layer.as_str(), "category": p.category, "osm_id": p.osm_id})
}

fn list(c: &Connection, g: &str, f: &PlaceFilter) -> StoreResult<Vec<Place>> {
    let mut sql = String::from("SELECT data FROM places WHERE gmina = ?1");
    let mut args: Vec<rusqlite::types::Value> = vec![g.to_owned().into()];
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
        let g = self.scope();
        self.read(move |c| list(c, &g, &filter)).await
    }

    async fn get_place(&self, id: i64) -> StoreResult<Option<Place>> {
        let g = self.scope();
        self.read(move |c| get(c, &g, id)).await
    }

    async fn create_place(&self, actor: Actor, input: PlaceInput, now: DateTime<Utc>) -> StoreResult<Place> {
        let g = self.scope();
        self.write(move |tx| {
            let p = write(tx, &g, None, input, now)?;
            audit(tx, &g, &actor, now, "place.create", "place", Some(&p.id.to_string()), summary(&p))?;
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
        let g = self.scope();
        self.write(move |tx| {
            let p = write(tx, &g, Some(id), input, now)?;
            audit(tx, &g, &actor, now, "place.update", "place", Some(&id.to_string()), summary(&p))?;
            Ok(p)
        })
        .await
    }

    async fn delete_place(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let p = get(tx, &g, id)?.ok_or(StoreError::NotFound)?;
            tx.execute("DELETE FROM places WHERE id = ?1 AND gmina = ?2", params![id, g])?;
            tombstone(tx, &g, Collection::Places, &id.to_string())?;
            audit(tx, &g, &actor, now, "place.delete", "place", Some(&id.to_string()), summary(&p))?;
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
        let g = self.scope();
        self.write(move |tx| {
            let mut report = PlaceImportReport { skipped, ..Default::default() };
            for input in places {
                let osm = input
                    .osm_id
                    .clone()
                    .ok_or_else(|| StoreError::backend("an imported place needs an OSM id"))?;
                match by_osm_id(tx, &g, &osm)? {
                    Some(existing) if existing.to_input() == input => report.unchanged += 1,
                    Some(existing) => {
                        let p = write(tx, &g, Some(existing.id), input, now)?;
                        audit(tx, &g, &actor, now, "place.import.update", "place", Some(&p.id.to_string()), summary(&p))?;
                        report.updated += 1;
                    }
                    None => {
                        let p = write(tx, &g, None, input, now)?;
                        audit(tx, &g, &actor, now, "place.import.create", "place", Some(&p.id.to_string()), summary(&p))?;
                        report.created += 1;
                    }
                }
            }
            audit(
                tx,
                &g,
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
        let g = self.scope();
        self.write(move |tx| {
            // Its own flag: databases that had the demo before places existed get them too.
            if get_setting(tx, &g, DEMO_PLACES_LOADED)?.is_some() {
                return Ok(false);
            }
            let n = places.len();
            for p in places {
                write(tx, &g, None, p, now)?;
            }
            set_setting(tx, &g, DEMO_PLACES_LOADED, &super::ts(now))?;
            audit(tx, &g, &Actor("demo".into()), now, "demo.load_places", "place", None, json!({"places": n}))?;
            Ok(true)
        })
        .await
    }
}

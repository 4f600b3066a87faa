//! The map's places, as `store/sqlite/places.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::places::{ImportSkip, Place, PlaceImportReport, PlaceInput};
use mm_protocol::sync::{Collection, Item};
use serde_json::json;

use super::publish::{self, audit, get_setting, publish, set_setting, tombstone};
use super::reports::Args;
use super::{PostgresStore, Tx, ts, write_tx};
use crate::store::{Actor, Conflict, PlaceFilter, PlaceStore, StoreError, StoreResult};

const DEMO_PLACES_LOADED: &str = "demo_places_loaded";

async fn get(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<Option<Place>> {
    let row = c.query_opt("SELECT data FROM places WHERE id = $1 AND gmina = $2", &[&id, &g]).await?;
    Ok(row.map(|r| serde_json::from_str::<Place>(r.get(0))).transpose()?)
}

async fn by_osm_id(c: &impl GenericClient, g: &str, osm_id: &str) -> StoreResult<Option<Place>> {
    let row = c.query_opt("SELECT data FROM places WHERE gmina = $1 AND osm_id = $2", &[&g, &osm_id]).await?;
    Ok(row.map(|r| serde_json::from_str::<Place>(r.get(0))).transpose()?)
}

/// Inserts (`id` None) or replaces a place, publishes it; no audit.
async fn write(tx: &Tx<'_>, g: &str, id: Option<i64>, input: PlaceInput, now: DateTime<Utc>) -> StoreResult<Place> {
    // Another gmina's place is not found, whatever its OSM id would say.
    if let Some(id) = id
        && get(&tx.c, g, id).await?.is_none()
    {
        return Err(StoreError::NotFound);
    }
    if let Some(osm) = &input.osm_id {
        let other: Option<i64> =
            tx.c.query_opt("SELECT id FROM places WHERE gmina = $1 AND osm_id = $2", &[&g, osm]).await?.map(|r| r.get(0));
        if other.is_some() && other != id {
            return Err(StoreError::Conflict(Conflict::OsmIdTaken));
        }
    }
    let id = match id {
        Some(id) => id,
        // Reserve the id first: the stored JSON carries it.
        None => tx
            .c
            .query_one(
                "INSERT INTO places (gmina, layer, category, min_lon, min_lat, max_lon, max_lat, data)
                 VALUES ($1, '', '', 0, 0, 0, 0, '') RETURNING id",
                &[&g],
            )
            .await?
            .get(0),
    };
    let place = input.into_place(id, now);
    let b = place.geometry.bbox();
    tx.c.execute(
        "UPDATE places SET layer = $2, category = $3, osm_id = $4, min_lon = $5, min_lat = $6,
             max_lon = $7, max_lat = $8, data = $9 WHERE id = $1 AND gmina = $10",
        &[
            &id,
            &place.layer.as_str(),
            &place.category,
            &place.osm_id,
            &b[0],
            &b[1],
            &b[2],
            &b[3],
            &serde_json::to_string(&place)?,
            &g,
        ],
    )
    .await?;
    publish(tx, g, &Item::Places(place.clone())).await?;
    Ok(place)
}

fn summary(p: &Place) -> serde_json::Value {
    json!({"name": p.name, "layer": p.layer.as_str(), "category": p.category, "osm_id": p.osm_id})
}

async fn list(c: &impl GenericClient, g: &str, f: &PlaceFilter) -> StoreResult<Vec<Place>> {
    let mut args = Args::default();
    let mut sql = format!("SELECT data FROM places WHERE gmina = {}", args.push(g.to_owned()));
    if let Some(l) = f.layer {
        sql += &format!(" AND layer = {}", args.push(l.as_str().to_owned()));
    }
    if let Some(cat) = &f.category {
        sql += &format!(" AND category = {}", args.push(cat.clone()));
    }
    if let Some([min_lon, min_lat, max_lon, max_lat]) = f.bbox {
        // Boxes overlap unless one lies wholly beside the other.
        sql += &format!(
            " AND min_lon <= {} AND max_lon >= {} AND min_lat <= {} AND max_lat >= {}",
            args.push(max_lon),
            args.push(min_lon),
            args.push(max_lat),
            args.push(min_lat)
        );
    }
    sql += " ORDER BY id";
    let rows = c.query(sql.as_str(), &args.refs()).await?;
    rows.iter().map(|r| serde_json::from_str(r.get(0)).map_err(StoreError::from)).collect()
}

#[async_trait]
impl PlaceStore for PostgresStore {
    async fn list_places(&self, filter: PlaceFilter) -> StoreResult<Vec<Place>> {
        list(&self.reader().await?, &self.scope(), &filter).await
    }

    async fn get_place(&self, id: i64) -> StoreResult<Option<Place>> {
        get(&self.reader().await?, &self.scope(), id).await
    }

    async fn create_place(&self, actor: Actor, input: PlaceInput, now: DateTime<Utc>) -> StoreResult<Place> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let p = write(tx, g, None, input, now).await?;
            audit(tx, g, &actor, now, "place.create", "place", Some(&p.id.to_string()), summary(&p)).await?;
            Ok(p)
        })
    }

    async fn update_place(&self, actor: Actor, id: i64, input: PlaceInput, now: DateTime<Utc>) -> StoreResult<Place> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let p = write(tx, g, Some(id), input, now).await?;
            audit(tx, g, &actor, now, "place.update", "place", Some(&id.to_string()), summary(&p)).await?;
            Ok(p)
        })
    }

    async fn delete_place(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let p = get(&tx.c, g, id).await?.ok_or(StoreError::NotFound)?;
            tx.c.execute("DELETE FROM places WHERE id = $1 AND gmina = $2", &[&id, &g]).await?;
            tombstone(tx, g, Collection::Places, &id.to_string()).await?;
            audit(tx, g, &actor, now, "place.delete", "place", Some(&id.to_string()), summary(&p)).await
        })
    }

    async fn import_places(
        &self,
        actor: Actor,
        places: Vec<PlaceInput>,
        skipped: Vec<ImportSkip>,
        now: DateTime<Utc>,
    ) -> StoreResult<PlaceImportReport> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let mut report = PlaceImportReport { skipped, ..Default::default() };
            for input in places {
                let osm = input.osm_id.clone().ok_or_else(|| StoreError::backend("an imported place needs an OSM id"))?;
                match by_osm_id(&tx.c, g, &osm).await? {
                    Some(existing) if existing.to_input() == input => report.unchanged += 1,
                    Some(existing) => {
                        let p = write(tx, g, Some(existing.id), input, now).await?;
                        audit(tx, g, &actor, now, "place.import.update", "place", Some(&p.id.to_string()), summary(&p)).await?;
                        report.updated += 1;
                    }
                    None => {
                        let p = write(tx, g, None, input, now).await?;
                        audit(tx, g, &actor, now, "place.import.create", "place", Some(&p.id.to_string()), summary(&p)).await?;
                        report.created += 1;
                    }
                }
            }
            audit(
                tx,
                g,
                &actor,
                now,
                "place.import",
                "place",
                None,
                json!({"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                       "skipped": report.skipped.len()}),
            )
            .await?;
            Ok(report)
        })
    }

    async fn load_demo_places(&self, places: Vec<PlaceInput>, now: DateTime<Utc>) -> StoreResult<bool> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            if get_setting(&tx.c, g, DEMO_PLACES_LOADED).await?.is_some() {
                return Ok(false);
            }
            let n = places.len();
            for p in places {
                write(tx, g, None, p, now).await?;
            }
            set_setting(tx, g, DEMO_PLACES_LOADED, &ts(now)).await?;
            audit(tx, g, &Actor("demo".into()), now, "demo.load_places", "place", None, json!({"places": n})).await?;
            Ok(true)
        })
    }
}

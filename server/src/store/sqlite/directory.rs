//! The directory of gminas (`store::directory`, table `gminas`) and the
//! deployment's default gmina (table `deployment`). Deployment-wide: the
//! same on every handle.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::gmina::{Branding, Gmina, Teryt};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::publish::{audit, get_setting, set_setting};
use super::{SqliteStore, teryt, ts};
use crate::store::directory::voivodeship_of;
use crate::store::{Actor, Conflict, DirectoryStore, GminaRecord, StoreError, StoreResult};

const COLUMNS: &str = "teryt, name, powiat, voivodeship, boundary, center, branding, settings";

fn record(r: &Row<'_>) -> rusqlite::Result<(GminaRecord, [Option<String>; 4])> {
    Ok((
        GminaRecord {
            teryt: teryt(r.get(0)?)?,
            name: r.get(1)?,
            powiat: r.get(2)?,
            voivodeship: r.get(3)?,
            boundary: None,
            center: None,
            branding: Branding::default(),
            settings: Default::default(),
        },
        [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?],
    ))
}

/// The record with its JSON columns decoded.
fn decode((mut g, [boundary, center, branding, settings]): (GminaRecord, [Option<String>; 4])) -> StoreResult<GminaRecord> {
    g.boundary = boundary.map(|s| serde_json::from_str(&s)).transpose()?;
    g.center = center.map(|s| serde_json::from_str(&s)).transpose()?;
    g.branding = branding.map(|s| serde_json::from_str(&s)).transpose()?.unwrap_or_default();
    g.settings = settings.map(|s| serde_json::from_str(&s)).transpose()?.unwrap_or_default();
    Ok(g)
}

pub(super) fn get(c: &Connection, teryt: &str) -> StoreResult<Option<GminaRecord>> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM gminas WHERE teryt = ?1"))?
        .query_row([teryt], record)
        .optional()?
        .map(decode)
        .transpose()
}

fn list(c: &Connection) -> StoreResult<Vec<GminaRecord>> {
    let rows = c
        .prepare_cached(&format!("SELECT {COLUMNS} FROM gminas ORDER BY rowid"))?
        .query_map([], record)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(decode).collect()
}

fn json_or_null<T: serde::Serialize>(v: &Option<T>) -> StoreResult<Option<String>> {
    Ok(v.as_ref().map(serde_json::to_string).transpose()?)
}

/// Inserts the gmina's row; the first gmina becomes the default one, and a
/// gmina starts with what migrations gave the first: the default report
/// categories (published) and the EZD's default JRWA class.
fn insert(tx: &Transaction<'_>, g: &GminaRecord, now: DateTime<Utc>) -> StoreResult<()> {
    tx.execute(
        &format!("INSERT INTO gminas ({COLUMNS}, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            g.teryt.as_str(),
            g.name,
            g.powiat,
            g.voivodeship,
            json_or_null(&g.boundary)?,
            json_or_null(&g.center)?,
            serde_json::to_string(&g.branding)?,
            serde_json::to_string(&g.settings)?,
            ts(now)
        ],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO deployment (key, value) VALUES ('default_gmina', ?1)",
        [g.teryt.as_str()],
    )?;
    let t = g.teryt.as_str();
    let has_categories: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM report_categories WHERE gmina = ?1)", [t], |r| r.get(0))?;
    if !has_categories {
        super::reports::seed_default_categories(tx, t)?;
    }
    if get_setting(tx, t, "ezd_default_jrwa")?.is_none() {
        set_setting(tx, t, "ezd_default_jrwa", "7021")?;
    }
    Ok(())
}

/// `load_demo`'s gmina: added to the directory when it is not there, its
/// name, boundary and centre replaced when it is.
pub(super) fn put_demo_gmina(tx: &Transaction<'_>, teryt: &Teryt, demo: &Gmina, now: DateTime<Utc>) -> StoreResult<()> {
    match get(tx, teryt.as_str())? {
        None => insert(
            tx,
            &GminaRecord {
                teryt: teryt.clone(),
                name: demo.name.clone(),
                powiat: String::new(),
                voivodeship: voivodeship_of(teryt).to_owned(),
                boundary: Some(demo.boundary.clone()),
                center: Some(demo.center),
                branding: crate::store::directory::default_branding(),
                settings: Default::default(),
            },
            now,
        ),
        Some(_) => {
            tx.execute(
                "UPDATE gminas SET name = ?2, boundary = ?3, center = ?4 WHERE teryt = ?1",
                params![
                    teryt.as_str(),
                    demo.name,
                    serde_json::to_string(&demo.boundary)?,
                    serde_json::to_string(&demo.center)?
                ],
            )?;
            Ok(())
        }
    }
}

fn summary(g: &GminaRecord) -> serde_json::Value {
    json!({"name": g.name, "powiat": g.powiat, "voivodeship": g.voivodeship})
}

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn list_gminas(&self) -> StoreResult<Vec<GminaRecord>> {
        self.read(list).await
    }

    async fn gmina_record(&self, teryt: &Teryt) -> StoreResult<Option<GminaRecord>> {
        let t = teryt.as_str().to_owned();
        self.read(move |c| get(c, &t)).await
    }

    async fn add_gmina(&self, actor: Actor, gmina: GminaRecord, now: DateTime<Utc>) -> StoreResult<GminaRecord> {
        self.write_then(
            move |tx| {
                let t = gmina.teryt.as_str();
                if get(tx, t)?.is_some() {
                    return Err(StoreError::Conflict(Conflict::GminaExists));
                }
                insert(tx, &gmina, now)?;
                audit(tx, t, &actor, now, "gmina.add", "gmina", Some(t), summary(&gmina))?;
                Ok(gmina)
            },
            self.reference_changed(),
        )
        .await
    }

    async fn update_gmina(&self, actor: Actor, gmina: GminaRecord, now: DateTime<Utc>) -> StoreResult<GminaRecord> {
        self.write_then(
            move |tx| {
                let t = gmina.teryt.as_str();
                let n = tx.execute(
                    "UPDATE gminas SET name = ?2, powiat = ?3, voivodeship = ?4, boundary = ?5, center = ?6,
                     branding = ?7, settings = ?8 WHERE teryt = ?1",
                    params![
                        t,
                        gmina.name,
                        gmina.powiat,
                        gmina.voivodeship,
                        json_or_null(&gmina.boundary)?,
                        json_or_null(&gmina.center)?,
                        serde_json::to_string(&gmina.branding)?,
                        serde_json::to_string(&gmina.settings)?
                    ],
                )?;
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
                audit(tx, t, &actor, now, "gmina.update", "gmina", Some(t), summary(&gmina))?;
                Ok(gmina)
            },
            self.reference_changed(),
        )
        .await
    }
}

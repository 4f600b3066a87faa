//! The directory of gminas (`store::directory`, table `gminas`) and the
//! deployment's default gmina (table `deployment`), as
//! `store/sqlite/directory.rs`. Deployment-wide: the same on every handle.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::gmina::{Gmina, Teryt};
use serde_json::json;
use tokio_postgres::Row;

use super::publish::{audit, get_setting, set_setting};
use super::{PostgresStore, Tx, teryt, ts, write_tx};
use crate::store::directory::voivodeship_of;
use crate::store::{Actor, Conflict, DirectoryStore, GminaRecord, StoreError, StoreResult};

const COLUMNS: &str = "teryt, name, powiat, voivodeship, boundary, center, branding, settings";

/// The record with its JSON columns decoded.
fn record(r: &Row) -> StoreResult<GminaRecord> {
    let json = |i: usize| r.get::<_, Option<String>>(i);
    Ok(GminaRecord {
        teryt: teryt(r.get(0))?,
        name: r.get(1),
        powiat: r.get(2),
        voivodeship: r.get(3),
        boundary: json(4).map(|s| serde_json::from_str(&s)).transpose()?,
        center: json(5).map(|s| serde_json::from_str(&s)).transpose()?,
        branding: json(6).map(|s| serde_json::from_str(&s)).transpose()?.unwrap_or_default(),
        settings: json(7).map(|s| serde_json::from_str(&s)).transpose()?.unwrap_or_default(),
    })
}

pub(super) async fn get(c: &impl GenericClient, teryt: &str) -> StoreResult<Option<GminaRecord>> {
    c.query_opt(&format!("SELECT {COLUMNS} FROM gminas WHERE teryt = $1"), &[&teryt]).await?.as_ref().map(record).transpose()
}

/// The deployment's default gmina, if one was added.
pub(super) async fn default_gmina(c: &impl GenericClient) -> StoreResult<Option<String>> {
    Ok(c.query_opt("SELECT value FROM deployment WHERE key = 'default_gmina'", &[]).await?.map(|r| r.get(0)))
}

fn json_or_null<T: serde::Serialize>(v: &Option<T>) -> StoreResult<Option<String>> {
    Ok(v.as_ref().map(serde_json::to_string).transpose()?)
}

/// Inserts the gmina's row; the first gmina becomes the default one, and a
/// gmina starts with what migrations gave the first: the default report
/// categories (published) and the EZD's default JRWA class.
async fn insert(tx: &Tx<'_>, g: &GminaRecord, now: DateTime<Utc>) -> StoreResult<()> {
    let inserted = tx
        .c
        .execute(
            &format!(
                "INSERT INTO gminas ({COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (teryt) DO NOTHING"
            ),
            &[
                &g.teryt.as_str(),
                &g.name,
                &g.powiat,
                &g.voivodeship,
                &json_or_null(&g.boundary)?,
                &json_or_null(&g.center)?,
                &serde_json::to_string(&g.branding)?,
                &serde_json::to_string(&g.settings)?,
                &ts(now),
            ],
        )
        .await?;
    // Two instances adding the same code: the primary key decides.
    if inserted == 0 {
        return Err(StoreError::Conflict(Conflict::GminaExists));
    }
    tx.c.execute(
        "INSERT INTO deployment (key, value) VALUES ('default_gmina', $1) ON CONFLICT DO NOTHING",
        &[&g.teryt.as_str()],
    )
    .await?;
    let t = g.teryt.as_str();
    let has_categories: bool =
        tx.c.query_one("SELECT EXISTS (SELECT 1 FROM report_categories WHERE gmina = $1)", &[&t]).await?.get(0);
    if !has_categories {
        super::reports::seed_default_categories(tx, t).await?;
    }
    if get_setting(&tx.c, t, "ezd_default_jrwa").await?.is_none() {
        set_setting(tx, t, "ezd_default_jrwa", "7021").await?;
    }
    tx.reference_changed();
    Ok(())
}

/// `load_demo`'s gmina: added to the directory when it is not there, its
/// name, boundary and centre replaced when it is.
pub(super) async fn put_demo_gmina(tx: &Tx<'_>, teryt: &Teryt, demo: &Gmina, now: DateTime<Utc>) -> StoreResult<()> {
    match get(&tx.c, teryt.as_str()).await? {
        None => {
            let record = GminaRecord {
                teryt: teryt.clone(),
                name: demo.name.clone(),
                powiat: String::new(),
                voivodeship: voivodeship_of(teryt).to_owned(),
                boundary: Some(demo.boundary.clone()),
                center: Some(demo.center),
                branding: crate::store::directory::default_branding(),
                settings: Default::default(),
            };
            insert(tx, &record, now).await
        }
        Some(_) => {
            tx.c.execute(
                "UPDATE gminas SET name = $2, boundary = $3, center = $4 WHERE teryt = $1",
                &[&teryt.as_str(), &demo.name, &serde_json::to_string(&demo.boundary)?, &serde_json::to_string(&demo.center)?],
            )
            .await?;
            tx.reference_changed();
            Ok(())
        }
    }
}

fn summary(g: &GminaRecord) -> serde_json::Value {
    json!({"name": g.name, "powiat": g.powiat, "voivodeship": g.voivodeship})
}

#[async_trait]
impl DirectoryStore for PostgresStore {
    async fn list_gminas(&self) -> StoreResult<Vec<GminaRecord>> {
        let rows = self.reader().await?.query(&format!("SELECT {COLUMNS} FROM gminas ORDER BY created_at, teryt"), &[]).await?;
        rows.iter().map(record).collect()
    }

    async fn gmina_record(&self, teryt: &Teryt) -> StoreResult<Option<GminaRecord>> {
        get(&self.reader().await?, teryt.as_str()).await
    }

    async fn add_gmina(&self, actor: Actor, gmina: GminaRecord, now: DateTime<Utc>) -> StoreResult<GminaRecord> {
        write_tx!(self, |tx| {
            let t = gmina.teryt.as_str();
            insert(tx, &gmina, now).await?;
            audit(tx, t, &actor, now, "gmina.add", "gmina", Some(t), summary(&gmina)).await?;
            Ok(gmina)
        })
    }

    async fn update_gmina(&self, actor: Actor, gmina: GminaRecord, now: DateTime<Utc>) -> StoreResult<GminaRecord> {
        write_tx!(self, |tx| {
            let t = gmina.teryt.as_str();
            let n = tx
                .c
                .execute(
                    "UPDATE gminas SET name = $2, powiat = $3, voivodeship = $4, boundary = $5, center = $6,
                     branding = $7, settings = $8 WHERE teryt = $1",
                    &[
                        &t,
                        &gmina.name,
                        &gmina.powiat,
                        &gmina.voivodeship,
                        &json_or_null(&gmina.boundary)?,
                        &json_or_null(&gmina.center)?,
                        &serde_json::to_string(&gmina.branding)?,
                        &serde_json::to_string(&gmina.settings)?,
                    ],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            tx.reference_changed();
            audit(tx, t, &actor, now, "gmina.update", "gmina", Some(t), summary(&gmina)).await?;
            Ok(gmina)
        })
    }
}

//! The waste schedule's tables on SQLite (`migrations/sqlite/0021_waste.sql`,
//! `store/waste.rs`). An import is one write: the kinds it carries
//! replaced, the import time, the audit entry and the change notifications
//! (`notifications::create_notification`, with their fan-out jobs) commit
//! together or not at all.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Locality;
use mm_protocol::waste::{
    AddressRule, DictionaryEntry, Fraction, HouseNumber, Pickup, Pszok, WasteImport, Zone,
    normalise_name,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::notifications::create_notification;
use super::publish::audit;
use super::{SqliteStore, parse_ts, ts};
use crate::store::waste::{
    WasteImported, WasteStore, audit_details, building_str, change_notifications, changed_zones,
    local_today, parity_str, parse_building, parse_parity,
};
use crate::store::{Actor, StoreResult};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unreadable {what}").into(),
    )
}

fn date(s: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad("date"))
}

fn fraction(s: &str) -> rusqlite::Result<Fraction> {
    Fraction::parse(s).ok_or_else(|| bad("fraction"))
}

fn number(s: Option<String>) -> rusqlite::Result<Option<HouseNumber>> {
    s.map(|s| HouseNumber::parse(&s).ok_or_else(|| bad("house number")))
        .transpose()
}

fn rule_row(r: &Row<'_>) -> rusqlite::Result<AddressRule> {
    Ok(AddressRule {
        locality: r.get(0)?,
        street: r.get(1)?,
        from: number(r.get(2)?)?,
        to: number(r.get(3)?)?,
        parity: parse_parity(&r.get::<_, String>(4)?).ok_or_else(|| bad("parity"))?,
        building: parse_building(&r.get::<_, String>(5)?).ok_or_else(|| bad("building"))?,
        zone: r.get(6)?,
    })
}

fn pickup_row(r: &Row<'_>) -> rusqlite::Result<Pickup> {
    Ok(Pickup {
        zone: r.get(0)?,
        date: date(&r.get::<_, String>(1)?)?,
        fraction: fraction(&r.get::<_, String>(2)?)?,
        note: r.get(3)?,
    })
}

fn all_pickups(c: &Connection, g: &str) -> StoreResult<Vec<Pickup>> {
    let mut st =
        c.prepare_cached("SELECT zone, date, fraction, note FROM waste_pickups WHERE gmina = ?1")?;
    Ok(st
        .query_map(params![g], pickup_row)?
        .collect::<Result<_, _>>()?)
}

fn zones(c: &Connection, g: &str) -> StoreResult<Vec<Zone>> {
    let mut st = c.prepare_cached(
        "SELECT zone, name, description FROM waste_zones WHERE gmina = ?1 ORDER BY zone",
    )?;
    let rows = st.query_map(params![g], |r| {
        Ok(Zone {
            id: r.get(0)?,
            name: r.get(1)?,
            description: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn rules(c: &Connection, g: &str, locality: Option<&str>) -> StoreResult<Vec<AddressRule>> {
    let mut st = c.prepare_cached(
        "SELECT locality, street, number_from, number_to, parity, building, zone FROM waste_rules
         WHERE gmina = ?1 AND (?2 IS NULL OR locality_key = ?2) ORDER BY n",
    )?;
    let key = locality.map(normalise_name);
    Ok(st
        .query_map(params![g, key], rule_row)?
        .collect::<Result<_, _>>()?)
}

fn import(
    tx: &Transaction<'_>,
    g: &str,
    actor: &Actor,
    import: &WasteImport,
    localities: &[Locality],
    now: DateTime<Utc>,
) -> StoreResult<WasteImported> {
    let mut out = WasteImported::default();
    let old_pickups = if import.pickups.is_some() {
        all_pickups(tx, g)?
    } else {
        Vec::new()
    };
    if let Some(zones) = &import.zones {
        // Zones that stay are updated in place, so their rules and pickups
        // are not cascaded away; the ones that go take theirs with them.
        let mut keep = tx.prepare_cached(
            "INSERT INTO waste_zones (gmina, zone, name, description) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (gmina, zone) DO UPDATE SET name = excluded.name, description = excluded.description",
        )?;
        for z in zones {
            keep.execute(params![g, z.id, z.name, z.description])?;
        }
        let listed = serde_json::to_string(&zones.iter().map(|z| &z.id).collect::<Vec<_>>())?;
        tx.prepare_cached("DELETE FROM waste_zones WHERE gmina = ?1 AND zone NOT IN (SELECT value FROM json_each(?2))")?
            .execute(params![g, listed])?;
        out.zones = Some(zones.len());
    }
    if let Some(rules) = &import.rules {
        tx.prepare_cached("DELETE FROM waste_rules WHERE gmina = ?1")?
            .execute(params![g])?;
        let mut st = tx.prepare_cached(
            "INSERT INTO waste_rules (gmina, n, locality, locality_key, street, number_from, number_to, parity, building, zone)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for (n, r) in rules.iter().enumerate() {
            st.execute(params![
                g,
                n as i64,
                r.locality,
                normalise_name(&r.locality),
                r.street,
                r.from.as_ref().map(|h| h.to_string()),
                r.to.as_ref().map(|h| h.to_string()),
                parity_str(r.parity),
                building_str(r.building),
                r.zone
            ])?;
        }
        out.rules = Some(rules.len());
    }
    if let Some(pickups) = &import.pickups {
        tx.prepare_cached("DELETE FROM waste_pickups WHERE gmina = ?1")?
            .execute(params![g])?;
        let mut st = tx.prepare_cached(
            "INSERT INTO waste_pickups (gmina, zone, date, fraction, note) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for p in pickups {
            st.execute(params![
                g,
                p.zone,
                p.date.format("%Y-%m-%d").to_string(),
                p.fraction.code(),
                p.note
            ])?;
        }
        out.pickups = Some(pickups.len());
    }
    if let Some(entries) = &import.dictionary {
        tx.prepare_cached("DELETE FROM waste_dictionary WHERE gmina = ?1")?
            .execute(params![g])?;
        let mut st = tx
            .prepare_cached("INSERT INTO waste_dictionary (gmina, n, item, fraction, note) VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for (n, e) in entries.iter().enumerate() {
            st.execute(params![g, n as i64, e.item, e.fraction.code(), e.note])?;
        }
        out.dictionary = Some(entries.len());
    }
    if let Some(points) = &import.pszok {
        tx.prepare_cached("DELETE FROM waste_pszok WHERE gmina = ?1")?
            .execute(params![g])?;
        let mut st = tx.prepare_cached(
            "INSERT INTO waste_pszok (gmina, n, name, address, lat, lon, opening_hours, accepts, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for (n, p) in points.iter().enumerate() {
            st.execute(params![
                g,
                n as i64,
                p.name,
                p.address,
                p.point.lat,
                p.point.lon,
                p.opening_hours,
                serde_json::to_string(&p.accepts)?,
                p.note
            ])?;
        }
        out.pszok = Some(points.len());
    }
    if let Some(new) = &import.pickups {
        out.changed_zones = changed_zones(&old_pickups, new, local_today(now));
        if !out.changed_zones.is_empty() {
            let (zones, rules) = (zones(tx, g)?, rules(tx, g, None)?);
            for n in change_notifications(&out.changed_zones, &zones, &rules, localities, now) {
                out.notifications
                    .push(create_notification(tx, g, actor, &n)?);
            }
        }
    }
    tx.prepare_cached(
        "INSERT INTO waste_schedules (gmina, updated_at, updated_by) VALUES (?1, ?2, ?3)
         ON CONFLICT (gmina) DO UPDATE SET updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )?
    .execute(params![g, ts(now), actor.0])?;
    audit(
        tx,
        g,
        actor,
        now,
        "waste.import",
        "waste_schedule",
        None,
        audit_details(&out),
    )?;
    Ok(out)
}

#[async_trait]
impl WasteStore for SqliteStore {
    async fn import_waste(
        &self,
        actor: Actor,
        imported: WasteImport,
        localities: Vec<Locality>,
        now: DateTime<Utc>,
    ) -> StoreResult<WasteImported> {
        let g = self.scope();
        self.write(move |tx| import(tx, &g, &actor, &imported, &localities, now))
            .await
    }

    async fn waste_updated_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let g = self.scope();
        self.read(move |c| {
            let at: Option<String> = c
                .prepare_cached("SELECT updated_at FROM waste_schedules WHERE gmina = ?1")?
                .query_row(params![g], |r| r.get(0))
                .optional()?;
            Ok(at.as_deref().map(parse_ts).transpose()?)
        })
        .await
    }

    async fn waste_zones(&self) -> StoreResult<Vec<Zone>> {
        let g = self.scope();
        self.read(move |c| zones(c, &g)).await
    }

    async fn waste_rules(&self, locality: Option<&str>) -> StoreResult<Vec<AddressRule>> {
        let (g, locality) = (self.scope(), locality.map(str::to_owned));
        self.read(move |c| rules(c, &g, locality.as_deref())).await
    }

    async fn waste_pickups(
        &self,
        zone: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Pickup>> {
        let (g, zone) = (self.scope(), zone.to_owned());
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT zone, date, fraction, note FROM waste_pickups
                 WHERE gmina = ?1 AND zone = ?2 AND date >= ?3 AND date <= ?4 ORDER BY date, fraction",
            )?;
            let (from, to) = (from.format("%Y-%m-%d").to_string(), to.format("%Y-%m-%d").to_string());
            Ok(st.query_map(params![g, zone, from, to], pickup_row)?.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn waste_dictionary(&self) -> StoreResult<Vec<DictionaryEntry>> {
        let g = self.scope();
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT item, fraction, note FROM waste_dictionary WHERE gmina = ?1 ORDER BY n",
            )?;
            let rows = st.query_map(params![g], |r| {
                Ok(DictionaryEntry {
                    item: r.get(0)?,
                    fraction: fraction(&r.get::<_, String>(1)?)?,
                    note: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn waste_pszok(&self) -> StoreResult<Vec<Pszok>> {
        let g = self.scope();
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT name, address, lat, lon, opening_hours, accepts, note FROM waste_pszok WHERE gmina = ?1 ORDER BY n",
            )?;
            let rows = st.query_map(params![g], |r| {
                let accepts: String = r.get(5)?;
                Ok(Pszok {
                    name: r.get(0)?,
                    address: r.get(1)?,
                    point: GeoPoint { lat: r.get(2)?, lon: r.get(3)? },
                    opening_hours: r.get(4)?,
                    accepts: serde_json::from_str(&accepts).map_err(|_| bad("accepts"))?,
                    note: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }
}

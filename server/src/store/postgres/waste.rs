//! The waste schedule's tables on PostgreSQL, as `store/sqlite/waste.rs`.
//! A gmina's imports take a transaction-level advisory lock: an import
//! compares the stored pickups with its own to decide whom to notify, so
//! two at once must not both read the dates the other replaces. Rows go in
//! by `UNNEST` (a year of pickups is thousands of rows, one round trip).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Locality;
use mm_protocol::waste::{
    AddressRule, DictionaryEntry, Fraction, HouseNumber, Pickup, Pszok, WasteImport, Zone,
    normalise_name,
};
use tokio_postgres::Row;

use super::notifications::create_notification;
use super::publish::audit;
use super::{PostgresStore, Tx, opt_time, ts, write_tx};
use crate::store::waste::{
    WasteImported, WasteStore, audit_details, building_str, change_notifications, changed_zones,
    local_today, parity_str, parse_building, parse_parity,
};
use crate::store::{Actor, StoreError, StoreResult};

fn bad(what: &str) -> StoreError {
    StoreError::backend(format!("a stored waste {what} does not parse"))
}

fn date(s: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad("date"))
}

fn fraction(s: &str) -> StoreResult<Fraction> {
    Fraction::parse(s).ok_or_else(|| bad("fraction"))
}

fn number(s: Option<String>) -> StoreResult<Option<HouseNumber>> {
    s.map(|s| HouseNumber::parse(&s).ok_or_else(|| bad("house number")))
        .transpose()
}

fn rule_row(r: &Row) -> StoreResult<AddressRule> {
    Ok(AddressRule {
        locality: r.get(0),
        street: r.get(1),
        from: number(r.get(2))?,
        to: number(r.get(3))?,
        parity: parse_parity(r.get(4)).ok_or_else(|| bad("parity"))?,
        building: parse_building(r.get(5)).ok_or_else(|| bad("building"))?,
        zone: r.get(6),
    })
}

fn pickup_row(r: &Row) -> StoreResult<Pickup> {
    Ok(Pickup {
        zone: r.get(0),
        date: date(r.get(1))?,
        fraction: fraction(r.get(2))?,
        note: r.get(3),
    })
}

async fn zones(c: &impl GenericClient, g: &str) -> StoreResult<Vec<Zone>> {
    let st = c
        .prepare_cached(
            "SELECT zone, name, description FROM waste_zones WHERE gmina = $1 ORDER BY zone",
        )
        .await?;
    Ok(c.query(&st, &[&g])
        .await?
        .iter()
        .map(|r| Zone {
            id: r.get(0),
            name: r.get(1),
            description: r.get(2),
        })
        .collect())
}

async fn rules(
    c: &impl GenericClient,
    g: &str,
    locality: Option<&str>,
) -> StoreResult<Vec<AddressRule>> {
    let st = c
        .prepare_cached(
            "SELECT locality, street, number_from, number_to, parity, building, zone FROM waste_rules
             WHERE gmina = $1 AND ($2::TEXT IS NULL OR locality_key = $2) ORDER BY n",
        )
        .await?;
    let key = locality.map(normalise_name);
    c.query(&st, &[&g, &key])
        .await?
        .iter()
        .map(rule_row)
        .collect()
}

async fn import(
    tx: &Tx<'_>,
    g: &str,
    actor: &Actor,
    import: &WasteImport,
    localities: &[Locality],
    now: DateTime<Utc>,
) -> StoreResult<WasteImported> {
    let c = &tx.c;
    c.execute(
        "SELECT pg_advisory_xact_lock(hashtext('mm_waste:' || $1))",
        &[&g],
    )
    .await?;
    let mut out = WasteImported::default();
    let old_pickups: Vec<Pickup> = if import.pickups.is_some() {
        c.query(
            "SELECT zone, date, fraction, note FROM waste_pickups WHERE gmina = $1",
            &[&g],
        )
        .await?
        .iter()
        .map(pickup_row)
        .collect::<StoreResult<_>>()?
    } else {
        Vec::new()
    };
    if let Some(zones) = &import.zones {
        // Zones that stay are updated in place, so their rules and pickups
        // are not cascaded away; the ones that go take theirs with them.
        let ids: Vec<&str> = zones.iter().map(|z| z.id.as_str()).collect();
        let names: Vec<&str> = zones.iter().map(|z| z.name.as_str()).collect();
        let descriptions: Vec<Option<&str>> =
            zones.iter().map(|z| z.description.as_deref()).collect();
        c.execute(
            "INSERT INTO waste_zones (gmina, zone, name, description)
             SELECT $1, z, n, d FROM UNNEST($2::TEXT[], $3::TEXT[], $4::TEXT[]) AS u (z, n, d)
             ON CONFLICT (gmina, zone) DO UPDATE SET name = excluded.name, description = excluded.description",
            &[&g, &ids, &names, &descriptions],
        )
        .await?;
        c.execute(
            "DELETE FROM waste_zones WHERE gmina = $1 AND NOT (zone = ANY ($2::TEXT[]))",
            &[&g, &ids],
        )
        .await?;
        out.zones = Some(zones.len());
    }
    if let Some(rules) = &import.rules {
        c.execute("DELETE FROM waste_rules WHERE gmina = $1", &[&g])
            .await?;
        let n: Vec<i64> = (0..rules.len() as i64).collect();
        let locality: Vec<&str> = rules.iter().map(|r| r.locality.as_str()).collect();
        let key: Vec<String> = rules.iter().map(|r| normalise_name(&r.locality)).collect();
        let street: Vec<Option<&str>> = rules.iter().map(|r| r.street.as_deref()).collect();
        let from: Vec<Option<String>> = rules
            .iter()
            .map(|r| r.from.as_ref().map(|h| h.to_string()))
            .collect();
        let to: Vec<Option<String>> = rules
            .iter()
            .map(|r| r.to.as_ref().map(|h| h.to_string()))
            .collect();
        let parity: Vec<&str> = rules.iter().map(|r| parity_str(r.parity)).collect();
        let building: Vec<&str> = rules.iter().map(|r| building_str(r.building)).collect();
        let zone: Vec<&str> = rules.iter().map(|r| r.zone.as_str()).collect();
        c.execute(
            "INSERT INTO waste_rules (gmina, n, locality, locality_key, street, number_from, number_to, parity, building, zone)
             SELECT $1, n, l, k, s, f, t, p, b, z
             FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[])
                  AS u (n, l, k, s, f, t, p, b, z)",
            &[&g, &n, &locality, &key, &street, &from, &to, &parity, &building, &zone],
        )
        .await?;
        out.rules = Some(rules.len());
    }
    if let Some(pickups) = &import.pickups {
        c.execute("DELETE FROM waste_pickups WHERE gmina = $1", &[&g])
            .await?;
        let zone: Vec<&str> = pickups.iter().map(|p| p.zone.as_str()).collect();
        let day: Vec<String> = pickups
            .iter()
            .map(|p| p.date.format("%Y-%m-%d").to_string())
            .collect();
        let fraction: Vec<String> = pickups.iter().map(|p| p.fraction.code()).collect();
        let note: Vec<Option<&str>> = pickups.iter().map(|p| p.note.as_deref()).collect();
        c.execute(
            "INSERT INTO waste_pickups (gmina, zone, date, fraction, note)
             SELECT $1, z, d, f, n FROM UNNEST($2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[]) AS u (z, d, f, n)",
            &[&g, &zone, &day, &fraction, &note],
        )
        .await?;
        out.pickups = Some(pickups.len());
    }
    if let Some(entries) = &import.dictionary {
        c.execute("DELETE FROM waste_dictionary WHERE gmina = $1", &[&g])
            .await?;
        let n: Vec<i64> = (0..entries.len() as i64).collect();
        let item: Vec<&str> = entries.iter().map(|e| e.item.as_str()).collect();
        let fraction: Vec<String> = entries.iter().map(|e| e.fraction.code()).collect();
        let note: Vec<Option<&str>> = entries.iter().map(|e| e.note.as_deref()).collect();
        c.execute(
            "INSERT INTO waste_dictionary (gmina, n, item, fraction, note)
             SELECT $1, n, i, f, o FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[]) AS u (n, i, f, o)",
            &[&g, &n, &item, &fraction, &note],
        )
        .await?;
        out.dictionary = Some(entries.len());
    }
    if let Some(points) = &import.pszok {
        c.execute("DELETE FROM waste_pszok WHERE gmina = $1", &[&g])
            .await?;
        let st = c
            .prepare_cached(
                "INSERT INTO waste_pszok (gmina, n, name, address, lat, lon, opening_hours, accepts, note)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .await?;
        for (n, p) in points.iter().enumerate() {
            let accepts = serde_json::to_string(&p.accepts)?;
            c.execute(
                &st,
                &[
                    &g,
                    &(n as i64),
                    &p.name,
                    &p.address,
                    &p.point.lat,
                    &p.point.lon,
                    &p.opening_hours,
                    &accepts,
                    &p.note,
                ],
            )
            .await?;
        }
        out.pszok = Some(points.len());
    }
    if let Some(new) = &import.pickups {
        out.changed_zones = changed_zones(&old_pickups, new, local_today(now));
        if !out.changed_zones.is_empty() {
            let (zones, rules) = (zones(c, g).await?, rules(c, g, None).await?);
            for n in change_notifications(&out.changed_zones, &zones, &rules, localities, now) {
                out.notifications
                    .push(create_notification(tx, g, actor, &n).await?);
            }
        }
    }
    c.execute(
        "INSERT INTO waste_schedules (gmina, updated_at, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (gmina) DO UPDATE SET updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        &[&g, &ts(now), &actor.0],
    )
    .await?;
    audit(
        tx,
        g,
        actor,
        now,
        "waste.import",
        "waste_schedule",
        None,
        audit_details(&out),
    )
    .await?;
    Ok(out)
}

#[async_trait]
impl WasteStore for PostgresStore {
    async fn import_waste(
        &self,
        actor: Actor,
        imported: WasteImport,
        localities: Vec<Locality>,
        now: DateTime<Utc>,
    ) -> StoreResult<WasteImported> {
        write_tx!(self, |tx, g| {
            import(tx, g, &actor, &imported, &localities, now).await
        })
    }

    async fn waste_updated_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let c = self.reader().await?;
        let row = c
            .query_opt(
                "SELECT updated_at FROM waste_schedules WHERE gmina = $1",
                &[&self.scope()],
            )
            .await?;
        opt_time(row.map(|r| r.get(0)))
    }

    async fn waste_zones(&self) -> StoreResult<Vec<Zone>> {
        zones(&self.reader().await?, &self.scope()).await
    }

    async fn waste_rules(&self, locality: Option<&str>) -> StoreResult<Vec<AddressRule>> {
        rules(&self.reader().await?, &self.scope(), locality).await
    }

    async fn waste_pickups(
        &self,
        zone: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Pickup>> {
        let c = self.reader().await?;
        let st = c
            .prepare_cached(
                "SELECT zone, date, fraction, note FROM waste_pickups
                 WHERE gmina = $1 AND zone = $2 AND date >= $3 AND date <= $4 ORDER BY date, fraction",
            )
            .await?;
        let (from, to) = (
            from.format("%Y-%m-%d").to_string(),
            to.format("%Y-%m-%d").to_string(),
        );
        c.query(&st, &[&self.scope(), &zone, &from, &to])
            .await?
            .iter()
            .map(pickup_row)
            .collect()
    }

    async fn waste_dictionary(&self) -> StoreResult<Vec<DictionaryEntry>> {
        let c = self.reader().await?;
        let rows = c
            .query(
                "SELECT item, fraction, note FROM waste_dictionary WHERE gmina = $1 ORDER BY n",
                &[&self.scope()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DictionaryEntry {
                    item: r.get(0),
                    fraction: fraction(r.get(1))?,
                    note: r.get(2),
                })
            })
            .collect()
    }

    async fn waste_pszok(&self) -> StoreResult<Vec<Pszok>> {
        let c = self.reader().await?;
        let rows = c
            .query(
                "SELECT name, address, lat, lon, opening_hours, accepts, note FROM waste_pszok WHERE gmina = $1 ORDER BY n",
                &[&self.scope()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Pszok {
                    name: r.get(0),
                    address: r.get(1),
                    point: GeoPoint {
                        lat: r.get(2),
                        lon: r.get(3),
                    },
                    opening_hours: r.get(4),
                    accepts: serde_json::from_str(r.get(5)).map_err(|_| bad("accepts"))?,
                    note: r.get(6),
                })
            })
            .collect()
    }
}

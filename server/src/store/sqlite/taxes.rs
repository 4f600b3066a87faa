//! The taxes feature's tables (`migrations/sqlite/0014_taxes.sql`):
//! taxpayers, liabilities, rules, activation codes and device links, import
//! runs and app payments. Personal data: every query is scoped to the
//! handle's gmina, and audit entries carry ids only (never a name, an
//! amount or a code).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use mm_protocol::taxes::activation::{LOCK_MINUTES, MAX_FAILED_TRIES};
use mm_protocol::taxes::{
    AppPaymentSummary, BookedPayment, LiabilityKind, LiabilityRecord, PaymentStatus, RatePeriod, TaxRules, Taxpayer,
    ThresholdPeriod,
};
use mm_protocol::text::fold;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::jobs::enqueue;
use super::publish::audit;
use super::{SqliteStore, parse_ts, ts};
use crate::store::jobs::NewJob;
use crate::store::taxes::{
    ImportCounts, ImportRowError, ImportRun, LinkOutcome, NewPayment, PaymentFilter, PaymentRecord, PaymentUpdate,
    TaxBatch, TaxStore, lock_state,
};
use crate::store::{Actor, StoreError, StoreResult};

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn bad_column(what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unreadable {what}").into(),
    )
}

fn rules(c: &Connection, g: &str) -> StoreResult<TaxRules> {
    let rates = c
        .prepare_cached("SELECT from_date, basis_points FROM tax_rates WHERE gmina = ?1 ORDER BY from_date")?
        .query_map([g], |r| Ok(RatePeriod { from: parse_day(&r.get::<_, String>(0)?)?, basis_points: r.get(1)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    let thresholds = c
        .prepare_cached("SELECT from_date, grosze FROM tax_thresholds WHERE gmina = ?1 ORDER BY from_date")?
        .query_map([g], |r| Ok(ThresholdPeriod { from: parse_day(&r.get::<_, String>(0)?)?, grosze: r.get(1)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    let statutory = TaxRules::statutory();
    Ok(TaxRules {
        rates: if rates.is_empty() { statutory.rates } else { rates },
        thresholds: if thresholds.is_empty() { statutory.thresholds } else { thresholds },
    })
}

/// Copies the statutory table into the gmina's rows before its first
/// change, so the change adds to it rather than replacing it.
fn seed_rules(tx: &Transaction<'_>, g: &str) -> StoreResult<()> {
    let current = rules(tx, g)?;
    for r in current.rates {
        tx.execute(
            "INSERT INTO tax_rates (gmina, from_date, basis_points) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![g, day(r.from), r.basis_points],
        )?;
    }
    for t in current.thresholds {
        tx.execute(
            "INSERT INTO tax_thresholds (gmina, from_date, grosze) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![g, day(t.from), t.grosze],
        )?;
    }
    Ok(())
}

const LIABILITY_COLUMNS: &str =
    "id, taxpayer, kind, year, instalment, decision, due_date, amount_grosze, account, payments";

fn liability(r: &Row<'_>) -> rusqlite::Result<LiabilityRecord> {
    let kind: String = r.get(2)?;
    let payments: String = r.get(9)?;
    Ok(LiabilityRecord {
        id: r.get(0)?,
        taxpayer: r.get(1)?,
        kind: LiabilityKind::parse(&kind).ok_or_else(|| bad_column("kind"))?,
        year: r.get(3)?,
        instalment: r.get(4)?,
        decision: r.get(5)?,
        due_date: parse_day(&r.get::<_, String>(6)?)?,
        amount_grosze: r.get(7)?,
        account: r.get(8)?,
        payments: serde_json::from_str::<Vec<BookedPayment>>(&payments).map_err(|_| bad_column("payments"))?,
    })
}

const PAYMENT_COLUMNS: &str = "id, device_id, taxpayer, liability, amount_grosze, status, provider, gateway_token, \
     gateway_order_id, flag, booked, created_at, updated_at, paid_at";

fn payment(r: &Row<'_>) -> rusqlite::Result<PaymentRecord> {
    let status: String = r.get(5)?;
    Ok(PaymentRecord {
        id: r.get(0)?,
        device_id: r.get(1)?,
        taxpayer: r.get(2)?,
        liability: r.get(3)?,
        amount_grosze: r.get(4)?,
        status: PaymentStatus::parse(&status).ok_or_else(|| bad_column("status"))?,
        provider: r.get(6)?,
        gateway_token: r.get(7)?,
        gateway_order_id: r.get(8)?,
        flag: r.get(9)?,
        booked: r.get(10)?,
        created_at: parse_ts(&r.get::<_, String>(11)?)?,
        updated_at: parse_ts(&r.get::<_, String>(12)?)?,
        paid_at: r.get::<_, Option<String>>(13)?.map(|s| parse_ts(&s)).transpose()?,
    })
}

fn get_payment(c: &Connection, g: &str, id: &str) -> StoreResult<Option<PaymentRecord>> {
    Ok(c.prepare_cached(&format!("SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = ?1 AND id = ?2"))?
        .query_row([g, id], payment)
        .optional()?)
}

fn taxpayer_row(r: &Row<'_>) -> rusqlite::Result<Taxpayer> {
    Ok(Taxpayer { id: r.get(0)?, name: r.get(1)? })
}

fn get_taxpayer(c: &Connection, g: &str, id: &str) -> StoreResult<Option<Taxpayer>> {
    Ok(c.prepare_cached("SELECT id, name FROM tax_taxpayers WHERE gmina = ?1 AND id = ?2")?
        .query_row([g, id], taxpayer_row)
        .optional()?)
}

fn import_run(r: &Row<'_>) -> rusqlite::Result<ImportRun> {
    let errors: String = r.get(9)?;
    let errors: Vec<(u64, String)> = serde_json::from_str::<Vec<serde_json::Value>>(&errors)
        .map_err(|_| bad_column("errors"))?
        .into_iter()
        .map(|e| (e["line"].as_u64().unwrap_or(0), e["reason"].as_str().unwrap_or("").to_owned()))
        .collect();
    Ok(ImportRun {
        id: r.get(0)?,
        source: r.get(1)?,
        started_at: parse_ts(&r.get::<_, String>(2)?)?,
        counts: ImportCounts {
            taxpayers_created: r.get::<_, i64>(3)? as u64,
            taxpayers_updated: r.get::<_, i64>(4)? as u64,
            liabilities_created: r.get::<_, i64>(5)? as u64,
            liabilities_updated: r.get::<_, i64>(6)? as u64,
            unchanged: r.get::<_, i64>(7)? as u64,
            payments_booked: r.get::<_, i64>(8)? as u64,
        },
        errors: errors.into_iter().map(|(line, reason)| ImportRowError { line, reason }).collect(),
        refused: r.get(10)?,
    })
}

const RUN_COLUMNS: &str = "id, source, started_at, taxpayers_created, taxpayers_updated, liabilities_created, \
     liabilities_updated, unchanged, payments_booked, errors, refused";

fn errors_json(errors: &[ImportRowError]) -> String {
    serde_json::Value::Array(errors.iter().map(|e| json!({"line": e.line, "reason": e.reason})).collect()).to_string()
}

/// Writes the batch (the caller's transaction) and counts what changed.
fn write_batch(tx: &Transaction<'_>, g: &str, batch: &TaxBatch, now: DateTime<Utc>) -> StoreResult<ImportCounts> {
    let mut counts = ImportCounts::default();
    let at = ts(now);
    for t in &batch.taxpayers {
        let stored: Option<String> = tx
            .prepare_cached("SELECT name FROM tax_taxpayers WHERE gmina = ?1 AND id = ?2")?
            .query_row([g, &t.taxpayer.id], |r| r.get(0))
            .optional()?;
        let mut changed = match stored {
            None => {
                tx.prepare_cached(
                    "INSERT INTO tax_taxpayers (gmina, id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                )?
                .execute(params![g, t.taxpayer.id, t.taxpayer.name, at])?;
                counts.taxpayers_created += 1;
                None
            }
            Some(name) if name != t.taxpayer.name => {
                tx.prepare_cached("UPDATE tax_taxpayers SET name = ?3, updated_at = ?4 WHERE gmina = ?1 AND id = ?2")?
                    .execute(params![g, t.taxpayer.id, t.taxpayer.name, at])?;
                Some(true)
            }
            Some(_) => Some(false),
        };
        if let (Some(hash), Some(expires)) = (&t.code_hash, t.code_expires_at) {
            let new = tx
                .prepare_cached(
                    "INSERT INTO tax_activation_codes (gmina, code_hash, taxpayer, created_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                )?
                .execute(params![g, hash, t.taxpayer.id, at, ts(expires)])?
                > 0;
            if new {
                // The tax system's new code replaces the taxpayer's unused ones.
                tx.prepare_cached(
                    "UPDATE tax_activation_codes SET revoked_at = ?4 WHERE gmina = ?1 AND taxpayer = ?2
                       AND code_hash <> ?3 AND used_at IS NULL AND revoked_at IS NULL",
                )?
                .execute(params![g, t.taxpayer.id, hash, at])?;
                changed = changed.map(|_| true);
            }
        }
        match changed {
            Some(true) => counts.taxpayers_updated += 1,
            Some(false) => counts.unchanged += 1,
            None => {}
        }
    }
    for l in &batch.liabilities {
        if get_taxpayer(tx, g, &l.taxpayer)?.is_none() {
            return Err(StoreError::UnknownReference { field: "taxpayer" });
        }
        let stored = tx
            .prepare_cached(&format!("SELECT {LIABILITY_COLUMNS} FROM tax_liabilities WHERE gmina = ?1 AND id = ?2"))?
            .query_row([g, &l.id], liability)
            .optional()?;
        let payments = serde_json::to_string(&l.payments)?;
        match stored {
            Some(s) if s == *l => counts.unchanged += 1,
            stored => {
                tx.prepare_cached(
                    "INSERT INTO tax_liabilities (gmina, id, taxpayer, kind, year, instalment, decision, due_date,
                         amount_grosze, account, payments, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
                     ON CONFLICT (gmina, id) DO UPDATE SET taxpayer = excluded.taxpayer, kind = excluded.kind,
                         year = excluded.year, instalment = excluded.instalment, decision = excluded.decision,
                         due_date = excluded.due_date, amount_grosze = excluded.amount_grosze,
                         account = excluded.account, payments = excluded.payments, updated_at = excluded.updated_at",
                )?
                .execute(params![
                    g,
                    l.id,
                    l.taxpayer,
                    l.kind.as_str(),
                    l.year,
                    l.instalment,
                    l.decision,
                    day(l.due_date),
                    l.amount_grosze,
                    l.account,
                    payments,
                    at
                ])?;
                if stored.is_some() {
                    counts.liabilities_updated += 1;
                } else {
                    counts.liabilities_created += 1;
                }
            }
        }
    }
    for reference in &batch.booked_references {
        counts.payments_booked += tx
            .prepare_cached("UPDATE tax_payments SET booked = 1, updated_at = ?3 WHERE gmina = ?1 AND id = ?2 AND booked = 0")?
            .execute(params![g, reference, at])? as u64;
    }
    Ok(counts)
}

fn failures_since(c: &Connection, g: &str, device: &str, since: DateTime<Utc>) -> StoreResult<Vec<DateTime<Utc>>> {
    let rows = c
        .prepare_cached(
            "SELECT at FROM tax_activation_failures WHERE gmina = ?1 AND device_id = ?2 AND at > ?3 ORDER BY at DESC",
        )?
        .query_map(params![g, device, ts(since)], |r| parse_ts(&r.get::<_, String>(0)?))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn revoke_unused_codes(tx: &Transaction<'_>, g: &str, taxpayer: &str, at: &str) -> StoreResult<()> {
    tx.execute(
        "UPDATE tax_activation_codes SET revoked_at = ?3 WHERE gmina = ?1 AND taxpayer = ?2
           AND used_at IS NULL AND revoked_at IS NULL",
        params![g, taxpayer, at],
    )?;
    Ok(())
}

fn issue_code(
    tx: &Transaction<'_>,
    g: &str,
    taxpayer: &str,
    hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if get_taxpayer(tx, g, taxpayer)?.is_none() {
        return Err(StoreError::NotFound);
    }
    let at = ts(now);
    revoke_unused_codes(tx, g, taxpayer, &at)?;
    tx.prepare_cached(
        "INSERT INTO tax_activation_codes (gmina, code_hash, taxpayer, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (gmina, code_hash) DO UPDATE SET taxpayer = excluded.taxpayer, created_at = excluded.created_at,
             expires_at = excluded.expires_at, used_at = NULL, used_by = NULL, revoked_at = NULL",
    )?
    .execute(params![g, hash, taxpayer, at, ts(expires_at)])?;
    Ok(())
}

fn device_owns_liability(c: &Connection, g: &str, device: &str, liability: &str) -> StoreResult<Option<String>> {
    Ok(c.prepare_cached(
        "SELECT l.taxpayer FROM tax_liabilities l
           JOIN tax_device_links d ON d.gmina = l.gmina AND d.taxpayer = l.taxpayer
          WHERE l.gmina = ?1 AND d.device_id = ?2 AND l.id = ?3",
    )?
    .query_row([g, device, liability], |r| r.get(0))
    .optional()?)
}

#[async_trait]
impl TaxStore for SqliteStore {
    async fn tax_rules(&self) -> StoreResult<TaxRules> {
        let g = self.scope();
        self.read(move |c| rules(c, &g)).await
    }

    async fn set_tax_rate(&self, actor: Actor, period: RatePeriod, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            seed_rules(tx, &g)?;
            tx.execute(
                "INSERT INTO tax_rates (gmina, from_date, basis_points) VALUES (?1, ?2, ?3)
                 ON CONFLICT (gmina, from_date) DO UPDATE SET basis_points = excluded.basis_points",
                params![g, day(period.from), period.basis_points],
            )?;
            audit(tx, &g, &actor, now, "taxes.rate", "tax_rules", Some(&day(period.from)), json!({}))
        })
        .await
    }

    async fn set_tax_threshold(&self, actor: Actor, period: ThresholdPeriod, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            seed_rules(tx, &g)?;
            tx.execute(
                "INSERT INTO tax_thresholds (gmina, from_date, grosze) VALUES (?1, ?2, ?3)
                 ON CONFLICT (gmina, from_date) DO UPDATE SET grosze = excluded.grosze",
                params![g, day(period.from), period.grosze],
            )?;
            audit(tx, &g, &actor, now, "taxes.threshold", "tax_rules", Some(&day(period.from)), json!({}))
        })
        .await
    }

    async fn import_taxes(
        &self,
        actor: Actor,
        source: &str,
        batch: TaxBatch,
        errors: Vec<ImportRowError>,
        refused: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportRun> {
        let (g, source) = (self.scope(), source.to_owned());
        self.write(move |tx| {
            let counts = if refused { ImportCounts::default() } else { write_batch(tx, &g, &batch, now)? };
            tx.execute(
                "INSERT INTO tax_import_runs (gmina, source, started_at, taxpayers_created, taxpayers_updated,
                     liabilities_created, liabilities_updated, unchanged, payments_booked, errors, refused)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    g,
                    source,
                    ts(now),
                    counts.taxpayers_created as i64,
                    counts.taxpayers_updated as i64,
                    counts.liabilities_created as i64,
                    counts.liabilities_updated as i64,
                    counts.unchanged as i64,
                    counts.payments_booked as i64,
                    errors_json(&errors),
                    refused
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit(tx, &g, &actor, now, "taxes.import", "tax_import_run", Some(&id.to_string()), json!({"refused": refused}))?;
            Ok(ImportRun { id, source, started_at: now, counts, errors, refused })
        })
        .await
    }

    async fn import_runs(&self, limit: u32) -> StoreResult<Vec<ImportRun>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {RUN_COLUMNS} FROM tax_import_runs WHERE gmina = ?1 ORDER BY id DESC LIMIT ?2"
            ))?
            .query_map(params![g, limit as i64], import_run)?
            .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn taxpayer_for_official(
        &self,
        actor: Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Taxpayer, Vec<LiabilityRecord>, Vec<PaymentRecord>)>> {
        let (g, id) = (self.scope(), id.to_owned());
        self.write(move |tx| {
            let Some(taxpayer) = get_taxpayer(tx, &g, &id)? else {
                return Ok(None);
            };
            let liabilities = tx
                .prepare_cached(&format!(
                    "SELECT {LIABILITY_COLUMNS} FROM tax_liabilities WHERE gmina = ?1 AND taxpayer = ?2
                     ORDER BY due_date, id"
                ))?
                .query_map([&g, &id], liability)?
                .collect::<Result<Vec<_>, _>>()?;
            let payments = tx
                .prepare_cached(&format!(
                    "SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = ?1 AND taxpayer = ?2
                     ORDER BY created_at DESC, id"
                ))?
                .query_map([&g, &id], payment)?
                .collect::<Result<Vec<_>, _>>()?;
            audit(tx, &g, &actor, now, "taxes.lookup", "taxpayer", Some(&id), json!({}))?;
            Ok(Some((taxpayer, liabilities, payments)))
        })
        .await
    }

    async fn search_taxpayers(&self, actor: Actor, query: &str, limit: u32, now: DateTime<Utc>) -> StoreResult<Vec<Taxpayer>> {
        let (g, query) = (self.scope(), query.trim().to_owned());
        self.write(move |tx| {
            audit(tx, &g, &actor, now, "taxes.search", "taxpayer", None, json!({"query_chars": query.chars().count()}))?;
            if query.is_empty() {
                return Ok(vec![]);
            }
            let folded = fold(&query);
            let mut found = Vec::new();
            let mut stmt = tx.prepare_cached("SELECT id, name FROM tax_taxpayers WHERE gmina = ?1 ORDER BY id")?;
            let rows = stmt.query_map([&g], taxpayer_row)?;
            for t in rows {
                let t = t?;
                if t.id.starts_with(&query) || fold(&t.name).contains(&folded) {
                    found.push(t);
                    if found.len() >= limit as usize {
                        break;
                    }
                }
            }
            Ok(found)
        })
        .await
    }

    async fn all_taxpayers(&self) -> StoreResult<Vec<Taxpayer>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.prepare_cached("SELECT id, name FROM tax_taxpayers WHERE gmina = ?1 ORDER BY id")?
                .query_map([g], taxpayer_row)?
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn issue_activation_code(
        &self,
        actor: Actor,
        taxpayer: &str,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (g, taxpayer, hash) = (self.scope(), taxpayer.to_owned(), code_hash.to_owned());
        self.write(move |tx| {
            issue_code(tx, &g, &taxpayer, &hash, expires_at, now)?;
            audit(tx, &g, &actor, now, "taxes.code_issued", "taxpayer", Some(&taxpayer), json!({}))
        })
        .await
    }

    async fn issue_activation_codes(
        &self,
        actor: Actor,
        codes: Vec<(String, String)>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let g = self.scope();
        self.write(move |tx| {
            for (taxpayer, hash) in &codes {
                issue_code(tx, &g, taxpayer, hash, expires_at, now)?;
            }
            audit(tx, &g, &actor, now, "taxes.codes_issued", "taxpayer", None, json!({"count": codes.len()}))?;
            Ok(codes.len() as u64)
        })
        .await
    }

    async fn revoke_activation_codes(&self, actor: Actor, taxpayer: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let (g, taxpayer) = (self.scope(), taxpayer.to_owned());
        self.write(move |tx| {
            if get_taxpayer(tx, &g, &taxpayer)?.is_none() {
                return Err(StoreError::NotFound);
            }
            revoke_unused_codes(tx, &g, &taxpayer, &ts(now))?;
            tx.execute("DELETE FROM tax_device_links WHERE gmina = ?1 AND taxpayer = ?2", params![g, taxpayer])?;
            audit(tx, &g, &actor, now, "taxes.code_revoked", "taxpayer", Some(&taxpayer), json!({}))
        })
        .await
    }

    async fn link_device(&self, device_id: &str, code_hash: &str, now: DateTime<Utc>) -> StoreResult<LinkOutcome> {
        let (g, device, hash) = (self.scope(), device_id.to_owned(), code_hash.to_owned());
        self.write(move |tx| {
            let recent = failures_since(tx, &g, &device, now - Duration::minutes(2 * LOCK_MINUTES))?;
            if let Some(until) = lock_state(&recent, now) {
                return Ok(LinkOutcome::Locked { until });
            }
            let at = ts(now);
            let taxpayer: Option<String> = tx
                .prepare_cached(
                    "SELECT taxpayer FROM tax_activation_codes WHERE gmina = ?1 AND code_hash = ?2
                       AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?3",
                )?
                .query_row(params![g, hash, at], |r| r.get(0))
                .optional()?;
            let Some(taxpayer) = taxpayer else {
                tx.prepare_cached("DELETE FROM tax_activation_failures WHERE gmina = ?1 AND device_id = ?2 AND at <= ?3")?
                    .execute(params![g, device, ts(now - Duration::days(1))])?;
                tx.prepare_cached("INSERT INTO tax_activation_failures (gmina, device_id, at) VALUES (?1, ?2, ?3)")?
                    .execute(params![g, device, at])?;
                let failures = failures_since(tx, &g, &device, now - Duration::minutes(LOCK_MINUTES))?.len() as u32;
                return Ok(LinkOutcome::Invalid { failures: failures.min(MAX_FAILED_TRIES) });
            };
            tx.execute(
                "UPDATE tax_activation_codes SET used_at = ?3, used_by = ?4 WHERE gmina = ?1 AND code_hash = ?2",
                params![g, hash, at, device],
            )?;
            tx.execute(
                "INSERT INTO tax_device_links (gmina, device_id, taxpayer, linked_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                params![g, device, taxpayer, at],
            )?;
            tx.execute("DELETE FROM tax_activation_failures WHERE gmina = ?1 AND device_id = ?2", params![g, device])?;
            let taxpayer = get_taxpayer(tx, &g, &taxpayer)?.ok_or(StoreError::NotFound)?;
            Ok(LinkOutcome::Linked(taxpayer))
        })
        .await
    }

    async fn unlink_device(&self, device_id: &str, taxpayer: Option<&str>, _now: DateTime<Utc>) -> StoreResult<bool> {
        let (g, device, taxpayer) = (self.scope(), device_id.to_owned(), taxpayer.map(str::to_owned));
        self.write(move |tx| {
            let n = match taxpayer {
                Some(t) => tx.execute(
                    "DELETE FROM tax_device_links WHERE gmina = ?1 AND device_id = ?2 AND taxpayer = ?3",
                    params![g, device, t],
                )?,
                None => tx.execute("DELETE FROM tax_device_links WHERE gmina = ?1 AND device_id = ?2", params![g, device])?,
            };
            Ok(n > 0)
        })
        .await
    }

    async fn device_taxpayers(&self, device_id: &str) -> StoreResult<Vec<Taxpayer>> {
        let (g, device) = (self.scope(), device_id.to_owned());
        self.read(move |c| {
            Ok(c.prepare_cached(
                // The device's links first (CROSS JOIN, as in device_liabilities).
                "SELECT t.id, t.name FROM tax_device_links d
                  CROSS JOIN tax_taxpayers t ON t.gmina = d.gmina AND t.id = d.taxpayer
                  WHERE d.gmina = ?1 AND d.device_id = ?2 ORDER BY t.id",
            )?
            .query_map([g, device], taxpayer_row)?
            .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn device_liabilities(
        &self,
        device_id: &str,
        only: Option<&str>,
    ) -> StoreResult<Vec<(LiabilityRecord, Vec<AppPaymentSummary>)>> {
        let (g, device, only) = (self.scope(), device_id.to_owned(), only.map(str::to_owned));
        self.read(move |c| {
            let cols = LIABILITY_COLUMNS.split(", ").map(|col| format!("l.{col}")).collect::<Vec<_>>().join(", ");
            let liabilities = c
                .prepare_cached(&format!(
                    // CROSS JOIN: SQLite's way to make the device's links the
                    // outer loop (a household's few taxpayers, then their
                    // liabilities by index); its planner otherwise walked the
                    // gmina's every liability (sqlite.org/optoverview.html#crossjoin).
                    "SELECT {cols} FROM tax_device_links d
                      CROSS JOIN tax_liabilities l ON l.gmina = d.gmina AND l.taxpayer = d.taxpayer
                      WHERE d.gmina = ?1 AND d.device_id = ?2 AND (?3 IS NULL OR l.id = ?3)
                      ORDER BY l.due_date, l.id"
                ))?
                .query_map(params![g, device, only], liability)?
                .collect::<Result<Vec<_>, _>>()?;
            let mut payments: HashMap<String, Vec<AppPaymentSummary>> = HashMap::new();
            {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {PAYMENT_COLUMNS} FROM tax_payments p WHERE p.gmina = ?1 AND p.liability IN
                       (SELECT l.id FROM tax_device_links d
                          CROSS JOIN tax_liabilities l ON l.gmina = d.gmina AND l.taxpayer = d.taxpayer
                         WHERE d.gmina = ?1 AND d.device_id = ?2 AND (?3 IS NULL OR l.id = ?3))
                     ORDER BY p.created_at DESC, p.id"
                ))?;
                for p in stmt.query_map(params![g, device, only], payment)? {
                    let p = p?;
                    payments.entry(p.liability.clone()).or_default().push(p.summary());
                }
            }
            Ok(liabilities
                .into_iter()
                .map(|l| {
                    let app = payments.remove(&l.id).unwrap_or_default();
                    (l, app)
                })
                .collect())
        })
        .await
    }

    async fn create_payment(&self, p: NewPayment, job: Option<NewJob>) -> StoreResult<Result<PaymentRecord, PaymentRecord>> {
        let g = self.scope();
        self.write(move |tx| {
            let first: Option<(String, String)> = tx
                .prepare_cached(
                    "SELECT id, request_hash FROM tax_payments WHERE gmina = ?1 AND device_id = ?2 AND idempotency_key = ?3",
                )?
                .query_row([&g, &p.device_id, &p.idempotency_key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((id, hash)) = first {
                if hash != p.request_hash {
                    return Err(StoreError::IdempotencyConflict);
                }
                return Ok(Err(get_payment(tx, &g, &id)?.ok_or(StoreError::NotFound)?));
            }
            let taxpayer = device_owns_liability(tx, &g, &p.device_id, &p.liability)?.ok_or(StoreError::NotFound)?;
            let at = ts(p.now);
            tx.execute(
                "INSERT INTO tax_payments (id, gmina, device_id, taxpayer, liability, amount_grosze, status, provider,
                     idempotency_key, request_hash, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9, ?10, ?10)",
                params![
                    p.id,
                    g,
                    p.device_id,
                    taxpayer,
                    p.liability,
                    p.amount_grosze,
                    p.provider,
                    p.idempotency_key,
                    p.request_hash,
                    at
                ],
            )?;
            if let Some(job) = &job {
                enqueue(tx, &g, job, p.now)?;
            }
            Ok(Ok(get_payment(tx, &g, &p.id)?.ok_or(StoreError::NotFound)?))
        })
        .await
    }

    async fn payment(&self, id: &str) -> StoreResult<Option<PaymentRecord>> {
        let (g, id) = (self.scope(), id.to_owned());
        self.read(move |c| get_payment(c, &g, &id)).await
    }

    async fn device_payment(&self, device_id: &str, id: &str) -> StoreResult<Option<PaymentRecord>> {
        let (g, id, device) = (self.scope(), id.to_owned(), device_id.to_owned());
        self.read(move |c| Ok(get_payment(c, &g, &id)?.filter(|p| p.device_id == device))).await
    }

    async fn update_payment(&self, id: &str, update: PaymentUpdate, now: DateTime<Utc>) -> StoreResult<bool> {
        let (g, id) = (self.scope(), id.to_owned());
        self.write(move |tx| {
            let p = get_payment(tx, &g, &id)?.ok_or(StoreError::NotFound)?;
            let at = ts(now);
            let (what, moved) = match &update {
                PaymentUpdate::Flag { reason } => {
                    tx.execute(
                        "UPDATE tax_payments SET flag = ?3, updated_at = ?4 WHERE gmina = ?1 AND id = ?2",
                        params![g, id, reason, at],
                    )?;
                    ("flag", true)
                }
                _ if p.status.is_final() => return Ok(false),
                PaymentUpdate::Registered { token } => {
                    tx.execute(
                        "UPDATE tax_payments SET gateway_token = ?3, updated_at = ?4 WHERE gmina = ?1 AND id = ?2",
                        params![g, id, token, at],
                    )?;
                    ("registered", true)
                }
                PaymentUpdate::Paid { order_id, at: paid_at } => {
                    tx.execute(
                        "UPDATE tax_payments SET status = 'paid', gateway_order_id = ?3, paid_at = ?4, updated_at = ?5
                         WHERE gmina = ?1 AND id = ?2",
                        params![g, id, order_id, ts(*paid_at), at],
                    )?;
                    ("paid", true)
                }
                PaymentUpdate::Failed { reason } => {
                    tx.execute(
                        "UPDATE tax_payments SET status = 'failed', failure_reason = ?3, updated_at = ?4
                         WHERE gmina = ?1 AND id = ?2",
                        params![g, id, reason, at],
                    )?;
                    ("failed", true)
                }
                PaymentUpdate::Expired => {
                    tx.execute(
                        "UPDATE tax_payments SET status = 'expired', updated_at = ?3 WHERE gmina = ?1 AND id = ?2",
                        params![g, id, at],
                    )?;
                    ("expired", true)
                }
            };
            audit(tx, &g, &Actor(p.provider.clone()), now, &format!("payments.{what}"), "payment", Some(&id), json!({}))?;
            Ok(moved)
        })
        .await
    }

    async fn payments(&self, filter: PaymentFilter) -> StoreResult<Vec<PaymentRecord>> {
        let g = self.scope();
        self.read(move |c| {
            let limit = if filter.limit == 0 { 100 } else { filter.limit } as i64;
            Ok(c.prepare_cached(&format!(
                "SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = ?1
                   AND (?2 IS NULL OR status = ?2)
                   AND (?3 IS NULL OR (status = 'paid' AND booked = 0 AND paid_at < ?3))
                   AND (?4 = 0 OR flag IS NOT NULL)
                 ORDER BY created_at DESC, id LIMIT ?5"
            ))?
            .query_map(
                params![
                    g,
                    filter.status.map(|s| s.as_str()),
                    filter.unbooked_paid_before.map(ts),
                    filter.flagged_only,
                    limit
                ],
                payment,
            )?
            .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn stale_pending_payments(&self, before: DateTime<Utc>) -> StoreResult<Vec<PaymentRecord>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = ?1 AND status = 'pending' AND created_at < ?2
                 ORDER BY created_at"
            ))?
            .query_map(params![g, ts(before)], payment)?
            .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn enqueue_tax_job(&self, job: NewJob, now: DateTime<Utc>) -> StoreResult<bool> {
        let g = self.scope();
        self.write(move |tx| {
            // One unfinished job of a kind per gmina: a pull still waiting
            // out a `Retry-After` when the next slot begins is not joined
            // by a second one beside it (the slot is pulled after it).
            let unfinished: bool = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM jobs WHERE gmina = ?1 AND kind = ?2 AND state = 'pending')",
                )?
                .query_row(params![g, job.kind], |r| r.get(0))?;
            if unfinished {
                return Ok(false);
            }
            enqueue(tx, &g, &job, now)
        })
        .await
    }
}

//! The taxes tables (schema version 4). Reads take a `&Connection`, writes
//! a `&Transaction`; liabilities are kept whole as their wire JSON beside
//! the columns queries need.

use chrono::{DateTime, Utc};
use mm_protocol::error::Message;
use mm_protocol::taxes::{AppPaymentSummary, LiabilityRecord, Payment, TaxRecipient, TaxRules, Taxpayer};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};

use super::model::TaxPaymentStatus;
use crate::error::Error;
use crate::store::{from_ts, ts};

/// `meta` key of the reminder setting (days before the due date).
pub const REMINDER_DAYS: &str = "tax_reminder_days";

/// The gmina's side of the last liabilities answer.
#[derive(Debug, Clone)]
pub struct Settings {
    pub rules: TaxRules,
    pub recipient: TaxRecipient,
    pub payments_enabled: bool,
    pub fetched_at: DateTime<Utc>,
}

/// A liability as last stated by the server.
#[derive(Debug, Clone)]
pub struct StoredLiability {
    pub record: LiabilityRecord,
    pub app_payments: Vec<AppPaymentSummary>,
}

/// Why the server refused a payment (or why it waits), as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredError {
    pub code: String,
    pub message: Message,
}

#[derive(Debug, Clone)]
pub struct LocalPayment {
    pub id: String,
    pub liability: String,
    pub taxpayer: String,
    pub amount_grosze: i64,
    pub idempotency_key: String,
    pub outbox_id: Option<i64>,
    pub state: TaxPaymentStatus,
    pub server_id: Option<String>,
    pub redirect_url: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub booked: bool,
    pub error: Option<StoredError>,
    pub created_at: DateTime<Utc>,
}

// ---- taxpayers ----

pub fn taxpayers(c: &Connection) -> Result<Vec<Taxpayer>, Error> {
    let mut stmt = c.prepare_cached("SELECT id, name FROM tax_taxpayers ORDER BY name, id")?;
    let rows = stmt.query_map([], |r| Ok(Taxpayer { id: r.get(0)?, name: r.get(1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn is_linked(c: &Connection) -> Result<bool, Error> {
    Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM tax_taxpayers)", [], |r| r.get(0))?)
}

pub fn upsert_taxpayer(tx: &Transaction<'_>, t: &Taxpayer, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO tax_taxpayers (id, name, linked_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name",
        params![t.id, t.name, ts(now)],
    )?;
    Ok(())
}

/// Deletes one taxpayer (or all, `None`) with every row that is theirs:
/// liabilities, payments, and the payments' outbox items not sent yet.
/// Returns the taxpayers deleted.
pub fn delete_taxpayers(tx: &Transaction<'_>, only: Option<&str>) -> Result<usize, Error> {
    let outbox_ids: Vec<i64> = {
        let mut stmt = tx.prepare_cached(
            "SELECT outbox_id FROM tax_payments WHERE outbox_id IS NOT NULL AND (?1 IS NULL OR taxpayer = ?1)",
        )?;
        let rows = stmt.query_map([only], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for id in outbox_ids {
        crate::outbox::remove(tx, id)?;
    }
    tx.execute("DELETE FROM tax_payments WHERE ?1 IS NULL OR taxpayer = ?1", [only])?;
    tx.execute("DELETE FROM tax_liabilities WHERE ?1 IS NULL OR taxpayer = ?1", [only])?;
    Ok(tx.execute("DELETE FROM tax_taxpayers WHERE ?1 IS NULL OR id = ?1", [only])?)
}

// ---- the gmina's rules and recipient ----

pub fn settings(c: &Connection) -> Result<Option<Settings>, Error> {
    let row = c
        .query_row(
            "SELECT rules, recipient, payments_enabled, fetched_at FROM tax_settings WHERE id = 1",
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?, r.get::<_, i64>(3)?)),
        )
        .optional()?;
    let Some((rules, recipient, payments_enabled, fetched_at)) = row else {
        return Ok(None);
    };
    Ok(Some(Settings {
        rules: serde_json::from_str(&rules)?,
        recipient: serde_json::from_str(&recipient)?,
        payments_enabled,
        fetched_at: from_ts(fetched_at),
    }))
}

pub fn save_settings(tx: &Transaction<'_>, s: &Settings) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO tax_settings (id, rules, recipient, payments_enabled, fetched_at) VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET rules = excluded.rules, recipient = excluded.recipient,
             payments_enabled = excluded.payments_enabled, fetched_at = excluded.fetched_at",
        params![
            serde_json::to_string(&s.rules)?,
            serde_json::to_string(&s.recipient)?,
            s.payments_enabled,
            ts(s.fetched_at)
        ],
    )?;
    Ok(())
}

// ---- liabilities ----

fn liability_row(r: &Row<'_>) -> rusqlite::Result<(String, String)> {
    Ok((r.get(0)?, r.get(1)?))
}

fn parse_liability((record, app): (String, String)) -> Result<StoredLiability, Error> {
    Ok(StoredLiability { record: serde_json::from_str(&record)?, app_payments: serde_json::from_str(&app)? })
}

/// Every liability, oldest due date first.
pub fn liabilities(c: &Connection) -> Result<Vec<StoredLiability>, Error> {
    let mut stmt = c.prepare_cached("SELECT record, app_payments FROM tax_liabilities ORDER BY due_date, id")?;
    let rows = stmt.query_map([], liability_row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(parse_liability).collect()
}

pub fn liability(c: &Connection, id: &str) -> Result<Option<StoredLiability>, Error> {
    let row = c
        .query_row("SELECT record, app_payments FROM tax_liabilities WHERE id = ?1", [id], liability_row)
        .optional()?;
    row.map(parse_liability).transpose()
}

/// The taxpayers' liabilities as the server states them now: those it no
/// longer lists are gone (paid off and archived, or the link revoked).
pub fn replace_liabilities(tx: &Transaction<'_>, list: &[StoredLiability]) -> Result<(), Error> {
    tx.execute("DELETE FROM tax_liabilities", [])?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO tax_liabilities (id, taxpayer, due_date, record, app_payments) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for l in list {
        stmt.execute(params![
            l.record.id,
            l.record.taxpayer,
            l.record.due_date.to_string(),
            serde_json::to_string(&l.record)?,
            serde_json::to_string(&l.app_payments)?
        ])?;
    }
    Ok(())
}

// ---- payments made here ----

const PAYMENT_COLUMNS: &str = "id, liability, taxpayer, amount_grosze, idempotency_key, outbox_id, state, server_id,
    redirect_url, paid_at, booked, error, created_at";

fn payment_row(r: &Row<'_>) -> rusqlite::Result<(LocalPayment, Option<String>)> {
    let state: String = r.get(6)?;
    Ok((
        LocalPayment {
            id: r.get(0)?,
            liability: r.get(1)?,
            taxpayer: r.get(2)?,
            amount_grosze: r.get(3)?,
            idempotency_key: r.get(4)?,
            outbox_id: r.get(5)?,
            state: TaxPaymentStatus::parse(&state).unwrap_or(TaxPaymentStatus::Queued),
            server_id: r.get(7)?,
            redirect_url: r.get(8)?,
            paid_at: r.get::<_, Option<i64>>(9)?.map(from_ts),
            booked: r.get(10)?,
            error: None,
            created_at: from_ts(r.get(12)?),
        },
        r.get(11)?,
    ))
}

fn with_error((mut p, error): (LocalPayment, Option<String>)) -> LocalPayment {
    p.error = error.and_then(|e| serde_json::from_str(&e).ok());
    p
}

pub fn payment(c: &Connection, id: &str) -> Result<Option<LocalPayment>, Error> {
    let row = c
        .query_row(&format!("SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE id = ?1"), [id], payment_row)
        .optional()?;
    Ok(row.map(with_error))
}

/// Every payment made here, oldest first.
pub fn payments(c: &Connection) -> Result<Vec<LocalPayment>, Error> {
    let mut stmt = c.prepare_cached(&format!("SELECT {PAYMENT_COLUMNS} FROM tax_payments ORDER BY created_at, id"))?;
    let rows = stmt.query_map([], payment_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows.into_iter().map(with_error).collect())
}

pub fn insert_payment(tx: &Transaction<'_>, p: &LocalPayment) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO tax_payments (id, liability, taxpayer, amount_grosze, idempotency_key, outbox_id, state,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            p.id,
            p.liability,
            p.taxpayer,
            p.amount_grosze,
            p.idempotency_key,
            p.outbox_id,
            p.state.as_str(),
            ts(p.created_at)
        ],
    )?;
    Ok(())
}

/// What the server says of a payment (its answer to the creation, a poll,
/// or the liabilities' `app_payments`). The outbox item is gone by then.
pub fn update_from_server(tx: &Transaction<'_>, local_id: &str, p: &Payment, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "UPDATE tax_payments SET server_id = ?2, state = ?3, redirect_url = ?4, receipt_url = ?5, paid_at = ?6,
             booked = ?7, outbox_id = NULL, error = NULL, updated_at = ?8
         WHERE id = ?1",
        params![
            local_id,
            p.id,
            TaxPaymentStatus::from_wire(p.status).as_str(),
            p.redirect_url,
            p.receipt_url,
            p.paid_at.map(ts),
            p.booked,
            ts(now)
        ],
    )?;
    Ok(())
}

/// The state of a payment known by its server id, from the liabilities'
/// summaries (a payment finished while the app was closed).
pub fn update_summary(tx: &Transaction<'_>, s: &AppPaymentSummary, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "UPDATE tax_payments SET state = ?2, booked = ?3,
             paid_at = COALESCE(paid_at, ?4), updated_at = ?5
         WHERE server_id = ?1",
        params![
            s.id,
            TaxPaymentStatus::from_wire(s.status).as_str(),
            s.booked,
            s.paid_on.and_then(|d| d.and_hms_opt(12, 0, 0)).map(|t| t.and_utc().timestamp()),
            ts(now)
        ],
    )?;
    Ok(())
}

/// A failed send: `refused` (the server will never take it as it is) or
/// still `queued` with the reason it waits.
pub fn record_failure(
    tx: &Transaction<'_>,
    local_id: &str,
    error: &StoredError,
    refused: bool,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "UPDATE tax_payments SET error = ?2, state = CASE WHEN ?3 THEN 'refused' ELSE state END, updated_at = ?4
         WHERE id = ?1",
        params![local_id, serde_json::to_string(error)?, refused, ts(now)],
    )?;
    Ok(())
}

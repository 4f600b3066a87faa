//! The consultations' tables (schema version 6): the list and summaries
//! as fetched (wire JSON), the drafts, and this device's responses.

use chrono::{DateTime, Utc};
use mm_protocol::consultations::wire::{AnswerReceipt, PublicSummary};
use mm_protocol::consultations::{Answers, Consultation, NormalAnswers};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::model::ResponseState;
use crate::budget::store::StoredError;
use crate::error::Error;
use crate::store::{from_ts, ts};

fn touch(tx: &Transaction<'_>, what: &str, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO consultation_fetches (what, fetched_at) VALUES (?1, ?2)
         ON CONFLICT (what) DO UPDATE SET fetched_at = excluded.fetched_at",
        params![what, ts(now)],
    )?;
    Ok(())
}

pub fn fetched_at(c: &Connection, what: &str) -> Result<Option<DateTime<Utc>>, Error> {
    Ok(c.query_row("SELECT fetched_at FROM consultation_fetches WHERE what = ?1", [what], |r| r.get::<_, i64>(0))
        .optional()?
        .map(from_ts))
}

/// Replaces the list with the server's (one it no longer lists goes, with
/// its summary and draft; my response stays).
pub fn save_list(tx: &Transaction<'_>, list: &[Consultation], now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute("DELETE FROM consultations", [])?;
    for c in list {
        tx.execute(
            "INSERT OR REPLACE INTO consultations (id, opens_at, body) VALUES (?1, ?2, ?3)",
            params![c.id, ts(c.opens_at), serde_json::to_string(c)?],
        )?;
    }
    tx.execute("DELETE FROM consultation_summaries WHERE consultation NOT IN (SELECT id FROM consultations)", [])?;
    tx.execute("DELETE FROM consultation_drafts WHERE consultation NOT IN (SELECT id FROM consultations)", [])?;
    touch(tx, "list", now)
}

pub fn list(c: &Connection) -> Result<Vec<Consultation>, Error> {
    let mut stmt = c.prepare_cached("SELECT body FROM consultations ORDER BY opens_at DESC, id DESC")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body?)?);
    }
    Ok(out)
}

pub fn get(c: &Connection, id: i64) -> Result<Option<Consultation>, Error> {
    let body: Option<String> =
        c.query_row("SELECT body FROM consultations WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

pub fn save_summary(tx: &Transaction<'_>, s: &PublicSummary, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT OR REPLACE INTO consultation_summaries (consultation, body) VALUES (?1, ?2)",
        params![s.summary.consultation, serde_json::to_string(s)?],
    )?;
    touch(tx, &format!("summary:{}", s.summary.consultation), now)
}

pub fn summary(c: &Connection, id: i64) -> Result<Option<PublicSummary>, Error> {
    let body: Option<String> = c
        .query_row("SELECT body FROM consultation_summaries WHERE consultation = ?1", [id], |r| r.get(0))
        .optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

pub fn draft(c: &Connection, id: i64) -> Result<Answers, Error> {
    let body: Option<String> = c
        .query_row("SELECT answers FROM consultation_drafts WHERE consultation = ?1", [id], |r| r.get(0))
        .optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?.unwrap_or_default())
}

pub fn save_draft(tx: &Transaction<'_>, id: i64, answers: &Answers, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO consultation_drafts (consultation, answers, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (consultation) DO UPDATE SET answers = excluded.answers, updated_at = excluded.updated_at",
        params![id, serde_json::to_string(answers)?, ts(now)],
    )?;
    Ok(())
}

pub fn delete_draft(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM consultation_drafts WHERE consultation = ?1", [id])?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct LocalResponse {
    pub consultation: i64,
    pub state: ResponseState,
    pub answers: NormalAnswers,
    pub receipt: Option<AnswerReceipt>,
    pub error: Option<StoredError>,
    pub created_at: DateTime<Utc>,
}

pub fn response(c: &Connection, id: i64) -> Result<Option<LocalResponse>, Error> {
    type Row = (String, String, Option<String>, Option<String>, i64);
    let row: Option<Row> = c
        .query_row(
            "SELECT state, answers, receipt, error, created_at FROM consultation_responses WHERE consultation = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((state, answers, receipt, error, created_at)) = row else { return Ok(None) };
    Ok(Some(LocalResponse {
        consultation: id,
        state: ResponseState::parse(&state),
        answers: serde_json::from_str(&answers)?,
        receipt: receipt.map(|r| serde_json::from_str(&r)).transpose()?,
        error: error.map(|e| serde_json::from_str(&e)).transpose()?,
        created_at: from_ts(created_at),
    }))
}

/// A new response (`queued`), replacing a refused one.
pub fn insert_response(
    tx: &Transaction<'_>,
    id: i64,
    outbox_id: i64,
    answers: &NormalAnswers,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT OR REPLACE INTO consultation_responses
            (consultation, state, outbox_id, answers, receipt, error, created_at, updated_at)
         VALUES (?1, 'queued', ?2, ?3, NULL, NULL, ?4, ?4)",
        params![id, outbox_id, serde_json::to_string(answers)?, ts(now)],
    )?;
    Ok(())
}

pub fn response_sent(tx: &Transaction<'_>, id: i64, receipt: &AnswerReceipt, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "UPDATE consultation_responses SET state = 'sent', outbox_id = NULL, receipt = ?2, error = NULL, updated_at = ?3
         WHERE consultation = ?1",
        params![id, serde_json::to_string(receipt)?, ts(now)],
    )?;
    Ok(())
}

pub fn response_refused(tx: &Transaction<'_>, id: i64, error: &StoredError, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "UPDATE consultation_responses SET state = 'refused', outbox_id = NULL, error = ?2, updated_at = ?3
         WHERE consultation = ?1",
        params![id, serde_json::to_string(error)?, ts(now)],
    )?;
    Ok(())
}

pub fn response_waiting(tx: &Transaction<'_>, id: i64, error: &StoredError, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "UPDATE consultation_responses SET error = ?2, updated_at = ?3 WHERE consultation = ?1 AND state = 'queued'",
        params![id, serde_json::to_string(error)?, ts(now)],
    )?;
    Ok(())
}

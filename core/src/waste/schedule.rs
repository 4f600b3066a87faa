//! An address's schedule: `GET /api/v1/waste/schedule` (public, no device
//! token: the server keeps nothing of the query) and the `waste_schedules`
//! cache every screen and reminder reads, offline too.

use chrono::{DateTime, Utc};
use mm_protocol::waste::{ScheduleQuery, ScheduleResponse};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::addresses::building_code;
use crate::error::Error;
use crate::store::{from_ts, ts};
use crate::sync::client::{Http, HttpError};

/// The server's answer about an address.
#[derive(Debug)]
pub enum Answer {
    Schedule(ScheduleResponse),
    /// 404 `not_found`: no zone covers it (`ResolveError::Unresolved`).
    Unknown,
    /// 400 `invalid_field` on `building`: a house and a block there are in
    /// different zones (`ResolveError::BuildingTypeNeeded`).
    BuildingTypeNeeded,
}

/// The query pairs of `ScheduleQuery`, as the server's route reads them.
pub fn pairs(q: &ScheduleQuery) -> Vec<(&'static str, String)> {
    let mut out = vec![("locality", q.locality.trim().to_owned())];
    if let Some(s) = q.street.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        out.push(("street", s.to_owned()));
    }
    out.push(("number", q.number.trim().to_owned()));
    if let Some(b) = building_code(q.building) {
        out.push(("building", b.to_owned()));
    }
    out
}

pub async fn fetch(http: &Http, base: &str, q: &ScheduleQuery) -> Result<Answer, HttpError> {
    match http.get(base, "/waste/schedule", &pairs(q)).await {
        Ok(text) => serde_json::from_str(&text)
            // Without serde's message: it would quote the address.
            .map(Answer::Schedule)
            .map_err(|e| HttpError::Network(format!("bad schedule answer at line {} column {}", e.line(), e.column()))),
        Err(HttpError::Status { status: 404, .. }) => Ok(Answer::Unknown),
        Err(HttpError::Status { status: 400, api: Some(api) }) if api.field.as_deref() == Some("building") => {
            Ok(Answer::BuildingTypeNeeded)
        }
        Err(e) => Err(e),
    }
}

pub fn save(tx: &Transaction<'_>, address: i64, s: &ScheduleResponse, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO waste_schedules (address, body, fetched_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(address) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
        params![address, serde_json::to_string(s)?, ts(now)],
    )?;
    Ok(())
}

/// Forgets a schedule that no longer applies (the address lost its zone):
/// no reminder for a day that is not the address's any more.
pub fn forget(tx: &Transaction<'_>, address: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM waste_schedules WHERE address = ?1", [address])?;
    Ok(())
}

/// The cached schedule and when it was fetched.
pub fn get(c: &Connection, address: i64) -> Result<Option<(ScheduleResponse, DateTime<Utc>)>, Error> {
    let row = c
        .query_row("SELECT body, fetched_at FROM waste_schedules WHERE address = ?1", [address], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?;
    match row {
        Some((body, at)) => Ok(Some((serde_json::from_str(&body)?, from_ts(at)))),
        None => Ok(None),
    }
}

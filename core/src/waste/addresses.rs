//! The `waste_addresses` table (schema version 8): the resident's
//! addresses, with where their last check stands. Reads take a
//! `&Connection`, writes a `&Transaction`.

use chrono::{DateTime, Utc};
use mm_protocol::waste::BuildingType;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::model::AddressCheck;
use crate::error::Error;
use crate::store::{from_ts, ts};

/// An address as stored (the screen's record adds the schedule's zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAddress {
    pub id: i64,
    pub label: String,
    pub locality: String,
    pub street: Option<String>,
    pub number: String,
    pub building: Option<BuildingType>,
    pub check: AddressCheck,
    pub created_at: DateTime<Utc>,
}

/// The address's query on the wire (`GET /waste/schedule?…`).
impl StoredAddress {
    pub fn query(&self) -> mm_protocol::waste::ScheduleQuery {
        mm_protocol::waste::ScheduleQuery {
            locality: self.locality.clone(),
            street: self.street.clone(),
            number: self.number.clone(),
            building: self.building,
        }
    }
}

pub fn building_code(b: Option<BuildingType>) -> Option<&'static str> {
    match b {
        Some(BuildingType::SingleFamily) => Some("single_family"),
        Some(BuildingType::MultiFamily) => Some("multi_family"),
        Some(BuildingType::Any) | None => None,
    }
}

fn building_of(code: Option<String>) -> Option<BuildingType> {
    match code.as_deref() {
        Some("single_family") => Some(BuildingType::SingleFamily),
        Some("multi_family") => Some(BuildingType::MultiFamily),
        _ => None,
    }
}

const COLUMNS: &str = "id, label, locality, street, number, building, state, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<StoredAddress> {
    Ok(StoredAddress {
        id: r.get(0)?,
        label: r.get(1)?,
        locality: r.get(2)?,
        street: r.get(3)?,
        number: r.get(4)?,
        building: building_of(r.get(5)?),
        check: AddressCheck::parse(&r.get::<_, String>(6)?),
        created_at: from_ts(r.get(7)?),
    })
}

/// In the order they were added.
pub fn list(c: &Connection) -> Result<Vec<StoredAddress>, Error> {
    let mut stmt = c.prepare_cached(&format!("SELECT {COLUMNS} FROM waste_addresses ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(c: &Connection, id: i64) -> Result<Option<StoredAddress>, Error> {
    Ok(c.query_row(&format!("SELECT {COLUMNS} FROM waste_addresses WHERE id = ?1"), [id], from_row).optional()?)
}

pub fn any(c: &Connection) -> Result<bool, Error> {
    Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM waste_addresses)", [], |r| r.get(0))?)
}

/// Stores a new address; its id.
pub fn insert(tx: &Transaction<'_>, a: &StoredAddress) -> Result<i64, Error> {
    tx.execute(
        "INSERT INTO waste_addresses (label, locality, street, number, building, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![a.label, a.locality, a.street, a.number, building_code(a.building), a.check.as_str(), ts(a.created_at)],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn set_check(tx: &Transaction<'_>, id: i64, check: AddressCheck) -> Result<(), Error> {
    tx.execute("UPDATE waste_addresses SET state = ?2 WHERE id = ?1", params![id, check.as_str()])?;
    Ok(())
}

/// Removes an address with its cached schedule (ON DELETE CASCADE).
pub fn remove(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    if tx.execute("DELETE FROM waste_addresses WHERE id = ?1", [id])? == 0 {
        return Err(Error::not_found(format!("waste address {id}")));
    }
    Ok(())
}

//! This install's registration (`POST /api/v1/devices`). The token it
//! returns authenticates the install's later writes. Registration goes
//! through the outbox like any write, so it happens when the server is
//! first reachable and never twice.

use chrono::{DateTime, Utc};
use mm_protocol::devices::{DeviceRegistered, RegisterDevice};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::CoreError;
use crate::outbox;
use crate::store::ts;

pub fn save(tx: &Transaction, d: &DeviceRegistered, now: DateTime<Utc>) -> Result<(), CoreError> {
    tx.execute(
        "INSERT INTO device (id, device_id, token, registered_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET device_id = excluded.device_id, token = excluded.token,
             registered_at = excluded.registered_at",
        params![d.device_id, d.token, ts(now)],
    )?;
    Ok(())
}

pub fn token(conn: &Connection) -> Result<Option<String>, CoreError> {
    Ok(conn
        .query_row("SELECT token FROM device WHERE id = 1", [], |r| r.get(0))
        .optional()?)
}

pub fn is_registered(conn: &Connection) -> Result<bool, CoreError> {
    Ok(token(conn)?.is_some())
}

/// Queues a registration unless the install is registered or one is queued.
pub fn ensure_queued(
    tx: &Transaction,
    request: &RegisterDevice,
    now: DateTime<Utc>,
) -> Result<bool, CoreError> {
    if is_registered(tx)? || outbox::has_kind(tx, outbox::Kind::RegisterDevice)? {
        return Ok(false);
    }
    outbox::enqueue(tx, outbox::Kind::RegisterDevice, request, now)?;
    Ok(true)
}

/// Forgets the registration (the server changed): the next flush registers anew.
pub fn forget(tx: &Transaction) -> Result<(), CoreError> {
    tx.execute("DELETE FROM device", [])?;
    tx.execute(
        "DELETE FROM outbox WHERE kind = ?1",
        [outbox::Kind::RegisterDevice.as_str()],
    )?;
    Ok(())
}

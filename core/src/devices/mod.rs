//! This install's registration (`POST /api/v1/devices`). The token it
//! returns authenticates the install's later writes. Registration goes
//! through the outbox like any write, so it happens when the server is
//! first reachable and never twice.

use chrono::{DateTime, Utc};
use mm_protocol::devices::{DeviceRegistered, RegisterDevice};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::Error;
use crate::outbox;
use crate::store::{meta, ts};

pub fn save(tx: &Transaction<'_>, d: &DeviceRegistered, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO device (id, device_id, token, registered_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET device_id = excluded.device_id, token = excluded.token,
             registered_at = excluded.registered_at",
        params![d.device_id, d.token, ts(now)],
    )?;
    Ok(())
}

pub fn token(conn: &Connection) -> Result<Option<String>, Error> {
    Ok(conn
        .query_row("SELECT token FROM device WHERE id = 1", [], |r| r.get(0))
        .optional()?)
}

pub fn is_registered(conn: &Connection) -> Result<bool, Error> {
    Ok(token(conn)?.is_some())
}

/// `meta` key: the registration request this install sends, kept so that
/// the outbox can register again on its own (see [`replace_dead_token`]).
const REGISTRATION_REQUEST: &str = "device_registration_request";

/// Queues a registration unless the install is registered or one is
/// pending. A refused (failed) registration never blocks a new one: it is
/// replaced, so the writes waiting for a token are not stuck for ever.
pub fn ensure_queued(
    tx: &Transaction<'_>,
    request: &RegisterDevice,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    meta::set(tx, REGISTRATION_REQUEST, &serde_json::to_string(request)?)?;
    if is_registered(tx)? || outbox::has_pending(tx, outbox::Kind::RegisterDevice)? {
        return Ok(false);
    }
    tx.execute(
        "DELETE FROM outbox WHERE kind = ?1",
        [outbox::Kind::RegisterDevice.as_str()],
    )?;
    outbox::enqueue(tx, outbox::Kind::RegisterDevice, request, now)?;
    Ok(true)
}

/// The server refused our token (401): drops it and queues a registration
/// with the request last used. False when there is none to send (a store
/// no `Core` has opened), so the caller treats the 401 as final.
pub fn replace_dead_token(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<bool, Error> {
    let Some(request) = meta::get(tx, REGISTRATION_REQUEST)? else {
        return Ok(false);
    };
    let request: RegisterDevice = serde_json::from_str(&request)?;
    forget(tx)?;
    outbox::enqueue(tx, outbox::Kind::RegisterDevice, &request, now)?;
    Ok(true)
}

/// Forgets the registration (the server changed): the next flush registers anew.
pub fn forget(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.execute("DELETE FROM device", [])?;
    tx.execute(
        "DELETE FROM outbox WHERE kind = ?1",
        [outbox::Kind::RegisterDevice.as_str()],
    )?;
    Ok(())
}

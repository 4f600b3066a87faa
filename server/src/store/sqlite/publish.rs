//! The two logs every write shares: the sync publication log
//! (`public_items`) and the officials' audit log.

use chrono::{DateTime, Utc};
use mm_protocol::sync::{Collection, Item};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{parse_ts, ts};
use crate::audit::model::AuditEntry;
use crate::store::{Actor, StoreResult};

pub fn max_seq(c: &Connection) -> StoreResult<u64> {
    let max: i64 = c.query_row("SELECT COALESCE(MAX(seq), 0) FROM public_items", [], |r| {
        r.get(0)
    })?;
    Ok(max as u64)
}

/// Stores `item` as the entity's latest state in gmina `g`'s feed under
/// the next seq (one sequence for every gmina). One writer means seq order
/// is commit order.
pub fn publish(tx: &Transaction<'_>, g: &str, item: &Item) -> StoreResult<u64> {
    let body = serde_json::to_string(item)?;
    put(tx, g, item.collection(), &item.id(), Some(body))
}

/// Replaces the entity's latest state with a tombstone under the next seq.
pub fn tombstone(tx: &Transaction<'_>, g: &str, collection: Collection, id: &str) -> StoreResult<u64> {
    put(tx, g, collection, id, None)
}

fn put(
    tx: &Transaction<'_>,
    g: &str,
    collection: Collection,
    id: &str,
    body: Option<String>,
) -> StoreResult<u64> {
    let seq = max_seq(tx)? + 1;
    tx.execute(
        "INSERT INTO public_items (gmina, collection, id, seq, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (gmina, collection, id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
        params![g, collection.as_str(), id, seq as i64, body],
    )?;
    Ok(seq)
}

/// Appends to gmina `g`'s audit log.
// One argument per column of the row: a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn audit(
    tx: &Transaction<'_>,
    g: &str,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    details: serde_json::Value,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO audit_log (gmina, at, actor, action, entity, entity_id, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![g, ts(at), actor.0, action, entity, entity_id, details.to_string()],
    )?;
    Ok(())
}

pub fn list_audit(c: &Connection, g: &str, limit: u32) -> StoreResult<Vec<AuditEntry>> {
    let mut stmt = c.prepare(
        "SELECT id, at, actor, action, entity, entity_id, details FROM audit_log WHERE gmina = ?1
         ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![g, limit as i64], |r| {
        let details: String = r.get(6)?;
        Ok(AuditEntry {
            id: r.get(0)?,
            at: parse_ts(&r.get::<_, String>(1)?)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            entity: r.get(4)?,
            entity_id: r.get(5)?,
            details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get_setting(c: &Connection, g: &str, key: &str) -> StoreResult<Option<String>> {
    Ok(
        c.query_row("SELECT value FROM settings WHERE gmina = ?1 AND key = ?2", [g, key], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub fn set_setting(tx: &Transaction<'_>, g: &str, key: &str, value: &str) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO settings (gmina, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (gmina, key) DO UPDATE SET value = excluded.value",
        params![g, key, value],
    )?;
    Ok(())
}

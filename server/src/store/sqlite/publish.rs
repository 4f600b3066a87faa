//! The two logs every write shares: the sync publication log
//! (`public_items`) and the officials' audit log.

use chrono::{DateTime, Utc};
use mm_protocol::sync::{Collection, Item};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{parse_ts, ts};
use crate::audit::chain;
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

/// Appends to gmina `g`'s audit log, chained onto the gmina's last entry
/// (`audit::chain`). The single writer (one IMMEDIATE transaction at a
/// time, other processes included) makes the last entry read here the
/// one this entry follows at COMMIT.
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
    let (at, details) = (ts(at), details.to_string());
    let (seq, prev_hash) = chain::next_link(chain_head(tx, g)?);
    let fields = chain::Fields { gmina: g, seq, at: &at, actor: &actor.0, action, entity, entity_id, details: &details };
    let hash = chain::entry_hash(&fields, &prev_hash);
    tx.execute(
        "INSERT INTO audit_log (gmina, at, actor, action, entity, entity_id, details, chain_seq, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![g, at, actor.0, action, entity, entity_id, details, seq, prev_hash, hash],
    )?;
    Ok(())
}

/// The place and hash of gmina `g`'s last entry (`None`: no entry yet).
fn chain_head(c: &Connection, g: &str) -> StoreResult<Option<(Option<i64>, Option<String>)>> {
    Ok(c
        .query_row(
            "SELECT chain_seq, hash FROM audit_log WHERE gmina = ?1 ORDER BY id DESC LIMIT 1",
            [g],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Chains the entries written before the log was a chain (migration 24),
/// each gmina's in id order, which was their commit order (one writer).
/// Written for the schema of that migration: a later change to
/// `audit_log`'s columns must keep a copy of this as it shipped.
pub fn chain_unchained(tx: &Transaction<'_>) -> StoreResult<u64> {
    let gminas: Vec<String> = tx
        .prepare("SELECT DISTINCT gmina FROM audit_log WHERE hash IS NULL ORDER BY gmina")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut chained = 0;
    for g in gminas {
        let rows = chain_page(tx, &g, 0, u32::MAX)?;
        let mut head: Option<(Option<i64>, Option<String>)> = None;
        for mut e in rows {
            if e.hash.is_none() {
                let (seq, prev_hash) = chain::next_link(head.clone());
                let hash = chain::entry_hash(&e.fields(seq), &prev_hash);
                tx.execute(
                    "UPDATE audit_log SET chain_seq = ?1, prev_hash = ?2, hash = ?3 WHERE id = ?4",
                    params![seq, prev_hash, hash, e.id],
                )?;
                (e.seq, e.hash) = (Some(seq), Some(hash));
                chained += 1;
            }
            head = Some((e.seq, e.hash));
        }
    }
    Ok(chained)
}

/// The deployment's gminas that have audit entries.
pub fn chain_gminas(c: &Connection) -> StoreResult<Vec<String>> {
    Ok(c.prepare("SELECT DISTINCT gmina FROM audit_log ORDER BY gmina")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// Gmina `g`'s entries above id `after`, oldest first, as stored.
pub fn chain_page(c: &Connection, g: &str, after: i64, limit: u32) -> StoreResult<Vec<chain::StoredEntry>> {
    let mut stmt = c.prepare(
        "SELECT id, gmina, at, actor, action, entity, entity_id, details, chain_seq, prev_hash, hash
         FROM audit_log WHERE gmina = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![g, after, i64::from(limit)], |r| {
        Ok(chain::StoredEntry {
            id: r.get(0)?,
            gmina: r.get(1)?,
            at: r.get(2)?,
            actor: r.get(3)?,
            action: r.get(4)?,
            entity: r.get(5)?,
            entity_id: r.get(6)?,
            details: r.get(7)?,
            seq: r.get(8)?,
            prev_hash: r.get(9)?,
            hash: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
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

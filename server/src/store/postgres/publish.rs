//! The two logs every write shares: the sync publication log
//! (`public_items`) and the officials' audit log; and the settings.
//!
//! Seq order is commit order (docs/DESIGN.md, "Sync"): a sync reader that
//! has seen seq N must never later find a committed row below N. SQLite
//! gets that from its one writer. Here several transactions on several
//! instances write at once, and a sequence would hand out numbers in
//! start order, not commit order (a reader could page past 11 while 10 is
//! still uncommitted, and never see 10). So every transaction that appends
//! takes the transaction-level advisory lock [`PUBLICATION_LOCK`] first
//! and only then reads `max(seq) + 1`: the next publisher waits until this
//! one committed (PostgreSQL marks a transaction committed before it
//! releases its locks), and its statement's fresh READ COMMITTED snapshot
//! sees this one's rows. Committed seqs therefore always form a prefix.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::sync::{Collection, Item};

use super::{Tx, parse_time, ts};
use crate::audit::model::AuditEntry;
use crate::store::{Actor, StoreResult};

/// `pg_advisory_xact_lock` key of the publication log ("mm_seq").
pub(crate) const PUBLICATION_LOCK: i64 = 0x6d6d_5f73_6571;
/// The `NOTIFY` channel that tells other instances the new highest seq.
pub(crate) const SEQ_CHANNEL: &str = "mm_seq";
/// The `NOTIFY` channel that tells other instances' workers a job is ready.
pub(crate) const JOBS_CHANNEL: &str = "mm_jobs";

/// Takes the publication lock for the rest of the transaction. Writes
/// that read before they publish (check, then write) take it first, so
/// what they read cannot change under them before they publish.
pub async fn lock(tx: &Tx<'_>) -> StoreResult<()> {
    tx.c.execute("SELECT pg_advisory_xact_lock($1)", &[&PUBLICATION_LOCK]).await?;
    Ok(())
}

pub async fn max_seq(c: &impl GenericClient) -> StoreResult<u64> {
    let max: i64 = c.query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM public_items", &[]).await?.get(0);
    Ok(super::count(max))
}

/// Stores `item` as the entity's latest state in gmina `g`'s feed under
/// the next seq (one sequence for every gmina).
pub async fn publish(tx: &Tx<'_>, g: &str, item: &Item) -> StoreResult<u64> {
    let body = serde_json::to_string(item)?;
    put(tx, g, item.collection(), &item.id(), Some(body)).await
}

/// Replaces the entity's latest state with a tombstone under the next seq.
pub async fn tombstone(tx: &Tx<'_>, g: &str, collection: Collection, id: &str) -> StoreResult<u64> {
    put(tx, g, collection, id, None).await
}

async fn put(tx: &Tx<'_>, g: &str, collection: Collection, id: &str, body: Option<String>) -> StoreResult<u64> {
    lock(tx).await?;
    let seq = max_seq(&tx.c).await? + 1;
    let seq_i = i64::try_from(seq).unwrap_or(i64::MAX);
    tx.c.execute(
        "INSERT INTO public_items (gmina, collection, id, seq, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (gmina, collection, id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
        &[&g, &collection.as_str(), &id, &seq_i, &body],
    )
    .await?;
    tx.published(seq);
    Ok(seq)
}

/// Appends to gmina `g`'s audit log.
// One argument per column of the row: a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn audit(
    tx: &Tx<'_>,
    g: &str,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    details: serde_json::Value,
) -> StoreResult<()> {
    tx.c.execute(
        "INSERT INTO audit_log (gmina, at, actor, action, entity, entity_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&g, &ts(at), &actor.0, &action, &entity, &entity_id, &details.to_string()],
    )
    .await?;
    Ok(())
}

pub async fn list_audit(c: &impl GenericClient, g: &str, limit: u32) -> StoreResult<Vec<AuditEntry>> {
    let rows = c
        .query(
            "SELECT id, at, actor, action, entity, entity_id, details FROM audit_log WHERE gmina = $1
             ORDER BY id DESC LIMIT $2",
            &[&g, &i64::from(limit)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let details: String = r.get(6);
            Ok(AuditEntry {
                id: r.get(0),
                at: parse_time(r.get(1))?,
                actor: r.get(2),
                action: r.get(3),
                entity: r.get(4),
                entity_id: r.get(5),
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
            })
        })
        .collect()
}

pub async fn get_setting(c: &impl GenericClient, g: &str, key: &str) -> StoreResult<Option<String>> {
    Ok(c.query_opt("SELECT value FROM settings WHERE gmina = $1 AND key = $2", &[&g, &key]).await?.map(|r| r.get(0)))
}

pub async fn set_setting(tx: &Tx<'_>, g: &str, key: &str, value: &str) -> StoreResult<()> {
    tx.c.execute(
        "INSERT INTO settings (gmina, key, value) VALUES ($1, $2, $3)
         ON CONFLICT (gmina, key) DO UPDATE SET value = excluded.value",
        &[&g, &key, &value],
    )
    .await?;
    Ok(())
}

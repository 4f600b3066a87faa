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
use crate::audit::chain;
use crate::audit::model::AuditEntry;
use crate::store::{Actor, StoreError, StoreResult};

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

/// Appends to gmina `g`'s audit log when the transaction commits
/// ([`append_audit`]), chained onto the gmina's last entry then.
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
    tx.audit(PendingAudit {
        gmina: g.to_owned(),
        at: ts(at),
        actor: actor.0.clone(),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id: entity_id.map(str::to_owned),
        details: details.to_string(),
    });
    Ok(())
}

/// An audit entry a transaction holds until its COMMIT.
#[derive(Debug)]
pub(crate) struct PendingAudit {
    gmina: String,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    details: String,
}

/// `pg_advisory_xact_lock(key1, key2)` class of the audit chains ("mmau");
/// the second key is the gmina's. Two-key locks never collide with the
/// one-key [`PUBLICATION_LOCK`] (PostgreSQL keeps the spaces apart).
const AUDIT_LOCK_CLASS: i32 = 0x6d6d_6175;

/// The second lock key of gmina `g`: its TERYT code is seven digits,
/// which fit; anything else is hashed (a collision only makes two gminas
/// wait for each other).
fn audit_lock_key(g: &str) -> i32 {
    g.parse::<i32>().unwrap_or_else(|_| {
        use sha2::Digest;
        let d = sha2::Sha256::digest(g.as_bytes());
        i32::from_be_bytes([d[0], d[1], d[2], d[3]])
    })
}

/// Writes the transaction's audit entries, last thing before COMMIT
/// (`Tx::commit`). Each gmina's chain must be appended in commit order:
/// two transactions that both read the same last entry would both chain
/// onto it. So each takes its gminas' chain locks first (transaction
/// advisory locks, held until COMMIT), then reads the last entry: the next
/// writer of that gmina waits until this one committed, and its fresh
/// READ COMMITTED snapshot then sees this one's entries. Ids, drawn after
/// the lock, grow in chain order too. Taken here, at the end, the chain
/// lock is the last lock a transaction asks for, so it never closes a
/// deadlock cycle with the publication lock or row locks taken earlier,
/// and it is held only for these inserts and the COMMIT. Gminas are
/// locked in TERYT order, so two transactions auditing the same two
/// gminas cannot wait for each other either.
pub(crate) async fn append_audit(tx: &Tx<'_>, entries: Vec<PendingAudit>) -> StoreResult<()> {
    let mut gminas: Vec<&str> = entries.iter().map(|e| e.gmina.as_str()).collect();
    gminas.sort_unstable();
    gminas.dedup();
    let mut heads = std::collections::HashMap::new();
    for g in gminas {
        tx.c.execute("SELECT pg_advisory_xact_lock($1, $2)", &[&AUDIT_LOCK_CLASS, &audit_lock_key(g)]).await?;
        let head = tx
            .c
            .query_opt("SELECT chain_seq, hash FROM audit_log WHERE gmina = $1 ORDER BY id DESC LIMIT 1", &[&g])
            .await?
            .map(|r| (r.get::<_, Option<i64>>(0), r.get::<_, Option<String>>(1)));
        heads.insert(g.to_owned(), head);
    }
    let insert = tx
        .c
        .prepare(
            "INSERT INTO audit_log (gmina, at, actor, action, entity, entity_id, details, chain_seq, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .await?;
    for e in &entries {
        let head = heads.get_mut(&e.gmina).ok_or_else(|| StoreError::backend("an audit entry's gmina was not locked"))?;
        let (seq, prev_hash) = chain::next_link(head.take());
        let hash = chain::entry_hash(
            &chain::Fields {
                gmina: &e.gmina,
                seq,
                at: &e.at,
                actor: &e.actor,
                action: &e.action,
                entity: &e.entity,
                entity_id: e.entity_id.as_deref(),
                details: &e.details,
            },
            &prev_hash,
        );
        tx.c.execute(
            &insert,
            &[&e.gmina, &e.at, &e.actor, &e.action, &e.entity, &e.entity_id, &e.details, &seq, &prev_hash, &hash],
        )
        .await?;
        *head = Some((Some(seq), Some(hash)));
    }
    Ok(())
}

/// Chains the entries written before the log was a chain (migration 14),
/// each gmina's in id order. Runs under the migration lock, which every
/// instance takes before it serves, so nothing appends meanwhile.
/// Written for the schema of that migration: a later change to
/// `audit_log`'s columns must keep a copy of this as it shipped.
pub(crate) async fn chain_unchained(tx: &Tx<'_>) -> StoreResult<u64> {
    let gminas: Vec<String> = tx
        .c
        .query("SELECT DISTINCT gmina FROM audit_log WHERE hash IS NULL ORDER BY gmina", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut chained = 0;
    for g in gminas {
        let mut head: Option<(Option<i64>, Option<String>)> = None;
        for mut e in chain_page(&tx.c, &g, 0, u32::MAX).await? {
            if e.hash.is_none() {
                let (seq, prev_hash) = chain::next_link(head.clone());
                let hash = chain::entry_hash(&e.fields(seq), &prev_hash);
                tx.c.execute(
                    "UPDATE audit_log SET chain_seq = $1, prev_hash = $2, hash = $3 WHERE id = $4",
                    &[&seq, &prev_hash, &hash, &e.id],
                )
                .await?;
                (e.seq, e.hash) = (Some(seq), Some(hash));
                chained += 1;
            }
            head = Some((e.seq, e.hash));
        }
    }
    Ok(chained)
}

/// The deployment's gminas that have audit entries.
pub async fn chain_gminas(c: &impl GenericClient) -> StoreResult<Vec<String>> {
    Ok(c.query("SELECT DISTINCT gmina FROM audit_log ORDER BY gmina", &[]).await?.iter().map(|r| r.get(0)).collect())
}

/// Gmina `g`'s entries above id `after`, oldest first, as stored.
pub async fn chain_page(c: &impl GenericClient, g: &str, after: i64, limit: u32) -> StoreResult<Vec<chain::StoredEntry>> {
    let rows = c
        .query(
            "SELECT id, gmina, at, actor, action, entity, entity_id, details, chain_seq, prev_hash, hash
             FROM audit_log WHERE gmina = $1 AND id > $2 ORDER BY id LIMIT $3",
            &[&g, &after, &i64::from(limit)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| chain::StoredEntry {
            id: r.get(0),
            gmina: r.get(1),
            at: r.get(2),
            actor: r.get(3),
            action: r.get(4),
            entity: r.get(5),
            entity_id: r.get(6),
            details: r.get(7),
            seq: r.get(8),
            prev_hash: r.get(9),
            hash: r.get(10),
        })
        .collect())
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

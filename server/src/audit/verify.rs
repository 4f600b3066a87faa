//! `mm-server audit verify [--gmina TERYT]`: walks each gmina's audit
//! chain (`super::chain`) from its first entry and stops at the first
//! entry that fails a check. What it prints is ids, times, actions and
//! hashes only: the log's logins and details stay in the database.
//!
//! The chain shows what was changed behind the server's back, not who
//! may rewrite it: whoever can write the database can also recompute
//! every hash after an edit. The head (last entry's place and hash) each
//! walk prints is what defeats that: recorded elsewhere now and then and
//! given back with `--expect-head HASH`, it must still be the hash of an
//! entry of a chain that verifies, or the log was rewritten or cut since
//! (docs/SECURITY.md, "Audit log integrity").

use std::fmt;
use std::sync::Arc;

use mm_protocol::gmina::Teryt;

use super::chain::{Broken, Head, Walk};
use crate::store::{Store, StoreResult};

/// Entries read per query.
const PAGE: u32 = 1000;

/// One gmina's chain, walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub gmina: Teryt,
    /// Entries that passed every check, oldest first.
    pub checked: u64,
    /// The last entry that passed (`None`: none did).
    pub head: Option<Head>,
    /// The first entry that failed, if one did.
    pub broken: Option<Broken>,
    /// The heads asked for (`--expect-head`) that are entries of the part
    /// of this chain that passed.
    pub recorded: Vec<Head>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Walks the chain of the handle's gmina.
pub async fn verify_chain(store: &dyn Store) -> StoreResult<ChainReport> {
    walk_chain(store, &[]).await
}

/// Walks the chain of the handle's gmina, noting the entries whose hash
/// is one of `recorded`.
async fn walk_chain(store: &dyn Store, recorded: &[String]) -> StoreResult<ChainReport> {
    let mut walk = Walk::new();
    let mut found = Vec::new();
    let mut after = 0;
    let broken = 'pages: loop {
        let page = store.audit_chain_page(after, PAGE).await?;
        let Some(last) = page.last() else { break None };
        after = last.id;
        for e in &page {
            if let Err(b) = walk.step(e) {
                break 'pages Some(b);
            }
            if let Some(head) = walk.head().filter(|h| recorded.contains(&h.hash)) {
                found.push(head.clone());
            }
        }
    };
    Ok(ChainReport {
        gmina: store.gmina_scope().clone(),
        checked: walk.checked(),
        head: walk.head().cloned(),
        broken,
        recorded: found,
    })
}

/// What `audit verify` found: every chain walked, and each head recorded
/// earlier that was asked for.
#[derive(Debug, Clone)]
pub struct Verification {
    pub chains: Vec<ChainReport>,
    /// The recorded heads (hashes, lowercase) that no chain holds: their
    /// chain was rewritten or cut since, or the hash is mistyped.
    pub missing: Vec<String>,
}

impl Verification {
    /// Every chain intact and every recorded head found.
    pub fn intact(&self) -> bool {
        self.missing.is_empty() && self.chains.iter().all(ChainReport::intact)
    }
}

/// Walks `gmina`'s chain, or every gmina's: those with entries and those
/// in the directory (a gmina whose whole log is gone shows as empty);
/// each hash in `recorded` (heads printed by an earlier run) must be an
/// entry of a chain that verifies up to it.
pub async fn verify(store: Arc<dyn Store>, gmina: Option<&Teryt>, recorded: &[String]) -> StoreResult<Verification> {
    let recorded: Vec<String> = recorded.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let gminas = match gmina {
        Some(g) => vec![g.clone()],
        None => {
            let mut all = store.audit_chains().await?;
            all.extend(store.list_gminas().await?.into_iter().map(|r| r.teryt));
            all.sort();
            all.dedup();
            all
        }
    };
    let mut chains = Vec::with_capacity(gminas.len());
    for g in gminas {
        chains.push(walk_chain(store.for_gmina(&g).as_ref(), &recorded).await?);
    }
    let missing =
        recorded.into_iter().filter(|h| !chains.iter().any(|c| c.recorded.iter().any(|r| &r.hash == h))).collect();
    Ok(Verification { chains, missing })
}

/// A line per gmina (`ChainReport`), then one per recorded head asked for.
impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.chains {
            writeln!(f, "{c}")?;
            for h in &c.recorded {
                writeln!(f, "recorded head sha256 {} found: gmina {}, entry id {} (#{})", h.hash, c.gmina, h.id, h.seq)?;
            }
        }
        for h in &self.missing {
            writeln!(
                f,
                "recorded head sha256 {h} NOT FOUND: zapisany wierzchołek nie należy do łańcucha / \
                 not in any chain that verifies: the log was rewritten or cut since it was recorded [recorded_head_missing]"
            )?;
        }
        Ok(())
    }
}

/// One line per gmina: how many entries were checked, the head to record,
/// or the entry that broke the chain and which check it failed.
impl fmt::Display for ChainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gmina {}: {} entries checked", self.gmina, self.checked)?;
        match &self.broken {
            None => write!(f, ", chain intact")?,
            Some(b) => write!(
                f,
                "; BROKEN at entry id {} (at {}, action {}): {} [{}]",
                b.id,
                b.at,
                b.action,
                b.failure,
                b.failure.code()
            )?,
        }
        match (&self.head, &self.broken) {
            (Some(h), None) => write!(f, "; head: entry id {} (#{}) sha256 {}", h.id, h.seq, h.hash),
            (Some(h), Some(_)) => write!(f, "; last good entry: id {} (#{}) sha256 {}", h.id, h.seq, h.hash),
            (None, None) => write!(f, "; head: none (empty log)"),
            (None, Some(_)) => Ok(()),
        }
    }
}

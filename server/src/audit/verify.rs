//! `mm-server audit verify [--gmina TERYT]`: walks each gmina's audit
//! chain (`super::chain`) from its first entry and stops at the first
//! entry that fails a check. What it prints is ids, times, actions and
//! hashes only: the log's logins and details stay in the database.
//!
//! The chain shows what was changed behind the server's back, not who
//! may rewrite it: whoever can write the database can also recompute
//! every hash after an edit. The head (last entry's place and hash) each
//! walk prints is what defeats that: recorded elsewhere now and then, a
//! later walk whose chain no longer holds that entry at that place shows
//! the rewrite, and the truncation of the log's newest entries too
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
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Walks the chain of the handle's gmina.
pub async fn verify_chain(store: &dyn Store) -> StoreResult<ChainReport> {
    let mut walk = Walk::new();
    let mut after = 0;
    let broken = 'pages: loop {
        let page = store.audit_chain_page(after, PAGE).await?;
        let Some(last) = page.last() else { break None };
        after = last.id;
        for e in &page {
            if let Err(b) = walk.step(e) {
                break 'pages Some(b);
            }
        }
    };
    Ok(ChainReport { gmina: store.gmina_scope().clone(), checked: walk.checked(), head: walk.head().cloned(), broken })
}

/// Walks `gmina`'s chain, or every gmina's: those with entries and those
/// in the directory (a gmina whose whole log is gone shows as empty).
pub async fn verify(store: Arc<dyn Store>, gmina: Option<&Teryt>) -> StoreResult<Vec<ChainReport>> {
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
    let mut out = Vec::with_capacity(gminas.len());
    for g in gminas {
        out.push(verify_chain(store.for_gmina(&g).as_ref()).await?);
    }
    Ok(out)
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

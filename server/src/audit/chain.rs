//! The audit log as a hash chain (issue 17, item 5): every entry stores
//! its place in its chain (`chain_seq`, from 1), the previous entry's hash
//! (`prev_hash`) and its own (`hash`), so an entry edited, deleted or
//! slipped in by SQL behind the server's back shows when the chain is
//! walked (`mm-server audit verify`, [`super::verify`]).
//!
//! One chain per gmina, not one per deployment: a store is shared by
//! several gminas and every reader of the log (the back office, an
//! auditor, `audit verify --gmina`) sees one gmina's entries, so each
//! gmina's log must verify, and its head hash be recorded, without the
//! others' rows. It also keeps gminas' writers from queueing behind each
//! other on PostgreSQL (the chain's lock is per gmina).
//!
//! Chain order is commit order: on SQLite the single writer appends; on
//! PostgreSQL a transaction appends its entries at COMMIT under its
//! gminas' advisory locks (`store::postgres::publish::append_audit`). In
//! both, ids within a gmina grow with `chain_seq`, so the walk is by id.
//!
//! What the hash covers is the row as stored (the `at` and `details`
//! texts exactly as written), so verifying never re-serialises anything
//! and a log copied between the stores (`mm-server migrate`) verifies
//! the same. The encoding, version 1, must never change (migrations
//! SQLite 24 and PostgreSQL 14 chained the older rows with it); a new one
//! would need a new tag and a way to tell the rows apart:
//!
//! ```text
//! SHA-256( "mm-audit-chain-v1"
//!          || str(gmina) || i64be(chain_seq) || str(at) || str(actor)
//!          || str(action) || str(entity) || opt(entity_id) || str(details)
//!          || str(prev_hash) )
//! str(s)      = u64be(byte length of s) || the UTF-8 bytes of s
//! opt(None)   = 0x00;   opt(Some(s)) = 0x01 || str(s)
//! prev_hash   = the previous entry's hash as 64 lowercase hex digits,
//!               or 64 zeros ([`GENESIS`]) for a chain's first entry
//! ```
//!
//! Every field is length-prefixed, so no two different entries encode to
//! the same bytes (`"ab" + "c"` and `"a" + "bc"` differ).

use sha2::{Digest, Sha256};

/// The domain tag the encoding starts with.
const TAG: &[u8] = b"mm-audit-chain-v1";

/// `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an entry its hash covers, as stored.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub gmina: &'a str,
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub details: &'a str,
}

/// The entry's hash, 64 lowercase hex digits (the module's encoding).
pub fn entry_hash(f: &Fields<'_>, prev_hash: &str) -> String {
    fn str_field(h: &mut Sha256, s: &str) {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    }
    let mut h = Sha256::new();
    h.update(TAG);
    str_field(&mut h, f.gmina);
    h.update(f.seq.to_be_bytes());
    str_field(&mut h, f.at);
    str_field(&mut h, f.actor);
    str_field(&mut h, f.action);
    str_field(&mut h, f.entity);
    match f.entity_id {
        None => h.update([0u8]),
        Some(id) => {
            h.update([1u8]);
            str_field(&mut h, id);
        }
    }
    str_field(&mut h, f.details);
    str_field(&mut h, prev_hash);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The last entry of a chain: what the next one links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub id: i64,
    pub seq: i64,
    pub hash: String,
}

/// Where a new entry goes after `head` (`None`: the chain is empty): its
/// `chain_seq` and `prev_hash`.
pub fn next_link(head: Option<(Option<i64>, Option<String>)>) -> (i64, String) {
    match head {
        // A head without a hash was written behind the server's back;
        // verify reports it, and the chain goes on after its position.
        Some((seq, hash)) => (seq.unwrap_or(0) + 1, hash.unwrap_or_else(|| GENESIS.to_owned())),
        None => (1, GENESIS.to_owned()),
    }
}

/// One stored entry with its chain columns, as `audit verify` reads it.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub id: i64,
    pub gmina: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub details: String,
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl StoredEntry {
    /// What its hash covers, at place `seq` in its chain.
    pub fn fields(&self, seq: i64) -> Fields<'_> {
        Fields {
            gmina: &self.gmina,
            seq,
            at: &self.at,
            actor: &self.actor,
            action: &self.action,
            entity: &self.entity,
            entity_id: self.entity_id.as_deref(),
            details: &self.details,
        }
    }
}

/// Which check an entry failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No chain columns: the row was inserted behind the server's back.
    NotChained,
    /// Its fields no longer give its hash: edited after it was written.
    ContentEdited,
    /// Its place comes after a gap: `missing` entries before it are gone.
    EntryDeleted { missing: i64 },
    /// Its `prev_hash` is not the previous entry's hash, or its place
    /// repeats or goes back (entries reordered, or a chain rewritten from
    /// here on).
    LinkBroken,
}

impl Failure {
    /// A stable name for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::NotChained => "not_chained",
            Failure::ContentEdited => "content_edited",
            Failure::EntryDeleted { .. } => "entry_deleted",
            Failure::LinkBroken => "link_broken",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NotChained => write!(f, "wpis bez skrótu, dopisany poza serwerem / entry without a hash, written outside the server"),
            Failure::ContentEdited => write!(f, "treść wpisu zmieniona / content edited (its fields do not give its hash)"),
            Failure::EntryDeleted { missing } => {
                write!(f, "usunięto wpisy przed nim ({missing}) / entry deleted: {missing} before this one missing")
            }
            Failure::LinkBroken => {
                write!(f, "zerwane ogniwo łańcucha / link broken (it does not follow the previous entry's hash)")
            }
        }
    }
}

/// The first entry that failed a check. Ids, times and actions only: no
/// login or detail leaves the database through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub id: i64,
    pub at: String,
    pub action: String,
    pub failure: Failure,
}

/// A chain walked entry by entry, oldest first.
#[derive(Debug, Default)]
pub struct Walk {
    checked: u64,
    head: Option<Head>,
}

impl Walk {
    pub fn new() -> Walk {
        Walk::default()
    }

    /// How many entries passed.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// The last entry that passed.
    pub fn head(&self) -> Option<&Head> {
        self.head.as_ref()
    }

    /// Checks the next entry: its content against its hash first (an
    /// edited entry is named as edited), then its place and its link to
    /// the entry before.
    pub fn step(&mut self, e: &StoredEntry) -> Result<(), Broken> {
        let broken = |failure| Broken { id: e.id, at: e.at.clone(), action: e.action.clone(), failure };
        let (Some(seq), Some(prev_hash), Some(hash)) = (e.seq, e.prev_hash.as_deref(), e.hash.as_deref()) else {
            return Err(broken(Failure::NotChained));
        };
        if entry_hash(&e.fields(seq), prev_hash) != hash {
            return Err(broken(Failure::ContentEdited));
        }
        let (expected_seq, expected_prev) = match &self.head {
            Some(h) => (h.seq + 1, h.hash.as_str()),
            None => (1, GENESIS),
        };
        if seq > expected_seq {
            return Err(broken(Failure::EntryDeleted { missing: seq - expected_seq }));
        }
        if seq < expected_seq || prev_hash != expected_prev {
            return Err(broken(Failure::LinkBroken));
        }
        self.checked += 1;
        self.head = Some(Head { id: e.id, seq, hash: hash.to_owned() });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut out: Vec<StoredEntry> = Vec::new();
        for i in 1..=n {
            let (seq, prev) = next_link(out.last().map(|e| (e.seq, e.hash.clone())));
            let mut e = StoredEntry {
                id: i * 10,
                gmina: "0223083".into(),
                at: format!("2026-12-03T12:00:0{i}.000000Z"),
                actor: "admin".into(),
                action: "news.create".into(),
                entity: "news".into(),
                entity_id: Some(i.to_string()),
                details: format!("{{\"title\":\"t{i}\"}}"),
                seq: Some(seq),
                prev_hash: Some(prev.clone()),
                hash: None,
            };
            e.hash = Some(entry_hash(&e.fields(seq), &prev));
            out.push(e);
        }
        out
    }

    fn walk(entries: &[StoredEntry]) -> Result<Walk, Broken> {
        let mut w = Walk::new();
        for e in entries {
            w.step(e)?;
        }
        Ok(w)
    }

    #[test]
    fn an_untouched_chain_verifies_and_names_its_head() {
        let c = chain(5);
        let w = walk(&c).unwrap();
        assert_eq!(w.checked(), 5);
        assert_eq!(w.head(), Some(&Head { id: 50, seq: 5, hash: c[4].hash.clone().unwrap() }));
    }

    #[test]
    fn each_tampering_is_named_on_the_entry_it_hit() {
        let mut c = chain(5);
        c[2].details = "{\"title\":\"inna\"}".into();
        assert_eq!(walk(&c).unwrap_err().failure, Failure::ContentEdited);
        assert_eq!(walk(&c).unwrap_err().id, 30);

        let mut c = chain(5);
        c.remove(1);
        let b = walk(&c).unwrap_err();
        assert_eq!((b.id, b.failure), (30, Failure::EntryDeleted { missing: 1 }));

        let mut c = chain(5);
        c.swap(1, 2);
        assert_eq!(walk(&c).unwrap_err().failure, Failure::EntryDeleted { missing: 1 });

        let mut c = chain(5);
        c[3].entity_id = None;
        assert_eq!(walk(&c).unwrap_err().failure, Failure::ContentEdited);

        let mut c = chain(5);
        c[4].hash = None;
        assert_eq!(walk(&c).unwrap_err().failure, Failure::NotChained);

        // Rewritten from entry 3 on (new hashes), but entry 3 still claims
        // its old predecessor's place with another link.
        let mut c = chain(5);
        let seq = c[2].seq.unwrap();
        c[2].prev_hash = Some(GENESIS.into());
        c[2].hash = Some(entry_hash(&c[2].fields(seq), GENESIS));
        let b = walk(&c).unwrap_err();
        assert_eq!((b.id, b.failure), (30, Failure::LinkBroken));
    }

    #[test]
    fn fields_are_length_prefixed_so_shifting_text_between_them_shows() {
        let a = Fields {
            gmina: "0223083",
            seq: 1,
            at: "t",
            actor: "ab",
            action: "c",
            entity: "e",
            entity_id: None,
            details: "{}",
        };
        let b = Fields { actor: "a", action: "bc", ..a };
        assert_ne!(entry_hash(&a, GENESIS), entry_hash(&b, GENESIS));
        let c = Fields { entity_id: Some(""), ..a };
        assert_ne!(entry_hash(&a, GENESIS), entry_hash(&c, GENESIS));
    }

    /// The encoding is pinned: rows chained by an older server must verify
    /// on every later one.
    #[test]
    fn version_one_is_pinned() {
        let f = Fields {
            gmina: "0223083",
            seq: 1,
            at: "2026-12-03T12:00:00.000000Z",
            actor: "cli",
            action: "user.add",
            entity: "user",
            entity_id: Some("1"),
            details: "{\"login\":\"admin\",\"role\":\"admin\"}",
        };
        assert_eq!(entry_hash(&f, GENESIS), PINNED);
    }

    /// Computed apart from this code (Python's hashlib over the bytes the
    /// module comment lays out).
    const PINNED: &str = "1cf2b1b66d196c470bea91256e0cc02b2b1852f57f7ece9fb95b32037eb242b9";
}

//! Offline full-text search over news and events (SQLite FTS5).
//!
//! Residents type without Polish letters ("zlobek" for "Żłobek"), so the
//! index holds folded text (see [`fold`]) and the query is folded the same
//! way; the last term matches as a prefix, for search-as-you-type.

mod api;
pub mod model;

use rusqlite::{Connection, Transaction, params};

use crate::error::Error;

pub const KIND_NEWS: &str = "news";
pub const KIND_EVENT: &str = "event";

/// Lowercase, without diacritics: the protocol's fold, which the server's
/// gmina directory shares (`GET /api/v1/gminas?q=zorawina` finds Żórawina).
pub use mm_protocol::text::fold;

/// Indexes an entity; `replacing` when it may be indexed already (an
/// entity seen before). A first sync indexes thousands of new ones, for
/// which the delete is a wasted FTS5 lookup each.
pub fn index(
    tx: &Transaction<'_>,
    kind: &str,
    id: i64,
    title: &str,
    body: &str,
    replacing: bool,
) -> Result<(), Error> {
    let rowid = rowid(kind, id);
    if replacing {
        tx.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    tx.prepare_cached(
        "INSERT INTO search_index (rowid, kind, entity_id, title, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![rowid, kind, id, fold(title), fold(body)])?;
    Ok(())
}

pub fn remove(tx: &Transaction<'_>, kind: &str, id: i64) -> Result<(), Error> {
    tx.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?
        .execute([rowid(kind, id)])?;
    Ok(())
}

/// Each entry's FTS5 rowid is derived from what it indexes, so replacing or
/// removing one is a rowid lookup. (A `WHERE kind = ? AND entity_id = ?`
/// on UNINDEXED columns scans the whole index: quadratic over a first sync.)
fn rowid(kind: &str, id: i64) -> i64 {
    let tag = match kind {
        KIND_NEWS => 0,
        KIND_EVENT => 1,
        _ => 3,
    };
    id * 4 + tag
}

/// The FTS5 query for what the resident typed: each folded word quoted
/// (so no word is read as FTS syntax), all required, the last a prefix.
/// `None` when nothing searchable was typed.
pub fn match_expression(text: &str) -> Option<String> {
    let folded = fold(text);
    let terms: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let (last, rest) = terms.split_last()?;
    let mut parts: Vec<String> = rest.iter().map(|t| format!("\"{t}\"")).collect();
    parts.push(format!("\"{last}\"*"));
    Some(parts.join(" "))
}

/// `(kind, id)` of the best matches, best first: a title match weighs more.
pub fn query(conn: &Connection, text: &str, limit: u32) -> Result<Vec<(String, i64)>, Error> {
    let Some(expr) = match_expression(text) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT kind, entity_id FROM search_index WHERE search_index MATCH ?1
         ORDER BY bm25(search_index, 0.0, 0.0, 10.0, 1.0) LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![expr, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// About `max_chars` of `body` around the first word matching a term of
/// `text`, with "…" where it was cut. Works on the original text so the
/// resident sees the Polish letters.
pub fn snippet(body: &str, text: &str, max_chars: usize) -> String {
    let terms: Vec<String> = fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let chars: Vec<char> = body.chars().collect();
    // Start of each word, in characters.
    let mut hit = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphanumeric() && (i == 0 || !chars[i - 1].is_alphanumeric()) {
            let end = (i..chars.len())
                .find(|&j| !chars[j].is_alphanumeric())
                .unwrap_or(chars.len());
            let word = fold(&chars[i..end].iter().collect::<String>());
            if terms.iter().any(|t| word.starts_with(t.as_str())) {
                hit = i;
                break;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    let start = hit.saturating_sub(max_chars / 4);
    let end = (start + max_chars).min(chars.len());
    let mut out: String = chars[start..end]
        .iter()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if start > 0 {
        out.insert(0, '…');
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn match_expression_never_breaks_fts(s in any::<String>()) {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("s.db")).unwrap();
            prop_assert!(store.read(|c| query(c, &s, 5)).is_ok());
        }
    }

    #[test]
    fn finds_without_diacritics_and_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        store
            .write(|tx| {
                index(
                    tx,
                    KIND_NEWS,
                    1,
                    "Nowy żłobek w Siechnicach",
                    "Otwarcie we wrześniu.",
                    false,
                )?;
                index(
                    tx,
                    KIND_EVENT,
                    2,
                    "Festyn",
                    "Dla dzieci ze żłobka i przedszkola.",
                    false,
                )?;
                index(tx, KIND_NEWS, 3, "Drogi", "Remont ulicy Jana Pawła.", false)?;
                Ok(())
            })
            .unwrap();
        let hits = store.read(|c| query(c, "zlobek", 10)).unwrap();
        assert_eq!(hits, vec![("news".to_string(), 1)]);
        let hits = store.read(|c| query(c, "ŻŁOB", 10)).unwrap();
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0], ("news".to_string(), 1), "title match ranks first");
        assert!(
            store.read(|c| query(c, "remont paw", 10)).unwrap() == vec![("news".to_string(), 3)]
        );
        assert!(store.read(|c| query(c, "  \"*( ", 10)).unwrap().is_empty());
        store.write(|tx| remove(tx, KIND_NEWS, 1)).unwrap();
        assert!(store.read(|c| query(c, "zlobek", 10)).unwrap().is_empty());
    }

    #[test]
    fn snippets_keep_polish_letters() {
        let body = "Gmina ogłasza nabór. ".repeat(10)
            + "Nowy żłobek przy ulicy Kolejowej przyjmie 60 dzieci. "
            + &"Koniec. ".repeat(10);
        let s = snippet(&body, "zlobek", 60);
        assert!(s.contains("żłobek"), "{s}");
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert_eq!(snippet("Krótko.", "nic", 60), "Krótko.");
    }
}

//! Offline full-text search over news and events (SQLite FTS5).
//!
//! Residents type without Polish letters ("zlobek" for "Żłobek"), so the
//! index holds folded text (see [`fold`]) and the query is folded the same
//! way; the last term matches as a prefix, for search-as-you-type.

mod api;
pub mod model;

use rusqlite::{Connection, Transaction, params};
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use crate::error::Error;

pub const KIND_NEWS: &str = "news";
pub const KIND_EVENT: &str = "event";

/// Lowercase, without diacritics: canonical decomposition drops the
/// combining marks of ą ć ę ń ó ś ź ż (and of any other Latin letter);
/// letters whose stroke is not a combining mark (ł, đ, ø…) are mapped by hand.
///
/// Character by character, ASCII without a lookup: every news item and
/// event of a first sync is folded, and this was a fifth of applying it.
/// Lowercasing can itself produce a combining mark ('İ' -> "i\u{307}") or a
/// precomposed letter, so its output is decomposed once more; the result is
/// a fixed point (`fold(fold(s)) == fold(s)`).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        decompose_canonical(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            for lower in d.to_lowercase() {
                decompose_canonical(lower, |e| {
                    if !is_combining_mark(e) {
                        out.push(strip_stroke(e));
                    }
                });
            }
        });
    }
    out
}

/// Letters whose diacritic is part of the letter, not a combining mark.
fn strip_stroke(c: char) -> char {
    match c {
        'ł' => 'l',
        'đ' => 'd',
        'ø' => 'o',
        'ħ' => 'h',
        'ŧ' => 't',
        'ı' => 'i',
        other => other,
    }
}

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

    #[test]
    fn polish_letters_fold_to_ascii() {
        assert_eq!(fold("ŻŁÓBEK"), "zlobek");
        assert_eq!(fold("Żłobek"), fold("zlobek"));
        assert_eq!(fold("Zażółć gęślą jaźń"), "zazolc gesla jazn");
        assert_eq!(fold("ĄĆĘŁŃÓŚŹŻ ąćęłńóśźż"), "acelnoszz acelnoszz");
        assert_eq!(fold("Crème Brûlée"), "creme brulee");
    }

    /// The whole-string fold this replaced (NFD, drop marks, lowercase, map
    /// the stroked letters, repeated to a fixed point): what stores hold.
    fn fold_by_passes(text: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let pass = |s: &str| -> String {
            s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).map(strip_stroke).collect()
        };
        let once = pass(text);
        let twice = pass(&once);
        if twice == once { once } else { pass(&twice) }
    }

    proptest! {
        /// Indexes built before keep matching: the same text folds the same.
        #[test]
        fn the_fast_fold_matches_the_whole_string_fold(s in any::<String>()) {
            prop_assert_eq!(fold(&s), fold_by_passes(&s));
        }

        #[test]
        fn the_fast_fold_matches_on_polish_and_latin_text(s in "[a-zA-ZąćęłńóśźżĄĆĘŁŃÓŚŹŻàâçéèêëîïôûùüÿñæœÀÂÇÉÈÊËÎÏÔÛÙÜŸÑİıßǅǄ ]{0,60}") {
            prop_assert_eq!(fold(&s), fold_by_passes(&s));
        }

        #[test]
        fn fold_is_idempotent(s in any::<String>()) {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn fold_is_idempotent_on_polish(s in "[a-zA-ZąćęłńóśźżĄĆĘŁŃÓŚŹŻ0-9 ]{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(once.is_ascii());
        }

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

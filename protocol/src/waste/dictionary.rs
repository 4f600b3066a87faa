//! "What goes where" (co gdzie wyrzucić): the dictionary search the app
//! runs offline. Matches without diacritics or case ("sloik" finds
//! "słoik"), every word of the query somewhere in the item; prefix matches
//! rank first.

use super::model::DictionaryEntry;
use crate::text::fold;

/// Entries matching `query`, best first, at most `limit`:
/// the item equals the query; then it starts with it; then one of its
/// words starts with the query's first word; then the rest; alphabetical
/// (folded) within each rank. An empty query finds nothing.
pub fn search<'a>(entries: &'a [DictionaryEntry], query: &str, limit: usize) -> Vec<&'a DictionaryEntry> {
    let q = fold(query).split_whitespace().collect::<Vec<_>>().join(" ");
    if q.is_empty() {
        return Vec::new();
    }
    let words: Vec<&str> = q.split(' ').collect();
    let mut hits: Vec<(u8, String, &DictionaryEntry)> = entries
        .iter()
        .filter_map(|e| {
            let item = fold(&e.item);
            if !words.iter().all(|w| item.contains(w)) {
                return None;
            }
            let rank = if item == q {
                0
            } else if item.starts_with(&q) {
                1
            } else if item.split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with(words[0])) {
                2
            } else {
                3
            };
            Some((rank, item, e))
        })
        .collect();
    hits.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    hits.into_iter().take(limit).map(|(_, _, e)| e).collect()
}

//! "What goes where" (co gdzie wyrzucić): the gmina's list from `GET
//! /api/v1/waste/dictionary`, kept whole in `waste_dictionary`, searched
//! here without diacritics by the protocol's own `search` (the web page
//! and the app rank the same way).

use chrono::{DateTime, Duration, Utc};
use mm_protocol::text::fold;
use mm_protocol::waste::{DictionaryEntry, Fraction, search as protocol_search};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::model::{DictionaryHit, FractionView};
use crate::display::Language;
use crate::error::Error;
use crate::store::{from_ts, ts};
use crate::sync::client::{Http, HttpError};

/// A sync fetches the list again once it is this old (it changes a few
/// times a year; `WasteApi::refresh` fetches it whatever its age).
pub const MAX_AGE_HOURS: i64 = 24;

pub async fn fetch(http: &Http, base: &str) -> Result<Vec<DictionaryEntry>, HttpError> {
    let text = http.get(base, "/waste/dictionary", &[]).await?;
    serde_json::from_str(&text)
        .map_err(|e| HttpError::Network(format!("bad dictionary answer at line {} column {}", e.line(), e.column())))
}

pub fn save(tx: &Transaction<'_>, entries: &[DictionaryEntry], now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO waste_dictionary (id, body, fetched_at) VALUES (1, ?1, ?2)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
        params![serde_json::to_string(entries)?, ts(now)],
    )?;
    Ok(())
}

/// The cached list (empty before the first fetch).
pub fn entries(c: &Connection) -> Result<Vec<DictionaryEntry>, Error> {
    let body: Option<String> = c.query_row("SELECT body FROM waste_dictionary WHERE id = 1", [], |r| r.get(0)).optional()?;
    Ok(match body {
        Some(b) => serde_json::from_str(&b)?,
        None => Vec::new(),
    })
}

pub fn fetched_at(c: &Connection) -> Result<Option<DateTime<Utc>>, Error> {
    let at: Option<i64> = c.query_row("SELECT fetched_at FROM waste_dictionary WHERE id = 1", [], |r| r.get(0)).optional()?;
    Ok(at.map(from_ts))
}

pub fn is_stale(c: &Connection, now: DateTime<Utc>) -> Result<bool, Error> {
    Ok(fetched_at(c)?.is_none_or(|at| now - at >= Duration::hours(MAX_AGE_HOURS)))
}

/// Best first, at most `limit`; "szklo" finds "szkło". The items that
/// match come first, in the protocol's ranking; then, when the query names
/// a fraction ("szkło", "papier", "plastik"), the rest of what goes into
/// that bin, alphabetically: a resident who types a bin's name asks what
/// belongs there, and few items carry the bin's name themselves.
pub fn search(entries: &[DictionaryEntry], query: &str, limit: usize, lang: Language) -> Vec<DictionaryHit> {
    let mut hits: Vec<&DictionaryEntry> = protocol_search(entries, query, limit);
    if let Some(f) = fraction_named(query) {
        let mut same: Vec<&DictionaryEntry> =
            entries.iter().filter(|e| e.fraction == f && !hits.iter().any(|h| std::ptr::eq(*h, *e))).collect();
        same.sort_by_cached_key(|e| fold(&e.item));
        hits.extend(same);
        hits.truncate(limit);
    }
    hits.into_iter()
        .map(|e| DictionaryHit { item: e.item.clone(), fraction: FractionView::of(&e.fraction, lang), note: e.note.clone() })
        .collect()
}

/// The fraction a query names: a code or Polish name the protocol reads
/// ("plastik", "metale i tworzywa"), or the start (3 letters at least) of
/// a standard fraction's Polish or English label, folded.
fn fraction_named(query: &str) -> Option<Fraction> {
    let q = fold(query).split_whitespace().collect::<Vec<_>>().join(" ");
    if q.chars().count() < 3 {
        return None;
    }
    Fraction::parse(&q).filter(|f| !matches!(f, Fraction::Custom(_))).or_else(|| {
        Fraction::STANDARD.into_iter().find(|f| fold(f.label_pl()).starts_with(&q) || fold(f.label_en()).starts_with(&q))
    })
}

//! News and alerts (aktualności, komunikaty): persistence and the lists
//! the screens show. Visibility follows `News::is_visible_at`.

mod api;

pub use api::NewsApi;

use chrono::{DateTime, Utc};
use mm_protocol::news::{News, Priority};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::Error;
use crate::search;
use crate::store::ts;

fn rank(p: Priority) -> i64 {
    match p {
        Priority::Normal => 0,
        Priority::Important => 1,
        Priority::Alert => 2,
    }
}

pub fn upsert(tx: &Transaction<'_>, n: &News) -> Result<(), Error> {
    // New (as every item of a first sync is): no index entry to replace.
    let replacing = tx.prepare_cached("SELECT 1 FROM news WHERE id = ?1")?.exists([n.id])?;
    tx.prepare_cached(
        "INSERT INTO news (id, priority, published_at, expires_at, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET priority = excluded.priority, published_at = excluded.published_at,
             expires_at = excluded.expires_at, body = excluded.body",
    )?
    .execute(params![n.id, rank(n.priority), ts(n.published_at), n.expires_at.map(ts), serde_json::to_string(n)?])?;
    search::index(tx, search::KIND_NEWS, n.id, &n.title, &n.body, replacing)
}

pub fn delete(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM news WHERE id = ?1", [id])?;
    search::remove(tx, search::KIND_NEWS, id)
}

/// The stored priority of a news item, if the item is stored.
pub fn priority_of(conn: &Connection, id: i64) -> Result<Option<Priority>, Error> {
    let r: Option<i64> = conn
        .prepare_cached("SELECT priority FROM news WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(r.map(|p| match p {
        2 => Priority::Alert,
        1 => Priority::Important,
        _ => Priority::Normal,
    }))
}

pub fn get(conn: &Connection, id: i64) -> Result<News, Error> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM news WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    match body {
        Some(b) => Ok(serde_json::from_str(&b)?),
        None => Err(Error::not_found(format!("news {id}"))),
    }
}

/// Visible items at or above `min_priority`, loudest first, then newest.
pub fn visible(
    conn: &Connection,
    now: DateTime<Utc>,
    min_priority: Priority,
    max_priority: Priority,
    limit: u32,
) -> Result<Vec<News>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM news
         WHERE published_at <= ?1 AND (expires_at IS NULL OR expires_at > ?1)
           AND priority BETWEEN ?2 AND ?3
         ORDER BY priority DESC, published_at DESC, id DESC
         LIMIT ?4",
    )?;
    let rows = stmt.query_map(
        params![ts(now), rank(min_priority), rank(max_priority), limit],
        |r| r.get::<_, String>(0),
    )?;
    let mut out = Vec::new();
    for body in rows {
        let n: News = serde_json::from_str(&body?)?;
        // Stored times are whole seconds; the body decides to the instant.
        if n.is_visible_at(now) {
            out.push(n);
        }
    }
    Ok(out)
}

/// Visible items at or below `max_priority`, newest first.
pub fn visible_newest(
    conn: &Connection,
    now: DateTime<Utc>,
    max_priority: Priority,
    limit: u32,
) -> Result<Vec<News>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM news
         WHERE published_at <= ?1 AND (expires_at IS NULL OR expires_at > ?1) AND priority <= ?2
         ORDER BY published_at DESC, id DESC
         LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![ts(now), rank(max_priority), limit], |r| {
        r.get::<_, String>(0)
    })?;
    let mut out = Vec::new();
    for body in rows {
        let n: News = serde_json::from_str(&body?)?;
        if n.is_visible_at(now) {
            out.push(n);
        }
    }
    Ok(out)
}

pub fn count(conn: &Connection) -> Result<u32, Error> {
    Ok(conn.query_row("SELECT count(*) FROM news", [], |r| r.get(0))?)
}

#[cfg(test)]
pub(crate) fn sample(id: i64, title: &str, priority: Priority, published: &str) -> News {
    let published_at: DateTime<Utc> = published.parse().unwrap();
    News {
        id,
        title: title.into(),
        body: format!("Treść: {title}."),
        priority,
        published_at,
        expires_at: None,
        updated_at: published_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn alerts_first_then_important_then_newest_and_expired_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let mut expired = sample(
            4,
            "Stare ostrzeżenie",
            Priority::Alert,
            "2026-01-01T10:00:00Z",
        );
        expired.expires_at = Some("2026-01-02T10:00:00Z".parse().unwrap());
        let future = sample(5, "Jutro", Priority::Normal, "2026-03-01T10:00:00Z");
        store
            .write(|tx| {
                upsert(
                    tx,
                    &sample(1, "Stare zwykłe", Priority::Normal, "2026-01-10T10:00:00Z"),
                )?;
                upsert(
                    tx,
                    &sample(2, "Nowe zwykłe", Priority::Normal, "2026-02-10T10:00:00Z"),
                )?;
                upsert(
                    tx,
                    &sample(3, "Ważne", Priority::Important, "2026-01-05T10:00:00Z"),
                )?;
                upsert(tx, &expired)?;
                upsert(tx, &future)?;
                upsert(
                    tx,
                    &sample(6, "Burza", Priority::Alert, "2026-01-03T10:00:00Z"),
                )?;
                Ok(())
            })
            .unwrap();
        let now: DateTime<Utc> = "2026-02-15T00:00:00Z".parse().unwrap();
        let ids: Vec<i64> = store
            .read(|c| visible(c, now, Priority::Normal, Priority::Alert, 100))
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(ids, vec![6, 3, 2, 1]);
        assert_eq!(
            store.read(|c| get(c, 4)).unwrap().title,
            "Stare ostrzeżenie"
        );
        assert!(matches!(
            store.read(|c| get(c, 99)),
            Err(Error::NotFound { .. })
        ));
    }
}

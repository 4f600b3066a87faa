//! Notifications the core raised for the resident: an alert arrived by
//! sync now; a report changed status later. One per (kind, entity), so a
//! re-sent alert never notifies twice.

mod api;

pub use api::NotificationsApi;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::store::{from_ts, ts};

pub const KIND_ALERT: &str = "alert";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    /// `"alert"` now; `"report_status"` later.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
    /// The entity to open, e.g. the news id of an alert.
    pub entity_id: Option<String>,
}

/// Creates a notification unless one exists for this entity already;
/// returns it when it is new.
pub fn create(
    tx: &Transaction<'_>,
    kind: &str,
    title: &str,
    body: &str,
    created_at: DateTime<Utc>,
    entity_id: Option<&str>,
) -> Result<Option<Notification>, Error> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO notifications (kind, title, body, created_at, entity_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![kind, title, body, ts(created_at), entity_id],
    )?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(Notification {
        id: tx.last_insert_rowid(),
        kind: kind.into(),
        title: title.into(),
        body: body.into(),
        created_at: from_ts(ts(created_at)),
        read: false,
        entity_id: entity_id.map(str::to_owned),
    }))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Notification> {
    Ok(Notification {
        id: r.get(0)?,
        kind: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
        created_at: from_ts(r.get(4)?),
        read: r.get(5)?,
        entity_id: r.get(6)?,
    })
}

/// Newest first.
pub fn list(conn: &Connection) -> Result<Vec<Notification>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, title, body, created_at, read, entity_id FROM notifications ORDER BY created_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn mark_read(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    if tx.execute("UPDATE notifications SET read = 1 WHERE id = ?1", [id])? == 0 {
        return Err(Error::not_found(format!("notification {id}")));
    }
    Ok(())
}

pub fn unread_count(conn: &Connection) -> Result<u32, Error> {
    Ok(conn.query_row(
        "SELECT count(*) FROM notifications WHERE read = 0",
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn one_per_entity_and_mark_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let now = Utc::now();
        let first = store
            .write(|tx| create(tx, KIND_ALERT, "Burza", "Uwaga", now, Some("7")))
            .unwrap();
        let again = store
            .write(|tx| create(tx, KIND_ALERT, "Burza", "Uwaga", now, Some("7")))
            .unwrap();
        assert!(first.is_some());
        assert!(again.is_none());
        assert_eq!(store.read(unread_count).unwrap(), 1);
        let id = first.unwrap().id;
        store.write(|tx| mark_read(tx, id)).unwrap();
        assert_eq!(store.read(unread_count).unwrap(), 0);
        assert!(store.read(list).unwrap()[0].read);
        assert!(matches!(
            store.write(|tx| mark_read(tx, 999)),
            Err(Error::NotFound { .. })
        ));
    }
}

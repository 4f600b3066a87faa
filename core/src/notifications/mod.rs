//! Notifications the core raised for the resident: an alert arrived by
//! sync now; a report changed status later. One per (kind, entity), so a
//! re-sent alert never notifies twice.
//!
//! Issue 16 adds what the server sends (plan §4), one module per feature:
//! - `subscription`: what the device wants to hear about, kept here and
//!   sent through the outbox (`PUT /api/v1/notifications/subscription`);
//! - `registration`: how the server pushes to the device (an APNs or FCM
//!   token, or a UnifiedPush endpoint), sent through the outbox;
//! - `feed`: every notification the device was sent, pulled by cursor with
//!   the sync and merged into this list (an alert's feed item is the local
//!   alert of the same news item), read marks sent through the outbox;
//! - `outbox`: what those outbox items send and how their answers land.

mod api;
pub(crate) mod feed;
pub mod model;
pub(crate) mod outbox;
pub(crate) mod registration;
pub(crate) mod subscription;

pub(crate) use api::refresh;
pub use api::NotificationsApi;

use chrono::{DateTime, Utc};
use mm_protocol::notifications::Link;
use rusqlite::{Connection, Row, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::store::{from_ts, ts};

pub const KIND_ALERT: &str = "alert";
/// A notification from the server's feed that is not an alert about a
/// news item (`entity_id` = the server's notification id).
pub const KIND_FEED: &str = "feed";

/// Whether the server pushes what a notification of this kind says: every
/// alert news item sends an alert, and a report's status change tells its
/// reporter and followers (the server's `notifications::reports`). A device
/// the server pushes to was rung by the push, so the sync that raises the
/// same here lists it and rings nothing.
pub(crate) fn told_by_push(kind: &str) -> bool {
    kind == KIND_ALERT || kind == crate::reports::KIND_REPORT_STATUS
}

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
    /// The server's notification id when it came (also) through the feed:
    /// marking it read tells the server.
    #[serde(default)]
    pub feed_id: Option<i64>,
    /// Where the server's notification leads, as the feed said.
    #[serde(default)]
    pub feed_link: Option<Link>,
}

/// Where opening a notification leads: the core reads its kind and
/// entity so that no shell parses `entity_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotificationLink {
    /// A kind this core version does not know, or an entity it cannot read.
    Nowhere,
    /// An alert: its news item.
    NewsItem { news_id: i64 },
    /// A report's status change: the report, by its server id.
    Report { report_id: i64 },
    /// An event (from the feed).
    Event { event_id: i64 },
    /// A consultation (from the feed).
    Consultation { consultation_id: i64 },
    /// A page outside the app; always `https://` (the protocol's `Link`
    /// validation; anything else leads nowhere).
    Url { url: String },
}

impl From<&Link> for NotificationLink {
    fn from(l: &Link) -> Self {
        use mm_protocol::validation::Validate;
        // The server validated it; checked again so that a shell never
        // opens a non-https address whatever a server sends.
        if l.validate().is_err() {
            return NotificationLink::Nowhere;
        }
        match l {
            Link::News { id } => NotificationLink::NewsItem { news_id: *id },
            Link::Event { id } => NotificationLink::Event { event_id: *id },
            Link::Report { id } => NotificationLink::Report { report_id: *id },
            Link::Consultation { id } => NotificationLink::Consultation { consultation_id: *id },
            Link::Url { url } => NotificationLink::Url { url: url.clone() },
        }
    }
}

impl Notification {
    /// Where it leads when opened (see [`NotificationLink`]).
    pub fn link(&self) -> NotificationLink {
        if let Some(l) = &self.feed_link {
            return l.into();
        }
        let entity = self.entity_id.as_deref().unwrap_or_default();
        let id = |text: &str| text.parse::<i64>().ok();
        match self.kind.as_str() {
            KIND_ALERT => id(entity).map(|news_id| NotificationLink::NewsItem { news_id }),
            // `"{report_id}:{step}"` (`reports::sync`): one per step.
            crate::reports::KIND_REPORT_STATUS => {
                id(entity.split(':').next().unwrap_or_default()).map(|report_id| NotificationLink::Report { report_id })
            }
            _ => None,
        }
        .unwrap_or(NotificationLink::Nowhere)
    }

    /// An alert must reach the resident now: the shells post it on their
    /// loudest channel (Android's high-importance channel, iOS's
    /// time-sensitive level); everything else is an ordinary notification.
    pub fn is_urgent(&self) -> bool {
        self.kind == KIND_ALERT
    }
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
        feed_id: None,
        feed_link: None,
    }))
}

/// The columns [`from_row`] reads, in order.
pub(crate) const COLUMNS: &str = "id, kind, title, body, created_at, read, entity_id, feed_id, link";

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Notification> {
    Ok(Notification {
        id: r.get(0)?,
        kind: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
        created_at: from_ts(r.get(4)?),
        read: r.get(5)?,
        entity_id: r.get(6)?,
        feed_id: r.get(7)?,
        // A link this build cannot read leads nowhere rather than failing the list.
        feed_link: r.get::<_, Option<String>>(8)?.and_then(|l| serde_json::from_str(&l).ok()),
    })
}

/// Newest first.
pub fn list(conn: &Connection) -> Result<Vec<Notification>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notifications ORDER BY created_at DESC, id DESC"
    ))?;
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
mod tests;

#[cfg(test)]
mod unit_tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn the_core_reads_where_a_notification_leads() {
        let n = |kind: &str, entity: Option<&str>| Notification {
            id: 1,
            kind: kind.into(),
            title: String::new(),
            body: String::new(),
            created_at: Utc::now(),
            read: false,
            entity_id: entity.map(str::to_owned),
            feed_id: None,
            feed_link: None,
        };
        assert_eq!(n(KIND_ALERT, Some("7")).link(), NotificationLink::NewsItem { news_id: 7 });
        assert!(n(KIND_ALERT, Some("7")).is_urgent());
        let status = n(crate::reports::KIND_REPORT_STATUS, Some("42:3"));
        assert_eq!(status.link(), NotificationLink::Report { report_id: 42 });
        assert!(!status.is_urgent());
        // What cannot be read opens nothing (and never a wrong item).
        assert_eq!(n(KIND_ALERT, None).link(), NotificationLink::Nowhere);
        assert_eq!(n(KIND_ALERT, Some("7:1")).link(), NotificationLink::Nowhere);
        assert_eq!(n(crate::reports::KIND_REPORT_STATUS, Some(":3")).link(), NotificationLink::Nowhere);
        assert_eq!(n("budget_vote", Some("5")).link(), NotificationLink::Nowhere);
    }

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

//! The device's feed (plan §4): every notification the server sent this
//! device, pushed or not, pulled with the sync by cursor (`GET
//! /api/v1/notifications/feed?after=`; the cursor is the server's delivery
//! id) and merged into the notifications list, one page per transaction
//! together with its cursor, so a killed sync resumes where it stopped.
//!
//! One notification per (kind, entity), as for those raised here: a feed
//! item of class alert that links to news item N is the alert this core
//! raised (or will raise) when N arrived by sync as an alert, so the
//! resident sees it once; the row then carries the feed's id, and marking
//! it read tells the server. So is a report's status change: the feed's
//! item and the `report_status` notification a sync raised here carry the
//! same title (`reports::status_notification_title`), and whichever comes
//! second joins the first. Any other item is its own row (`feed`, its id).
//!
//! Read marks go through the outbox (`POST .../feed/read`: a set
//! operation, so a retry is harmless).

use chrono::{DateTime, Utc};
use mm_protocol::notifications::{FeedItem, FeedPage, FeedRead, Link, NotificationClass};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{COLUMNS, KIND_ALERT, KIND_FEED, Notification, from_row};
use crate::devices;
use crate::error::Error;
use crate::outbox::{self, Kind};
use crate::store::{Store, meta, ts};
use crate::sync::client::Http;

/// Items per page asked for (the server's default; at most 500).
const PAGE: u32 = 100;
/// Guard against a server that says `more` without moving on.
const MAX_PAGES: u32 = 10_000;

/// The kind and entity an item is stored under: see the module's comment.
fn identity(item: &FeedItem) -> (&'static str, String) {
    match (item.class, &item.link) {
        (NotificationClass::Alert, Some(Link::News { id })) => (KIND_ALERT, id.to_string()),
        (NotificationClass::Alert, _) => (KIND_ALERT, format!("feed:{}", item.id)),
        (NotificationClass::Normal, _) => (KIND_FEED, item.id.to_string()),
    }
}

/// Stores one item; the notification when it is new to the resident.
pub(crate) fn apply_item(
    tx: &Transaction<'_>,
    item: &FeedItem,
    now: DateTime<Utc>,
) -> Result<Option<Notification>, Error> {
    let known: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM notifications WHERE feed_id = ?1)",
        [item.id],
        |r| r.get(0),
    )?;
    if known {
        return Ok(None);
    }
    let (kind, entity) = identity(item);
    let link = item.link.as_ref().map(serde_json::to_string).transpose()?;
    if let (NotificationClass::Normal, Some(Link::Report { id })) = (item.class, &item.link)
        && let Some(local) = local_report_status(tx, *id, &item.title)?
    {
        merge(tx, local, item, link.as_deref(), now)?;
        return Ok(None);
    }
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO notifications (kind, title, body, created_at, read, entity_id, feed_id, link)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![kind, item.title, item.body, ts(item.sent_at), item.read, entity, item.id, link],
    )?;
    if inserted == 1 {
        let id = tx.last_insert_rowid();
        let n = tx.query_row(
            &format!("SELECT {COLUMNS} FROM notifications WHERE id = ?1"),
            [id],
            from_row,
        )?;
        return Ok((!n.read).then_some(n));
    }
    // The alert raised here for the same news item: the same notification.
    let local: Option<(i64, bool)> = tx
        .query_row(
            "SELECT id, read FROM notifications WHERE kind = ?1 AND entity_id = ?2 AND feed_id IS NULL",
            params![kind, entity],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some(local) = local {
        merge(tx, local, item, link.as_deref(), now)?;
    }
    Ok(None)
}

/// The status notification a sync raised here for report `id` that no
/// feed item has claimed yet, by its title (`status_notification_title`:
/// the server's push about the same step says the same words), newest first.
fn local_report_status(tx: &Transaction<'_>, id: i64, title: &str) -> Result<Option<(i64, bool)>, Error> {
    Ok(tx
        .query_row(
            "SELECT id, read FROM notifications
             WHERE kind = ?1 AND entity_id LIKE ?2 AND feed_id IS NULL AND title = ?3
             ORDER BY id DESC LIMIT 1",
            params![crate::reports::KIND_REPORT_STATUS, format!("{id}:%"), title],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Makes the local notification `(id, read here)` the feed item's too.
fn merge(tx: &Transaction<'_>, (id, read_here): (i64, bool), item: &FeedItem, link: Option<&str>, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "UPDATE notifications SET feed_id = ?2, link = coalesce(link, ?3), read = read OR ?4 WHERE id = ?1",
        params![id, item.id, link, item.read],
    )?;
    // Read here before the server's copy arrived: tell the server.
    if read_here && !item.read {
        outbox::enqueue(tx, Kind::FeedRead, &FeedRead { ids: vec![item.id] }, now)?;
    }
    Ok(())
}

/// Whether the server's feed already brought report `id`'s status change
/// titled `title` (a push came before the sync that raises it here).
pub(crate) fn has_report_status(tx: &Transaction<'_>, id: i64, title: &str) -> Result<bool, Error> {
    let link = serde_json::to_string(&Link::Report { id })?;
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM notifications WHERE kind = ?1 AND link = ?2 AND title = ?3)",
        params![KIND_FEED, link, title],
        |r| r.get(0),
    )?)
}

/// Applies one page and stores its cursor, in `tx`.
pub(crate) fn apply_page(
    tx: &Transaction<'_>,
    page: &FeedPage,
    now: DateTime<Utc>,
) -> Result<Vec<Notification>, Error> {
    let mut new = Vec::new();
    for item in &page.items {
        new.extend(apply_item(tx, item, now)?);
    }
    meta::set(tx, meta::FEED_CURSOR, &page.next_cursor)?;
    Ok(new)
}

/// Pulls the feed from the stored cursor on; the notifications new to the
/// resident. Nothing to pull before the device is registered.
///
/// An install's first pull (no cursor yet) brings what was sent before it
/// existed, the server's welcome feed (a week's broadcasts): stored unread
/// in the list, but none is new, so a first start does not ring for each.
pub(crate) async fn pull(
    store: &Store,
    http: &Http,
    base: &str,
) -> Result<Vec<Notification>, Error> {
    let Some(token) = store.read(devices::token)? else {
        return Ok(Vec::new());
    };
    let history = store.read(|c| meta::get(c, meta::FEED_CURSOR))?.is_none();
    let mut new = Vec::new();
    for _ in 0..MAX_PAGES {
        let cursor = store
            .read(|c| meta::get(c, meta::FEED_CURSOR))?
            .unwrap_or_default();
        // The cursor is the server's delivery id; anything else (a server
        // that changed its cursors) starts over, which the feed ids dedupe.
        let after = if cursor.bytes().all(|b| b.is_ascii_alphanumeric()) {
            cursor.as_str()
        } else {
            ""
        };
        let path = format!("/notifications/feed?after={after}&limit={PAGE}");
        let text = http.get_authed(base, &path, &token).await?;
        let page: FeedPage = serde_json::from_str(&text).map_err(|e| {
            Error::from(crate::sync::client::HttpError::Network(format!(
                "bad feed page: {e}"
            )))
        })?;
        let fresh = store.write(|tx| apply_page(tx, &page, Utc::now()))?;
        if !history {
            new.extend(fresh);
        }
        if !page.more {
            return Ok(new);
        }
        if page.next_cursor == after {
            return Err(Error::internal(
                "the feed said more without moving the cursor",
            ));
        }
    }
    Ok(new)
}

/// Marks a notification read; when it came through the feed and was
/// unread, queues the read mark for the server (same transaction).
pub(crate) fn mark_read(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> Result<(), Error> {
    let row: Option<(bool, Option<i64>)> = tx
        .query_row(
            "SELECT read, feed_id FROM notifications WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((was_read, feed_id)) = row else {
        return Err(Error::not_found(format!("notification {id}")));
    };
    super::mark_read(tx, id)?;
    if let (false, Some(feed_id)) = (was_read, feed_id) {
        outbox::enqueue(tx, Kind::FeedRead, &FeedRead { ids: vec![feed_id] }, now)?;
    }
    Ok(())
}

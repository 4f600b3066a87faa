//! Small key/value settings kept in the store (server URL, sync cursor).

use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::error::Error;

pub const SERVER_URL: &str = "server_url";
/// `next_cursor` of the last applied sync page.
pub const CURSOR: &str = "sync_cursor";
pub const LAST_SYNC_AT: &str = "last_sync_at";
/// `"<cursor>\n<etag>"` of the last sync request, for `If-None-Match`.
pub const SYNC_ETAG: &str = "sync_etag";
/// Unix seconds at which the occurrence window was last laid out.
pub const OCCURRENCE_ANCHOR: &str = "occurrence_anchor";
/// Set when sync brought a withheld report of mine: its reporter's view
/// is then fetched with the device token (`reports::sync::refresh_mine`).
pub const REFRESH_MY_REPORTS: &str = "refresh_my_reports";
/// `next_cursor` of the last applied page of the device's notification
/// feed (`GET /api/v1/notifications/feed?after=`).
pub const FEED_CURSOR: &str = "notifications_feed_cursor";

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>, Error> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub fn set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

pub fn delete(tx: &Transaction<'_>, key: &str) -> Result<(), Error> {
    tx.execute("DELETE FROM meta WHERE key = ?1", [key])?;
    Ok(())
}

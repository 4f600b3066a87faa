//! Delta sync: pull `GET /api/v1/sync` page by page and apply each page in
//! one transaction together with its `next_cursor` (and `last_sync_at`),
//! so a sync killed at any point leaves the store as of the last applied
//! page, and the next sync continues from there.
//!
//! Alerts: a news item that arrives as an `alert` (new, or raised to alert),
//! visible at sync time, creates a notification and is passed to the
//! listener. This holds on the very first sync too: a resident who installs
//! the app during a storm warning should see it; expired alerts, and alerts
//! published for later, never notify, so old history stays quiet.
//!
//! Reports: a status change of one of my reports, or of one I follow,
//! creates a `report_status` notification (see `reports::sync`). A report
//! of mine withheld from the public is kept, and its reporter's view is
//! fetched after the pull (`reports::sync::refresh_mine`).

mod api;
pub(crate) mod client;
pub mod model;

use model::{SyncListener, SyncProgress, SyncSummary};

use std::sync::Arc;

use chrono::{DateTime, Utc};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::news::Priority;
use mm_protocol::sync::{Change, Collection, Item, SYNC_MAX_LIMIT, SyncPage};
use rusqlite::Transaction;

use crate::error::Error;
use crate::notifications::{self, Notification};
use crate::store::{Store, meta};
use crate::{events, gmina, news, places, reports};
use client::{Http, HttpError, SyncResponse};

/// Guard against a server that keeps saying `has_more` without moving on.
const MAX_PAGES: u32 = 100_000;

#[derive(Debug, Default)]
pub(crate) struct PageOutcome {
    pub applied: u32,
    pub skipped: u32,
    pub notifications: Vec<Notification>,
}

/// Applies one page and stores its cursor, all in `tx`.
pub(crate) fn apply_page(
    tx: &Transaction<'_>,
    page: &SyncPage,
    now: DateTime<Utc>,
) -> Result<PageOutcome, Error> {
    let (changes, skipped) = page.known_changes();
    let window = events::window_for(tx, now)?;
    let mut out = PageOutcome {
        skipped: skipped as u32,
        ..Default::default()
    };
    for change in changes {
        match change {
            Change::Upsert { item, .. } => match item {
                Item::Gmina(g) => gmina::upsert(tx, &g)?,
                Item::Localities(l) => gmina::upsert_locality(tx, &l)?,
                Item::EventCategories(c) => events::upsert_category(tx, &c)?,
                Item::Events(e) => events::upsert(tx, &e, window)?,
                Item::ReportCategories(c) => reports::store::upsert_category(tx, &c)?,
                Item::Reports(r) => {
                    if let Some(note) = reports::sync::apply_report(tx, &r, now)? {
                        out.notifications.push(note);
                    }
                    // The public's view of a redacted report of mine: my
                    // own words come with the reporter's view.
                    if !r.visibility.is_public() && reports::store::is_mine(tx, r.id)? {
                        meta::set(tx, meta::REFRESH_MY_REPORTS, "1")?;
                    }
                }
                Item::Places(p) => places::store::upsert(tx, &p)?,
                Item::News(n) => {
                    let was_alert = news::priority_of(tx, n.id)? == Some(Priority::Alert);
                    news::upsert(tx, &n)?;
                    if n.priority == Priority::Alert && !was_alert && n.is_visible_at(now) {
                        let body: String = n.body.chars().take(300).collect();
                        let id = n.id.to_string();
                        if let Some(note) = notifications::create(
                            tx,
                            notifications::KIND_ALERT,
                            &n.title,
                            &body,
                            now,
                            Some(&id),
                        )? {
                            out.notifications.push(note);
                        }
                    }
                }
            },
            Change::Delete { collection, id, .. } => {
                let int_id = || {
                    id.parse::<i64>()
                        .map_err(|_| Error::internal(format!("bad {} id", collection.as_str())))
                };
                match collection {
                    Collection::Gmina => gmina::delete(tx, &id)?,
                    Collection::Localities => gmina::delete_locality(tx, int_id()?)?,
                    Collection::EventCategories => events::delete_category(tx, &id)?,
                    Collection::Events => events::delete(tx, int_id()?)?,
                    Collection::News => news::delete(tx, int_id()?)?,
                    Collection::ReportCategories => reports::store::delete_category(tx, &id)?,
                    // A report of mine hidden from the public: it stays
                    // here, and its reporter's view is fetched after the pull.
                    Collection::Reports if reports::store::is_mine(tx, int_id()?)? => {
                        meta::set(tx, meta::REFRESH_MY_REPORTS, "1")?
                    }
                    Collection::Reports => reports::store::delete_report(tx, int_id()?)?,
                    Collection::Places => places::store::delete(tx, int_id()?)?,
                }
            }
        }
        out.applied += 1;
    }
    meta::set(tx, meta::CURSOR, &page.next_cursor)?;
    meta::set(tx, meta::LAST_SYNC_AT, &now.to_rfc3339())?;
    Ok(out)
}

/// Drops every synced collection with its cursor, keeping what is the
/// resident's own (drafts, queued writes, my reports, notifications): the
/// next pull rebuilds the copy from scratch.
pub(crate) fn forget_synced(tx: &Transaction<'_>) -> Result<(), Error> {
    for table in [
        "news",
        "event_occurrences",
        "events",
        "event_categories",
        "gmina",
        "localities",
        "search_index",
        "report_categories",
        "reports",
        "reports_rtree",
        "places",
        "place_bodies",
        "places_rtree",
        "places_fts",
    ] {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    for key in [meta::CURSOR, meta::SYNC_ETAG, meta::LAST_SYNC_AT] {
        meta::delete(tx, key)?;
    }
    Ok(())
}

/// The next page's request, started before this page is applied, so the
/// server's query and compression, the network and the parse run while the
/// device writes. Aborted when dropped (this page failed to apply).
struct Prefetch(tokio::task::JoinHandle<Result<SyncResponse, HttpError>>);

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Pulls every page from the stored cursor on.
pub(crate) async fn pull(
    store: &Store,
    http: &Http,
    base: &str,
    page_size: Option<u32>,
    listener: Option<&Arc<dyn SyncListener>>,
) -> Result<SyncSummary, Error> {
    let start_cursor = store.read(|c| meta::get(c, meta::CURSOR))?;
    let mut cursor = start_cursor.clone();
    let mut restarted = false;
    // A first sync (or one starting over) pulls everything: the largest
    // pages the server gives, as each page costs a request, a parse and a
    // commit. Later syncs bring a few changes; the server's default serves.
    let mut limit = page_size.or_else(|| cursor.is_none().then_some(SYNC_MAX_LIMIT));
    let mut summary = SyncSummary {
        pages: 0,
        applied: 0,
        skipped: 0,
        unchanged: false,
        cursor: String::new(),
    };
    let mut prefetched: Option<Prefetch> = None;
    // What the server also pushes rang the phone already when it pushes to
    // this device: raised here (the inbox has it), not rung again.
    let pushed = store.read(crate::notifications::registration::pushes).unwrap_or(false);
    let rings = |n: &crate::notifications::Notification| !(pushed && crate::notifications::told_by_push(&n.kind));
    loop {
        let fetched = match prefetched.take() {
            Some(mut next) => (&mut next.0)
                .await
                .unwrap_or_else(|e| Err(HttpError::Network(format!("sync request task: {e}")))),
            None => {
                // Only the first request can be "nothing new since last time".
                let if_none_match = if summary.pages == 0 {
                    stored_etag(store, cursor.as_deref())?
                } else {
                    None
                };
                http.sync_page(base, cursor.as_deref(), limit, if_none_match.as_deref()).await
            }
        };
        let response = match fetched {
            // The server does not know our cursor: its database was
            // restored or rebuilt. What we hold may no longer match it, so
            // start over from an empty copy (once) rather than stay stuck.
            Err(HttpError::Status {
                api:
                    Some(ApiError {
                        code: ErrorCode::InvalidCursor,
                        ..
                    }),
                ..
            }) if cursor.is_some() && summary.pages == 0 && !restarted => {
                tracing::warn!("server refused the sync cursor; syncing from scratch");
                store.write(forget_synced)?;
                cursor = None;
                restarted = true;
                limit = page_size.or(Some(SYNC_MAX_LIMIT));
                continue;
            }
            other => other?,
        };
        let (page, etag) = match response {
            SyncResponse::NotModified => {
                store.write(|tx| meta::set(tx, meta::LAST_SYNC_AT, &Utc::now().to_rfc3339()))?;
                summary.unchanged = true;
                break;
            }
            SyncResponse::Page { page, etag } => (page, etag),
        };
        if page.has_more && cursor.as_deref() != Some(page.next_cursor.as_str()) {
            let (http, base, next) = (http.clone(), base.to_owned(), page.next_cursor.clone());
            prefetched = Some(Prefetch(tokio::spawn(async move {
                http.sync_page(&base, Some(&next), limit, None).await
            })));
        }
        let request_cursor = cursor.clone().unwrap_or_default();
        let outcome = store.write(|tx| {
            let outcome = apply_page(tx, &page, Utc::now())?;
            match &etag {
                Some(tag) => meta::set(tx, meta::SYNC_ETAG, &format!("{request_cursor}\n{tag}"))?,
                None => meta::delete(tx, meta::SYNC_ETAG)?,
            }
            Ok(outcome)
        })?;
        summary.pages += 1;
        summary.applied += outcome.applied;
        summary.skipped += outcome.skipped;
        if let Some(l) = listener {
            l.on_progress(SyncProgress {
                page: summary.pages,
                applied_total: summary.applied,
                has_more: page.has_more,
            });
            for n in outcome.notifications.into_iter().filter(rings) {
                l.on_notification(n);
            }
        }
        let moved = cursor.as_deref() != Some(page.next_cursor.as_str());
        cursor = Some(page.next_cursor);
        if !page.has_more {
            break;
        }
        if !moved || summary.pages >= MAX_PAGES {
            return Err(Error::internal(
                "server said has_more without moving the cursor",
            ));
        }
    }
    summary.cursor = cursor.unwrap_or_default();
    // Not a failed sync when it cannot be done now: the mark stays and the
    // next sync tries again.
    match reports::sync::refresh_mine(store, http, base, Utc::now()).await {
        Ok(notes) => {
            for n in notes.into_iter().filter(rings) {
                if let Some(l) = listener {
                    l.on_notification(n);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot fetch my withheld reports; will retry"),
    }
    if !summary.unchanged {
        summary.unchanged = summary.applied == 0
            && summary.skipped == 0
            && start_cursor.as_deref() == Some(summary.cursor.as_str());
    }
    Ok(summary)
}

fn stored_etag(store: &Store, cursor: Option<&str>) -> Result<Option<String>, Error> {
    let stored = store.read(|c| meta::get(c, meta::SYNC_ETAG))?;
    Ok(stored.and_then(|s| {
        let (c, tag) = s.split_once('\n')?;
        (c == cursor.unwrap_or("")).then(|| tag.to_owned())
    }))
}

#[cfg(test)]
mod tests;

//! The facade: [`Core`] and the records it hands to shells. One call per
//! screen's data, so the FFI boundary stays coarse.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::calendar::ics::{self, IcsOptions};
use mm_protocol::calendar::rrule::Occurrence;
use mm_protocol::devices::{Platform, RegisterDevice};
use mm_protocol::events::{Event, EventCategory};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::{Gmina, Locality};
use mm_protocol::news::{News, Priority};
use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::notifications::{self, Notification};
use crate::reports::model::{MyReport, PhotoInfo, ReportDraft, ReportDraftUpdate, ReportSummary};
use crate::store::{Store, meta};
use crate::sync::client::Http;
use crate::places::model::{BikePathSummary, BoundingBox, PlaceDetail, PlaceFilter, PlaceSummary};
use crate::{devices, events, gmina, news, outbox, places, reports, search, sync};
use mm_protocol::reports::{Report, ReportCategory};

/// The store's file inside `data_dir`.
const STORE_FILE: &str = "mm.sqlite3";

#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Created when missing; the store lives here.
    pub data_dir: PathBuf,
    /// Used until [`Core::set_server_url`] stores another one.
    pub server_url: String,
    pub platform: Platform,
    /// `X.Y.Z`; sent in the User-Agent and at registration.
    pub app_version: String,
    /// BCP 47, e.g. `pl-PL`.
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOptions {
    /// Changes per page (server default 500, at most 2000).
    pub page_size: Option<u32>,
}

/// Told about sync as it goes. Called on the syncing task, between pages.
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
    fn on_notification(&self, notification: Notification);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub page: u32,
    pub applied_total: u32,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSummary {
    pub pages: u32,
    /// Changes applied (upserts and deletes).
    pub applied: u32,
    /// Changes of collections this build does not know (newer server).
    pub skipped: u32,
    /// Nothing new since the last sync.
    pub unchanged: bool,
    pub cursor: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxSummary {
    pub sent: u32,
    /// Still queued (will be retried).
    pub pending: u32,
    /// Rejected by the server; kept for the resident to see.
    pub failed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoreStatus {
    pub server_url: String,
    pub device_registered: bool,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    pub pending_writes: u32,
    pub failed_writes: u32,
    pub news_count: u32,
    pub event_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeScreen {
    /// Visible alerts, newest first.
    pub alerts: Vec<News>,
    /// The next 5 occurrences not yet over (under way ones included).
    pub upcoming: Vec<EventOccurrence>,
    /// The 5 newest visible items that are not alerts (those are above).
    pub latest_news: Vec<News>,
    pub unread_notifications: u32,
}

/// One occurrence of an event, as lists and calendars show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventOccurrence {
    pub event_id: i64,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub all_day: bool,
    pub place_name: Option<String>,
    /// Category slug.
    pub category: Option<String>,
    pub cancelled: bool,
    pub recurring: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetail {
    pub event: Event,
    pub category_name_pl: Option<String>,
    pub category_name_en: Option<String>,
    /// Up to 10 occurrences not over yet, from the rule itself.
    pub next_occurrences: Vec<Occurrence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthView {
    pub year: i32,
    pub month: u32,
    /// Only days with events, in order.
    pub days: Vec<DayCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    pub day: u32,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    News,
    Event,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub kind: SearchKind,
    pub id: i64,
    pub title: String,
    pub snippet: String,
}

/// The resident's side of mMieszkaniec: one per app process.
pub struct Core {
    config: CoreConfig,
    store: Store,
    http: Http,
    server_url: RwLock<String>,
    /// One sync at a time; a second caller waits for the first.
    sync_lock: tokio::sync::Mutex<()>,
    /// One outbox flush at a time, whoever asks (`sync` or `flush_outbox`):
    /// two flushes would read the same due items and send them both, and
    /// a follow and its unfollow could land in either order.
    flush_lock: tokio::sync::Mutex<()>,
}

impl Core {
    /// Creates `data_dir`, opens and migrates the store, and queues the
    /// device registration when this install has none.
    pub fn open(config: CoreConfig) -> Result<Core, CoreError> {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Store::open(&config.data_dir.join(STORE_FILE))?;
        let stored_url = store.read(|c| meta::get(c, meta::SERVER_URL))?;
        let server_url = match stored_url {
            Some(url) => url,
            None => normalise_url(&config.server_url)?,
        };
        let request = registration(&config);
        store.write(|tx| devices::ensure_queued(tx, &request, Utc::now()).map(|_| ()))?;
        let http = Http::new(&config.app_version, config.platform)?;
        Ok(Core {
            config,
            store,
            http,
            server_url: RwLock::new(server_url),
            sync_lock: tokio::sync::Mutex::new(()),
            flush_lock: tokio::sync::Mutex::new(()),
        })
    }

    pub fn server_url(&self) -> String {
        self.server_url
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Validates (http/https with a host) and stores the URL. Pointing at a
    /// different server starts over: its cursor, content and device token
    /// mean nothing there. Queued writes stay and go to the new server.
    pub fn set_server_url(&self, url: &str) -> Result<(), CoreError> {
        let url = normalise_url(url)?;
        let busy = |_| CoreError::InvalidInput {
            field: "server_url".into(),
            message: mm_protocol::error::Message::new(
                "Trwa synchronizacja; spróbuj za chwilę.",
                "A sync is running; try again in a moment.",
            ),
        };
        let _sync = self.sync_lock.try_lock().map_err(busy)?;
        let _flushing = self.flush_lock.try_lock().map_err(busy)?;
        let changed = self.server_url() != url;
        let request = registration(&self.config);
        self.store.write(|tx| {
            meta::set(tx, meta::SERVER_URL, &url)?;
            if changed {
                sync::forget_synced(tx)?;
                devices::forget(tx)?;
                devices::ensure_queued(tx, &request, Utc::now())?;
            }
            Ok(())
        })?;
        *self.server_url.write().unwrap_or_else(|p| p.into_inner()) = url;
        Ok(())
    }

    /// Flushes the outbox, then pulls every page of changes. A flush that
    /// cannot reach the server leaves the writes queued; the pull then
    /// reports the network error. Once the pull got through, writes that
    /// were waiting out a network failure's backoff are sent at once.
    pub async fn sync(
        &self,
        options: SyncOptions,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> Result<SyncSummary, CoreError> {
        let _sync = self.sync_lock.lock().await;
        let base = self.server_url();
        self.flush(&base).await?;
        let summary = sync::pull(
            &self.store,
            &self.http,
            &base,
            options.page_size,
            listener.as_ref(),
        )
        .await?;
        // The server answered: writes held back only because it could not
        // be reached (a report made offline) go now, not after their backoff.
        let woken = self
            .store
            .write(|tx| outbox::retry_network_failures(tx, Utc::now()))?;
        if woken > 0 {
            self.flush(&base).await?;
        }
        Ok(summary)
    }

    /// Sends what is due in the outbox.
    pub async fn flush_outbox(&self) -> Result<OutboxSummary, CoreError> {
        let base = self.server_url();
        let f = self.flush(&base).await?;
        Ok(OutboxSummary {
            sent: f.sent,
            pending: f.pending,
            failed: f.failed,
        })
    }

    /// The one way the outbox is flushed: under `flush_lock`, and with a
    /// registration queued whenever the install has none pending (one the
    /// server refused is replaced, so writes never wait for ever).
    async fn flush(&self, base: &str) -> Result<outbox::Flushed, CoreError> {
        let _flushing = self.flush_lock.lock().await;
        let request = registration(&self.config);
        self.store
            .write(|tx| devices::ensure_queued(tx, &request, Utc::now()).map(|_| ()))?;
        outbox::flush(&self.store, &self.http, base).await
    }

    /// A report the server refused, back in the queue as it was (same
    /// idempotency key), for a refusal that has gone away since (the
    /// category reopened, a limit passed). Sent by the next flush or sync.
    pub fn retry_failed_report(&self, local_id: i64) -> Result<(), CoreError> {
        self.store.write(|tx| {
            match reports::store::state_of(tx, local_id)? {
                (reports::model::MyReportState::Failed, Some(item)) => {
                    outbox::retry_failed(tx, Some(item), Utc::now())?;
                    Ok(())
                }
                _ => Err(CoreError::InvalidInput {
                    field: "local_id".into(),
                    message: mm_protocol::error::Message::new(
                        "Ponowić można tylko zgłoszenie odrzucone przez serwer.",
                        "Only a report the server refused can be sent again.",
                    ),
                }),
            }
        })
    }

    /// Every write the server refused (reports, follows, the registration),
    /// back in the queue; how many. Sent by the next flush or sync.
    pub fn retry_failed_writes(&self) -> Result<u32, CoreError> {
        self.store.write(|tx| outbox::retry_failed(tx, None, Utc::now()))
    }

    pub fn status(&self) -> Result<CoreStatus, CoreError> {
        let server_url = self.server_url();
        self.store.read(|c| {
            let (pending_writes, failed_writes) = outbox::counts(c)?;
            Ok(CoreStatus {
                server_url,
                device_registered: devices::is_registered(c)?,
                last_sync_at: meta::get(c, meta::LAST_SYNC_AT)?
                    .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                    .map(|t| t.with_timezone(&Utc)),
                cursor: meta::get(c, meta::CURSOR)?,
                pending_writes,
                failed_writes,
                news_count: news::count(c)?,
                event_count: events::count(c)?,
            })
        })
    }

    pub fn home(&self, now: DateTime<Utc>) -> Result<HomeScreen, CoreError> {
        self.store.read(|c| {
            Ok(HomeScreen {
                alerts: news::visible(c, now, Priority::Alert, Priority::Alert, 100)?,
                upcoming: events::upcoming(c, now, 5, None)?,
                latest_news: news::visible_newest(c, now, Priority::Important, 5)?,
                unread_notifications: notifications::unread_count(c)?,
            })
        })
    }

    /// Visible news: alerts first, then important, then newest.
    pub fn news(&self, now: DateTime<Utc>) -> Result<Vec<News>, CoreError> {
        self.store
            .read(|c| news::visible(c, now, Priority::Normal, Priority::Alert, u32::MAX))
    }

    pub fn news_item(&self, id: i64) -> Result<News, CoreError> {
        self.store.read(|c| news::get(c, id))
    }

    /// Occurrences on the Warsaw days `from..=to`, recurrences expanded.
    pub fn events_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        category: Option<&str>,
    ) -> Result<Vec<EventOccurrence>, CoreError> {
        let (from, to) = day_range(from, to)?;
        self.store
            .read(|c| events::overlapping(c, from, to, category))
    }

    pub fn upcoming_events(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        category: Option<&str>,
    ) -> Result<Vec<EventOccurrence>, CoreError> {
        self.store
            .read(|c| events::upcoming(c, now, limit, category))
    }

    pub fn event(&self, id: i64, now: DateTime<Utc>) -> Result<EventDetail, CoreError> {
        let (event, category) = self.store.read(|c| {
            let event = events::get(c, id)?;
            let category = match &event.category {
                Some(slug) => events::category(c, slug)?,
                None => None,
            };
            Ok((event, category))
        })?;
        let next_occurrences = events::next_occurrences(&event, now, 10);
        Ok(EventDetail {
            category_name_pl: category.as_ref().map(|c| c.name_pl.clone()),
            category_name_en: category.map(|c| c.name_en),
            event,
            next_occurrences,
        })
    }

    /// Which Warsaw days of the month have events, with counts.
    pub fn month(&self, year: i32, month: u32) -> Result<MonthView, CoreError> {
        let days = self.store.read(|c| events::month_days(c, year, month))?;
        Ok(MonthView { year, month, days })
    }

    pub fn categories(&self) -> Result<Vec<EventCategory>, CoreError> {
        self.store.read(events::categories)
    }

    /// News and events matching `text`, folded ("zlobek" finds "Żłobek"),
    /// the last word as a prefix.
    pub fn search(&self, text: &str, limit: u32) -> Result<Vec<SearchHit>, CoreError> {
        self.store.read(|c| {
            let mut hits = Vec::new();
            for (kind, id) in search::query(c, text, limit)? {
                let hit = match kind.as_str() {
                    search::KIND_NEWS => {
                        let n = news::get(c, id)?;
                        SearchHit {
                            kind: SearchKind::News,
                            id,
                            snippet: search::snippet(&n.body, text, 160),
                            title: n.title,
                        }
                    }
                    _ => {
                        let e = events::get(c, id)?;
                        SearchHit {
                            kind: SearchKind::Event,
                            id,
                            snippet: search::snippet(&e.description, text, 160),
                            title: e.title,
                        }
                    }
                };
                hits.push(hit);
            }
            Ok(hits)
        })
    }

    /// An iCalendar file with one event ("add to calendar").
    pub fn event_ics(&self, id: i64) -> Result<String, CoreError> {
        let (event, categories, name) = self.store.read(|c| {
            Ok((
                events::get(c, id)?,
                events::categories(c)?,
                gmina::get(c)?.map(|g| g.name),
            ))
        })?;
        let domain = self.uid_domain()?;
        Ok(ics::single_event(
            &event,
            &self.ics_options(name.as_deref(), &domain, &categories),
        ))
    }

    /// An iCalendar file with the events on the Warsaw days `from..=to`.
    pub fn events_ics(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        category: Option<&str>,
    ) -> Result<String, CoreError> {
        let (from, to) = day_range(from, to)?;
        let (list, categories, name) = self.store.read(|c| {
            Ok((
                events::events_overlapping(c, from, to, category)?,
                events::categories(c)?,
                gmina::get(c)?.map(|g| g.name),
            ))
        })?;
        let domain = self.uid_domain()?;
        Ok(ics::calendar(
            &list,
            &self.ics_options(name.as_deref(), &domain, &categories),
        ))
    }

    pub fn gmina(&self) -> Result<Option<Gmina>, CoreError> {
        self.store.read(gmina::get)
    }

    pub fn localities(&self) -> Result<Vec<Locality>, CoreError> {
        self.store.read(gmina::localities)
    }

    /// Whether `point` lies inside the synced gmina boundary.
    pub fn contains_point(&self, point: GeoPoint) -> Result<bool, CoreError> {
        let g = self.gmina()?.ok_or_else(|| CoreError::not_found("gmina"))?;
        Ok(gmina::contains(&g.boundary, point))
    }

    pub fn notifications(&self) -> Result<Vec<Notification>, CoreError> {
        self.store.read(notifications::list)
    }

    /// The badge on the bell: how many notifications are unread.
    pub fn unread_notification_count(&self) -> Result<u32, CoreError> {
        self.store.read(notifications::unread_count)
    }

    pub fn mark_notification_read(&self, id: i64) -> Result<(), CoreError> {
        self.store.write(|tx| notifications::mark_read(tx, id))
    }

    // ---- reports (zgłoszenia) ----

    /// Active report categories with their questions, by Polish name.
    pub fn report_categories(&self) -> Result<Vec<ReportCategory>, CoreError> {
        self.store.read(reports::store::categories)
    }

    /// Public reports within `radius_m` (1 m..50 km) of `point`, nearest
    /// first, from the local store.
    pub fn reports_near(
        &self,
        point: GeoPoint,
        radius_m: f64,
        category: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<ReportSummary>, CoreError> {
        self.store
            .read(|c| reports::near(c, point, radius_m, category, open_only))
    }

    /// One public report as last synced, with its history.
    pub fn report(&self, id: i64) -> Result<Report, CoreError> {
        self.store
            .read(|c| reports::store::report(c, id))?
            .ok_or_else(|| CoreError::not_found(format!("report {id}")))
    }

    /// A new, empty draft, stored at once.
    pub fn create_report_draft(&self, category: &str) -> Result<ReportDraft, CoreError> {
        reports::create_draft(&self.store, &self.config.data_dir, category, Utc::now())
    }

    pub fn update_report_draft(
        &self,
        id: &str,
        update: ReportDraftUpdate,
    ) -> Result<ReportDraft, CoreError> {
        reports::update_draft(&self.store, &self.config.data_dir, id, update, Utc::now())
    }

    /// Normalises the photo on the device (JPEG, longest edge ≤ 2048 px,
    /// every bit of metadata dropped) and attaches it to the draft; at
    /// most 5. Not a JPEG/PNG, or too large: `invalid_input`.
    pub fn add_report_photo(&self, draft_id: &str, bytes: Vec<u8>) -> Result<PhotoInfo, CoreError> {
        reports::add_photo(
            &self.store,
            &self.config.data_dir,
            draft_id,
            &bytes,
            Utc::now(),
        )
    }

    pub fn remove_report_photo(&self, draft_id: &str, photo_id: &str) -> Result<(), CoreError> {
        reports::remove_photo(&self.store, &self.config.data_dir, draft_id, photo_id)
    }

    /// Unfinished drafts, most recently changed first.
    pub fn report_drafts(&self) -> Result<Vec<ReportDraft>, CoreError> {
        self.store
            .read(|c| reports::store::drafts(c, &self.config.data_dir))
    }

    pub fn report_draft(&self, id: &str) -> Result<ReportDraft, CoreError> {
        self.store
            .read(|c| reports::store::draft(c, &self.config.data_dir, id))
    }

    pub fn delete_report_draft(&self, id: &str) -> Result<(), CoreError> {
        reports::delete_draft(&self.store, &self.config.data_dir, id)
    }

    /// Every check the device can make: texts, the category and its
    /// questions, the point inside the synced gmina boundary.
    /// `invalid_input` names the field.
    pub fn validate_report_draft(&self, id: &str) -> Result<(), CoreError> {
        self.store.read(|c| reports::validate(c, id))
    }

    /// "This may already be reported": open reports of the draft's category
    /// within 30 m of its point, nearest first.
    pub fn possible_duplicates(&self, draft_id: &str) -> Result<Vec<ReportSummary>, CoreError> {
        self.store
            .read(|c| reports::possible_duplicates(c, draft_id))
    }

    /// Validates, then queues the report (fresh idempotency key) and
    /// deletes the draft, in one transaction. Sent by the next
    /// [`Core::flush_outbox`] or [`Core::sync`].
    pub fn submit_report_draft(&self, id: &str) -> Result<MyReport, CoreError> {
        reports::submit(&self.store, id, Utc::now())
    }

    /// Reports made on this device: queued, sending, failed and sent (with
    /// the synced status, history and replies), newest first.
    pub fn my_reports(&self) -> Result<Vec<MyReport>, CoreError> {
        self.store.read(reports::store::my_reports)
    }

    pub fn my_report(&self, local_id: i64) -> Result<MyReport, CoreError> {
        self.store.read(|c| reports::store::my_report(c, local_id))
    }

    /// Drops a report the server refused (or one not tried yet).
    pub fn discard_failed_report(&self, local_id: i64) -> Result<(), CoreError> {
        reports::discard(&self.store, &self.config.data_dir, local_id)
    }

    /// A refused report back as a draft, photos included, to fix and submit again.
    pub fn edit_failed_report(&self, local_id: i64) -> Result<ReportDraft, CoreError> {
        reports::failed_to_draft(&self.store, &self.config.data_dir, local_id, Utc::now())
    }

    /// Follows a public report (through the outbox): its status changes
    /// notify from the next sync on.
    pub fn follow_report(&self, id: i64) -> Result<(), CoreError> {
        reports::set_followed(&self.store, id, true, Utc::now())
    }

    pub fn unfollow_report(&self, id: i64) -> Result<(), CoreError> {
        reports::set_followed(&self.store, id, false, Utc::now())
    }

    /// Reports this device follows, as last synced.
    pub fn followed_reports(&self) -> Result<Vec<Report>, CoreError> {
        self.store.read(reports::store::followed)
    }

    // ---- the map (places) ----

    /// Places whose geometry lies in or crosses `bbox`, filtered by layer,
    /// category, accessibility needs (all must be met; unknown never meets
    /// one) and "open at"; nearest the box's centre first, at most
    /// `filter.limit`. From the local store.
    pub fn places_in_box(&self, bbox: BoundingBox, filter: &PlaceFilter) -> Result<Vec<PlaceSummary>, CoreError> {
        places::check_box(&bbox)?;
        self.store.read(|c| places::store::in_box(c, &bbox, filter))
    }

    /// The `n` places nearest `point` that pass `filter`, nearest first,
    /// with exact (haversine) distances; a line counts by its closest point.
    pub fn nearest_places(&self, point: GeoPoint, n: u32, filter: &PlaceFilter) -> Result<Vec<PlaceSummary>, CoreError> {
        places::check_point(point, "point")?;
        self.store.read(|c| places::store::nearest(c, point, n, filter))
    }

    /// A place's card: the place, its category's names, and whether it is
    /// open at `now` with the next change (Europe/Warsaw, Polish holidays).
    pub fn place(&self, id: i64, now: DateTime<Utc>) -> Result<PlaceDetail, CoreError> {
        self.store.read(|c| places::detail(c, id, now))
    }

    /// Places whose name, category, address or description match `text`,
    /// diacritics and case ignored ("swietej katarzyny"), last word a prefix.
    pub fn search_places(&self, text: &str, limit: u32) -> Result<Vec<PlaceSummary>, CoreError> {
        self.store.read(|c| places::store::search(c, text, limit))
    }

    /// Bike paths and trails crossing `bbox` (not only those with a vertex
    /// inside), longest first, with their lengths.
    pub fn bike_paths_in_box(&self, bbox: BoundingBox) -> Result<Vec<BikePathSummary>, CoreError> {
        places::check_box(&bbox)?;
        self.store.read(|c| places::store::bike_paths_in_box(c, &bbox))
    }

    /// The box around the synced gmina boundary: the map's first view.
    /// `None` before the first sync.
    pub fn gmina_bbox(&self) -> Result<Option<BoundingBox>, CoreError> {
        Ok(self.gmina()?.and_then(|g| {
            let mut it = g.boundary.rings.iter().flatten();
            let first = it.next()?;
            let init = BoundingBox { min_lat: first[1], min_lon: first[0], max_lat: first[1], max_lon: first[0] };
            Some(it.fold(init, |b, p| BoundingBox {
                min_lat: b.min_lat.min(p[1]),
                min_lon: b.min_lon.min(p[0]),
                max_lat: b.max_lat.max(p[1]),
                max_lon: b.max_lon.max(p[0]),
            }))
        }))
    }

    /// How many places the local store holds.
    pub fn place_count(&self) -> Result<u32, CoreError> {
        self.store.read(places::store::count)
    }

    fn ics_options<'a>(
        &self,
        name: Option<&'a str>,
        uid_domain: &'a str,
        categories: &'a [EventCategory],
    ) -> IcsOptions<'a> {
        IcsOptions {
            calendar_name: name.unwrap_or("mMieszkaniec"),
            uid_domain,
            categories,
        }
    }

    /// The shared UID rule (`mm_protocol::calendar::ics::uid_domain`):
    /// an "added" event and the same event from the subscribed feed are
    /// one event in the resident's calendar.
    fn uid_domain(&self) -> Result<String, CoreError> {
        Ok(mm_protocol::calendar::ics::uid_domain(
            self.gmina()?.as_ref(),
        ))
    }
}

fn registration(config: &CoreConfig) -> RegisterDevice {
    RegisterDevice {
        platform: config.platform,
        app_version: config.app_version.clone(),
        locale: config.locale.clone(),
        os_version: None,
        push_token: None,
    }
}

/// `http(s)://host[:port][/path]` without a trailing slash.
fn normalise_url(url: &str) -> Result<String, CoreError> {
    let invalid = || CoreError::InvalidServerUrl {
        url: url.to_owned(),
    };
    let trimmed = url.trim();
    let parsed = reqwest::Url::parse(trimmed).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none_or(str::is_empty)
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || !parsed.username().is_empty()
    {
        return Err(invalid());
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// `[00:00 of from, 00:00 of the day after to)` in Warsaw.
fn day_range(from: NaiveDate, to: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>), CoreError> {
    if to < from {
        return Err(CoreError::InvalidInput {
            field: "to".into(),
            message: mm_protocol::error::Message::new(
                "Data końcowa jest przed początkową.",
                "The end date is before the start date.",
            ),
        });
    }
    let after = to
        .succ_opt()
        .ok_or_else(|| CoreError::internal("date out of range"))?;
    Ok((events::local_midnight(from), events::local_midnight(after)))
}

#[cfg(test)]
mod tests;

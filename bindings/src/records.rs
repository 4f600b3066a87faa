//! What crosses the boundary. Field for field the core's records, with
//! instants as `i64` epoch milliseconds (UTC) and days as `YYYY-MM-DD`.
//! Only `From` conversions here: no decisions.

use chrono::{DateTime, NaiveDate, Utc};
use mm_core as core;

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn parse_day(field: &str, s: &str) -> Result<NaiveDate, crate::MmError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| crate::MmError::bad_date(field))
}

/// Which shell runs the core (sent when the device registers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Platform {
    Android,
    Ios,
    Cli,
}

impl From<Platform> for core::Platform {
    fn from(p: Platform) -> Self {
        match p {
            Platform::Android => core::Platform::Android,
            Platform::Ios => core::Platform::Ios,
            Platform::Cli => core::Platform::Cli,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CoreConfig {
    /// App-private directory; created when missing; the store lives here.
    pub data_dir: String,
    /// Used until `set_server_url` stores another one.
    pub server_url: String,
    pub platform: Platform,
    /// `X.Y.Z`.
    pub app_version: String,
    /// BCP 47, e.g. `pl-PL`.
    #[uniffi(default = None)]
    pub locale: Option<String>,
}

impl From<CoreConfig> for core::CoreConfig {
    fn from(c: CoreConfig) -> Self {
        core::CoreConfig {
            data_dir: c.data_dir.into(),
            server_url: c.server_url,
            platform: c.platform.into(),
            app_version: c.app_version,
            locale: c.locale,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl From<core::GeoPoint> for GeoPoint {
    fn from(p: core::GeoPoint) -> Self {
        GeoPoint { lat: p.lat, lon: p.lon }
    }
}

impl From<GeoPoint> for core::GeoPoint {
    fn from(p: GeoPoint) -> Self {
        core::GeoPoint { lat: p.lat, lon: p.lon }
    }
}

/// How loudly a news item speaks; `Alert` is shown first and pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Priority {
    Normal,
    Important,
    Alert,
}

impl From<core::Priority> for Priority {
    fn from(p: core::Priority) -> Self {
        match p {
            core::Priority::Normal => Priority::Normal,
            core::Priority::Important => Priority::Important,
            core::Priority::Alert => Priority::Alert,
        }
    }
}

/// A news item or alert (aktualność, komunikat).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct News {
    pub id: i64,
    pub title: String,
    /// Plain text, paragraphs separated by blank lines.
    pub body: String,
    pub priority: Priority,
    pub published_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    pub updated_at_ms: i64,
}

impl From<core::News> for News {
    fn from(n: core::News) -> Self {
        News {
            id: n.id,
            title: n.title,
            body: n.body,
            priority: n.priority.into(),
            published_at_ms: ms(n.published_at),
            expires_at_ms: n.expires_at.map(ms),
            updated_at_ms: ms(n.updated_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EventCategory {
    /// Stable slug, e.g. `kultura`.
    pub id: String,
    pub name_pl: String,
    pub name_en: String,
}

impl From<core::EventCategory> for EventCategory {
    fn from(c: core::EventCategory) -> Self {
        EventCategory { id: c.id, name_pl: c.name_pl, name_en: c.name_en }
    }
}

/// An event (wydarzenie) as published. All-day events start and end at
/// Warsaw midnights, the end exclusive.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Event {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub all_day: bool,
    pub place_name: Option<String>,
    pub point: Option<GeoPoint>,
    pub category: Option<String>,
    pub organiser: Option<String>,
    pub image_url: Option<String>,
    /// Access for people with disabilities, in the organiser's words.
    pub accessibility: Option<String>,
    pub cancelled: bool,
    /// RFC 5545 RRULE, when the event repeats.
    pub rrule: Option<String>,
    pub updated_at_ms: i64,
}

impl From<core::Event> for Event {
    fn from(e: core::Event) -> Self {
        Event {
            id: e.id,
            title: e.title,
            description: e.description,
            starts_at_ms: ms(e.starts_at),
            ends_at_ms: ms(e.ends_at),
            all_day: e.all_day,
            place_name: e.place_name,
            point: e.point.map(Into::into),
            category: e.category,
            organiser: e.organiser,
            image_url: e.image_url,
            accessibility: e.accessibility,
            cancelled: e.cancelled,
            rrule: e.rrule,
            updated_at_ms: ms(e.updated_at),
        }
    }
}

/// One occurrence of an event, as lists and calendars show it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EventOccurrence {
    pub event_id: i64,
    pub title: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub all_day: bool,
    pub place_name: Option<String>,
    pub category: Option<String>,
    pub cancelled: bool,
    pub recurring: bool,
}

impl From<core::EventOccurrence> for EventOccurrence {
    fn from(o: core::EventOccurrence) -> Self {
        EventOccurrence {
            event_id: o.event_id,
            title: o.title,
            starts_at_ms: ms(o.starts_at),
            ends_at_ms: ms(o.ends_at),
            all_day: o.all_day,
            place_name: o.place_name,
            category: o.category,
            cancelled: o.cancelled,
            recurring: o.recurring,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct Occurrence {
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
}

impl From<core::Occurrence> for Occurrence {
    fn from(o: core::Occurrence) -> Self {
        Occurrence { starts_at_ms: ms(o.starts_at), ends_at_ms: ms(o.ends_at) }
    }
}

/// The event screen in one call.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EventDetail {
    pub event: Event,
    pub category_name_pl: Option<String>,
    pub category_name_en: Option<String>,
    /// Up to 10 occurrences not over yet.
    pub next_occurrences: Vec<Occurrence>,
}

impl From<core::EventDetail> for EventDetail {
    fn from(d: core::EventDetail) -> Self {
        EventDetail {
            event: d.event.into(),
            category_name_pl: d.category_name_pl,
            category_name_en: d.category_name_en,
            next_occurrences: d.next_occurrences.into_iter().map(Into::into).collect(),
        }
    }
}

/// The home screen in one call.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HomeScreen {
    /// Visible alerts, newest first.
    pub alerts: Vec<News>,
    /// The next occurrences not yet over.
    pub upcoming: Vec<EventOccurrence>,
    /// The newest visible items that are not alerts.
    pub latest_news: Vec<News>,
    pub unread_notifications: u32,
}

impl From<core::HomeScreen> for HomeScreen {
    fn from(h: core::HomeScreen) -> Self {
        HomeScreen {
            alerts: h.alerts.into_iter().map(Into::into).collect(),
            upcoming: h.upcoming.into_iter().map(Into::into).collect(),
            latest_news: h.latest_news.into_iter().map(Into::into).collect(),
            unread_notifications: h.unread_notifications,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct DayCount {
    /// Day of the month, 1-based.
    pub day: u32,
    pub count: u32,
}

/// A month of the calendar: the Warsaw days that have events.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MonthView {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    pub days: Vec<DayCount>,
}

impl From<core::MonthView> for MonthView {
    fn from(m: core::MonthView) -> Self {
        MonthView {
            year: m.year,
            month: m.month,
            days: m.days.into_iter().map(|d| DayCount { day: d.day, count: d.count }).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SearchKind {
    News,
    Event,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SearchHit {
    pub kind: SearchKind,
    pub id: i64,
    pub title: String,
    pub snippet: String,
}

impl From<core::SearchHit> for SearchHit {
    fn from(h: core::SearchHit) -> Self {
        SearchHit {
            kind: match h.kind {
                core::SearchKind::News => SearchKind::News,
                core::SearchKind::Event => SearchKind::Event,
            },
            id: h.id,
            title: h.title,
            snippet: h.snippet,
        }
    }
}

/// Something the core raised for the resident (an alert arrived, …).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Notification {
    pub id: i64,
    /// `"alert"` now; more kinds later.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at_ms: i64,
    pub read: bool,
    /// The entity to open, e.g. the news id of an alert.
    pub entity_id: Option<String>,
}

impl From<core::Notification> for Notification {
    fn from(n: core::Notification) -> Self {
        Notification {
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            created_at_ms: ms(n.created_at),
            read: n.read,
            entity_id: n.entity_id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    pub page: u32,
    pub applied_total: u32,
    pub has_more: bool,
}

impl From<core::SyncProgress> for SyncProgress {
    fn from(p: core::SyncProgress) -> Self {
        SyncProgress { page: p.page, applied_total: p.applied_total, has_more: p.has_more }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    pub pages: u32,
    pub applied: u32,
    pub skipped: u32,
    /// Nothing new since the last sync.
    pub unchanged: bool,
    pub cursor: String,
}

impl From<core::SyncSummary> for SyncSummary {
    fn from(s: core::SyncSummary) -> Self {
        SyncSummary { pages: s.pages, applied: s.applied, skipped: s.skipped, unchanged: s.unchanged, cursor: s.cursor }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct OutboxSummary {
    pub sent: u32,
    pub pending: u32,
    pub failed: u32,
}

impl From<core::OutboxSummary> for OutboxSummary {
    fn from(s: core::OutboxSummary) -> Self {
        OutboxSummary { sent: s.sent, pending: s.pending, failed: s.failed }
    }
}

/// The settings screen's facts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CoreStatus {
    pub server_url: String,
    pub device_registered: bool,
    pub last_sync_at_ms: Option<i64>,
    pub cursor: Option<String>,
    pub pending_writes: u32,
    pub failed_writes: u32,
    pub news_count: u32,
    pub event_count: u32,
}

impl From<core::CoreStatus> for CoreStatus {
    fn from(s: core::CoreStatus) -> Self {
        CoreStatus {
            server_url: s.server_url,
            device_registered: s.device_registered,
            last_sync_at_ms: s.last_sync_at.map(ms),
            cursor: s.cursor,
            pending_writes: s.pending_writes,
            failed_writes: s.failed_writes,
            news_count: s.news_count,
            event_count: s.event_count,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LocalityKind {
    /// miasto
    Town,
    /// wieś
    Village,
    /// osada, część wsi
    Settlement,
}

/// A locality (miejscowość) of the gmina.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Locality {
    pub id: i64,
    pub name: String,
    pub kind: LocalityKind,
    pub point: GeoPoint,
}

impl From<core::Locality> for Locality {
    fn from(l: core::Locality) -> Self {
        Locality {
            id: l.id,
            name: l.name,
            kind: match l.kind {
                core::LocalityKind::Town => LocalityKind::Town,
                core::LocalityKind::Village => LocalityKind::Village,
                core::LocalityKind::Settlement => LocalityKind::Settlement,
            },
            point: l.point.into(),
        }
    }
}

/// The gmina: name, TERYT code, boundary (outer ring first, then holes)
/// and where the map opens.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Gmina {
    pub id: String,
    pub name: String,
    pub teryt: String,
    pub boundary: Vec<Vec<GeoPoint>>,
    pub center: GeoPoint,
}

impl From<core::Gmina> for Gmina {
    fn from(g: core::Gmina) -> Self {
        Gmina {
            id: g.id,
            name: g.name,
            teryt: g.teryt,
            // GeoJSON rings are [lon, lat].
            boundary: g
                .boundary
                .rings
                .into_iter()
                .map(|ring| ring.into_iter().map(|[lon, lat]| GeoPoint { lat, lon }).collect())
                .collect(),
            center: g.center.into(),
        }
    }
}

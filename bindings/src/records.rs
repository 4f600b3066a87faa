//! What crosses the boundary. Field for field the core's records, with
//! instants as `i64` epoch milliseconds (UTC) and days as `YYYY-MM-DD`.
//! Only `From` conversions here: no decisions.

use chrono::{DateTime, NaiveDate, Utc};
use mm_core as core;

use crate::events::EventOccurrence;
use crate::news::News;

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(field: &str, t: i64) -> Result<DateTime<Utc>, crate::MmError> {
    // The texts are the core's, as every text the shells show.
    DateTime::from_timestamp_millis(t).ok_or_else(|| core::CoreError::invalid_instant(field).into())
}

pub(crate) fn parse_day(field: &str, s: &str) -> Result<NaiveDate, crate::MmError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| core::CoreError::invalid_day(field).into())
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
    /// Used until `set_server_url` stores another one; `None` (the
    /// default): the deployment's server, which the core knows
    /// (`default_server_url()`), so the shells do not repeat it.
    #[uniffi(default = None)]
    pub server_url: Option<String>,
    pub platform: Platform,
    /// `X.Y.Z`.
    pub app_version: String,
    /// BCP 47, e.g. `pl-PL`.
    #[uniffi(default = None)]
    pub locale: Option<String>,
    /// A TERYT code to open, as `choose_gmina` would; `None` (the
    /// default): the gmina chosen last, or none yet (`gmina_choice()`).
    /// Malformed: `invalid_input` on field `teryt`.
    #[uniffi(default = None)]
    pub gmina: Option<String>,
}

impl TryFrom<CoreConfig> for core::CoreConfig {
    type Error = crate::MmError;
    fn try_from(c: CoreConfig) -> Result<Self, crate::MmError> {
        let gmina = c.gmina.as_deref().map(crate::gminas::teryt).transpose()?;
        Ok(core::CoreConfig {
            data_dir: c.data_dir.into(),
            gmina,
            server_url: c.server_url,
            platform: c.platform.into(),
            app_version: c.app_version,
            locale: c.locale,
        })
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
    /// The chosen gmina's TERYT code; null/nil: none yet (all else empty).
    pub gmina: Option<String>,
    pub device_registered: bool,
    pub last_sync_at_ms: Option<i64>,
    pub cursor: Option<String>,
    pub pending_writes: u32,
    pub failed_writes: u32,
    /// Writes other gminas on the device still hold (queued before a
    /// switch), sent under their own gmina by the next flush or sync: a
    /// background send is still worth scheduling for them.
    pub pending_writes_elsewhere: u32,
    pub news_count: u32,
    pub event_count: u32,
}

impl From<core::CoreStatus> for CoreStatus {
    fn from(s: core::CoreStatus) -> Self {
        CoreStatus {
            server_url: s.server_url,
            gmina: s.gmina.map(String::from),
            device_registered: s.device_registered,
            last_sync_at_ms: s.last_sync_at.map(ms),
            cursor: s.cursor,
            pending_writes: s.pending_writes,
            failed_writes: s.failed_writes,
            pending_writes_elsewhere: s.pending_writes_elsewhere,
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

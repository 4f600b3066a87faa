use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;

use crate::error::MmError;
use crate::listener::{Adapter, CoreListener};
use crate::records::*;

/// How many [`MmCore`] objects are alive in this process. Tests use it to
/// prove the shells release what they create.
static LIVE_CORES: AtomicU64 = AtomicU64::new(0);

/// The language of the core's texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Language {
    Polish,
    English,
}

/// What a screen counts (`MmCore::count_text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Noun {
    Place,
    BikePath,
    Event,
    SearchResult,
    Photo,
    Report,
}

impl From<Noun> for mm_core::display::Noun {
    fn from(n: Noun) -> Self {
        use mm_core::display::Noun as N;
        match n {
            Noun::Place => N::Place,
            Noun::BikePath => N::BikePath,
            Noun::Event => N::Event,
            Noun::SearchResult => N::SearchResult,
            Noun::Photo => N::Photo,
            Noun::Report => N::Report,
        }
    }
}

/// The text for a failure that reached the shell without an `MmError`
/// (UniFFI's `InternalException` after a panic): the core's own words.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ErrorText {
    pub code: String,
    pub message_pl: String,
    pub message_en: String,
}

#[uniffi::export]
pub fn internal_error_message() -> ErrorText {
    let m = mm_core::error::internal_message();
    ErrorText { code: "internal".into(), message_pl: m.pl, message_en: m.en }
}

/// The deployment's server, where a fresh install connects when
/// `CoreConfig.server_url` is null/nil (Settings can show it, or offer to
/// go back to it); built into the core, not repeated by the shells.
#[uniffi::export]
pub fn default_server_url() -> String {
    mm_core::DEFAULT_SERVER_URL.to_owned()
}

/// Live [`MmCore`] objects (created and not yet released by the shell).
#[uniffi::export]
pub fn live_core_objects() -> u64 {
    LIVE_CORES.load(Ordering::SeqCst)
}

/// The resident's side of mMieszkaniec: one per app process. Kotlin:
/// `MmCore(config).use { … }` or keep one for the process; Swift: an
/// ordinary class. Thread-safe: any method may be called from any thread.
/// The query methods read the local store (milliseconds, no network): call
/// them off the UI thread. "Now" is this device's clock.
#[derive(uniffi::Object)]
pub struct MmCore {
    pub(crate) core: mm_core::Core,
}

impl Drop for MmCore {
    fn drop(&mut self) {
        LIVE_CORES.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) fn one<T, U: From<T>>(r: Result<T, mm_core::CoreError>) -> Result<U, MmError> {
    r.map(Into::into).map_err(Into::into)
}

pub(crate) fn all<T, U: From<T>>(r: Result<Vec<T>, mm_core::CoreError>) -> Result<Vec<U>, MmError> {
    r.map(|v| v.into_iter().map(Into::into).collect()).map_err(Into::into)
}

#[uniffi::export(async_runtime = "tokio")]
impl MmCore {
    /// Opens (creating and migrating) the store in `config.data_dir` and
    /// queues this install's registration if it has none. No network.
    #[uniffi::constructor]
    pub fn new(config: CoreConfig) -> Result<Arc<Self>, MmError> {
        let core = mm_core::Core::open(config.try_into()?)?;
        LIVE_CORES.fetch_add(1, Ordering::SeqCst);
        Ok(Arc::new(MmCore { core }))
    }

    /// The language of every text the core hands out (`when_text`, card
    /// lines, labels, `state_text`), resolved from `CoreConfig.locale`
    /// (`pl_PL` and `pl-PL` alike): English for `en`, Polish otherwise.
    pub fn language(&self) -> Language {
        match self.core.language() {
            mm_core::Language::Polish => Language::Polish,
            mm_core::Language::English => Language::English,
        }
    }

    /// `wt 1 gru 2026, 18:00` (Warsaw time) in the core's language: a news
    /// item's date, a report's history.
    /// An instant out of chrono's range (±262,000 years) reads as empty.
    pub fn datetime_text(&self, at_ms: i64) -> String {
        chrono::DateTime::from_timestamp_millis(at_ms)
            .map(|t| mm_core::display::datetime_text(t, self.core.language()))
            .unwrap_or_default()
    }

    /// `5 miejsc`, `2 ścieżki rowerowe`, `1 event`: a count with its noun
    /// in the right plural form.
    pub fn count_text(&self, n: u32, noun: Noun) -> String {
        mm_core::display::noun_count(n.into(), noun.into(), self.core.language())
    }

    /// `850 m`, `1,2 km` in the core's language.
    pub fn format_distance(&self, metres: f64) -> String {
        mm_core::display::format_distance(metres, self.core.language())
    }

    pub fn server_url(&self) -> String {
        self.core.server_url()
    }

    /// Validates and stores the address; a different server starts over.
    pub fn set_server_url(&self, url: String) -> Result<(), MmError> {
        Ok(self.core.set_server_url(&url)?)
    }

    /// Sends queued writes (the device registration first), then pulls all
    /// changes. Kotlin: `suspend`; Swift: `async`.
    #[uniffi::method(default(page_size = None, listener = None))]
    pub async fn sync(
        &self,
        page_size: Option<u32>,
        listener: Option<Arc<dyn CoreListener>>,
    ) -> Result<SyncSummary, MmError> {
        let listener = listener.map(|l| Arc::new(Adapter(l)) as Arc<dyn mm_core::SyncListener>);
        one(self.core.sync(mm_core::SyncOptions { page_size }, listener).await)
    }

    /// Sends what is due in the outbox.
    pub async fn flush_outbox(&self) -> Result<OutboxSummary, MmError> {
        one(self.core.flush_outbox().await)
    }

    /// Every write the server refused (`CoreStatus.failed_writes`) back in
    /// the queue; how many. Sent by the next flush or sync.
    pub fn retry_failed_writes(&self) -> Result<u32, MmError> {
        Ok(self.core.retry_failed_writes()?)
    }

    /// Settings screen: server, registration, last sync, queue sizes.
    pub fn status(&self) -> Result<CoreStatus, MmError> {
        one(self.core.status())
    }

    /// Home screen: alerts, upcoming events, latest news, unread count.
    pub fn home(&self) -> Result<HomeScreen, MmError> {
        one(self.core.home(Utc::now()))
    }

    pub fn gmina(&self) -> Result<Option<Gmina>, MmError> {
        Ok(self.core.gmina()?.map(Into::into))
    }

    pub fn localities(&self) -> Result<Vec<Locality>, MmError> {
        all(self.core.localities())
    }

    /// Whether the point lies inside the synced gmina boundary.
    pub fn contains_point(&self, point: GeoPoint) -> Result<bool, MmError> {
        Ok(self.core.contains_point(point.into())?)
    }

    /// Search screen: news and events; diacritics optional ("zlobek").
    pub fn search(&self, text: String, limit: u32) -> Result<Vec<SearchHit>, MmError> {
        all(self.core.search(&text, limit))
    }
}

//! The facade: [`Core`], what it is opened with, and the screens that span
//! features (home, status). Each feature hands out its own object with its
//! own records (`core.events()`, `core.news()`, `core.reports()`,
//! `core.places()`, `core.notifications()`, `core.waste()`; sync and search in
//! `sync::api` and `search::api`), one call per screen's data, so the FFI
//! boundary stays coarse.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use mm_protocol::devices::{Platform, RegisterDevice};
use mm_protocol::gmina::{Gmina, Locality, Teryt};
use mm_protocol::geo::GeoPoint;
use mm_protocol::news::{News, Priority};
use serde::{Deserialize, Serialize};

use crate::display::Language;
use crate::error::{CoreError, Error};
use crate::events::EventsApi;
use crate::events::model::EventOccurrence;
use crate::news::NewsApi;
use crate::notifications::NotificationsApi;
use crate::places::PlacesApi;
use crate::reports::ReportsApi;
use crate::taxes::TaxesApi;
use crate::budget::BudgetApi;
use crate::gminas::install::Install;
use crate::gminas::{Chosen, Tenant, legacy};
use crate::store::meta;
use crate::sync::client::Http;
use crate::{devices, events, gmina, news, notifications, outbox};

/// The deployment's server: where a fresh install connects when the shell
/// gives no address (`CoreConfig::server_url` = `None`). One place for both
/// shells, so a second gmina's build changes it here (or sets
/// `MM_DEFAULT_SERVER_URL` when compiling the core), not in Kotlin and Swift.
pub const DEFAULT_SERVER_URL: &str = match option_env!("MM_DEFAULT_SERVER_URL") {
    Some(url) => url,
    None => "https://mmieszkaniec.siechnice.gmina.pl",
};

#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Created when missing; the stores live here (one per gmina).
    pub data_dir: PathBuf,
    /// The gmina to open, chosen as [`Core::choose_gmina`] would
    /// (`mm --gmina`); `None`: the one chosen last, or none yet.
    pub gmina: Option<Teryt>,
    /// Used until [`Core::set_server_url`] stores another one; `None`:
    /// the deployment's [`DEFAULT_SERVER_URL`].
    pub server_url: Option<String>,
    pub platform: Platform,
    /// `X.Y.Z`; sent in the User-Agent and at registration.
    pub app_version: String,
    /// BCP 47, e.g. `pl-PL`.
    pub locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoreStatus {
    pub server_url: String,
    /// The chosen gmina; `None`: none yet, everything below empty.
    pub gmina: Option<Teryt>,
    pub device_registered: bool,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    pub pending_writes: u32,
    pub failed_writes: u32,
    /// Writes other gminas on the device still hold (queued before a
    /// switch); sent under their own gmina by the next flush or sync.
    pub pending_writes_elsewhere: u32,
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

/// The resident's side of mMieszkaniec: one per app process.
pub struct Core {
    pub(crate) config: CoreConfig,
    /// The texts' language, from `config.locale`.
    pub(crate) language: Language,
    /// The server's address, the chosen gmina, the directory seen.
    pub(crate) install: Install,
    /// The chosen gmina's store (`gmina_not_chosen` while none is).
    pub(crate) store: Chosen,
    /// Every gmina store opened by this process, the chosen one among
    /// them; the others stay while they hold writes to send.
    pub(crate) tenants: Mutex<BTreeMap<Teryt, Arc<Tenant>>>,
    /// For what belongs to no gmina (the directory): names none.
    pub(crate) http: Http,
    server_url: RwLock<String>,
    /// One sync at a time; a second caller waits for the first.
    pub(crate) sync_lock: tokio::sync::Mutex<()>,
    /// One outbox flush at a time, whoever asks (`sync` or `flush_outbox`):
    /// two flushes would read the same due items and send them both, and
    /// a follow and its unfollow could land in either order.
    pub(crate) flush_lock: tokio::sync::Mutex<()>,
}

impl Core {
    /// Creates `data_dir`, opens the install's settings and the chosen
    /// gmina's store (migrating it), and queues the device registration
    /// when that gmina has none. No network.
    pub fn open(config: CoreConfig) -> Result<Core, CoreError> {
        std::fs::create_dir_all(&config.data_dir).map_err(Error::from)?;
        let install = Install::open(&config.data_dir)?;
        let old = legacy::inspect(&config.data_dir)?.unwrap_or_default();
        if let (None, Some(url)) = (install.server_url()?, &old.server_url) {
            install.set_server_url(url)?;
        }
        let server_url = match install.server_url()? {
            Some(url) => url,
            None => normalise_url(config.server_url.as_deref().unwrap_or(DEFAULT_SERVER_URL))?,
        };
        let chosen = config.gmina.clone().or(install.chosen()?).or(old.gmina);
        let http = Http::new(&config.app_version, config.platform, None)?;
        let core = Core {
            language: Language::from_locale(config.locale.as_deref()),
            config,
            install,
            store: Chosen::default(),
            tenants: Mutex::default(),
            http,
            server_url: RwLock::new(server_url),
            sync_lock: tokio::sync::Mutex::new(()),
            flush_lock: tokio::sync::Mutex::new(()),
        };
        if let Some(teryt) = chosen {
            core.choose(&teryt)?;
        }
        core.open_others_with_writes();
        Ok(core)
    }

    // ---- one object per feature ----

    /// Events and the calendar (wydarzenia).
    pub fn events(&self) -> EventsApi<'_> {
        EventsApi { core: self }
    }

    /// News and alerts (aktualności, komunikaty).
    pub fn news(&self) -> NewsApi<'_> {
        NewsApi { core: self }
    }

    /// Residents' reports (zgłoszenia): drafts, sending, my reports, follows.
    pub fn reports(&self) -> ReportsApi<'_> {
        ReportsApi { core: self }
    }

    /// The map: places with accessibility, bike paths.
    pub fn places(&self) -> PlacesApi<'_> {
        PlacesApi { core: self }
    }

    /// Local taxes: liabilities, the transfer QR, payments, reminders.
    pub fn taxes(&self) -> TaxesApi<'_> {
        TaxesApi { core: self }
    }

    /// The participatory budget (budżet obywatelski): editions, projects,
    /// the ballot, casting, results.
    pub fn budget(&self) -> BudgetApi<'_> {
        BudgetApi { core: self }
    }

    /// Consultations (konsultacje społeczne): surveys, answers, summaries.
    pub fn consultations(&self) -> crate::consultations::ConsultationsApi<'_> {
        crate::consultations::ConsultationsApi { core: self }
    }

    /// The waste-collection schedule (harmonogram odbioru odpadów): my
    /// addresses, their next collections, the dictionary, reminders.
    pub fn waste(&self) -> crate::waste::WasteApi<'_> {
        crate::waste::WasteApi { core: self }
    }

    /// What the core raised for the resident (the bell).
    pub fn notifications(&self) -> NotificationsApi<'_> {
        NotificationsApi { core: self }
    }

    // ---- the install: server, language, status, home ----

    /// The language of every text the core hands out (`when_text`, card
    /// lines, labels): English for an `en` locale, Polish otherwise.
    pub fn language(&self) -> Language {
        self.language
    }

    pub fn server_url(&self) -> String {
        self.server_url
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Validates (https, or http to this device only) and stores the URL.
    /// Pointing at a different server starts over: its cursor, content and
    /// device token mean nothing there. Queued writes stay and go to the
    /// new server.
    pub fn set_server_url(&self, url: &str) -> Result<(), CoreError> {
        let url = normalise_url(url)?;
        let busy = |_| {
            Error::invalid(
                "server_url",
                "Trwa synchronizacja; spróbuj za chwilę.",
                "A sync is running; try again in a moment.",
            )
        };
        let _sync = self.sync_lock.try_lock().map_err(busy)?;
        let _flushing = self.flush_lock.try_lock().map_err(busy)?;
        self.install.set_server_url(&url)?;
        *self.server_url.write().unwrap_or_else(|p| p.into_inner()) = url.clone();
        // The others follow when they are next flushed or chosen.
        if let Some(tenant) = self.store.current() {
            tenant.follow_server(&url, true, &registration(&self.config))?;
        }
        Ok(())
    }

    pub fn status(&self) -> Result<CoreStatus, CoreError> {
        let server_url = self.server_url();
        let pending_writes_elsewhere = self.pending_writes_elsewhere();
        let Some(tenant) = self.store.current() else {
            return Ok(CoreStatus {
                server_url,
                gmina: None,
                device_registered: false,
                last_sync_at: None,
                cursor: None,
                pending_writes: 0,
                failed_writes: 0,
                pending_writes_elsewhere,
                news_count: 0,
                event_count: 0,
            });
        };
        Ok(tenant.store.read(|c| {
            let (pending_writes, failed_writes) = outbox::counts(c)?;
            Ok(CoreStatus {
                server_url,
                gmina: Some(tenant.teryt.clone()),
                device_registered: devices::is_registered(c)?,
                last_sync_at: meta::get(c, meta::LAST_SYNC_AT)?
                    .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                    .map(|t| t.with_timezone(&Utc)),
                cursor: meta::get(c, meta::CURSOR)?,
                pending_writes,
                failed_writes,
                pending_writes_elsewhere,
                news_count: news::count(c)?,
                event_count: events::count(c)?,
            })
        })?)
    }

    pub fn home(&self, now: DateTime<Utc>) -> Result<HomeScreen, CoreError> {
        Ok(self.store.read(|c| {
            Ok(HomeScreen {
                alerts: news::visible(c, now, Priority::Alert, Priority::Alert, 100)?,
                upcoming: events::api::with_texts(events::upcoming(c, now, 5, None)?, self.language),
                latest_news: news::visible_newest(c, now, Priority::Important, 5)?,
                unread_notifications: notifications::unread_count(c)?,
            })
        })?)
    }

    // ---- the gmina ----

    pub fn gmina(&self) -> Result<Option<Gmina>, CoreError> {
        Ok(self.store.read(gmina::get)?)
    }

    pub fn localities(&self) -> Result<Vec<Locality>, CoreError> {
        Ok(self.store.read(gmina::localities)?)
    }

    /// Whether `point` lies inside the synced gmina boundary.
    pub fn contains_point(&self, point: GeoPoint) -> Result<bool, CoreError> {
        let g = self.gmina()?.ok_or_else(|| CoreError::not_found("gmina"))?;
        Ok(gmina::contains(&g.boundary, point))
    }
}

pub(crate) fn registration(config: &CoreConfig) -> RegisterDevice {
    RegisterDevice {
        platform: config.platform,
        app_version: config.app_version.clone(),
        // BCP 47 whatever the shell sent: iOS gives `pl_PL`, Android `pl-PL`.
        locale: config.locale.as_deref().and_then(crate::display::normalise_locale),
        os_version: None,
        push_token: None,
    }
}

/// `https://host[:port][/path]` (or `http://` to a loopback host) without a
/// trailing slash.
fn normalise_url(url: &str) -> Result<String, Error> {
    let invalid = || Error::InvalidServerUrl {
        url: url.to_owned(),
    };
    let trimmed = url.trim();
    let parsed = reqwest::Url::parse(trimmed).map_err(|_| invalid())?;
    // Plain http only to this device (a test or development server): in
    // the clear, anyone on the resident's network reads the device token
    // and the reports (mobile review, P1 #13).
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !(parsed.scheme() == "https" || parsed.scheme() == "http" && loopback)
        || parsed.host_str().is_none_or(str::is_empty)
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || !parsed.username().is_empty()
    {
        return Err(invalid());
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests;

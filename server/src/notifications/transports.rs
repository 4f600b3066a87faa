//! Which push services each gmina sends through, with its own credentials
//! (docs/plans/issue-16.md §0 "Credentials per gmina"), and the lanes that
//! bound how much goes to each service at once.
//!
//! A gmina's settings name one credentials file (`push_credentials`,
//! relative to the data directory; the deployment's `--push-credentials`
//! for gminas without their own). It names the key files beside it:
//!
//! ```json
//! { "apns": { "key_file": "AuthKey_ABC123DEFG.p8", "key_id": "ABC123DEFG",
//!             "team_id": "DEF123GHIJ", "topic": "pl.mmieszkaniec.app" },
//!   "fcm": { "service_account_file": "fcm-service-account.json" },
//!   "web_push": { "vapid_key_file": "vapid.pem", "contact": "mailto:it@gmina.example" } }
//! ```
//!
//! Every part is optional: a gmina without APNs credentials simply has no
//! iPhone pushes (those deliveries fail visibly, the feed still has them).
//! Secrets never reach a log or an error: errors name the file, not its
//! content.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mm_protocol::gmina::Teryt;
use mm_protocol::notifications::{PushRegistration, Transport};
use serde::Deserialize;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::push::{
    Apns, ApnsConfig, Clock, Fcm, FcmConfig, HttpOptions, PushError, PushTransport, ServiceAccount, VapidKey, WebPush,
    WebPushConfig,
};

/// The deployment's push options (`mm-server` flags): where the services
/// are (the fakes, in tests) and how much may be in flight.
#[derive(Clone)]
pub struct PushOptions {
    /// Where relative credentials file names are read from.
    pub data_dir: PathBuf,
    /// `--push-credentials`: for gminas whose settings name none.
    pub default_credentials: Option<PathBuf>,
    /// `--apns-url`: both APNs hosts (a fake).
    pub apns_url: Option<String>,
    /// `--fcm-url`, `--fcm-token-url` (a fake).
    pub fcm_url: Option<String>,
    pub fcm_token_url: Option<String>,
    /// `--push-ca`: a certificate trusted besides the web PKI (the fakes').
    pub extra_root_pem: Option<Vec<u8>>,
    /// `--push-allow-loopback` (tests).
    pub allow_loopback: bool,
    /// Requests in flight per lane (one service of one gmina, or one Web
    /// Push host): HTTP/2 multiplexes them on one connection.
    pub concurrency: usize,
    pub timeout: Duration,
    pub clock: Clock,
}

impl PushOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> PushOptions {
        PushOptions {
            data_dir: data_dir.into(),
            default_credentials: None,
            apns_url: None,
            fcm_url: None,
            fcm_token_url: None,
            extra_root_pem: None,
            allow_loopback: false,
            concurrency: DEFAULT_CONCURRENCY,
            timeout: crate::push::DEFAULT_TIMEOUT,
            clock: crate::push::system_clock(),
        }
    }

    fn http(&self) -> HttpOptions {
        HttpOptions { timeout: Some(self.timeout), extra_root_pem: self.extra_root_pem.clone() }
    }
}

/// The default of `--push-concurrency`: APNs and FCM take many streams on
/// one HTTP/2 connection; 64 keeps a loopback fake answering in 20 ms at
/// ~3,000 sends a second per lane (`make bench`).
pub const DEFAULT_CONCURRENCY: usize = 64;

/// The credentials file (see the module's doc).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsFile {
    #[serde(default)]
    pub apns: Option<ApnsFile>,
    #[serde(default)]
    pub fcm: Option<FcmFile>,
    #[serde(default)]
    pub web_push: Option<WebPushFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApnsFile {
    pub key_file: PathBuf,
    pub key_id: String,
    pub team_id: String,
    pub topic: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FcmFile {
    pub service_account_file: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebPushFile {
    pub vapid_key_file: PathBuf,
    pub contact: String,
}

/// One gmina's transports; `None` where it has no credentials.
#[derive(Default, Clone)]
pub struct GminaPush {
    pub apns: Option<Arc<dyn PushTransport>>,
    pub fcm: Option<Arc<dyn PushTransport>>,
    pub web_push: Option<Arc<dyn PushTransport>>,
}

impl GminaPush {
    pub fn for_registration(&self, reg: &PushRegistration) -> Option<&Arc<dyn PushTransport>> {
        match reg.transport() {
            Transport::Apns => self.apns.as_ref(),
            Transport::Fcm => self.fcm.as_ref(),
            Transport::WebPush => self.web_push.as_ref(),
        }
    }

    /// Opens what `file` names (paths relative to its folder).
    pub fn open(file: &Path, options: &PushOptions) -> Result<GminaPush, PushError> {
        let err = |what: &str| PushError::Config(format!("{what} ({})", file.display()));
        let text = std::fs::read_to_string(file).map_err(|_| err("cannot read the push credentials file"))?;
        let creds: CredentialsFile =
            serde_json::from_str(&text).map_err(|e| PushError::Config(format!("{} (line {}): {:?}", file.display(), e.line(), e.classify())))?;
        let dir = file.parent().unwrap_or(Path::new("."));
        let read = |name: &Path| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|_| PushError::Config(format!("cannot read {}", path.display())))
        };
        let mut out = GminaPush::default();
        if let Some(a) = creds.apns {
            // One provider token per key and team, kept across restarts.
            let cache = options.data_dir.join("push-state").join(format!("apns-{}-{}.json", a.team_id, a.key_id));
            let mut cfg = ApnsConfig::new(read(&a.key_file)?, a.key_id, a.team_id, a.topic);
            cfg.token_cache = Some(cache);
            if let Some(url) = &options.apns_url {
                cfg = cfg.with_base_url(url);
            }
            cfg.http = options.http();
            cfg.clock = options.clock.clone();
            out.apns = Some(Arc::new(Apns::new(cfg)?));
        }
        if let Some(f) = creds.fcm {
            let mut cfg = FcmConfig::new(ServiceAccount::from_json(&read(&f.service_account_file)?)?);
            if let Some(url) = &options.fcm_url {
                cfg.base_url = url.clone();
            }
            cfg.token_url = options.fcm_token_url.clone();
            cfg.http = options.http();
            cfg.clock = options.clock.clone();
            out.fcm = Some(Arc::new(Fcm::new(cfg)?));
        }
        if let Some(w) = creds.web_push {
            let mut cfg = WebPushConfig::new(VapidKey::from_pem(&read(&w.vapid_key_file)?)?, w.contact);
            cfg.allow_loopback = options.allow_loopback;
            cfg.http = options.http();
            cfg.clock = options.clock.clone();
            out.web_push = Some(Arc::new(WebPush::new(cfg)?));
        }
        Ok(out)
    }
}

/// How many sends go to one service at once, and until when it asked us
/// to wait (its `Retry-After`): one 429 slows every send of the lane
/// instead of each failing once.
pub struct Lane {
    slots: Semaphore,
    paused_until: Mutex<Option<Instant>>,
}

impl Lane {
    fn new(concurrency: usize) -> Lane {
        Lane { slots: Semaphore::new(concurrency.max(1)), paused_until: Mutex::new(None) }
    }

    /// Waits for a slot and for the end of a pause.
    pub async fn enter(&self) -> tokio::sync::SemaphorePermit<'_> {
        let permit = self.slots.acquire().await.expect("lanes are never closed");
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return permit,
            }
        }
    }

    /// How much longer the lane is paused, if it is.
    pub fn paused_for(&self) -> Option<Duration> {
        let until = (*self.paused_until.lock().unwrap_or_else(|p| p.into_inner()))?;
        let left = until.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    /// The service said "not before `after`".
    pub fn pause(&self, after: Duration) {
        let until = Instant::now() + after;
        let mut p = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if p.is_none_or(|t| t < until) {
            *p = Some(until);
        }
    }
}

/// A gmina and the credentials file its settings named.
type OpenedKey = (Teryt, Option<String>);

/// Every gmina's transports, opened on first use (again when its settings
/// name another file), and the lanes.
pub struct PushTransports {
    options: PushOptions,
    /// Tests hand transports in directly; then settings are not read.
    fixed: Option<GminaPush>,
    opened: Mutex<HashMap<OpenedKey, Arc<GminaPush>>>,
    lanes: Mutex<HashMap<String, Arc<Lane>>>,
}

impl PushTransports {
    pub fn new(options: PushOptions) -> PushTransports {
        PushTransports { options, fixed: None, opened: Mutex::default(), lanes: Mutex::default() }
    }

    /// The same transports for every gmina (tests, benches).
    pub fn fixed(push: GminaPush, concurrency: usize) -> PushTransports {
        let mut options = PushOptions::new(".");
        options.concurrency = concurrency;
        PushTransports { options, fixed: Some(push), opened: Mutex::default(), lanes: Mutex::default() }
    }

    /// Gmina `gmina`'s transports, given its settings' credentials name.
    pub fn of(&self, gmina: &Teryt, credentials: Option<&str>) -> Result<Arc<GminaPush>, PushError> {
        if let Some(f) = &self.fixed {
            return Ok(Arc::new(f.clone()));
        }
        let key = (gmina.clone(), credentials.map(str::to_owned));
        let mut opened = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = opened.get(&key) {
            return Ok(p.clone());
        }
        let file = match credentials {
            Some(name) => Some(self.options.data_dir.join(name)),
            None => self.options.default_credentials.clone(),
        };
        let push = Arc::new(match file {
            Some(f) => GminaPush::open(&f, &self.options)?,
            None => GminaPush::default(),
        });
        opened.insert(key, push.clone());
        Ok(push)
    }

    /// The lane of a send: one per service per gmina for APNs and FCM (their
    /// quotas are per project/team), one per host for Web Push (each
    /// distributor's server is its own).
    pub fn lane(&self, gmina: &Teryt, reg: &PushRegistration) -> Arc<Lane> {
        let key = match reg {
            PushRegistration::WebPush { endpoint, .. } => {
                let host = url::Url::parse(endpoint).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
                format!("web_push:{host}")
            }
            other => format!("{}:{gmina}", other.transport().as_str()),
        };
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        lanes.entry(key).or_insert_with(|| Arc::new(Lane::new(self.options.concurrency))).clone()
    }
}

//! The HTTP adapter of the tax-system bridge (docs/TAXES.md, "Pulling from
//! the tax system"): a vendor-style REST endpoint, pulled through the job
//! queue. A scheduler enqueues one `taxes.pull` job per gmina and time slot
//! (`tax_pull_minutes`, the dedupe key is the slot: two instances, or a
//! restart, enqueue it once); the job asks
//!
//! `GET {url}/taxpayers?gmina=TERYT&page=N[&changed_since=RFC3339]`
//! with `Authorization: Bearer TOKEN`
//!
//! page after page (each page the JSON import's shape plus `next_page`),
//! and writes all of it as one batch. Temporary failures (no answer, a
//! timeout, 5xx, 429) are retried by the queue with backoff, no sooner
//! than a `Retry-After`; a page that is not valid JSON or has a bad row
//! refuses the whole pull (a refused import run, nothing written), as a bad
//! file does. `changed_since` is when the last accepted pull started.
//!
//! Nothing of a page reaches a log line: counts and statuses only.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use mm_protocol::gmina::Teryt;
use serde::{Deserialize, Serialize};

use super::import::{MAX_FILE_BYTES, Reader};
use crate::jobs::{Job, JobContext, JobError, JobKind, RetryPolicy, new_job};
use crate::state::Clock;
use crate::store::taxes::{ImportRowError, TaxBatch};
use crate::store::{Actor, GminaSettings, Store};

/// The source a run is recorded under.
pub const SOURCE: &str = "http";
/// Who the pulls are in the audit log.
const ACTOR: &str = "taxes.pull";
/// More pages than this is a loop on the other side.
pub const MAX_PAGES: u64 = 10_000;

/// The deployment's part of the configuration (`--tax-*`).
#[derive(Debug, Clone)]
pub struct PullConfig {
    /// The source of gminas whose settings name none.
    pub default_url: Option<String>,
    pub default_credentials: Option<PathBuf>,
    /// A gmina's `tax_source_credentials` is a file under it.
    pub data_dir: PathBuf,
    pub timeout: Duration,
    pub schedule_every: Duration,
    pub retry: RetryPolicy,
}

/// Where a gmina's tax data comes from.
#[derive(Clone)]
pub struct Source {
    pub url: String,
    pub token: String,
}

impl std::fmt::Debug for Source {
    // The token never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").field("url", &self.url).finish_non_exhaustive()
    }
}

/// The bearer token of `file` for `gmina`: `{"token": "..."}`, or such
/// objects keyed by TERYT.
pub fn load_token(file: &Path, gmina: &Teryt) -> anyhow::Result<String> {
    #[derive(Deserialize)]
    struct Token {
        token: String,
    }
    let text = std::fs::read_to_string(file)?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| anyhow::anyhow!("not a JSON credentials file"))?;
    let entry = match value.get(gmina.as_str()) {
        Some(v) => v.clone(),
        None => value,
    };
    let t: Token = serde_json::from_value(entry).map_err(|_| anyhow::anyhow!("no token for gmina {gmina}"))?;
    Ok(t.token)
}

/// The gmina's source: its settings' URL and credentials, else the
/// deployment's; `None` when it has none.
pub fn source_of(cfg: &PullConfig, gmina: &Teryt, settings: &GminaSettings) -> anyhow::Result<Option<Source>> {
    let (url, credentials) = match &settings.tax_source_url {
        Some(url) => (url.clone(), settings.tax_source_credentials.as_ref().map(|f| cfg.data_dir.join(f))),
        None => match &cfg.default_url {
            Some(url) => (url.clone(), cfg.default_credentials.clone()),
            None => return Ok(None),
        },
    };
    let file = credentials.ok_or_else(|| anyhow::anyhow!("a tax source without a credentials file"))?;
    Ok(Some(Source { url: url.trim_end_matches('/').to_owned(), token: load_token(&file, gmina)? }))
}

/// What the pulls run against: for a job, its gmina's store and source.
pub struct TaxContext {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    pub http: reqwest::Client,
    pub cfg: Arc<PullConfig>,
    pub source: Option<Source>,
}

impl TaxContext {
    pub fn new(store: Arc<dyn Store>, clock: Clock, cfg: PullConfig) -> anyhow::Result<TaxContext> {
        let http = reqwest::Client::builder().timeout(cfg.timeout).build()?;
        Ok(TaxContext { store, clock, http, cfg: Arc::new(cfg), source: None })
    }
}

#[async_trait::async_trait]
impl JobContext for TaxContext {
    async fn for_gmina(&self, gmina: &Teryt) -> Result<Arc<TaxContext>, JobError> {
        let store = self.store.for_gmina(gmina);
        let settings = crate::jobs::gmina_settings(store.as_ref(), gmina).await?;
        let source = source_of(&self.cfg, gmina, &settings)
            .map_err(|e| JobError::Rejected(format!("cannot use the gmina's tax source: {e}")))?;
        Ok(Arc::new(TaxContext { store, clock: self.clock.clone(), http: self.http.clone(), cfg: self.cfg.clone(), source }))
    }
}

/// One gmina's pull in one time slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullTaxes {
    /// `unix time / (minutes · 60)`: the slot's number.
    pub slot: i64,
    pub minutes: u32,
}

impl PullTaxes {
    pub fn for_time(now: DateTime<Utc>, minutes: u32) -> PullTaxes {
        let minutes = minutes.max(1);
        PullTaxes { slot: now.timestamp().div_euclid(i64::from(minutes) * 60), minutes }
    }
}

impl Job for PullTaxes {
    const KIND: JobKind = JobKind::TaxesPull;
    const DEDUPLICATED: bool = true;
    type Context = TaxContext;

    fn dedupe_key(&self) -> String {
        format!("{}m:{}", self.minutes, self.slot)
    }

    async fn run(&self, ctx: &TaxContext) -> Result<(), JobError> {
        // Its settings changed since it was enqueued: nothing to pull.
        let Some(source) = &ctx.source else { return Ok(()) };
        pull(ctx, source).await
    }
}

/// Why a page was not read.
fn http_error(status: reqwest::StatusCode, headers: &reqwest::header::HeaderMap) -> JobError {
    let retry_after = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let message = format!("the tax system answered HTTP {}", status.as_u16());
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() || status == reqwest::StatusCode::REQUEST_TIMEOUT {
        JobError::Temporary { message, retry_after }
    } else {
        JobError::Rejected(message)
    }
}

/// Every page of what changed, then one batch (or one refused run).
pub async fn pull(ctx: &TaxContext, source: &Source) -> Result<(), JobError> {
    let store = ctx.store.as_ref();
    let gmina = store.gmina_scope().clone();
    let started = ctx.clock.now();
    let since = store
        .import_runs(100)
        .await
        .map_err(|e| JobError::temporary(format!("database: {e}")))?
        .into_iter()
        .find(|r| r.source == SOURCE && !r.refused)
        .map(|r| r.started_at);
    let mut pages: Vec<Vec<u8>> = Vec::new();
    let mut page = 1u64;
    let mut total = 0u64;
    loop {
        let mut query = vec![("gmina", gmina.as_str().to_owned()), ("page", page.to_string())];
        if let Some(t) = since {
            query.push(("changed_since", t.to_rfc3339_opts(SecondsFormat::Secs, true)));
        }
        let response = ctx
            .http
            .get(format!("{}/taxpayers", source.url))
            .bearer_auth(&source.token)
            .query(&query)
            .send()
            .await
            .map_err(|e| JobError::temporary(format!("the tax system did not answer: {}", without_url(&e))))?;
        if !response.status().is_success() {
            return Err(http_error(response.status(), response.headers()));
        }
        if response.content_length().is_some_and(|n| total + n > MAX_FILE_BYTES) {
            return Err(JobError::Rejected("the tax system's answer is larger than the import's limit".into()));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| JobError::temporary(format!("the tax system's answer broke off: {}", without_url(&e))))?;
        total += body.len() as u64;
        if total > MAX_FILE_BYTES {
            return Err(JobError::Rejected("the tax system's answer is larger than the import's limit".into()));
        }
        let next = next_page(&body);
        pages.push(body.to_vec());
        match next {
            Some(n) if n > page && page < MAX_PAGES => page = n,
            _ => break,
        }
    }
    let known: HashSet<String> = store
        .all_taxpayers()
        .await
        .map_err(|e| JobError::temporary(format!("database: {e}")))?
        .into_iter()
        .map(|t| t.id)
        .collect::<HashSet<_>>()
        .union(&taxpayer_ids(&pages))
        .cloned()
        .collect();
    let reader = Reader { gmina: gmina.clone(), known: &known, now: started };
    let mut batch = TaxBatch::default();
    let mut errors: Vec<ImportRowError> = Vec::new();
    for (i, body) in pages.iter().enumerate() {
        match reader.json_page(body).0 {
            Ok(b) => {
                batch.taxpayers.extend(b.taxpayers);
                batch.liabilities.extend(b.liabilities);
                batch.booked_references.extend(b.booked_references);
            }
            Err(e) => errors.extend(e.into_iter().map(|e| ImportRowError { line: e.line, reason: format!("page {}: {}", i + 1, e.reason) })),
        }
    }
    let actor = Actor(ACTOR.into());
    let (refused, batch) = if errors.is_empty() { (false, batch) } else { (true, TaxBatch::default()) };
    let run = store
        .import_taxes(actor, SOURCE, batch, errors, refused, started)
        .await
        .map_err(|e| JobError::temporary(format!("database: {e}")))?;
    if run.refused {
        tracing::warn!(%gmina, run = run.id, bad_rows = run.errors.len(), pages = pages.len(), "taxes.pull: the tax system's answer was refused; nothing changed");
    } else {
        let c = &run.counts;
        tracing::info!(
            %gmina, run = run.id, pages = pages.len(),
            taxpayers_created = c.taxpayers_created, taxpayers_updated = c.taxpayers_updated,
            liabilities_created = c.liabilities_created, liabilities_updated = c.liabilities_updated,
            unchanged = c.unchanged, payments_booked = c.payments_booked,
            "taxes.pull: imported"
        );
    }
    Ok(())
}

/// reqwest's message without the URL (which carries the gmina's query).
fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else {
        "the connection failed".into()
    }
}

fn next_page(body: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Paging {
        next_page: Option<u64>,
    }
    serde_json::from_slice::<Paging>(body).ok()?.next_page
}

/// The taxpayers every page names (a liability may name one of another page).
fn taxpayer_ids(pages: &[Vec<u8>]) -> HashSet<String> {
    #[derive(Deserialize)]
    struct Id {
        id: Option<serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct Page {
        #[serde(default)]
        taxpayers: Vec<Id>,
    }
    pages
        .iter()
        .filter_map(|p| serde_json::from_slice::<Page>(p).ok())
        .flat_map(|p| p.taxpayers)
        .filter_map(|t| t.id.and_then(|v| v.as_str().map(|s| s.trim().to_owned())))
        .collect()
}

/// Enqueues each pulled gmina's job of the current slot (once per slot).
pub async fn schedule_once(store: &Arc<dyn Store>, cfg: &PullConfig, now: DateTime<Utc>) {
    let gminas = match store.list_gminas().await {
        Ok(g) => g,
        Err(e) => {
            tracing::warn!(error = %e, "taxes.pull: cannot list the gminas");
            return;
        }
    };
    // A deployment whose directory is still empty works as its default gmina.
    let mut pulled: Vec<(Teryt, GminaSettings)> = gminas.into_iter().map(|g| (g.teryt, g.settings)).collect();
    if pulled.is_empty() {
        pulled.push((store.gmina_scope().clone(), GminaSettings::default()));
    }
    for (teryt, settings) in pulled {
        if settings.tax_source_url.is_none() && cfg.default_url.is_none() {
            continue;
        }
        let job = new_job(&PullTaxes::for_time(now, settings.tax_pull_minutes()));
        if let Err(e) = store.for_gmina(&teryt).enqueue_tax_job(job, now).await {
            tracing::warn!(gmina = %teryt, error = %e, "taxes.pull: cannot schedule");
        }
    }
}

/// The scheduler: every `schedule_every`, [`schedule_once`].
pub fn spawn_schedule(
    store: Arc<dyn Store>,
    clock: Clock,
    cfg: PullConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        loop {
            schedule_once(&store, &cfg, clock.now()).await;
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(cfg.schedule_every) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn one_job_per_gmina_and_slot() {
        let t = Utc.with_ymd_and_hms(2026, 3, 2, 10, 59, 59).unwrap();
        let a = new_job(&PullTaxes::for_time(t, 60));
        let b = new_job(&PullTaxes::for_time(t - chrono::Duration::minutes(59), 60));
        let c = new_job(&PullTaxes::for_time(t + chrono::Duration::seconds(1), 60));
        assert_eq!(a.dedupe_key, b.dedupe_key);
        assert_ne!(a.dedupe_key, c.dedupe_key);
        assert_eq!(a.kind, "taxes.pull");
    }

    #[test]
    fn retry_after_and_statuses() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            http_error(reqwest::StatusCode::TOO_MANY_REQUESTS, &h),
            JobError::Temporary { message: "the tax system answered HTTP 429".into(), retry_after: Some(Duration::from_secs(7)) }
        );
        assert!(matches!(http_error(reqwest::StatusCode::BAD_GATEWAY, &Default::default()), JobError::Temporary { .. }));
        assert!(matches!(http_error(reqwest::StatusCode::UNAUTHORIZED, &Default::default()), JobError::Rejected(_)));
    }
}

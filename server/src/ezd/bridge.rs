//! The bridge's worker: takes due rows from the outbox, delivers them
//! through the configured adapter, and polls open cases.
//!
//! Guarantees: at-least-once (a row is marked done only after the EZD
//! answered, so a crash or a lost answer means another attempt), made
//! exactly-once by the adapters' search-before-create on the reference;
//! exponential backoff with jitter between attempts; after `max_attempts`
//! the row is a dead letter, shown in the back office with its last error
//! and a retry action. It runs on its own task and holds the database only
//! for short writes, so residents and officials never wait for the EZD.
//!
//! Case polling: each open case is asked on its own. A case whose poll
//! fails (deleted in the EZD: 404; an unparseable answer) waits out a
//! backoff of its own and never holds up the others; only a run of
//! temporary failures in a row (the EZD itself is down) ends a round early.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Utc};
use mm_protocol::reports::Report;

use super::model::{Attachment, CaseRequest, Ezd, EzdError, Registration};
use super::outbox::{CASE, JobContext, OutboxJob, REGISTER};
use super::package::xml_escape;
use crate::state::Clock;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct BridgeConfig {
    /// The first retry's delay; doubled each attempt.
    pub retry_base: Duration,
    /// The longest delay between attempts.
    pub retry_max: Duration,
    /// Attempts before a row becomes a dead letter.
    pub max_attempts: u32,
    /// How often open cases are polled for their status.
    pub poll_every: Duration,
    /// The pause when nothing is due.
    pub idle: Duration,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        BridgeConfig {
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(15 * 60),
            max_attempts: 12,
            poll_every: Duration::from_secs(300),
            idle: Duration::from_millis(500),
        }
    }
}

/// `base · 2^attempts`, capped, with "equal jitter": a uniformly random
/// point in the upper half, so retries of many rows spread out.
pub fn backoff(cfg: &BridgeConfig, attempts: u32) -> Duration {
    let exp = cfg.retry_base.saturating_mul(1u32 << attempts.min(20));
    let d = exp.min(cfg.retry_max);
    d.mul_f64(0.5 + rand::random::<f64>() * 0.5)
}

/// Temporary failures in a row after which a polling round stops: the EZD
/// itself is unreachable, so asking about the remaining cases now would
/// only wait out one timeout per case. Cases that failed are backed off,
/// so the next round starts with others.
const POLL_TEMPORARY_FAILURES_IN_A_ROW: u32 = 3;

/// A case whose last polls failed: how many in a row, and when to ask again.
#[derive(Debug, Clone, Copy)]
struct PollBackoff {
    failures: u32,
    next_at: Instant,
}

pub struct Bridge {
    store: Arc<dyn Store>,
    ezd: Arc<dyn Ezd>,
    cfg: BridgeConfig,
    clock: Clock,
    /// Per report; in memory (a restart simply asks every case again).
    poll_backoff: Mutex<HashMap<i64, PollBackoff>>,
}

impl Bridge {
    pub fn new(store: Arc<dyn Store>, ezd: Arc<dyn Ezd>, cfg: BridgeConfig, clock: Clock) -> Bridge {
        Bridge { store, ezd, cfg, clock, poll_backoff: Mutex::new(HashMap::new()) }
    }

    /// Runs until the task is dropped.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { self.run().await })
    }

    async fn run(self) {
        let mut last_poll: Option<std::time::Instant> = None;
        loop {
            let worked = match self.deliver_due().await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "ezd bridge: cannot read the outbox");
                    false
                }
            };
            if self.ezd.polls() && last_poll.is_none_or(|t| t.elapsed() >= self.cfg.poll_every) {
                last_poll = Some(std::time::Instant::now());
                self.poll_cases().await;
            }
            if !worked {
                tokio::time::sleep(self.cfg.idle).await;
            }
        }
    }

    /// Delivers every row due now; the number attempted.
    pub async fn deliver_due(&self) -> Result<usize, crate::store::StoreError> {
        let jobs = self.store.ezd_due(self.clock.now(), 32).await?;
        for job in &jobs {
            let outcome = self.deliver(job).await;
            let now = self.clock.now();
            match outcome {
                Ok(()) => {}
                Err(e) => {
                    let attempts = job.attempts + 1;
                    let retry_at = (attempts < self.cfg.max_attempts).then(|| {
                        now + chrono::Duration::from_std(backoff(&self.cfg, job.attempts)).unwrap_or_default()
                    });
                    if retry_at.is_none() {
                        tracing::error!(report = job.report_id, kind = %job.kind, error = %e, "ezd delivery dead-lettered");
                    } else {
                        tracing::info!(report = job.report_id, kind = %job.kind, attempts, error = %e, "ezd delivery failed; will retry");
                    }
                    self.store.ezd_failed(job.id, e.to_string(), retry_at, now).await?;
                }
            }
        }
        Ok(jobs.len())
    }

    async fn deliver(&self, job: &OutboxJob) -> Result<(), EzdError> {
        let ctx = self.store.ezd_context(job.report_id).await.map_err(store_err)?;
        let document = render_document(&ctx, &job.reference);
        match job.kind.as_str() {
            REGISTER => {
                let mut attachments = vec![document];
                for (i, p) in ctx.report.photos.iter().enumerate() {
                    let (meta, bytes) = self
                        .store
                        .photo(&p.id)
                        .await
                        .map_err(store_err)?
                        .ok_or_else(|| EzdError::Rejected(format!("photo {} is missing", p.id)))?;
                    let ext = if meta.content_type == "image/png" { "png" } else { "jpg" };
                    attachments.push(Attachment { name: format!("zdjecie-{}.{ext}", i + 1), content_type: meta.content_type, bytes });
                }
                let reg = Registration {
                    reference: job.reference.clone(),
                    category_name: ctx.category_name.clone(),
                    received_at: ctx.report.created_at,
                    report: ctx.report.clone(),
                    attachments,
                };
                let done = self.ezd.register(&reg).await?;
                self.store.ezd_registered(job.id, job.report_id, done, self.clock.now()).await.map_err(store_err)
            }
            CASE => {
                let registration = ctx.registered.clone().ok_or_else(|| EzdError::Temporary("not registered yet".into()))?;
                let now = self.clock.now().with_timezone(&mm_protocol::LOCAL_TZ);
                let case = CaseRequest {
                    reference: job.reference.clone(),
                    report_id: job.report_id,
                    jrwa: ctx.jrwa.clone(),
                    archival_category: ctx.archival_category.clone(),
                    title: case_title(&ctx.report, &ctx.category_name),
                    year: now.year(),
                    registration,
                    document,
                };
                let opened = self.ezd.open_case(&case).await?;
                self.store.ezd_case_opened(job.id, job.report_id, opened, self.clock.now()).await.map_err(store_err)
            }
            other => Err(EzdError::Rejected(format!("unknown outbox kind {other}"))),
        }
    }

    /// Asks the EZD about every open case not backed off; a change flows
    /// back to the report. A failing case is backed off on its own
    /// (`backoff`, at least one poll interval) and the round goes on.
    pub async fn poll_cases(&self) {
        let cases = match self.store.ezd_open_cases().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "ezd bridge: cannot list open cases");
                return;
            }
        };
        self.forget_backoff_of_closed(&cases);
        let mut temporary_in_a_row = 0;
        for c in cases {
            if self.backed_off(c.report_id) {
                continue;
            }
            match self.ezd.case_state(&c.case_id).await {
                Ok(state) => {
                    temporary_in_a_row = 0;
                    self.poll_backoff.lock().unwrap_or_else(|p| p.into_inner()).remove(&c.report_id);
                    if let Some(state) = state.filter(|s| *s != c.state)
                        && let Err(e) = self.store.ezd_case_state(c.report_id, state, self.clock.now()).await
                    {
                        tracing::warn!(report = c.report_id, error = %e, "ezd bridge: cannot apply a case state");
                    }
                }
                Err(e) => {
                    let wait = self.back_off(c.report_id);
                    tracing::info!(report = c.report_id, error = %e, retry_in_ms = wait.as_millis() as u64, "ezd bridge: case status poll failed");
                    if matches!(e, EzdError::Temporary(_)) {
                        temporary_in_a_row += 1;
                        if temporary_in_a_row >= POLL_TEMPORARY_FAILURES_IN_A_ROW {
                            tracing::info!("ezd bridge: the EZD seems unreachable; the next poll goes on");
                            return;
                        }
                    } else {
                        temporary_in_a_row = 0;
                    }
                }
            }
        }
    }

    fn backed_off(&self, report_id: i64) -> bool {
        let map = self.poll_backoff.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&report_id).is_some_and(|b| b.next_at > Instant::now())
    }

    /// Records one more failed poll of the case; the wait before the next.
    fn back_off(&self, report_id: i64) -> Duration {
        let mut map = self.poll_backoff.lock().unwrap_or_else(|p| p.into_inner());
        let failures = map.get(&report_id).map_or(0, |b| b.failures);
        let wait = backoff(&self.cfg, failures).max(self.cfg.poll_every);
        map.insert(report_id, PollBackoff { failures: failures.saturating_add(1), next_at: Instant::now() + wait });
        wait
    }

    /// Drops the entries of cases no longer open, so the map stays small.
    fn forget_backoff_of_closed(&self, open: &[super::outbox::OpenCase]) {
        let mut map = self.poll_backoff.lock().unwrap_or_else(|p| p.into_inner());
        if !map.is_empty() {
            let ids: std::collections::HashSet<i64> = open.iter().map(|c| c.report_id).collect();
            map.retain(|id, _| ids.contains(id));
        }
    }
}

fn store_err(e: crate::store::StoreError) -> EzdError {
    EzdError::Temporary(format!("database: {e}"))
}

fn case_title(r: &Report, category: &str) -> String {
    let place = r.address.clone().unwrap_or_else(|| format!("{:.5}, {:.5}", r.point.lat, r.point.lon));
    let t = format!("Zgłoszenie nr {}: {category}, {place}", r.id);
    t.chars().take(400).collect()
}

/// The report itself as a document: a small self-contained HTML page, the
/// registration's main document (its file name carries the reference).
pub fn render_document(ctx: &JobContext, reference: &str) -> Attachment {
    let r = &ctx.report;
    let local = |t: DateTime<Utc>| t.with_timezone(&mm_protocol::LOCAL_TZ).format("%Y-%m-%d %H:%M").to_string();
    let mut answers = String::new();
    for (k, v) in &r.answers {
        answers.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>", xml_escape(k), xml_escape(v)));
    }
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"pl\"><head><meta charset=\"utf-8\"><title>Zgłoszenie nr {id}</title></head><body>\n\
<h1>Zgłoszenie nr {id}: {cat}</h1>\n<table>\n<tr><th>Sygnatura</th><td>{reference}</td></tr>\n\
<tr><th>Data wpływu</th><td>{date}</td></tr>\n<tr><th>Kanał</th><td>aplikacja mobilna mMieszkaniec</td></tr>\n\
<tr><th>Miejsce</th><td>{addr} ({lat:.6}, {lon:.6})</td></tr>\n{answers}</table>\n<h2>Opis</h2>\n<p>{desc}</p>\n\
<p>Zdjęcia: {photos}</p>\n</body></html>\n",
        id = r.id,
        cat = xml_escape(&ctx.category_name),
        reference = xml_escape(reference),
        date = local(r.created_at),
        addr = xml_escape(r.address.as_deref().unwrap_or("—")),
        lat = r.point.lat,
        lon = r.point.lon,
        desc = xml_escape(&r.description),
        photos = r.photos.len(),
    );
    Attachment { name: format!("{reference}.html"), content_type: "text/html".into(), bytes: html.into_bytes() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let cfg = BridgeConfig { retry_base: Duration::from_secs(1), retry_max: Duration::from_secs(60), ..Default::default() };
        for attempts in 0..30 {
            let d = backoff(&cfg, attempts);
            let full = Duration::from_secs(1u64 << attempts.min(20)).min(Duration::from_secs(60));
            assert!(d >= full / 2 && d <= full, "{attempts}: {d:?} vs {full:?}");
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| backoff(&cfg, 5).as_millis()).collect();
        assert!(spread.len() > 1, "jitter varies the delay");
    }
}

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

use std::sync::Arc;
use std::time::Duration;

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

pub struct Bridge {
    store: Arc<dyn Store>,
    ezd: Arc<dyn Ezd>,
    cfg: BridgeConfig,
    clock: Clock,
}

impl Bridge {
    pub fn new(store: Arc<dyn Store>, ezd: Arc<dyn Ezd>, cfg: BridgeConfig, clock: Clock) -> Bridge {
        Bridge { store, ezd, cfg, clock }
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

    /// Asks the EZD about every open case; a change flows back to the report.
    pub async fn poll_cases(&self) {
        let cases = match self.store.ezd_open_cases().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "ezd bridge: cannot list open cases");
                return;
            }
        };
        for c in cases {
            match self.ezd.case_state(&c.case_id).await {
                Ok(Some(state)) if state != c.state => {
                    if let Err(e) = self.store.ezd_case_state(c.report_id, state, self.clock.now()).await {
                        tracing::warn!(report = c.report_id, error = %e, "ezd bridge: cannot apply a case state");
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::info!(report = c.report_id, error = %e, "ezd bridge: case status poll failed");
                    // The EZD is likely down: try again at the next poll.
                    return;
                }
            }
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

//! The EZD's two jobs on the queue: registering a report in the register
//! of incoming mail (RPW) when it is made, and opening a case (sprawa)
//! when an official accepts it, after its registration. Both are once per
//! report (their dedupe key is the report's id) and safe to run again
//! after any failure: the adapters search for the report's reference
//! before creating anything.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use mm_protocol::gmina::Teryt;
use mm_protocol::reports::Report;
use serde::{Deserialize, Serialize};

use super::model::{Attachment, CaseRequest, Ezd, EzdError, Registration};
use super::package::xml_escape;
use crate::jobs::model::dedupe_key;
use crate::jobs::{Job, JobContext, JobError, JobKind};
use crate::state::Clock;
use crate::store::Store;
use crate::store::ezd::EzdReport;

/// What the EZD's jobs run against: for a job, its gmina's store and EZD.
pub struct EzdContext {
    pub store: Arc<dyn Store>,
    /// The deployment's EZD (`--ezd`), for gminas that name none of their own.
    pub ezd: Arc<dyn Ezd>,
    pub clock: Clock,
    pub own: Arc<GminaEzds>,
}

/// Opens a gmina's own EZD from its settings: the base URL and the name
/// its credentials are kept under (`GminaSettings`).
pub type ConnectEzd = dyn Fn(&str, Option<&str>) -> anyhow::Result<Arc<dyn Ezd>> + Send + Sync;

/// An EZD as a gmina's settings name it: its URL and credentials' name.
type EzdKey = (String, Option<String>);

/// The EZDs of gminas whose settings name one (`ezd_base_url`), opened on
/// first use and kept; without a way to open one (`--ezd package`, the
/// tests) every gmina uses the deployment's.
#[derive(Default)]
pub struct GminaEzds {
    connect: Option<Box<ConnectEzd>>,
    opened: std::sync::Mutex<std::collections::HashMap<EzdKey, Arc<dyn Ezd>>>,
}

impl GminaEzds {
    pub fn new(connect: Box<ConnectEzd>) -> GminaEzds {
        GminaEzds { connect: Some(connect), opened: Default::default() }
    }

    /// The gmina's own EZD, if its settings name one and it can be opened.
    fn of(&self, settings: &crate::store::GminaSettings) -> Result<Option<Arc<dyn Ezd>>, JobError> {
        let (Some(connect), Some(url)) = (&self.connect, &settings.ezd_base_url) else { return Ok(None) };
        let key = (url.clone(), settings.ezd_credentials.clone());
        let mut opened = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = opened.get(&key) {
            return Ok(Some(e.clone()));
        }
        let ezd = connect(url, settings.ezd_credentials.as_deref())
            .map_err(|e| JobError::Rejected(format!("cannot open the gmina's EZD: {e}")))?;
        opened.insert(key, ezd.clone());
        Ok(Some(ezd))
    }
}

#[async_trait::async_trait]
impl JobContext for EzdContext {
    async fn for_gmina(&self, gmina: &Teryt) -> Result<Arc<EzdContext>, JobError> {
        let store = self.store.for_gmina(gmina);
        let settings = store.gmina_record(gmina).await.map_err(store_err)?.map(|g| g.settings).unwrap_or_default();
        let ezd = self.own.of(&settings)?.unwrap_or_else(|| self.ezd.clone());
        Ok(Arc::new(EzdContext { store, ezd, clock: self.clock.clone(), own: self.own.clone() }))
    }
}

/// The idempotency reference of a report's registration: stable, unique
/// per report and per database (the creation time tells two databases'
/// report 1 apart).
pub fn reference(report_id: i64, created_at: DateTime<Utc>) -> String {
    format!("MM-ZGL-{report_id}-{}", created_at.format("%Y%m%d%H%M%S"))
}

impl From<EzdError> for JobError {
    fn from(e: EzdError) -> Self {
        match e {
            EzdError::Temporary(m) => JobError::Temporary { message: m, retry_after: None },
            EzdError::Busy { message, retry_after } => JobError::Temporary { message, retry_after: Some(retry_after) },
            EzdError::Rejected(m) => JobError::Rejected(m),
        }
    }
}

fn store_err(e: crate::store::StoreError) -> JobError {
    JobError::temporary(format!("database: {e}"))
}

/// A new report, registered in the RPW with the report as its document
/// and its photos as attachments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterReport {
    pub report_id: i64,
}

impl Job for RegisterReport {
    const KIND: JobKind = JobKind::EzdRegister;
    const DEDUPLICATED: bool = true;
    type Context = EzdContext;

    fn dedupe_key(&self) -> String {
        self.report_id.to_string()
    }

    async fn run(&self, ctx: &EzdContext) -> Result<(), JobError> {
        let r = ctx.store.ezd_report(self.report_id).await.map_err(store_err)?;
        let reference = reference(r.report.id, r.report.created_at);
        let mut attachments = vec![render_document(&r, &reference)];
        for (i, p) in r.report.photos.iter().enumerate() {
            let (meta, bytes) = ctx
                .store
                .photo(&p.id)
                .await
                .map_err(store_err)?
                .ok_or_else(|| JobError::Rejected(format!("photo {} is missing", p.id)))?;
            let ext = if meta.content_type == "image/png" { "png" } else { "jpg" };
            attachments.push(Attachment { name: format!("zdjecie-{}.{ext}", i + 1), content_type: meta.content_type, bytes });
        }
        let reg = Registration {
            reference: reference.clone(),
            category_name: r.category_name.clone(),
            received_at: r.report.created_at,
            report: r.report,
            attachments,
        };
        let done = ctx.ezd.register(&reg).await?;
        ctx.store.ezd_registered(self.report_id, &reference, done, ctx.clock.now()).await.map_err(store_err)
    }
}

/// An accepted report's case, opened once its registration is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenCase {
    pub report_id: i64,
}

impl Job for OpenCase {
    const KIND: JobKind = JobKind::EzdOpenCase;
    const DEDUPLICATED: bool = true;
    type Context = EzdContext;

    fn dedupe_key(&self) -> String {
        self.report_id.to_string()
    }

    fn waits_for(&self) -> Option<String> {
        Some(dedupe_key(JobKind::EzdRegister, &self.report_id.to_string()))
    }

    async fn run(&self, ctx: &EzdContext) -> Result<(), JobError> {
        let r = ctx.store.ezd_report(self.report_id).await.map_err(store_err)?;
        let registration = r.registered.clone().ok_or_else(|| JobError::temporary("not registered yet"))?;
        let reference = reference(r.report.id, r.report.created_at);
        let now = ctx.clock.now().with_timezone(&mm_protocol::LOCAL_TZ);
        let case = CaseRequest {
            reference: reference.clone(),
            report_id: self.report_id,
            jrwa: r.jrwa.clone(),
            archival_category: r.archival_category.clone(),
            title: case_title(&r.report, &r.category_name),
            year: now.year(),
            registration,
            document: render_document(&r, &reference),
        };
        let opened = ctx.ezd.open_case(&case).await?;
        ctx.store.ezd_case_opened(self.report_id, opened, ctx.clock.now()).await.map_err(store_err)
    }
}

fn case_title(r: &Report, category: &str) -> String {
    let place = r.address.clone().unwrap_or_else(|| format!("{:.5}, {:.5}", r.point.lat, r.point.lon));
    let t = format!("Zgłoszenie nr {}: {category}, {place}", r.id);
    t.chars().take(400).collect()
}

/// The report itself as a document: a small self-contained HTML page, the
/// registration's main document (its file name carries the reference).
pub fn render_document(ctx: &EzdReport, reference: &str) -> Attachment {
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
    use crate::jobs::new_job;

    #[test]
    fn a_case_waits_for_its_reports_registration_and_both_are_once_per_report() {
        let reg = new_job(&RegisterReport { report_id: 12 });
        let case = new_job(&OpenCase { report_id: 12 });
        assert_eq!((reg.kind, reg.dedupe_key.as_deref()), ("ezd.register", Some("ezd.register:12")));
        assert_eq!((case.kind, case.dedupe_key.as_deref()), ("ezd.open_case", Some("ezd.open_case:12")));
        assert_eq!(case.waits_for, reg.dedupe_key);
        assert_eq!(reg.payload, r#"{"report_id":12}"#);
    }

    #[test]
    fn retry_after_reaches_the_queue() {
        let e = JobError::from(EzdError::Busy { message: "HTTP 429".into(), retry_after: std::time::Duration::from_secs(30) });
        assert_eq!(e, JobError::Temporary { message: "HTTP 429".into(), retry_after: Some(std::time::Duration::from_secs(30)) });
    }
}

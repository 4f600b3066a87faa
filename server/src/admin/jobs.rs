//! The back office's job queue page (`/admin/jobs`): how many jobs of each
//! kind wait, ran or died, the dead letters of every kind with their last
//! error and a retry action, and the EZD's JRWA class per report category.
//! Same patterns as the rest of `/admin`: `Staff` for the role, a CSRF
//! token in every form. `/admin/ezd`, its old place, redirects here.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};

use super::session::Staff;
use super::view::{AdminError, AdminResult, Page, PageCtx};
use crate::jobs::JobKind;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::jobs::{JobFilter, JobRow, JobState};

/// Dead letters listed at most (the oldest beyond are still retried by id).
const DEAD_SHOWN: u32 = 500;

/// One kind's counts, for officials who see every report.
struct KindCounts {
    kind: String,
    label: String,
    pending: u64,
    done: u64,
    dead: u64,
}

struct DeadLetter {
    id: i64,
    report: Option<i64>,
    kind: String,
    attempts: u32,
    last_error: String,
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
struct JobsPage<'a> {
    ctx: PageCtx<'a>,
    /// `None` for department officials: the queue's totals cover every
    /// department's reports.
    counts: Option<Vec<KindCounts>>,
    dead: Vec<DeadLetter>,
    classes: Vec<(String, String)>,
}

/// The dead letters this official may see and retry: all of them for
/// admins and dispatchers; a `department` official only those about their
/// own department's reports (the same rule as the report list, security
/// finding 17). A dead letter names a report and carries the other
/// system's error text about it.
async fn visible_dead_letters(state: &AppState, staff: &Staff) -> AdminResult<Vec<JobRow>> {
    let dead = state
        .store
        .jobs(JobFilter { state: Some(JobState::Dead), kind: None, limit: DEAD_SHOWN })
        .await?;
    if staff.all_reports() {
        return Ok(dead);
    }
    let mut mine = Vec::with_capacity(dead.len());
    for d in dead {
        let Some(report) = d.report_id() else { continue };
        if staff.may_handle(state.store.report_department(report).await?) {
            mine.push(d);
        }
    }
    Ok(mine)
}

pub async fn page_get(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.can_triage())?;
    let t = |pl, en| staff.lang.t(pl, en);
    let counts = if staff.all_reports() {
        let rows = state.store.job_counts().await?;
        let mut kinds: Vec<String> = rows.iter().map(|(k, _, _)| k.clone()).collect();
        kinds.dedup();
        let n = |kind: &str, s: JobState| rows.iter().find(|(k, st, _)| k == kind && *st == s).map_or(0, |c| c.2);
        Some(
            kinds
                .into_iter()
                .map(|kind| KindCounts {
                    label: JobKind::parse(&kind).map(|k| t(k.label().0, k.label().1).to_owned()).unwrap_or_default(),
                    pending: n(&kind, JobState::Pending),
                    done: n(&kind, JobState::Done),
                    dead: n(&kind, JobState::Dead),
                    kind,
                })
                .collect(),
        )
    } else {
        None
    };
    let dead = visible_dead_letters(&state, &staff)
        .await?
        .into_iter()
        .map(|d| DeadLetter {
            id: d.id,
            report: d.report_id(),
            attempts: d.attempts,
            last_error: d.last_error.clone().unwrap_or_default(),
            kind: d.kind,
        })
        .collect();
    let classes = state.store.ezd_category_classes().await?;
    let ctx = PageCtx::new(&staff, "/admin/jobs", t("Zadania", "Jobs"));
    Ok(Page::ok(JobsPage { ctx, counts, dead, classes }).into_response())
}

/// `/admin/ezd`, where the EZD's dead letters were: the same page now.
pub async fn old_ezd_page() -> Redirect {
    Redirect::permanent("/admin/jobs")
}

pub async fn retry(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    staff.posted(&body)?;
    staff.permit(staff.can_triage())?;
    let missing = || AdminError::not_found("Nie ma takiej pozycji.", "No such entry.");
    // Another department's entry is answered like a missing one: its
    // existence is not theirs to learn either.
    if !staff.all_reports() && !visible_dead_letters(&state, &staff).await?.iter().any(|d| d.id == id) {
        return Err(missing());
    }
    match state.store.retry_job(staff.actor(), id, state.clock.now()).await {
        Ok(()) => Ok(Redirect::to("/admin/jobs")),
        Err(crate::store::StoreError::NotFound) => Err(missing()),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_class(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let (Some(cat), Some(jrwa)) = (f.text("category"), f.text("jrwa")) else {
        return Err(AdminError::bad_request("Podaj kategorię i klasę.", "Enter a category and a class."));
    };
    if jrwa.is_empty() || jrwa.len() > 6 || !jrwa.chars().all(|c| c.is_ascii_digit()) {
        return Err(AdminError::bad_request("Symbol JRWA to 1–6 cyfr.", "A JRWA symbol is 1 to 6 digits."));
    }
    match state.store.ezd_set_category_class(staff.actor(), cat, jrwa, state.clock.now()).await {
        Ok(()) => Ok(Redirect::to("/admin/jobs")),
        Err(crate::store::StoreError::NotFound | crate::store::StoreError::UnknownReference { .. }) => {
            Err(AdminError::bad_request("Nie ma takiej kategorii.", "No such category."))
        }
        Err(e) => Err(e.into()),
    }
}

//! The back office's job queue page (`/admin/jobs`): how many jobs of each
//! kind wait, ran or died, the dead letters of every kind with their last
//! error and a retry action, and the EZD's JRWA class per report category.
//! Same patterns as the rest of `/admin`: `Staff` for the role, a CSRF
//! token in every form. `/admin/ezd`, its old place, redirects here.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::admin::html::{error_page, esc, page};
use crate::admin::session::Staff;
use crate::jobs::JobKind;
use crate::state::AppState;
use crate::store::jobs::{JobFilter, JobRow, JobState};

/// Dead letters listed at most (the oldest beyond are still retried by id).
const DEAD_SHOWN: u32 = 500;

/// The dead letters this official may see and retry: all of them for
/// admins and dispatchers; a `department` official only those about their
/// own department's reports (the same rule as the report list, security
/// finding 17). A dead letter names a report and carries the other
/// system's error text about it.
async fn visible_dead_letters(state: &AppState, staff: &Staff) -> Vec<JobRow> {
    let dead = state
        .store
        .jobs(JobFilter { state: Some(JobState::Dead), kind: None, limit: DEAD_SHOWN })
        .await
        .unwrap_or_default();
    if staff.all_reports() {
        return dead;
    }
    let mut mine = Vec::with_capacity(dead.len());
    for d in dead {
        let Some(report) = d.report_id() else { continue };
        if let Ok(dept) = state.store.report_department(report).await
            && staff.may_handle(dept)
        {
            mine.push(d);
        }
    }
    mine
}

fn kind_label(staff: &Staff, kind: &str) -> String {
    match JobKind::parse(kind) {
        Some(k) => {
            let (pl, en) = k.label();
            format!("{} <code>{}</code>", esc(staff.lang.t(pl, en)), esc(kind))
        }
        None => format!("<code>{}</code>", esc(kind)),
    }
}

pub async fn page_get(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.can_triage()) {
        return r;
    }
    let t = |pl, en| staff.lang.t(pl, en);
    let mut body = String::new();
    if staff.all_reports() {
        let counts = state.store.job_counts().await.unwrap_or_default();
        body.push_str(&format!(
            r#"<h2>{}</h2><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            t("Kolejka zadań", "Job queue"),
            t("Rodzaj", "Kind"),
            t("Oczekuje", "Pending"),
            t("Wykonane", "Done"),
            t("Niedostarczone", "Dead"),
        ));
        let mut kinds: Vec<&str> = counts.iter().map(|(k, _, _)| k.as_str()).collect();
        kinds.dedup();
        if kinds.is_empty() {
            body.push_str(&format!(r#"<tr><td colspan="4">{}</td></tr>"#, t("Brak.", "None.")));
        }
        for kind in kinds {
            let n = |s: JobState| counts.iter().find(|(k, st, _)| k == kind && *st == s).map_or(0, |c| c.2);
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                kind_label(&staff, kind),
                n(JobState::Pending),
                n(JobState::Done),
                n(JobState::Dead)
            ));
        }
        body.push_str("</tbody></table>");
    }
    let dead = visible_dead_letters(&state, &staff).await;
    body.push_str(&format!(
        r#"<h2>{}</h2><table><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col"></th></tr></thead><tbody>"#,
        t("Niedostarczone", "Dead letters"),
        t("Zgłoszenie", "Report"),
        t("Rodzaj", "Kind"),
        t("Próby", "Attempts"),
        t("Ostatni błąd", "Last error"),
    ));
    if dead.is_empty() {
        body.push_str(&format!(r#"<tr><td colspan="6">{}</td></tr>"#, t("Brak.", "None.")));
    }
    for d in &dead {
        let report = match d.report_id() {
            Some(rid) => format!(r#"<a href="/admin/reports/{rid}">{rid}</a>"#),
            None => "—".to_owned(),
        };
        body.push_str(&format!(
            r#"<tr class="dead-letter"><td>{id}</td><td>{report}</td><td>{kind}</td><td>{att}</td><td class="last-error">{err}</td>
<td><form method="post" action="/admin/jobs/{id}/retry"><input type="hidden" name="csrf" value="{csrf}"><button type="submit">{retry}</button></form></td></tr>"#,
            id = d.id,
            kind = esc(&d.kind),
            att = d.attempts,
            err = esc(d.last_error.as_deref().unwrap_or("")),
            csrf = esc(&staff.csrf),
            retry = t("Ponów", "Retry"),
        ));
    }
    body.push_str("</tbody></table>");
    let classes = state.store.ezd_category_classes().await.unwrap_or_default();
    body.push_str(&format!(
        r#"<h2>{}</h2><table><thead><tr><th scope="col">{}</th><th scope="col">JRWA</th></tr></thead><tbody>"#,
        t("EZD: klasy JRWA kategorii", "EZD: JRWA classes of categories"),
        t("Kategoria", "Category"),
    ));
    for (cat, jrwa) in &classes {
        body.push_str(&format!("<tr><td>{}</td><td>{}</td></tr>", esc(cat), esc(jrwa)));
    }
    body.push_str(&format!(
        r#"</tbody></table><form method="post" action="/admin/ezd/classes" class="stack"><input type="hidden" name="csrf" value="{csrf}">
<label for="ezd-category">{cl}</label><input id="ezd-category" name="category" required>
<label for="ezd-jrwa">JRWA</label><input id="ezd-jrwa" name="jrwa" required pattern="[0-9]{{1,6}}">
<button type="submit">{save}</button></form>"#,
        csrf = esc(&staff.csrf),
        cl = t("Kategoria", "Category"),
        save = t("Zapisz", "Save"),
    ));
    page(staff.lang, t("Zadania", "Jobs"), Some(&staff), "/admin/jobs", &body).into_response()
}

/// `/admin/ezd`, where the EZD's dead letters were: the same page now.
pub async fn old_ezd_page() -> Redirect {
    Redirect::permanent("/admin/jobs")
}

pub async fn retry(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    if let Err(r) = staff.form(&body) {
        return r;
    }
    if let Err(r) = staff.require(staff.can_triage()) {
        return r;
    }
    let missing = || error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), staff.lang.t("Nie ma takiej pozycji.", "No such entry."));
    // Another department's entry is answered like a missing one: its
    // existence is not theirs to learn either.
    if !staff.all_reports() && !visible_dead_letters(&state, &staff).await.iter().any(|d| d.id == id) {
        return missing();
    }
    match state.store.retry_job(staff.actor(), id, state.clock.now()).await {
        Ok(()) => Redirect::to("/admin/jobs").into_response(),
        Err(_) => missing(),
    }
}

pub async fn set_class(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let (Some(cat), Some(jrwa)) = (f.text("category"), f.text("jrwa")) else {
        return error_page(StatusCode::BAD_REQUEST, staff.lang, Some(&staff), staff.lang.t("Podaj kategorię i klasę.", "Enter a category and a class."));
    };
    if jrwa.is_empty() || jrwa.len() > 6 || !jrwa.chars().all(|c| c.is_ascii_digit()) {
        return error_page(StatusCode::BAD_REQUEST, staff.lang, Some(&staff), staff.lang.t("Symbol JRWA to 1–6 cyfr.", "A JRWA symbol is 1 to 6 digits."));
    }
    match state.store.ezd_set_category_class(staff.actor(), cat, jrwa, state.clock.now()).await {
        Ok(()) => Redirect::to("/admin/jobs").into_response(),
        Err(_) => error_page(StatusCode::BAD_REQUEST, staff.lang, Some(&staff), staff.lang.t("Nie ma takiej kategorii.", "No such category.")),
    }
}

//! The back office's EZD page (`/admin/ezd`): dead-lettered deliveries with
//! their last error and a retry action, and the JRWA class per report
//! category. Same patterns as the rest of `/admin`: `Staff` for the role,
//! a CSRF token in every form.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::admin::html::{error_page, esc, page};
use crate::admin::session::Staff;
use crate::ezd::outbox::DeadLetter;
use crate::state::AppState;

/// The dead letters this official may see and retry: all of them for
/// admins and dispatchers, those of their own department's reports for a
/// `department` official (the same rule as the report list). A dead
/// letter names a report and carries the EZD's error text about it.
async fn visible_dead_letters(state: &AppState, staff: &Staff) -> Vec<DeadLetter> {
    let dead = state.store.ezd_dead_letters().await.unwrap_or_default();
    if staff.all_reports() {
        return dead;
    }
    let mut mine = Vec::with_capacity(dead.len());
    for d in dead {
        if let Ok(dept) = state.store.report_department(d.report_id).await
            && staff.may_handle(dept)
        {
            mine.push(d);
        }
    }
    mine
}

pub async fn page_get(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.can_triage()) {
        return r;
    }
    let t = |pl, en| staff.lang.t(pl, en);
    let dead = visible_dead_letters(&state, &staff).await;
    let mut body = format!(
        r#"<h2>{}</h2><table><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col"></th></tr></thead><tbody>"#,
        t("Niedostarczone do EZD", "Not delivered to the EZD"),
        t("Zgłoszenie", "Report"),
        t("Rodzaj", "Kind"),
        t("Próby", "Attempts"),
        t("Ostatni błąd", "Last error"),
    );
    if dead.is_empty() {
        body.push_str(&format!(r#"<tr><td colspan="6">{}</td></tr>"#, t("Brak.", "None.")));
    }
    for d in &dead {
        body.push_str(&format!(
            r#"<tr class="dead-letter"><td>{id}</td><td><a href="/admin/reports/{rid}">{rid}</a></td><td>{kind}</td><td>{att}</td><td class="last-error">{err}</td>
<td><form method="post" action="/admin/ezd/{id}/retry"><input type="hidden" name="csrf" value="{csrf}"><button type="submit">{retry}</button></form></td></tr>"#,
            id = d.id,
            rid = d.report_id,
            kind = esc(&d.kind),
            att = d.attempts,
            err = esc(d.last_error.as_deref().unwrap_or("")),
            csrf = staff.csrf,
            retry = t("Ponów", "Retry"),
        ));
    }
    body.push_str("</tbody></table>");
    let classes = state.store.ezd_category_classes().await.unwrap_or_default();
    body.push_str(&format!(
        r#"<h2>{}</h2><table><thead><tr><th scope="col">{}</th><th scope="col">JRWA</th></tr></thead><tbody>"#,
        t("Klasy JRWA kategorii", "JRWA classes of categories"),
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
        csrf = staff.csrf,
        cl = t("Kategoria", "Category"),
        save = t("Zapisz", "Save"),
    ));
    page(staff.lang, "EZD", Some(&staff), "/admin/ezd", &body).into_response()
}

pub async fn retry(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    if let Err(r) = staff.form(&body) {
        return r;
    }
    if let Err(r) = staff.require(staff.can_triage()) {
        return r;
    }
    // Another department's entry is answered like a missing one: its
    // existence is not theirs to learn either.
    if !staff.all_reports() && !visible_dead_letters(&state, &staff).await.iter().any(|d| d.id == id) {
        return error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), staff.lang.t("Nie ma takiej pozycji.", "No such entry."));
    }
    match state.store.ezd_retry(staff.actor(), id, state.clock.now()).await {
        Ok(()) => Redirect::to("/admin/ezd").into_response(),
        Err(_) => error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), staff.lang.t("Nie ma takiej pozycji.", "No such entry.")),
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
        Ok(()) => Redirect::to("/admin/ezd").into_response(),
        Err(_) => error_page(StatusCode::BAD_REQUEST, staff.lang, Some(&staff), staff.lang.t("Nie ma takiej kategorii.", "No such category.")),
    }
}

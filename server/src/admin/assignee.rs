//! Assigning a report to a person, next to its department: a dispatcher,
//! or a `department` official of the report's department (the store checks
//! it). Shown on the detail page and in the list ("assigned to me").

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::html::{error_page, esc, options};
use super::session::Staff;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::backoffice::Assignee;

/// Report id -> the login it is assigned to.
pub async fn assignees(state: &AppState) -> HashMap<i64, Assignee> {
    state.store.report_assignees().await.unwrap_or_default().into_iter().collect()
}

/// The detail page's section: who has the report, and the form to change it.
pub async fn detail_section(state: &AppState, staff: &Staff, id: i64) -> String {
    let t = |pl, en| staff.lang.t(pl, en);
    let current = state.store.report_assignee(id).await.ok().flatten();
    let people = state.store.assignable_users(id).await.unwrap_or_default();
    let mut items = vec![(String::new(), t("— nikt —", "— nobody —").to_owned())];
    items.extend(people.iter().map(|p| (p.user_id.to_string(), p.login.clone())));
    format!(
        r#"<section aria-labelledby="h-person"><h2 id="h-person">{h}</h2>
<p>{now} <strong id="assignee">{who}</strong></p>
<form method="post" action="/admin/reports/{id}/assign-person" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="assignee_id">{l}</label><select id="assignee_id" name="assignee">{opts}</select>
<button type="submit">{s}</button></form></section>"#,
        h = t("Osoba prowadząca", "Person in charge"),
        now = t("Przypisane do:", "Assigned to:"),
        who = current.as_ref().map(|a| esc(&a.login)).unwrap_or_else(|| t("nikogo", "nobody").to_owned()),
        csrf = staff.csrf,
        l = t("Przypisz do osoby", "Assign to a person"),
        opts = options(&items, &current.map(|a| a.user_id.to_string()).unwrap_or_default()),
        s = t("Wyznacz osobę", "Set the person"),
    )
}

/// `POST /admin/reports/{id}/assign-person`: anyone who may handle the
/// report (dispatchers, admins, its department's officials).
pub async fn assign_person(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.can_triage()) {
        return r;
    }
    let lang = staff.lang;
    match state.store.report_department(id).await {
        Ok(d) if staff.may_handle(d) => {}
        Ok(_) => return staff.forbidden(),
        Err(StoreError::NotFound) => {
            return error_page(StatusCode::NOT_FOUND, lang, Some(&staff), lang.t("Nie ma takiego zgłoszenia.", "There is no such report."));
        }
        Err(_) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, lang, Some(&staff), "database"),
    }
    let user = match form.text("assignee") {
        None => None,
        Some(u) => match u.parse::<i64>() {
            Ok(u) => Some(u),
            Err(_) => return error_page(StatusCode::BAD_REQUEST, lang, Some(&staff), lang.t("Wybierz osobę z listy.", "Choose a person from the list.")),
        },
    };
    match state.store.assign_report_person(staff.actor(), id, user, state.clock.now()).await {
        Ok(()) => Redirect::to(&format!("/admin/reports/{id}")).into_response(),
        Err(e) => {
            let api = crate::error::AppError::from(e).into_api();
            let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            error_page(status, lang, Some(&staff), lang.t(&api.message.pl, &api.message.en))
        }
    }
}

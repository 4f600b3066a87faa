//! Assigning a report to a person, next to its department: a dispatcher,
//! or a `department` official of the report's department (the store checks
//! it). Shown on the report page (`report.html`) and in the list
//! ("assigned to me").

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Redirect;

use super::session::Staff;
use super::view::{AdminError, AdminResult};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::StoreError;
use crate::store::backoffice::Assignee;

/// Report id -> the login it is assigned to.
pub async fn assignees(state: &AppState) -> AdminResult<HashMap<i64, Assignee>> {
    Ok(state.store.report_assignees().await?.into_iter().collect())
}

/// `POST /admin/reports/{id}/assign-person`: anyone who may handle the
/// report (dispatchers, admins, its department's officials).
pub async fn assign_person(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let form = staff.posted(&body)?;
    staff.permit(staff.can_triage())?;
    match state.store.report_department(id).await {
        Ok(d) => staff.permit(staff.may_handle(d))?,
        Err(StoreError::NotFound) => return Err(AdminError::not_found("Nie ma takiego zgłoszenia.", "There is no such report.")),
        Err(e) => return Err(e.into()),
    }
    let user = match form.text("assignee") {
        None => None,
        Some(u) => Some(
            u.parse::<i64>()
                .map_err(|_| AdminError::bad_request("Wybierz osobę z listy.", "Choose a person from the list."))?,
        ),
    };
    state.store.assign_report_person(staff.actor(), id, user, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/admin/reports/{id}")))
}

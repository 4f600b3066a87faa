//! `/api/v1/reports`, `/api/v1/report-categories`: residents report and
//! follow; officials move reports through the workflow and manage the
//! categories.

use axum::http::{HeaderMap, StatusCode};
use mm_protocol::auth::Role;
use mm_protocol::error::ApiError;
use axum::response::{IntoResponse, Response};
use mm_protocol::reports::{
    NearQuery, NewReport, Report, ReportCategory, ReportStatus, StatusChangeRequest,
    VisibilityChangeRequest,
};
use mm_protocol::validation::Validate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::ReportInternal;
use super::ratelimit::{ClientIp, WriteError};
use super::service::{charge, check_category, parse_page, precheck, submit};
use crate::auth::Official;
use crate::devices::{Device, idempotency};
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::{Created, NearFilter, ReportFilter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reports, create_report))
        .routes(routes!(near_reports))
        .routes(routes!(my_reports))
        .routes(routes!(get_report))
        .routes(routes!(follow, unfollow))
        .routes(routes!(change_status))
        .routes(routes!(change_visibility))
        .routes(routes!(internal))
        .routes(routes!(list_categories, create_category))
        .routes(routes!(update_category))
        .merge(super::photos::router())
}

/// The idempotency scope of a device's reports (a key is the device's own).
pub fn scope(device_id: &str) -> String {
    format!("reports/{device_id}")
}

/// Report a problem. Needs an `Idempotency-Key` (400 `invalid_field`
/// without one): the same key and body give the same answer, the same key
/// with another body 409. Answered 201 only once the report is on disk.
#[utoipa::path(post, path = "/reports", tag = "reports", request_body = NewReport, security(("device" = [])),
    params(("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    responses(
        (status = 201, body = Report), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 409, description = "idempotency_conflict", body = ApiError), (status = 429, body = ApiError),
    ))]
pub async fn create_report(
    Tenant(state): Tenant,
    device: Device,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(input): Json<NewReport>,
) -> Result<Response, WriteError> {
    let key = idempotency::key(&headers, &scope(&device.id), &input)?.ok_or_else(idempotency::required)?;
    precheck(&state, &input).await?;
    charge(&state, Some(&device.id), ip, Some(&key)).await?;
    Ok(match submit(&state, Some(device.id), Some(key), input).await? {
        Created::New(report) => (StatusCode::CREATED, Json(report)).into_response(),
        Created::Replayed(stored) => stored.into_response(),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// new, accepted, in_progress, resolved, rejected, duplicate.
    pub status: Option<String>,
    pub category: Option<String>,
    /// From 1 (default 1).
    pub page: Option<String>,
    /// 1..=200 (default 50).
    pub page_size: Option<String>,
}

/// Public reports, newest first.
#[utoipa::path(get, path = "/reports", tag = "reports", params(ListQuery),
    responses((status = 200, body = Vec<Report>), (status = 400, body = ApiError)))]
pub async fn list_reports(
    Tenant(state): Tenant,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<Report>>> {
    let statuses = match q.status.as_deref() {
        None | Some("") => vec![],
        Some(s) => vec![
            ReportStatus::parse(s)
                .ok_or_else(|| AppError::invalid_query("status", "unknown status"))?,
        ],
    };
    let (offset, limit) = parse_page(q.page.as_deref(), q.page_size.as_deref(), 50, 200)?;
    let filter = ReportFilter {
        statuses,
        category: q.category.filter(|c| !c.is_empty()),
        offset,
        limit,
        ..ReportFilter::default()
    };
    Ok(Json(state.store.list_reports(filter).await?))
}

/// Public reports within `radius_m` of a point, nearest first.
#[utoipa::path(get, path = "/reports/near", tag = "reports", params(NearQuery),
    responses((status = 200, body = Vec<Report>), (status = 400, body = ApiError)))]
pub async fn near_reports(
    Tenant(state): Tenant,
    Query(q): Query<NearQuery>,
) -> ApiResult<Json<Vec<Report>>> {
    mm_protocol::geo::GeoPoint {
        lat: q.lat,
        lon: q.lon,
    }
    .validate()
    .map_err(|e| AppError::invalid_query(&e.field, e.en))?;
    let radius_m = q.radius_m.unwrap_or(500.0);
    if !(radius_m.is_finite() && (1.0..=5000.0).contains(&radius_m)) {
        return Err(AppError::invalid_query(
            "radius_m",
            "radius_m must be 1..=5000",
        ));
    }
    let filter = NearFilter {
        lat: q.lat,
        lon: q.lon,
        radius_m,
        category: q.category.filter(|c| !c.is_empty()),
        open_only: q.open_only.unwrap_or(false),
        limit: 500,
    };
    Ok(Json(state.store.near_reports(filter).await?))
}

/// This device's reports, as their reporter sees them (a report withheld
/// from the public is here whole, marked, without the withheld photos),
/// and the ones it follows, as the public sees them; newest first.
#[utoipa::path(get, path = "/reports/mine", tag = "reports", security(("device" = [])),
    responses((status = 200, body = Vec<Report>), (status = 401, body = ApiError)))]
pub async fn my_reports(
    Tenant(state): Tenant,
    device: Device,
) -> ApiResult<Json<Vec<Report>>> {
    Ok(Json(state.store.device_reports(&device.id).await?))
}

/// One report, as the public sees it.
#[utoipa::path(get, path = "/reports/{id}", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = Report), (status = 404, body = ApiError)))]
pub async fn get_report(
    Tenant(state): Tenant,
    Path(id): Path<i64>,
) -> ApiResult<Json<Report>> {
    Ok(Json(
        state
            .store
            .get_report(id)
            .await?
            .ok_or_else(AppError::not_found)?,
    ))
}

async fn set_following(
    state: AppState,
    device: Device,
    ip: Option<std::net::IpAddr>,
    id: i64,
    follow: bool,
) -> Result<StatusCode, WriteError> {
    charge(&state, Some(&device.id), ip, None).await?;
    state
        .store
        .set_following(&device.id, id, follow, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Follow a report (idempotent).
#[utoipa::path(post, path = "/reports/{id}/follow", tag = "reports", params(("id" = i64, Path)), security(("device" = [])),
    responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 429, body = ApiError)))]
pub async fn follow(
    Tenant(state): Tenant,
    device: Device,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> Result<StatusCode, WriteError> {
    set_following(state, device, ip, id, true).await
}

/// Stop following a report (idempotent).
#[utoipa::path(delete, path = "/reports/{id}/follow", tag = "reports", params(("id" = i64, Path)), security(("device" = [])),
    responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 429, body = ApiError)))]
pub async fn unfollow(
    Tenant(state): Tenant,
    device: Device,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> Result<StatusCode, WriteError> {
    set_following(state, device, ip, id, false).await
}

/// Reports are handled by admins and dispatchers. (Departments will act on
/// the reports assigned to them once assignment exists.)
fn require_handler(o: &Official) -> Result<(), AppError> {
    match o.role {
        Role::Admin | Role::Dispatcher => Ok(()),
        _ => Err(AppError::forbidden()),
    }
}

/// Move a report in the workflow, with an optional public reply and
/// internal note (`duplicate` needs `duplicate_of`; its followers move to
/// the original). 409 `conflict` for a move the workflow does not allow.
#[utoipa::path(post, path = "/reports/{id}/status", tag = "reports", params(("id" = i64, Path)),
    request_body = StatusChangeRequest, security(("official" = [])),
    responses((status = 200, body = Report), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn change_status(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<i64>,
    Json(change): Json<StatusChangeRequest>,
) -> ApiResult<Json<Report>> {
    require_handler(&official)?;
    change.validate()?;
    Ok(Json(
        state
            .store
            .change_report_status(official.actor(), id, change, state.clock.now())
            .await?,
    ))
}

/// Withhold a report from the public, whole (`hidden`) or its resident's
/// words and photos (`redacted`), or publish it again (`public`); the
/// reason goes to the audit log. Officials and the resident who made it
/// still see it whole; the EZD record is not touched. Answers the
/// officials' view. Admins and dispatchers here; a department's officials
/// do it for their department's reports in the back office.
#[utoipa::path(post, path = "/reports/{id}/visibility", tag = "reports", params(("id" = i64, Path)),
    request_body = VisibilityChangeRequest, security(("official" = [])),
    responses((status = 200, body = Report), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn change_visibility(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<i64>,
    Json(change): Json<VisibilityChangeRequest>,
) -> ApiResult<Json<Report>> {
    require_handler(&official)?;
    change.validate()?;
    Ok(Json(
        state
            .store
            .set_report_visibility(official.actor(), id, change, state.clock.now())
            .await?,
    ))
}

/// Officials' view of a report: contact, device, location details, notes.
#[utoipa::path(get, path = "/reports/{id}/internal", tag = "reports", params(("id" = i64, Path)), security(("official" = [])),
    responses((status = 200, body = ReportInternal), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn internal(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<i64>,
) -> ApiResult<Json<ReportInternal>> {
    require_handler(&official)?;
    Ok(Json(
        state
            .store
            .report_internal(id)
            .await?
            .ok_or_else(AppError::not_found)?,
    ))
}

/// Every category, inactive ones included (`active` says which take reports).
#[utoipa::path(get, path = "/report-categories", tag = "reports",
    responses((status = 200, body = Vec<ReportCategory>)))]
pub async fn list_categories(
    Tenant(state): Tenant,
) -> ApiResult<Json<Vec<ReportCategory>>> {
    Ok(Json(state.store.report_categories().await?))
}

/// Add a category (admins).
#[utoipa::path(post, path = "/report-categories", tag = "reports", request_body = ReportCategory, security(("official" = [])),
    responses((status = 201, body = ReportCategory), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create_category(
    Tenant(state): Tenant,
    official: Official,
    Json(c): Json<ReportCategory>,
) -> ApiResult<(StatusCode, Json<ReportCategory>)> {
    official.require_admin()?;
    check_category(&c)?;
    let c = state
        .store
        .create_report_category(official.actor(), c, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Change a category (admins); the id comes from the path.
#[utoipa::path(put, path = "/report-categories/{id}", tag = "reports", params(("id" = String, Path)),
    request_body = ReportCategory, security(("official" = [])),
    responses((status = 200, body = ReportCategory), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_category(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<String>,
    Json(mut c): Json<ReportCategory>,
) -> ApiResult<Json<ReportCategory>> {
    official.require_admin()?;
    c.id = id;
    check_category(&c)?;
    Ok(Json(
        state
            .store
            .update_report_category(official.actor(), c, state.clock.now())
            .await?,
    ))
}

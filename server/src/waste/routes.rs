//! `/api/v1/waste/...`: the residents' reads of the schedule (docs/WASTE.md,
//! plan §2). Public, no device token: an ICS subscription in a calendar app
//! carries none, and the schedule is the gmina's public information. Every
//! read is of the request's gmina (`Tenant`).
//!
//! The address a resident types is never logged (the error log carries
//! codes, not queries).

use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Days, Utc};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::validation::FieldError;
use mm_protocol::waste::{
    BuildingType, DictionaryEntry, ResolveError, ScheduleQuery, ScheduleResponse, StreetsResponse,
    WasteIcsOptions, normalise_name, resolve, schedule_ics,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiResult, AppError, Json};
use crate::state::AppState;
use crate::store::Store;
use crate::store::waste::local_today;
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(streets))
        .routes(routes!(schedule))
        .routes(routes!(schedule_ics_feed))
        .routes(routes!(dictionary))
}

/// How far ahead a schedule answers (ScheduleResponse: "a year at most").
const AHEAD_DAYS: u64 = 366;

/// The query string's pairs (several spellings of one field: the last wins).
fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn value(q: &[(String, String)], k: &str) -> Option<String> {
    q.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone())
}

/// `building=` as the app and the docs spell it; anything else is the
/// field that is wrong (not a generic query error: the form shows it).
fn building(text: &str) -> Result<Option<BuildingType>, FieldError> {
    match text.trim() {
        "" => Ok(None),
        "single_family" | "single" => Ok(Some(BuildingType::SingleFamily)),
        "multi_family" | "multi" => Ok(Some(BuildingType::MultiFamily)),
        "any" => Ok(Some(BuildingType::Any)),
        _ => Err(FieldError::new(
            "building",
            "Rodzaj zabudowy: single_family (dom jednorodzinny) lub multi_family (blok).",
            "Building: single_family (a house) or multi_family (a block of flats).",
        )),
    }
}

/// The schedule query from the raw query string: a missing or bad field is
/// 400 `invalid_field` naming it.
fn schedule_query(raw: Option<&str>) -> Result<ScheduleQuery, AppError> {
    let q = pairs(raw);
    Ok(ScheduleQuery {
        locality: value(&q, "locality").unwrap_or_default(),
        street: value(&q, "street"),
        number: value(&q, "number").unwrap_or_default(),
        building: building(&value(&q, "building").unwrap_or_default())?,
    })
}

/// What a resolution failure answers: no zone is 404; a zone that depends
/// on the building type is 400 on `building`; two zones (rules edited by
/// hand past the import's check) is 409 for the gmina to fix.
fn unresolved(e: &ResolveError) -> AppError {
    match e {
        ResolveError::Unresolved => AppError::new(ErrorCode::NotFound, e.pl(), e.en()),
        ResolveError::BuildingTypeNeeded { .. } => {
            AppError::new(ErrorCode::InvalidField, e.pl(), e.en()).with_field("building")
        }
        ResolveError::Ambiguous { .. } => AppError::new(ErrorCode::Conflict, e.pl(), e.en()),
    }
}

/// The address's zone and its pickups from today (Warsaw) for a year.
async fn lookup(
    store: &dyn Store,
    q: &ScheduleQuery,
    now: DateTime<Utc>,
) -> ApiResult<ScheduleResponse> {
    let address = q.address()?;
    let rules = store.waste_rules(Some(&address.locality)).await?;
    let zone_id = resolve(&rules, &address).map_err(|e| unresolved(&e))?;
    let zone = store
        .waste_zones()
        .await?
        .into_iter()
        .find(|z| z.id == zone_id)
        .ok_or_else(AppError::not_found)?;
    let today = local_today(now);
    let until = today
        .checked_add_days(Days::new(AHEAD_DAYS))
        .unwrap_or(today);
    let pickups = store.waste_pickups(&zone.id, today, until).await?;
    // A zone exists only through an import, which set the time.
    let updated_at = store.waste_updated_at().await?.unwrap_or(now);
    Ok(ScheduleResponse {
        zone,
        pickups,
        updated_at,
    })
}

/// The streets the rules name in a locality, sorted, for the address form.
#[utoipa::path(get, path = "/waste/streets", tag = "waste",
    params(("locality" = String, Query, description = "The locality's name (miejscowość)")),
    responses((status = 200, body = Vec<String>), (status = 400, body = ApiError)))]
pub async fn streets(
    Tenant(state): Tenant,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<StreetsResponse>> {
    let locality = value(&pairs(raw.as_deref()), "locality").unwrap_or_default();
    mm_protocol::validation::required_text("locality", &locality, 100)?;
    let mut seen = std::collections::BTreeMap::new();
    for r in state.store.waste_rules(Some(&locality)).await? {
        if let Some(street) = r.street {
            seen.entry(normalise_name(&street)).or_insert(street);
        }
    }
    Ok(Json(seen.into_values().collect()))
}

/// An address's zone and its pickups from today for a year.
#[utoipa::path(get, path = "/waste/schedule", tag = "waste", params(ScheduleQuery),
    responses((status = 200, body = ScheduleResponse), (status = 400, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn schedule(
    Tenant(state): Tenant,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ScheduleResponse>> {
    let q = schedule_query(raw.as_deref())?;
    Ok(Json(
        lookup(state.store.as_ref(), &q, state.clock.now()).await?,
    ))
}

/// The same as an ICS feed (RFC 5545): all-day events, UIDs stable across
/// imports, DTSTAMP the import time (UTC), so an unchanged schedule is the
/// same bytes (ETag, 304).
#[utoipa::path(get, path = "/waste/schedule.ics", tag = "waste", params(ScheduleQuery),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 304),
        (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn schedule_ics_feed(
    Tenant(state): Tenant,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = schedule_query(raw.as_deref())?;
    let s = lookup(state.store.as_ref(), &q, state.clock.now()).await?;
    let place = match q.street.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(street) => format!("{}, {} {}", q.locality.trim(), street, q.number.trim()),
        None => format!("{} {}", q.locality.trim(), q.number.trim()),
    };
    let name = format!("Odbiór odpadów: {place}");
    // docs/WASTE.md: `…@<gmina TERYT>.mmieszkaniec`.
    let uid_domain = format!("{}.mmieszkaniec", state.store.gmina_scope());
    let body = schedule_ics(
        &s.pickups,
        &WasteIcsOptions {
            calendar_name: &name,
            uid_domain: &uid_domain,
            updated_at: s.updated_at,
        },
    );
    Ok(crate::events::ics::respond(&headers, body))
}

/// The whole "what goes where" list, for the app's offline search
/// (`protocol::waste::search`).
#[utoipa::path(get, path = "/waste/dictionary", tag = "waste",
    responses((status = 200, body = Vec<DictionaryEntry>)))]
pub async fn dictionary(Tenant(state): Tenant) -> ApiResult<Json<Vec<DictionaryEntry>>> {
    Ok(Json(state.store.waste_dictionary().await?))
}

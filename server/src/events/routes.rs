//! `/api/v1/events`, `/api/v1/event-categories`, `/api/v1/calendar.ics`.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mm_protocol::error::ApiError;
use mm_protocol::events::{Event, EventCategory, EventInput};
use mm_protocol::validation::Validate;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ics;
use super::model::{CalendarQuery, CategoryInput, EventsQuery, occurs_within, window};
use crate::auth::Official;
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::state::AppState;
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events, create_event))
        .routes(routes!(get_event, update_event, delete_event))
        .routes(routes!(list_categories, create_category))
        .routes(routes!(calendar_ics))
}

/// Events with an occurrence in the window, in start order.
#[utoipa::path(get, path = "/events", tag = "events", params(EventsQuery),
    responses((status = 200, body = Vec<Event>), (status = 400, body = ApiError)))]
pub async fn list_events(
    Tenant(state): Tenant,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Json<Vec<Event>>> {
    let (from, to) = window(&q)?;
    let mut events = state.store.list_events(q.category).await?;
    if q.from.is_some() || q.to.is_some() {
        events.retain(|e| occurs_within(e, from, to));
    }
    Ok(Json(events))
}

/// One event; `{id}.ics` gives it as an iCalendar file instead.
///
/// axum matches whole path segments only, so `12.ics` arrives here as the
/// id and is dispatched by its suffix.
#[utoipa::path(get, path = "/events/{id}", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, body = Event), (status = 404, body = ApiError)))]
pub async fn get_event(
    Tenant(state): Tenant,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (id, as_ics) = match id.strip_suffix(".ics") {
        Some(id) => (id, true),
        None => (id.as_str(), false),
    };
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let event = state
        .store
        .get_event(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !as_ics {
        return Ok(Json(event).into_response());
    }
    let categories = state.store.list_categories().await?;
    let (gmina, _) = state.store.gmina().await?;
    let (name, domain) = ics::names(gmina.as_ref());
    let body = ics::single(&event, &ics::options(&name, &domain, &categories));
    Ok(ics::respond(&headers, body))
}

/// Documentation only: served by [`get_event`] (see there why).
#[utoipa::path(get, path = "/api/v1/events/{id}.ics", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 304),
        (status = 404, body = ApiError)))]
#[allow(dead_code)]
pub async fn event_ics_doc() {}

#[utoipa::path(post, path = "/events", tag = "events", request_body = EventInput, security(("official" = [])),
    responses((status = 201, body = Event), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError)))]
pub async fn create_event(
    Tenant(state): Tenant,
    official: Official,
    Json(input): Json<EventInput>,
) -> ApiResult<(StatusCode, Json<Event>)> {
    official.require_publisher()?;
    input.validate()?;
    let event = state
        .store
        .create_event(official.actor(), input, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(event)))
}

#[utoipa::path(put, path = "/events/{id}", tag = "events", params(("id" = i64, Path)), request_body = EventInput,
    security(("official" = [])),
    responses((status = 200, body = Event), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_event(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<i64>,
    Json(input): Json<EventInput>,
) -> ApiResult<Json<Event>> {
    official.require_publisher()?;
    input.validate()?;
    Ok(Json(
        state
            .store
            .update_event(official.actor(), id, input, state.clock.now())
            .await?,
    ))
}

#[utoipa::path(delete, path = "/events/{id}", tag = "events", params(("id" = i64, Path)),
    security(("official" = [])),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn delete_event(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    official.require_publisher()?;
    state
        .store
        .delete_event(official.actor(), id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/event-categories", tag = "events",
    responses((status = 200, body = Vec<EventCategory>)))]
pub async fn list_categories(Tenant(state): Tenant) -> ApiResult<Json<Vec<EventCategory>>> {
    Ok(Json(state.store.list_categories().await?))
}

/// Add an event category (admins, as in the back office: categories shape
/// every editor's work, so creating one is an admin's decision).
#[utoipa::path(post, path = "/event-categories", tag = "events", request_body = CategoryInput,
    security(("official" = [])),
    responses((status = 201, body = EventCategory), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create_category(
    Tenant(state): Tenant,
    official: Official,
    Json(input): Json<CategoryInput>,
) -> ApiResult<(StatusCode, Json<EventCategory>)> {
    official.require_admin()?;
    input.validate()?;
    let category = state
        .store
        .create_category(official.actor(), input.into(), state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(category)))
}

/// The subscribable feed: events with an occurrence from now on, and every
/// recurring one (its RRULE is the calendar app's to expand).
#[utoipa::path(get, path = "/calendar.ics", tag = "events", params(CalendarQuery),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 304),
        (status = 404, description = "unknown category", body = ApiError)))]
pub async fn calendar_ics(
    Tenant(state): Tenant,
    headers: HeaderMap,
    Query(q): Query<CalendarQuery>,
) -> ApiResult<Response> {
    let categories = state.store.list_categories().await?;
    if let Some(c) = &q.category
        && !categories.iter().any(|k| &k.id == c)
    {
        return Err(AppError::not_found());
    }
    let now = state.clock.now();
    let mut events = state.store.list_events(q.category.clone()).await?;
    events.retain(|e| e.rrule.is_some() || occurs_within(e, now, DateTime::<Utc>::MAX_UTC));
    let (gmina, _) = state.store.gmina().await?;
    let (mut name, domain) = ics::names(gmina.as_ref());
    if let Some(c) = q
        .category
        .as_ref()
        .and_then(|c| categories.iter().find(|k| &k.id == c))
    {
        name = format!("{name}: {}", c.name_pl);
    }
    let body =
        mm_protocol::calendar::ics::calendar(&events, &ics::options(&name, &domain, &categories));
    Ok(ics::respond(&headers, body))
}

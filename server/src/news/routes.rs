//! `/api/v1/news`: residents read visible items; editors and admins write.

use axum::http::{HeaderMap, StatusCode};
use mm_protocol::error::ApiError;
use mm_protocol::news::{News, NewsInput};
use mm_protocol::validation::Validate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Official, extract::official};
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::state::AppState;
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_news, create_news))
        .routes(routes!(get_news, update_news, delete_news))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NewsQuery {
    /// Officials only: include scheduled and expired items.
    #[serde(default)]
    pub all: bool,
}

/// Visible news, newest first (all of them for an official with `?all=true`).
#[utoipa::path(get, path = "/news", tag = "news", params(NewsQuery),
    responses((status = 200, body = Vec<News>), (status = 401, body = ApiError)))]
pub async fn list_news(
    Tenant(state): Tenant,
    headers: HeaderMap,
    Query(q): Query<NewsQuery>,
) -> ApiResult<Json<Vec<News>>> {
    if q.all {
        official(&state, &headers).await?;
    }
    let now = state.clock.now();
    let mut news = state.store.list_news().await?;
    if !q.all {
        news.retain(|n| n.is_visible_at(now));
    }
    Ok(Json(news))
}

/// One news item. Items not visible now are found only by officials.
#[utoipa::path(get, path = "/news/{id}", tag = "news", params(("id" = i64, Path)),
    responses((status = 200, body = News), (status = 404, body = ApiError)))]
pub async fn get_news(
    Tenant(state): Tenant,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<Json<News>> {
    let news = state
        .store
        .get_news(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !news.is_visible_at(state.clock.now()) && official(&state, &headers).await.is_err() {
        return Err(AppError::not_found());
    }
    Ok(Json(news))
}

#[utoipa::path(post, path = "/news", tag = "news", request_body = NewsInput, security(("official" = [])),
    responses((status = 201, body = News), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError)))]
pub async fn create_news(
    Tenant(state): Tenant,
    official: Official,
    Json(input): Json<NewsInput>,
) -> ApiResult<(StatusCode, Json<News>)> {
    official.require_publisher()?;
    input.validate()?;
    let news = state
        .store
        .create_news(official.actor(), input, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(news)))
}

#[utoipa::path(put, path = "/news/{id}", tag = "news", params(("id" = i64, Path)), request_body = NewsInput,
    security(("official" = [])),
    responses((status = 200, body = News), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_news(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<i64>,
    Json(input): Json<NewsInput>,
) -> ApiResult<Json<News>> {
    official.require_publisher()?;
    input.validate()?;
    Ok(Json(
        state
            .store
            .update_news(official.actor(), id, input, state.clock.now())
            .await?,
    ))
}

#[utoipa::path(delete, path = "/news/{id}", tag = "news", params(("id" = i64, Path)), security(("official" = [])),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn delete_news(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    official.require_publisher()?;
    state
        .store
        .delete_news(official.actor(), id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

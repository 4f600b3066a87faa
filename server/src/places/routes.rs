//! `/api/v1/places` (officials manage the map), `/api/v1/map/places.geojson`
//! (any web map), `/api/v1/places/import` (admins load an OSM extract).

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::places::{Place, PlaceImportReport, PlaceInput, PlaceListQuery, PlaceMapQuery};
use mm_protocol::validation::Validate;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::geojson::{MapFilter, feature_collection, parse_category, parse_layer};
use crate::auth::Official;
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::PlaceFilter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_places, create_place))
        .routes(routes!(get_place, update_place, delete_place))
        .routes(routes!(import_places))
        .routes(routes!(places_geojson))
}

/// RFC 7946 §12.
pub const GEOJSON_MEDIA_TYPE: &str = "application/geo+json";

/// Places in id order, optionally of one layer / category.
#[utoipa::path(get, path = "/places", tag = "places", params(PlaceListQuery),
    responses((status = 200, body = Vec<Place>), (status = 400, body = ApiError)))]
pub async fn list_places(
    Tenant(state): Tenant,
    Query(q): Query<PlaceListQuery>,
) -> ApiResult<Json<Vec<Place>>> {
    let filter = PlaceFilter {
        layer: q.layer.as_deref().map(parse_layer).transpose()?,
        category: q.category.as_deref().map(parse_category).transpose()?,
        bbox: None,
    };
    Ok(Json(state.store.list_places(filter).await?))
}

#[utoipa::path(get, path = "/places/{id}", tag = "places", params(("id" = i64, Path)),
    responses((status = 200, body = Place), (status = 404, body = ApiError)))]
pub async fn get_place(Tenant(state): Tenant, Path(id): Path<i64>) -> ApiResult<Json<Place>> {
    Ok(Json(state.store.get_place(id).await?.ok_or_else(AppError::not_found)?))
}

#[utoipa::path(post, path = "/places", tag = "places", request_body = PlaceInput, security(("official" = [])),
    responses((status = 201, body = Place), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create_place(
    Tenant(state): Tenant,
    official: Official,
    Json(input): Json<PlaceInput>,
) -> ApiResult<(StatusCode, Json<Place>)> {
    official.require_publisher()?;
    input.validate()?;
    let place = state.store.create_place(official.actor(), input, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(place)))
}

#[utoipa::path(put, path = "/places/{id}", tag = "places", params(("id" = i64, Path)), request_body = PlaceInput,
    security(("official" = [])),
    responses((status = 200, body = Place), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn update_place(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<i64>,
    Json(input): Json<PlaceInput>,
) -> ApiResult<Json<Place>> {
    official.require_publisher()?;
    input.validate()?;
    Ok(Json(state.store.update_place(official.actor(), id, input, state.clock.now()).await?))
}

#[utoipa::path(delete, path = "/places/{id}", tag = "places", params(("id" = i64, Path)),
    security(("official" = [])),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn delete_place(
    Tenant(state): Tenant,
    official: Official,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    official.require_publisher()?;
    state.store.delete_place(official.actor(), id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports an OpenStreetMap extract (`.osm` XML or GeoJSON, at most 1 MiB;
/// larger files through `mm-server places import FILE`). Idempotent on OSM
/// ids; answers what was created, updated, unchanged and skipped (why).
/// Admins only.
#[utoipa::path(post, path = "/places/import", tag = "places", security(("official" = [])),
    request_body(content = String, content_type = "application/xml", description = "OSM XML or GeoJSON"),
    responses((status = 200, body = PlaceImportReport), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn import_places(
    Tenant(state): Tenant,
    official: Official,
    body: Bytes,
) -> ApiResult<Json<PlaceImportReport>> {
    official.require_admin()?;
    let report = super::import(state.store.as_ref(), official.actor(), &body, state.clock.now())
        .await
        .map_err(|e| match e {
            super::ImportError::Malformed(m) => AppError::new(ErrorCode::InvalidField, m.pl, m.en).with_field("body"),
            super::ImportError::Store(s) => AppError::from(s),
        })?;
    Ok(Json(report))
}

/// The places as an RFC 7946 FeatureCollection (`application/geo+json`).
/// `bbox=minlon,minlat,maxlon,maxlat` keeps places whose geometry touches
/// the box (edges included); `wheelchair=yes,limited` a comma list.
#[utoipa::path(get, path = "/map/places.geojson", tag = "places", params(PlaceMapQuery),
    responses((status = 200, content_type = "application/geo+json", body = Object), (status = 400, body = ApiError)))]
pub async fn places_geojson(
    Tenant(state): Tenant,
    Query(q): Query<PlaceMapQuery>,
) -> ApiResult<Response> {
    let filter = MapFilter::parse(&q)?;
    let mut places = state
        .store
        .list_places(PlaceFilter { layer: filter.layer, category: filter.category.clone(), bbox: filter.bbox })
        .await?;
    places.retain(|p| filter.keeps(p));
    let body = feature_collection(&places).to_string();
    Ok(([(header::CONTENT_TYPE, GEOJSON_MEDIA_TYPE)], body).into_response())
}

use axum::extract::State;
use mm_protocol::error::ApiError;
use mm_protocol::gmina::{Gmina, Locality};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiResult, AppError, Json};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_gmina))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GminaInfo {
    pub gmina: Gmina,
    pub localities: Vec<Locality>,
}

/// The gmina's boundary and localities (404 until they are loaded).
#[utoipa::path(get, path = "/gmina", tag = "gmina",
    responses((status = 200, body = GminaInfo), (status = 404, body = ApiError)))]
pub async fn get_gmina(State(state): State<AppState>) -> ApiResult<Json<GminaInfo>> {
    let (gmina, localities) = state.store.gmina().await?;
    let gmina = gmina.ok_or_else(AppError::not_found)?;
    Ok(Json(GminaInfo { gmina, localities }))
}

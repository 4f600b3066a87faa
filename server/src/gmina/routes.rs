use axum::extract::State;
use mm_protocol::error::ApiError;
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::{Gmina, GminaDirectory, Locality};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::directory::{Search, search};
use crate::error::{ApiResult, AppError, Json, Query};
use crate::state::AppState;
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_gmina)).routes(routes!(list_gminas))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GminaInfo {
    pub gmina: Gmina,
    pub localities: Vec<Locality>,
}

/// The gmina's boundary and localities (404 until they are loaded).
#[utoipa::path(get, path = "/gmina", tag = "gmina",
    responses((status = 200, body = GminaInfo), (status = 404, body = ApiError)))]
pub async fn get_gmina(Tenant(state): Tenant) -> ApiResult<Json<GminaInfo>> {
    let (gmina, localities) = state.store.gmina().await?;
    let gmina = gmina.ok_or_else(AppError::not_found)?;
    Ok(Json(GminaInfo { gmina, localities }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GminasQuery {
    /// Name, powiat or TERYT code, with or without Polish letters
    /// ("zorawina" finds Żórawina); words match by their beginning.
    pub q: Option<String>,
    /// With `lon`: the gminas whose boundary contains the point
    /// ("use my location").
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// The longest `q` taken: a gmina's name is shorter.
const MAX_Q: usize = 100;

impl GminasQuery {
    fn search(self) -> Result<Search, AppError> {
        if self.q.as_ref().is_some_and(|q| q.chars().count() > MAX_Q) {
            return Err(AppError::invalid_query("q", format!("q is at most {MAX_Q} characters.")));
        }
        let point = match (self.lat, self.lon) {
            (None, None) => None,
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(AppError::invalid_query("lat", "lat is a latitude in degrees, -90 to 90."));
                }
                if !(-180.0..=180.0).contains(&lon) {
                    return Err(AppError::invalid_query("lon", "lon is a longitude in degrees, -180 to 180."));
                }
                Some(GeoPoint { lat, lon })
            }
            (Some(_), None) => return Err(AppError::invalid_query("lon", "lat needs lon.")),
            (None, Some(_)) => return Err(AppError::invalid_query("lat", "lon needs lat.")),
        };
        Ok(Search { text: self.q, point })
    }
}

/// The deployment's gminas, for the app's picker: all of them, those
/// matching `q`, or those containing the point `lat`,`lon`. Public, and
/// for no gmina in particular.
#[utoipa::path(get, path = "/gminas", tag = "gmina", params(GminasQuery),
    responses((status = 200, body = GminaDirectory), (status = 400, description = "invalid_query", body = ApiError)))]
pub async fn list_gminas(State(state): State<AppState>, Query(q): Query<GminasQuery>) -> ApiResult<Json<GminaDirectory>> {
    let search_for = q.search()?;
    let gminas = state.gminas.list(state.store.as_ref()).await?;
    Ok(Json(GminaDirectory { gminas: search(&gminas, &search_for) }))
}

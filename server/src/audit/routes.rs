use mm_protocol::error::ApiError;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::AuditEntry;
use crate::auth::Official;
use crate::error::{ApiResult, AppError, Json, Query};
use crate::state::AppState;
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// 1..=1000, default 100.
    pub limit: Option<String>,
}

/// The newest audit entries first (admins only).
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery), security(("official" = [])),
    responses((status = 200, body = Vec<AuditEntry>), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError)))]
pub async fn list_audit(
    Tenant(state): Tenant,
    official: Official,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    official.require_admin()?;
    let limit = match q.limit.as_deref() {
        None => 100,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=1000).contains(l))
            .ok_or_else(|| AppError::invalid_query("limit", "limit must be 1..=1000"))?,
    };
    Ok(Json(state.store.list_audit(limit).await?))
}

//! `POST /api/v1/devices`: register an app install, get its token.

use axum::extract::State;
use axum::http::HeaderMap;
use mm_protocol::devices::{DeviceRegistered, RegisterDevice};
use mm_protocol::error::ApiError;
use mm_protocol::validation::Validate;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::idempotency;
use crate::auth::token::{hash_token, new_token};
use crate::error::{ApiResult, AppError, Json};
use crate::state::AppState;
use crate::store::{NewDevice, StoredResponse};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register))
}

/// Register a device. Honours `Idempotency-Key`: a retry gets the same device.
#[utoipa::path(post, path = "/devices", tag = "devices", request_body = RegisterDevice,
    params(("Idempotency-Key" = Option<String>, Header, description = "UUID from the app's outbox")),
    responses(
        (status = 201, body = DeviceRegistered),
        (status = 400, body = ApiError),
        (status = 409, description = "idempotency_conflict", body = ApiError),
    ))]
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(input): Json<RegisterDevice>,
) -> ApiResult<StoredResponse> {
    input.validate()?;
    let key = idempotency::key(&headers, "devices", &input)?;
    let device_id = uuid::Uuid::new_v4().to_string();
    let token = new_token();
    // The answer is stored with the key (token included) so a retry after
    // a lost response still gives the app a token that works.
    let body = serde_json::to_string(&DeviceRegistered {
        device_id: device_id.clone(),
        token: token.clone(),
    })
    .map_err(|_| AppError::internal())?;
    let device = NewDevice {
        id: device_id,
        token_hash: hash_token(&token),
        input,
        created_at: state.clock.now(),
    };
    let response = state
        .store
        .register_device(key, device, StoredResponse { status: 201, body })
        .await?;
    Ok(response)
}

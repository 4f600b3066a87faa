//! `POST /api/v1/devices`: register an app install, get its token.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mm_protocol::devices::{DeviceRegistered, RegisterDevice};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::validation::Validate;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::idempotency;
use crate::auth::token::hash_token;
use crate::error::{AppError, Json};
use crate::reports::ratelimit::{ClientIp, WriteError, address_key};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::{IdempotencyKey, NewDevice, StoredResponse};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register))
}

/// What is stored with the idempotency key: the device, never its token.
#[derive(Serialize, Deserialize)]
struct Registered {
    device_id: String,
}

/// The idempotency scope of a registration: the client's address (an IPv6
/// client by its /64), so another client sending the same key and body
/// registers a device of its own instead of getting this one's token. A
/// retry from a new address (the phone moved from Wi-Fi to mobile data)
/// registers a new device; the first one is collected as never seen.
fn scope(ip: Option<std::net::IpAddr>) -> String {
    format!(
        "devices/{}",
        ip.map(address_key).unwrap_or_else(|| "-".into())
    )
}

/// Register a device. Honours `Idempotency-Key` from the same client
/// address: a retry gets the same device and token. Limited per client
/// address (429 with `Retry-After`).
#[utoipa::path(post, path = "/devices", tag = "devices", request_body = RegisterDevice,
    params(("Idempotency-Key" = Option<String>, Header, description = "UUID from the app's outbox")),
    responses(
        (status = 201, body = DeviceRegistered),
        (status = 400, body = ApiError),
        (status = 409, description = "idempotency_conflict", body = ApiError),
        (status = 429, body = ApiError),
    ))]
pub async fn register(
    Tenant(state): Tenant,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(input): Json<RegisterDevice>,
) -> Result<Response, WriteError> {
    input.validate()?;
    let key = idempotency::key(&headers, &scope(ip), &input)?;
    charge(&state, ip, key.as_ref()).await?;
    let device_id = uuid::Uuid::new_v4().to_string();
    let token = state.device_tokens.token_for(&device_id);
    let body = serde_json::to_string(&Registered {
        device_id: device_id.clone(),
    })
    .map_err(|_| AppError::internal())?;
    let device = NewDevice {
        id: device_id.clone(),
        token_hash: hash_token(&token),
        input,
        created_at: state.clock.now(),
    };
    let stored = state
        .store
        .register_device(key, device, StoredResponse { status: 201, body })
        .await?;
    let first: Registered = serde_json::from_str(&stored.body).map_err(|_| AppError::internal())?;
    let token = if first.device_id == device_id {
        token
    } else {
        // A retry: the token is derived again. Should the key have changed
        // since the first answer, the device takes the token of the new key.
        let token = state.device_tokens.token_for(&first.device_id);
        if !state
            .store
            .set_device_token_hash(&first.device_id, &hash_token(&token))
            .await?
        {
            return Err(AppError::new(
                ErrorCode::IdempotencyConflict,
                "To urządzenie już nie istnieje; zarejestruj je z nowym kluczem.",
                "This device no longer exists; register with a new key.",
            )
            .into());
        }
        token
    };
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
    Ok((
        status,
        Json(DeviceRegistered {
            device_id: first.device_id,
            token,
        }),
    )
        .into_response())
}

/// Charges a registration to the client's address unless it is a retry of
/// an answered one (remembered in memory, or found in the store after a
/// restart).
async fn charge(
    state: &AppState,
    ip: Option<std::net::IpAddr>,
    key: Option<&IdempotencyKey>,
) -> Result<(), WriteError> {
    match state
        .limits
        .check_registration(ip, key.map(|k| k.key.as_str()))
    {
        Ok(()) => Ok(()),
        Err(wait) => match key {
            Some(k) if state.store.has_idempotency_key(&k.scope, &k.key).await? => Ok(()),
            _ => Err(WriteError::RateLimited(wait)),
        },
    }
}

//! The `Device` extractor: a resident's app install, by the bearer token
//! `POST /api/v1/devices` gave it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::extract::bearer;
use crate::auth::token::hash_token;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
}

/// The device a token belongs to; `None` for an unknown token.
pub async fn device_by_token(state: &AppState, token: &str) -> Result<Option<Device>, AppError> {
    Ok(state
        .store
        .find_device(&hash_token(token))
        .await?
        .map(|id| Device { id }))
}

impl FromRequestParts<AppState> for Device {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(AppError::unauthorized)?;
        device_by_token(state, token)
            .await?
            .ok_or_else(AppError::unauthorized)
    }
}

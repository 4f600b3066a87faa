//! The `Device` extractor: a resident's app install, by the bearer token
//! `POST /api/v1/devices` gave it. Using a token also records that the
//! device was seen, to the day (`maintenance` collects devices unseen for
//! years): at most one write per device per day, not one per request.

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

/// How stale `last_seen_at` may get before a request updates it.
const SEEN_GRANULARITY: chrono::Duration = chrono::Duration::days(1);

/// The device a token belongs to; `None` for an unknown token, and for a
/// device of another gmina than `state`'s (the handler's, `tenant::Tenant`):
/// a token works for its own gmina only.
pub async fn device_by_token(state: &AppState, token: &str) -> Result<Option<Device>, AppError> {
    let Some(known) = state.store.find_device(&hash_token(token)).await? else {
        return Ok(None);
    };
    if &known.gmina != state.store.gmina_scope() {
        return Ok(None);
    }
    let now = state.clock.now();
    if known
        .last_seen_at
        .is_none_or(|seen| now - seen >= SEEN_GRANULARITY)
    {
        state.store.touch_device(&known.id, now).await?;
    }
    Ok(Some(Device { id: known.id }))
}

impl FromRequestParts<AppState> for Device {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(AppError::unauthorized)?.to_owned();
        let tenant = crate::tenant::resolve(parts, state).await?;
        device_by_token(&tenant.state, &token)
            .await?
            .ok_or_else(AppError::unauthorized)
    }
}

//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mm_protocol::auth::{LoginRequest, LoginResponse};
use mm_protocol::error::ApiError;
use mm_protocol::validation::Validate;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Official, signin};
use crate::error::{ApiResult, AppError, Json};
use crate::reports::ratelimit::ClientIp;
use crate::state::AppState;
use crate::store::SessionKind;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
}

/// Sign in as an official. Shares its lock-out and limits with the back
/// office's sign-in (`auth::signin`): 429 with `Retry-After` when this
/// login is locked for this address or the address made too many attempts,
/// 503 with `Retry-After` when the server is too busy to check a password.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, body = ApiError),
        (status = 401, description = "invalid_credentials; second_factor_required: the account has a second factor and `one_time_code` was missing, wrong or used", body = ApiError),
        (status = 403, description = "second_factor_not_enrolled: the account must have a second factor and has none yet (enrol in the back office)", body = ApiError),
        (status = 429, description = "rate_limited (see Retry-After)", body = ApiError),
        (status = 503, description = "unavailable: too busy to check a password now (see Retry-After)", body = ApiError),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Response {
    if let Err(e) = req.validate() {
        return AppError::from(e).into_response();
    }
    let from = signin::Client { ip: client, user_agent: user_agent(&headers) };
    let code = req.one_time_code.as_deref();
    match signin::sign_in(&state, &req.login, &req.password, from, SessionKind::Api, code).await {
        Ok(s) => Json(LoginResponse {
            token: s.token,
            expires_at: s.expires_at,
            role: s.user.role,
        })
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The request's `User-Agent`, for the official's list of sessions.
pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// End this session: the token stops working.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("official" = [])),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn logout(State(state): State<AppState>, official: Official) -> ApiResult<StatusCode> {
    state.store.delete_session(&official.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

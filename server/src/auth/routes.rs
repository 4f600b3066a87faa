//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`.

use axum::extract::State;
use axum::http::StatusCode;
use mm_protocol::auth::{LoginRequest, LoginResponse};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::validation::Validate;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Official, password, token};
use crate::error::{ApiResult, AppError, Json};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
}

fn invalid_credentials() -> AppError {
    AppError::new(
        ErrorCode::InvalidCredentials,
        "Nieprawidłowy login lub hasło.",
        "Wrong login or password.",
    )
}

/// Sign in as an official.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, body = ApiError),
        (status = 401, description = "invalid_credentials", body = ApiError),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    req.validate()?;
    let user = state.store.find_user(&req.login).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    // Argon2 is deliberately slow: keep it off the async workers.
    let ok =
        tokio::task::spawn_blocking(move || password::verify(&req.password, stored.as_deref()))
            .await
            .map_err(|_| AppError::internal())?;
    let user = match user {
        Some(u) if ok => u,
        _ => return Err(invalid_credentials()),
    };
    let token = token::new_token();
    let now = state.clock.now();
    let expires_at = now + state.session_ttl;
    state
        .store
        .create_session(&user, &token::hash_token(&token), now, expires_at)
        .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        role: user.role,
    }))
}

/// End this session: the token stops working.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("official" = [])),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn logout(State(state): State<AppState>, official: Official) -> ApiResult<StatusCode> {
    state.store.delete_session(&official.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

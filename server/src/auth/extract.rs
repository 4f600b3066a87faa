//! The `Official` extractor: a valid, unexpired official's bearer token
//! (an API session; a back-office cookie's token is not accepted here).

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use mm_protocol::auth::Role;

use super::token::hash_token;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Actor, SessionKind, SessionStage};

#[derive(Debug, Clone)]
pub struct Official {
    pub login: String,
    pub role: Role,
    /// SHA-256 of the token the request came with (for logout).
    pub token_hash: String,
}

impl Official {
    /// News and events: admins and editors.
    pub fn require_publisher(&self) -> Result<(), AppError> {
        if self.role.can_publish() {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    pub fn actor(&self) -> Actor {
        Actor(self.login.clone())
    }
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The official signed in with the request's bearer token, for `state`'s
/// gmina: `state` is the handler's (`tenant::Tenant`), and a session of
/// another gmina's official is 404 there (that gmina has nothing of theirs).
pub async fn official(state: &AppState, headers: &HeaderMap) -> Result<Official, AppError> {
    let token = bearer(headers).ok_or_else(AppError::unauthorized)?;
    let token_hash = hash_token(token);
    let session = state
        .store
        .find_session(&token_hash, SessionKind::Api)
        .await?
        .ok_or_else(AppError::unauthorized)?;
    if session.expires_at <= state.clock.now() {
        return Err(AppError::token_expired());
    }
    // API sessions are made only once every factor checked; any other
    // stage is refused all the same (a half sign-in grants nothing).
    if session.stage != SessionStage::Full {
        return Err(AppError::unauthorized());
    }
    if &session.gmina != state.store.gmina_scope() {
        return Err(AppError::not_found());
    }
    Ok(Official {
        login: session.login,
        role: session.role,
        token_hash,
    })
}

impl FromRequestParts<AppState> for Official {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let tenant = crate::tenant::resolve(parts, state).await?;
        official(&tenant.state, &parts.headers).await
    }
}

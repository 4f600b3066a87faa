//! The `Idempotency-Key` header (docs/DESIGN.md, "Idempotency"): every
//! resident write may carry one; the store replays the first answer.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mm_protocol::error::ErrorCode;
use serde::Serialize;

use crate::auth::token::sha256_hex;
use crate::error::AppError;
use crate::store::{IdempotencyKey, StoredResponse};

pub const HEADER: &str = "idempotency-key";

/// The key of this request within `scope`, hashed with the request as
/// parsed (so whitespace or field order do not make a "different" body).
pub fn key<T: Serialize>(
    headers: &HeaderMap,
    scope: &str,
    request: &T,
) -> Result<Option<IdempotencyKey>, AppError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::InvalidField,
                "Nieprawidłowy nagłówek Idempotency-Key.",
                "Invalid Idempotency-Key header (1 to 200 visible characters).",
            )
            .with_field("Idempotency-Key")
        })?;
    let canonical = serde_json::to_vec(request).map_err(|_| AppError::internal())?;
    Ok(Some(IdempotencyKey {
        scope: scope.into(),
        key: key.into(),
        request_hash: sha256_hex(&canonical),
    }))
}

impl IntoResponse for StoredResponse {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.body,
        )
            .into_response()
    }
}

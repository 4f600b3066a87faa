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

/// 400 for a write that needs the header and came without it.
pub fn required() -> AppError {
    AppError::new(
        ErrorCode::InvalidField,
        "Brak nagłówka Idempotency-Key.",
        "The Idempotency-Key header is required.",
    )
    .with_field("Idempotency-Key")
}

/// The raw header (1 to 200 visible characters), required: for a write
/// whose retry the store recognises by other means (an SMS code's request
/// id), so no request hash is kept.
pub fn required_raw(headers: &HeaderMap) -> Result<String, AppError> {
    let value = headers.get(HEADER).ok_or_else(required)?;
    checked(value).map(str::to_owned)
}

fn checked(value: &HeaderValue) -> Result<&str, AppError> {
    value
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
        })
}

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
    let key = checked(value)?;
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

//! `POST /api/v1/photos` and `GET /api/v1/photos/{id}`: report photos,
//! checked by content and stored content-addressed (id = SHA-256 hex).

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::reports::{PHOTO_MAX_BYTES, PhotoUploaded};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{PhotoMeta, photo_url};
use super::ratelimit::{ClientIp, WriteError};
use crate::auth::token::sha256_hex;
use crate::devices::Device;
use crate::error::{AppError, Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_photo))
        .routes(routes!(get_photo))
}

fn too_large() -> AppError {
    AppError::new(
        ErrorCode::PayloadTooLarge,
        "Zdjęcie jest za duże (maksymalnie 10 MiB).",
        "The photo is too large (at most 10 MiB).",
    )
}

fn not_an_image(en: &str) -> AppError {
    AppError::new(
        ErrorCode::UnsupportedMediaType,
        "To nie jest zdjęcie JPEG ani PNG.",
        format!("Not a JPEG or PNG photo: {en}."),
    )
    .with_field("photo")
}

/// What the bytes are, by their content: JPEG starts FF D8 FF, PNG with its
/// 8-byte signature (PNG spec, 5.2); the header must then parse with real
/// dimensions. Returns the media type and the size in pixels.
pub fn sniff(bytes: &[u8]) -> Result<(&'static str, u32, u32), AppError> {
    let kind = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        "image/png"
    } else {
        return Err(not_an_image("the content is neither JPEG nor PNG"));
    };
    let size =
        imagesize::blob_size(bytes).map_err(|_| not_an_image("the image header cannot be read"))?;
    if size.width == 0 || size.height == 0 || size.width > 20_000 || size.height > 20_000 {
        return Err(not_an_image("the image has no usable dimensions"));
    }
    Ok((kind, size.width as u32, size.height as u32))
}

/// Upload a photo (raw JPEG or PNG body, at most 10 MiB). The same bytes
/// again give the same id (200 instead of 201) and are not charged.
#[utoipa::path(post, path = "/photos", tag = "reports", security(("device" = [])),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "JPEG or PNG bytes"),
    responses(
        (status = 201, body = PhotoUploaded), (status = 200, description = "already stored", body = PhotoUploaded),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 413, body = ApiError),
        (status = 415, body = ApiError), (status = 429, body = ApiError),
    ))]
pub async fn upload_photo(
    State(state): State<AppState>,
    device: Device,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WriteError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if declared != "image/jpeg" && declared != "image/png" {
        return Err(AppError::new(
            ErrorCode::UnsupportedMediaType,
            "Wyślij zdjęcie jako image/jpeg lub image/png.",
            "Send the photo as image/jpeg or image/png.",
        )
        .into());
    }
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > PHOTO_MAX_BYTES) {
        return Err(too_large().into());
    }
    let bytes: Bytes = axum::body::to_bytes(body, PHOTO_MAX_BYTES)
        .await
        .map_err(|_| too_large())?;
    let (kind, width, height) = sniff(&bytes)?;
    if kind != declared {
        return Err(not_an_image(&format!("the content is {kind}, not {declared}")).into());
    }
    let id = sha256_hex(&bytes);
    let answer = PhotoUploaded {
        photo_id: id.clone(),
        url: photo_url(&id),
    };
    if state.store.photo_exists(&id).await? {
        return Ok((StatusCode::OK, Json(answer)).into_response());
    }
    state
        .limits
        .check(Some(&device.id), ip, None)
        .map_err(WriteError::RateLimited)?;
    let meta = PhotoMeta {
        id,
        content_type: kind.into(),
        bytes: bytes.len() as u64,
        width,
        height,
        created_at: state.clock.now(),
    };
    let new = state.store.save_photo(meta, bytes).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)).into_response())
}

/// A stored photo with its media type; cached for a year (the id is the
/// content's hash, so it never changes).
#[utoipa::path(get, path = "/photos/{id}", tag = "reports", params(("id" = String, Path)),
    responses((status = 200, description = "the photo", content_type = "image/jpeg"), (status = 404, body = ApiError)))]
pub async fn get_photo(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::not_found());
    }
    // A photo of a report withheld from the public is not public either
    // (officials see it through the back office).
    if !state.store.photo_is_public(&id).await? {
        return Err(AppError::not_found());
    }
    let (meta, bytes) = state
        .store
        .photo(&id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&meta.content_type).map_err(|_| AppError::internal())?,
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{id}\"")) {
        h.insert(header::ETAG, etag);
    }
    Ok(r)
}

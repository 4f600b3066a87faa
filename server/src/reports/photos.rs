//! `POST /api/v1/photos` and `GET /api/v1/photos/{id}`: report photos.
//!
//! An upload is checked by content (magic bytes, then the header's size,
//! refused above [`PHOTO_MAX_PIXELS`] before anything is decoded), decoded
//! with an allocation budget, scaled to [`PHOTO_MAX_EDGE`] as the core
//! does, turned upright and re-encoded as a fresh JPEG. Only that clean
//! copy is stored, served and sent to the EZD: whatever the client left in
//! the file (EXIF with the GPS position, camera serial and owner, XMP, ICC,
//! comments, bytes after the image) is gone, whichever client sent it.
//!
//! The id is the SHA-256 of the bytes as uploaded: the same upload again
//! gets the same id without being decoded again (the core retries uploads
//! and refers to the id in its report). The clean copy of an id never
//! changes, but an official may withhold it from the public later
//! (security finding 15), so caches keep it for an hour, not for ever.

use std::io::Cursor;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::reports::{PHOTO_MAX_BYTES, PHOTO_MAX_EDGE, PHOTO_MAX_PIXELS, PhotoUploaded};
use tokio::sync::Semaphore;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{PhotoMeta, photo_url};
use super::ratelimit::{ClientIp, WriteError};
use crate::auth::token::sha256_hex;
use crate::devices::Device;
use crate::error::{AppError, Json, Path};
use crate::state::AppState;
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_photo))
        .routes(routes!(get_photo))
}

/// The decoder's allocation budget: a photo at the pixel limit is 192 MiB
/// as 8-bit RGB, 256 MiB as RGBA (a 16-bit PNG that large is refused).
pub const DECODE_MAX_ALLOC: u64 = 256 << 20;
/// JPEG's own limit on an edge.
const MAX_EDGE_IN: u32 = 65_535;
/// The same quality as the core's, so a core photo loses little more.
const JPEG_QUALITY: u8 = 85;
/// Decoding takes a core and up to [`DECODE_MAX_ALLOC`] of memory: at most
/// two at once in the process (two cores; 512 MiB at worst), the others
/// wait their turn.
static DECODING: Semaphore = Semaphore::const_new(2);

/// What photos are served with: the bytes are an image and nothing else
/// (no sniffing them into HTML), and should a browser open one as a
/// document, it may load nothing and runs in a sandbox.
pub const PHOTO_CSP: &str = "default-src 'none'; sandbox";

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

fn too_many_pixels(width: u32, height: u32) -> AppError {
    let max = PHOTO_MAX_PIXELS / 1_000_000;
    AppError::new(
        ErrorCode::ImageTooLarge,
        format!("Zdjęcie ma zbyt dużą rozdzielczość ({width}×{height} px, najwyżej {max} Mpx)."),
        format!("The photo's resolution is too large ({width}×{height} px, at most {max} Mpx)."),
    )
    .with_field("photo")
}

fn unreadable() -> AppError {
    AppError::new(
        ErrorCode::ImageUnreadable,
        "Nie udało się odczytać zdjęcia (plik uszkodzony albo to nie jest zdjęcie).",
        "The photo cannot be decoded (a damaged file, or not a photo).",
    )
    .with_field("photo")
}

/// What the bytes are, by their content: JPEG starts FF D8 FF, PNG with its
/// 8-byte signature (PNG spec, 5.2); the header must then parse with real
/// dimensions, at most [`PHOTO_MAX_PIXELS`] of them. Reads the header only.
/// Returns the media type and the size in pixels.
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
    let (width, height) = (
        u32::try_from(size.width).unwrap_or(u32::MAX),
        u32::try_from(size.height).unwrap_or(u32::MAX),
    );
    if width == 0 || height == 0 {
        return Err(not_an_image("the image has no usable dimensions"));
    }
    if u64::from(width) * u64::from(height) > PHOTO_MAX_PIXELS
        || width > MAX_EDGE_IN
        || height > MAX_EDGE_IN
    {
        return Err(too_many_pixels(width, height));
    }
    Ok((kind, width, height))
}

/// A photo as it is stored: a fresh JPEG of the pixels only.
#[derive(Debug)]
pub struct CleanPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks, decodes (within [`DECODE_MAX_ALLOC`]), scales, turns upright
/// and re-encodes `bytes` (CPU-bound: run it on the blocking pool, as
/// [`clean_blocking`] does).
pub fn clean(bytes: &[u8]) -> Result<CleanPhoto, AppError> {
    let (kind, width, height) = sniff(bytes)?;
    let format = if kind == "image/png" {
        ImageFormat::Png
    } else {
        ImageFormat::Jpeg
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_EDGE_IN);
    limits.max_image_height = Some(MAX_EDGE_IN);
    limits.max_alloc = Some(DECODE_MAX_ALLOC);
    reader.limits(limits);
    let refused = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => too_many_pixels(width, height),
        _ => unreadable(),
    };
    let mut decoder = reader.into_decoder().map_err(refused)?;
    // The decoder's own reading of the header must agree with the check.
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > PHOTO_MAX_PIXELS {
        return Err(too_many_pixels(w, h));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let img = DynamicImage::from_decoder(decoder).map_err(refused)?;
    let mut img = fit_within(img, PHOTO_MAX_EDGE);
    img.apply_orientation(orientation);
    let rgb = img.to_rgb8();
    drop(img);
    let mut jpeg = Vec::with_capacity(512 * 1024);
    // The encoder writes a JFIF header and the pixels: no EXIF, XMP, ICC
    // or comment segment.
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| AppError::internal())?;
    Ok(CleanPhoto {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// [`clean`] on the blocking pool, at most two at a time.
pub async fn clean_blocking(bytes: Bytes) -> Result<CleanPhoto, AppError> {
    let _turn = DECODING.acquire().await.map_err(|_| AppError::internal())?;
    tokio::task::spawn_blocking(move || clean(&bytes))
        .await
        .map_err(|_| AppError::internal())?
}

/// Scales `img` down (aspect kept) so its longest edge is at most `edge`,
/// as the core does: averaged down by a whole factor to below twice the
/// target first (`thumbnail`: an output-sized buffer), then a triangle
/// filter, whose float intermediate stays small that way.
fn fit_within(img: DynamicImage, edge: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    let long = w.max(h);
    if long <= edge {
        return img;
    }
    let factor = long / edge;
    let img = if factor >= 2 {
        img.thumbnail_exact(w.div_ceil(factor).max(1), h.div_ceil(factor).max(1))
    } else {
        img
    };
    img.resize(edge, edge, FilterType::Triangle)
}

/// Upload a photo (raw JPEG or PNG body, at most 10 MiB and
/// `PHOTO_MAX_PIXELS` pixels). What is stored is a clean JPEG re-encoded
/// from the pixels (no metadata), at most 2048 px on its longest edge. The
/// same bytes again give the same id (200 instead of 201) and are not
/// charged.
#[utoipa::path(post, path = "/photos", tag = "reports", security(("device" = [])),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "JPEG or PNG bytes"),
    responses(
        (status = 201, body = PhotoUploaded), (status = 200, description = "already stored", body = PhotoUploaded),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 413, description = "payload_too_large, image_too_large", body = ApiError),
        (status = 415, description = "unsupported_media_type, image_unreadable", body = ApiError),
        (status = 429, body = ApiError),
    ))]
pub async fn upload_photo(
    Tenant(state): Tenant,
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
    let (kind, _, _) = sniff(&bytes)?;
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
    // Charged before decoding: the decoding is the expensive part.
    state
        .limits
        .check(Some(&device.id), ip, None)
        .map_err(WriteError::RateLimited)?;
    let clean = clean_blocking(bytes).await?;
    let meta = PhotoMeta {
        id,
        content_type: "image/jpeg".into(),
        bytes: clean.jpeg.len() as u64,
        width: clean.width,
        height: clean.height,
        created_at: state.clock.now(),
    };
    let new = state.store.save_photo(meta, clean.jpeg).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)).into_response())
}

/// A stored photo with its media type; cached for an hour (withholding a
/// report's photos must reach caches soon; the ETag makes revalidation cheap). `nosniff` and a CSP that allows nothing keep a
/// browser from treating the bytes as anything but an image.
#[utoipa::path(get, path = "/photos/{id}", tag = "reports", params(("id" = String, Path)),
    responses((status = 200, description = "the photo", content_type = "image/jpeg"), (status = 404, body = ApiError)))]
pub async fn get_photo(
    Tenant(state): Tenant,
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
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PHOTO_CSP),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{id}\"")) {
        h.insert(header::ETAG, etag);
    }
    Ok(r)
}

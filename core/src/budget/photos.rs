//! Projects' photos kept on the device, so a project reads offline with its
//! pictures: `refresh` fetches the photos of every edition's projects (the
//! editions in voting first, so the ballot's projects come before old
//! results) into `data_dir/budget-photos`, once each, up to
//! [`CACHE_MAX_BYTES`] in all; `BudgetApi::project_photo` fetches one on
//! demand.
//!
//! A project lists its photos as paths on the gmina's server
//! (`/api/v1/photos/{id}`, `mm_protocol::budget::model::Project::photos`).
//! Only such a path (or the same URL written out in full) is fetched: a URL
//! elsewhere is refused rather than fetched, so a project's text cannot
//! make the phone call another host, nor another endpoint of ours. An
//! answer is kept only when it is a JPEG or PNG by its type and its first
//! bytes, within [`PHOTO_MAX_BYTES`]; the file is named by the SHA-256 of
//! its URL (the URL is content-addressed, so the file never goes stale).

use std::path::{Path, PathBuf};

use mm_protocol::error::{ErrorCode, Message};

use crate::error::{CoreError, Error};
use crate::reports::photos::sha256_hex;
use crate::sync::client::{Fetched, Http, HttpError};

/// One photo's largest answer kept (the server serves cleaned JPEGs of at
/// most 2048 px on the long edge, well below this).
pub const PHOTO_MAX_BYTES: usize = 4 << 20;
/// All the projects' photos together on the device.
pub const CACHE_MAX_BYTES: u64 = 64 << 20;

/// Why a photo was not kept.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PhotoError {
    #[error("the photo's URL is not on the gmina's server")]
    NotOnServer,
    #[error("the answer is not a JPEG or PNG")]
    NotAnImage,
    #[error("the answer is larger than {PHOTO_MAX_BYTES} bytes")]
    TooLarge,
    #[error("the photo cache is full")]
    CacheFull,
    #[error("http: {0:?}")]
    Http(HttpError),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
}

impl PhotoError {
    /// Offline or the server failing: the next refresh tries again.
    pub fn is_transient(&self) -> bool {
        matches!(self, PhotoError::Http(e) if e.is_transient())
    }
}

impl From<PhotoError> for CoreError {
    fn from(e: PhotoError) -> Self {
        let refused = |code, pl: &str, en: &str| CoreError::Server { code, message: Message::new(pl, en), field: None };
        match e {
            PhotoError::NotOnServer => CoreError::InvalidInput {
                field: "photos".into(),
                message: Message::new(
                    "Zdjęcie projektu nie pochodzi z serwera gminy; nie zostało pobrane.",
                    "The project's photo is not on the gmina's server; it was not fetched.",
                ),
            },
            PhotoError::NotAnImage => refused(
                ErrorCode::UnsupportedMediaType,
                "Serwer nie odesłał zdjęcia JPEG ani PNG.",
                "The server did not answer with a JPEG or PNG photo.",
            ),
            PhotoError::TooLarge => refused(
                ErrorCode::PayloadTooLarge,
                "Zdjęcie projektu jest za duże, by je zapisać.",
                "The project's photo is too large to keep.",
            ),
            PhotoError::CacheFull => CoreError::StorageFull { detail: "the budget photo cache is full".into() },
            PhotoError::Http(h) => CoreError::from(Error::from(h)),
            PhotoError::Io(io) => CoreError::from(Error::from(io)),
        }
    }
}

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("budget-photos")
}

/// Where the photo of `url` is kept (whether or not it is there yet).
pub fn path_of(data_dir: &Path, url: &str) -> PathBuf {
    dir(data_dir).join(sha256_hex(url.as_bytes()))
}

/// The file of `url`, when it was fetched.
pub fn cached(data_dir: &Path, url: &str) -> Option<PathBuf> {
    let path = path_of(data_dir, url);
    path.is_file().then_some(path)
}

/// The path on `base` to fetch for `url`: the server's photos only.
fn on_server(base: &str, url: &str) -> Result<String, PhotoError> {
    let path = match url.strip_prefix(base.trim_end_matches('/')) {
        Some(rest) if url.contains("://") => rest,
        _ if url.contains("://") => return Err(PhotoError::NotOnServer),
        _ => url,
    };
    let prefix = format!("{}/photos/", mm_protocol::API_PREFIX);
    let id = path.strip_prefix(&prefix).ok_or(PhotoError::NotOnServer)?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(PhotoError::NotOnServer);
    }
    Ok(path.to_owned())
}

/// A JPEG or a PNG by its first bytes.
fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF]) || bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

/// Bytes the cache holds now.
fn cache_size(data_dir: &Path) -> u64 {
    std::fs::read_dir(dir(data_dir))
        .map(|entries| entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

/// The photo of `url`, from the device when fetched before, else from the
/// server (and kept: atomically, a killed app never leaves half a photo).
pub async fn fetch(http: &Http, base: &str, data_dir: &Path, url: &str) -> Result<PathBuf, PhotoError> {
    if let Some(path) = cached(data_dir, url) {
        return Ok(path);
    }
    let path = on_server(base, url)?;
    let (content_type, bytes) = match http.get_bytes(&format!("{}{path}", base.trim_end_matches('/')), PHOTO_MAX_BYTES).await {
        Ok(Fetched::Body { content_type, bytes }) => (content_type, bytes),
        Ok(Fetched::TooLarge) => return Err(PhotoError::TooLarge),
        Err(e) => return Err(PhotoError::Http(e)),
    };
    let typed = content_type.starts_with("image/jpeg") || content_type.starts_with("image/png");
    if !typed || !is_image(&bytes) {
        return Err(PhotoError::NotAnImage);
    }
    if cache_size(data_dir) + bytes.len() as u64 > CACHE_MAX_BYTES {
        return Err(PhotoError::CacheFull);
    }
    std::fs::create_dir_all(dir(data_dir))?;
    let file = path_of(data_dir, url);
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, &bytes)?;
    std::fs::rename(&tmp, &file)?;
    Ok(file)
}

/// Fetches every photo of `urls` not kept yet, in order, until the cache
/// is full or the server cannot be reached; a refused photo is skipped
/// (logged by its reason only). Never fails the refresh it is part of.
pub async fn prefetch(http: &Http, base: &str, data_dir: &Path, urls: &[String]) {
    for url in urls {
        match fetch(http, base, data_dir, url).await {
            Ok(_) => {}
            Err(e @ (PhotoError::CacheFull | PhotoError::Io(_))) => {
                tracing::info!(reason = %e, "budget: project photos not cached further");
                return;
            }
            Err(e) if e.is_transient() => {
                tracing::info!("budget: project photos not cached: the server cannot be reached");
                return;
            }
            Err(e) => tracing::info!(reason = %e, "budget: a project photo was refused"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_photo_paths_are_fetched() {
        let base = "http://127.0.0.1:8080";
        let id = "ab".repeat(32);
        assert_eq!(on_server(base, &format!("/api/v1/photos/{id}")).unwrap(), format!("/api/v1/photos/{id}"));
        assert_eq!(on_server(base, &format!("{base}/api/v1/photos/{id}")).unwrap(), format!("/api/v1/photos/{id}"));
        for bad in [
            format!("https://evil.example/api/v1/photos/{id}"),
            format!("http://127.0.0.1:8080.evil.example/api/v1/photos/{id}"),
            "/api/v1/budget/editions".into(),
            "/api/v1/photos/../devices".into(),
            "/api/v1/photos/".into(),
            format!("//evil.example/api/v1/photos/{id}"),
        ] {
            assert!(matches!(on_server(base, &bad), Err(PhotoError::NotOnServer)), "{bad}");
        }
    }
}

//! Where photo bytes live, behind one small trait so that several
//! `mm-server` instances can share them (issue 13, item 3):
//!
//! - [`local`]: a directory, `DATA_DIR/photos` by default — the layout
//!   the server has always used, so an existing deployment keeps its photos;
//! - [`s3`]: any S3-compatible object store (`--photos s3://bucket/prefix`),
//!   which every instance behind a load balancer reaches alike.
//!
//! The database keeps each photo's row (its metadata, who may see it); the
//! storage only keeps bytes under a key ([`photo_key`]). The row is written
//! after the bytes and deleted before them, so a row never names bytes that
//! were never stored.

pub mod local;
pub mod s3;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;

use crate::store::{StoreError, StoreResult};

/// Bytes by key. Keys are relative paths of ASCII letters, digits, `.`,
/// `-`, `_` and `/` ([`check_key`]); a put replaces what the key held.
#[async_trait]
pub trait PhotoStorage: Send + Sync {
    /// Stores `bytes` under `key`, whole or not at all.
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> StoreResult<()>;
    /// The bytes under `key`; `None` when there are none.
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Removes `key`; a key that holds nothing is not an error.
    async fn delete(&self, key: &str) -> StoreResult<()>;
    async fn exists(&self, key: &str) -> StoreResult<bool>;
    /// Where the bytes go, for the start-up log (no credentials).
    fn describe(&self) -> String;
}

/// `ab/<id>.jpg|png`: the first two hex digits of the id fan the keys out
/// (a directory of its own per prefix on disk), as `photo_path` always did.
pub fn photo_key(id: &str, content_type: &str) -> String {
    let ext = if content_type == "image/png" { "png" } else { "jpg" };
    format!("{}/{id}.{ext}", &id[..2.min(id.len())])
}

/// Refuses a key that could leave the storage's root (`..`, absolute) or
/// that an object store would read differently from a file system.
pub fn check_key(key: &str) -> StoreResult<()> {
    let ok = !key.is_empty()
        && !key.starts_with('/')
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/'));
    if ok { Ok(()) } else { Err(StoreError::backend("not a storage key")) }
}

/// Where `--photos` (`MM_PHOTOS`) puts the photos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoLocation {
    /// A directory (`/srv/photos` or `file:///srv/photos`): shared between
    /// instances only if it is a shared file system.
    Dir(PathBuf),
    /// `s3://bucket[/prefix]` on the endpoint `MM_S3_ENDPOINT` names.
    S3 { bucket: String, prefix: String },
}

impl PhotoLocation {
    /// Parses `--photos`; the message says what is accepted.
    pub fn parse(s: &str) -> Result<PhotoLocation, String> {
        let s = s.trim();
        const ACCEPTED: &str = "expected s3://BUCKET[/PREFIX] or a directory (an absolute path or file:///PATH)";
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            // S3's bucket naming rules: 3-63 of a-z, 0-9, '.', '-', starting
            // and ending with a letter or digit.
            let bucket_ok = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
                && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
                && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
            if !bucket_ok {
                return Err(format!("{s:?}: not a valid S3 bucket name (3 to 63 of a-z, 0-9, '.', '-'); {ACCEPTED}"));
            }
            let prefix = prefix.trim_matches('/').to_owned();
            if !prefix.is_empty() && check_key(&prefix).is_err() {
                return Err(format!("{s:?}: the prefix may hold only a-z, A-Z, 0-9, '.', '-', '_' and '/'; {ACCEPTED}"));
            }
            return Ok(PhotoLocation::S3 { bucket: bucket.to_owned(), prefix });
        }
        let path = s.strip_prefix("file://").unwrap_or(s);
        if path.contains("://") || !Path::new(path).is_absolute() {
            return Err(format!("{s:?}: {ACCEPTED}"));
        }
        Ok(PhotoLocation::Dir(PathBuf::from(path)))
    }
}

/// The storage `--photos` names, or `DATA_DIR/photos` without it. An
/// object store is tried once (a probe object written, read and deleted),
/// so a wrong endpoint, bucket or key stops the start instead of the first
/// upload.
pub async fn open(location: Option<&PhotoLocation>, data_dir: &Path) -> anyhow::Result<Arc<dyn PhotoStorage>> {
    match location {
        None => Ok(Arc::new(local::LocalPhotos::new(data_dir.join("photos")))),
        Some(PhotoLocation::Dir(dir)) => Ok(Arc::new(local::LocalPhotos::new(dir.clone()))),
        Some(PhotoLocation::S3 { bucket, prefix }) => {
            let storage = s3::S3Photos::from_env(bucket, prefix)?;
            storage.probe().await?;
            Ok(Arc::new(storage))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_keys_fan_out_by_the_first_two_digits() {
        assert_eq!(photo_key("ab12", "image/jpeg"), "ab/ab12.jpg");
        assert_eq!(photo_key("ab12", "image/png"), "ab/ab12.png");
    }

    #[test]
    fn keys_stay_inside_the_root() {
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a b", "a\\b", "zdjęcie"] {
            assert!(check_key(bad).is_err(), "{bad:?} accepted");
        }
        check_key("ab/ab12.jpg").unwrap();
        check_key(".probe/0f-1").unwrap();
    }

    #[test]
    fn photos_locations_parse_or_say_what_is_accepted() {
        assert_eq!(
            PhotoLocation::parse("s3://mm-photos/prod/siechnice/").unwrap(),
            PhotoLocation::S3 { bucket: "mm-photos".into(), prefix: "prod/siechnice".into() }
        );
        assert_eq!(
            PhotoLocation::parse("s3://mm-photos").unwrap(),
            PhotoLocation::S3 { bucket: "mm-photos".into(), prefix: String::new() }
        );
        assert_eq!(PhotoLocation::parse("file:///srv/p").unwrap(), PhotoLocation::Dir("/srv/p".into()));
        assert_eq!(PhotoLocation::parse("/srv/p").unwrap(), PhotoLocation::Dir("/srv/p".into()));
        for bad in ["s3://", "s3://A_B", "s3://ab", "s3://bucket/../x", "http://x/y", "photos", "gs://b/p"] {
            let e = PhotoLocation::parse(bad).unwrap_err();
            assert!(e.contains("expected s3://BUCKET"), "{bad}: {e}");
        }
    }
}

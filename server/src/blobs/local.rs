//! Photos in a directory: `DIR/ab/<id>.jpg`, the layout `DATA_DIR/photos`
//! has always had. Each file is written to a temporary name, fsynced,
//! renamed over and its directory fsynced, so it is either absent or
//! complete, even after a power cut.

use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{PhotoStorage, check_key};
use crate::store::{StoreError, StoreResult};

pub struct LocalPhotos {
    root: PathBuf,
}

impl LocalPhotos {
    pub fn new(root: PathBuf) -> LocalPhotos {
        LocalPhotos { root }
    }

    fn path(&self, key: &str) -> StoreResult<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

/// Runs file work on the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> std::io::Result<T> + Send + 'static, what: &str) -> StoreResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::backend(format!("blocking task failed: {e}")))?
        .map_err(|e| StoreError::backend(format!("cannot {what} a photo: {e}")))
}

#[async_trait]
impl PhotoStorage for LocalPhotos {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> StoreResult<()> {
        let path = self.path(key)?;
        blocking(move || write_atomically(&path, &bytes), "store").await
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::backend(format!("cannot read a photo: {e}"))),
        }
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        let path = self.path(key)?;
        blocking(
            move || match std::fs::remove_file(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
            "delete",
        )
        .await
    }

    async fn exists(&self, key: &str) -> StoreResult<bool> {
        let path = self.path(key)?;
        tokio::fs::try_exists(&path)
            .await
            .map_err(|e| StoreError::backend(format!("cannot look for a photo: {e}")))
    }

    fn describe(&self) -> String {
        format!("directory {}", self.root.display())
    }
}

/// Temp file in the same directory, fsync, rename over, fsync the
/// directory: the file is either absent or complete, even after a crash.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("a storage key has a parent directory");
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("photo"),
        uuid::Uuid::new_v4()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_in_the_photo_layout() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalPhotos::new(dir.path().join("photos"));
        assert_eq!(s.get("ab/ab1.jpg").await.unwrap(), None);
        assert!(!s.exists("ab/ab1.jpg").await.unwrap());
        s.put("ab/ab1.jpg", b"one".to_vec(), "image/jpeg").await.unwrap();
        s.put("ab/ab1.jpg", b"two".to_vec(), "image/jpeg").await.unwrap();
        assert_eq!(std::fs::read(dir.path().join("photos/ab/ab1.jpg")).unwrap(), b"two");
        assert_eq!(s.get("ab/ab1.jpg").await.unwrap().as_deref(), Some(&b"two"[..]));
        assert!(s.exists("ab/ab1.jpg").await.unwrap());
        s.delete("ab/ab1.jpg").await.unwrap();
        s.delete("ab/ab1.jpg").await.unwrap();
        assert_eq!(s.get("ab/ab1.jpg").await.unwrap(), None);
        assert!(s.put("../escape", b"x".to_vec(), "image/jpeg").await.is_err());
        assert!(!dir.path().join("escape").exists());
    }
}

//! Device tokens, derived from a server key: `token =
//! base64url(HMAC-SHA256(key, "mm-device-token/v1/" + device_id))`
//! (RFC 2104). The database keeps only each token's SHA-256, as for
//! officials' tokens, and the key lives outside it (a 0600 file in the data
//! directory, or `MM_DEVICE_TOKEN_KEY`), so a leaked database holds no
//! usable token. A registration retried after a lost answer gets its token
//! by deriving it again, never from a stored copy.
//!
//! Several instances behind one load balancer must share the key (set
//! `MM_DEVICE_TOKEN_KEY` on each, or share the data directory): a retry may
//! reach another instance. Changing the key leaves existing tokens valid
//! (they are checked by their hash); only a registration retried across the
//! change is given a token under the new key.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The key file in the data directory, made on first start.
pub const KEY_FILE: &str = "device-token.key";
/// A key shorter than SHA-256's output would weaken the HMAC (RFC 2104, 3).
pub const KEY_MIN_BYTES: usize = 32;

pub struct DeviceTokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for DeviceTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceTokens(<key>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the device token key must have at least {KEY_MIN_BYTES} bytes (e.g. `openssl rand -hex 32`)"
    )]
    TooShort,
    #[error("cannot use the device token key file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DeviceTokens {
    /// A key that lives only in memory: for tests, where no retry outlives
    /// the process.
    pub fn ephemeral() -> DeviceTokens {
        let mut key = vec![0u8; 32];
        rand::rng().fill_bytes(&mut key);
        DeviceTokens { key }
    }

    pub fn from_key(key: &[u8]) -> Result<DeviceTokens, KeyError> {
        if key.len() < KEY_MIN_BYTES {
            return Err(KeyError::TooShort);
        }
        Ok(DeviceTokens { key: key.to_vec() })
    }

    /// The configured key (`MM_DEVICE_TOKEN_KEY`), else the one in
    /// `DATA_DIR/device-token.key`, made (32 random bytes as hex, mode
    /// 0600) when there is none.
    pub fn load(data_dir: &Path, configured: Option<&str>) -> Result<DeviceTokens, KeyError> {
        if let Some(k) = configured {
            return Self::from_key(k.trim().as_bytes());
        }
        let path = data_dir.join(KEY_FILE);
        let file_err = |source| KeyError::File {
            path: path.clone(),
            source,
        };
        if !path.exists() {
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            if publish_new(&path, hex.as_bytes()).map_err(file_err)? {
                tracing::info!(file = %path.display(), "created the device token key");
            }
        }
        let text = std::fs::read_to_string(&path).map_err(file_err)?;
        Self::from_key(text.trim().as_bytes())
    }

    /// The token of this device: the same for the same id and key.
    pub fn token_for(&self, device_id: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(b"mm-device-token/v1/");
        mac.update(device_id.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// Makes `path` hold `bytes` unless it exists already (then false): the
/// bytes go to a temporary file first, which is then linked in place, so
/// an instance starting at the same moment over the same data directory
/// reads either no file or the whole key, never a half-written one, and
/// the first key made is the one every instance uses.
pub(crate) fn publish_new(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    let tmp = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4()));
    let result = (|| {
        let mut f = create_owner_only(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// A new file only its owner may read (the key must not be readable by
/// other local users).
fn create_owner_only(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_starting_together_over_one_data_dir_make_one_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let start = std::sync::Barrier::new(8);
            let tokens: Vec<String> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            DeviceTokens::load(dir.path(), None).unwrap().token_for("device-1")
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(tokens.iter().all(|t| *t == tokens[0]), "different keys: {tokens:?}");
            let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(left, [std::ffi::OsString::from(KEY_FILE)], "no temporary file left");
        }
    }

    #[test]
    fn tokens_are_derived_per_device_and_key() {
        let a = DeviceTokens::from_key(&[7u8; 32]).unwrap();
        let b = DeviceTokens::from_key(&[8u8; 32]).unwrap();
        let t = a.token_for("device-1");
        assert_eq!(t.len(), 43, "32 bytes, base64url without padding");
        assert_eq!(t, a.token_for("device-1"), "derived again: the same");
        assert_ne!(t, a.token_for("device-2"));
        assert_ne!(t, b.token_for("device-1"));
        assert!(matches!(
            DeviceTokens::from_key(b"short"),
            Err(KeyError::TooShort)
        ));
    }

    #[test]
    fn the_key_file_is_made_once_and_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let first = DeviceTokens::load(dir.path(), None).unwrap();
        let again = DeviceTokens::load(dir.path(), None).unwrap();
        assert_eq!(
            first.token_for("d"),
            again.token_for("d"),
            "the same key after a restart"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let configured = DeviceTokens::load(dir.path(), Some(&"k".repeat(40))).unwrap();
        assert_ne!(
            configured.token_for("d"),
            first.token_for("d"),
            "the configured key wins"
        );
        assert!(DeviceTokens::load(dir.path(), Some("too short")).is_err());
    }
}

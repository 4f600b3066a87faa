//! The server key that protects officials' second factors at rest, kept
//! like the device token key (`devices::tokens`): `MM_TWO_FACTOR_KEY`, else
//! `DATA_DIR/two-factor.key` (32 random bytes as hex, mode 0600, made on
//! first start, copied by `mm-server backup`). The database never holds it,
//! so a leaked database (or a PostgreSQL dump) holds neither a usable TOTP
//! secret nor anything to test recovery codes against offline.
//!
//! - TOTP secrets are sealed with AES-256-GCM (NIST SP 800-38D), a random
//!   96-bit nonce each, the user's id as associated data: a sealed secret
//!   copied onto another official's row does not open.
//! - Recovery codes are stored as HMAC-SHA256(key, code) (RFC 2104), a
//!   keyed fast hash rather than Argon2: a code is 60 random bits, not a
//!   person's password, so a slow hash buys nothing online (the sign-in
//!   limits bound guessing) and offline the key is missing; checking one
//!   costs no Argon2 slot (security review finding 2).
//!
//! The two uses take subkeys derived with distinct labels, so neither
//! output helps against the other. Several instances must share the key
//! (`MM_TWO_FACTOR_KEY` on each, or one data directory). A lost key makes
//! every enrolment useless: officials then sign in with the password and
//! are sent to enrol again only after an admin resets their second factor
//! (`mm-server` keeps no copy elsewhere; the backup has it).

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::Sha256;

/// The key file in the data directory.
pub const KEY_FILE: &str = "two-factor.key";
/// At least 256 bits: the AES-256 key is derived from it.
pub const KEY_MIN_BYTES: usize = 32;
/// The sealed form's version prefix, so a future format can be told apart.
const SEALED_V1: &str = "v1:";

pub struct FactorKey {
    aead: LessSafeKey,
    recovery: Vec<u8>,
}

impl std::fmt::Debug for FactorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FactorKey(<key>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FactorKeyError {
    #[error("the two-factor key must have at least {KEY_MIN_BYTES} bytes (e.g. `openssl rand -hex 32`)")]
    TooShort,
    #[error("cannot use the two-factor key file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
}

fn derive(master: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(master).expect("HMAC takes a key of any length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl FactorKey {
    /// A key only in memory, for tests.
    pub fn ephemeral() -> FactorKey {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self::from_key(&key).expect("32 bytes")
    }

    pub fn from_key(master: &[u8]) -> Result<FactorKey, FactorKeyError> {
        if master.len() < KEY_MIN_BYTES {
            return Err(FactorKeyError::TooShort);
        }
        let aead = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &derive(master, b"mm-two-factor/aead/v1")).expect("a 32-byte AES-256 key"),
        );
        Ok(FactorKey { aead, recovery: derive(master, b"mm-two-factor/recovery/v1").to_vec() })
    }

    /// The configured key (`MM_TWO_FACTOR_KEY`), else `DATA_DIR/two-factor.key`,
    /// made when there is none.
    pub fn load(data_dir: &Path, configured: Option<&str>) -> Result<FactorKey, FactorKeyError> {
        if let Some(k) = configured {
            return Self::from_key(k.trim().as_bytes());
        }
        let path = data_dir.join(KEY_FILE);
        let file_err = |source| FactorKeyError::File { path: path.clone(), source };
        if !path.exists() {
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            if crate::devices::tokens::publish_new(&path, hex.as_bytes()).map_err(file_err)? {
                tracing::info!(file = %path.display(), "created the two-factor key");
            }
        }
        let text = std::fs::read_to_string(&path).map_err(file_err)?;
        Self::from_key(text.trim().as_bytes())
    }

    /// `secret` sealed for the official `user_id`: "v1:" + base64(nonce,
    /// ciphertext, tag).
    pub fn seal(&self, user_id: i64, secret: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut buf = secret.to_vec();
        self.aead
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(user_id.to_be_bytes()), &mut buf)
            .expect("AES-GCM seals any short input");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        format!("{SEALED_V1}{}", STANDARD_NO_PAD.encode(out))
    }

    /// The secret `sealed` holds, when it was sealed for `user_id` with this key.
    pub fn open(&self, user_id: i64, sealed: &str) -> Option<Vec<u8>> {
        let bytes = STANDARD_NO_PAD.decode(sealed.strip_prefix(SEALED_V1)?).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self.aead.open_in_place(nonce, Aad::from(user_id.to_be_bytes()), &mut buf).ok()?;
        Some(plain.to_vec())
    }

    /// What is stored of a recovery code: hex HMAC-SHA256 over the code as
    /// typed once normalised ([`normalise_recovery_code`]).
    pub fn recovery_hash(&self, code: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.recovery).expect("any key length");
        mac.update(normalise_recovery_code(code).as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Recovery codes: 12 characters of Crockford base32 (60 bits), shown
/// as `xxxx-xxxx-xxxx`.
pub const RECOVERY_CODES: usize = 10;
/// Crockford's base32 alphabet: no i, l, o or u to misread.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A fresh recovery code, as shown to the official.
pub fn new_recovery_code() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes.iter().map(|b| RECOVERY_ALPHABET[usize::from(b & 31)] as char).collect();
    format!(
        "{}-{}-{}",
        chars[..4].iter().collect::<String>(),
        chars[4..8].iter().collect::<String>(),
        chars[8..].iter().collect::<String>()
    )
}

/// A typed recovery code without dashes, spaces and case.
pub fn normalise_recovery_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Whether `typed` looks like a recovery code rather than a TOTP code.
pub fn is_recovery_code(typed: &str) -> bool {
    normalise_recovery_code(typed).len() == 12
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_official_and_key() {
        let key = FactorKey::ephemeral();
        let sealed = key.seal(7, b"12345678901234567890");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("GEZDGNBV"), "no plain secret");
        assert_eq!(key.open(7, &sealed).as_deref(), Some(&b"12345678901234567890"[..]));
        assert_eq!(key.open(8, &sealed), None, "another official's row");
        assert_eq!(FactorKey::ephemeral().open(7, &sealed), None, "another key");
        assert_eq!(key.open(7, "v1:AAAA"), None);
        assert_ne!(key.seal(7, b"x"), key.seal(7, b"x"), "a fresh nonce each time");
    }

    #[test]
    fn recovery_codes_hash_the_same_however_typed() {
        let key = FactorKey::ephemeral();
        let code = new_recovery_code();
        assert_eq!(code.len(), 14);
        assert!(is_recovery_code(&code));
        assert!(!is_recovery_code("123456"));
        assert_eq!(key.recovery_hash(&code), key.recovery_hash(&code.to_uppercase().replace('-', " ")));
        assert_ne!(key.recovery_hash(&code), FactorKey::ephemeral().recovery_hash(&code));
    }

    #[test]
    fn the_key_file_is_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = FactorKey::load(dir.path(), None).unwrap();
        let b = FactorKey::load(dir.path(), None).unwrap();
        assert_eq!(b.open(1, &a.seal(1, b"s")).as_deref(), Some(&b"s"[..]));
        assert!(matches!(FactorKey::load(dir.path(), Some("short")), Err(FactorKeyError::TooShort)));
    }
}

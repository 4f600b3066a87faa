//! The budget's identity keys (plan §2.2; R§3: PESEL and name + address
//! are personal data, never stored or logged in clear). One master key of
//! 32 bytes lives outside the database (`MM_BUDGET_KEY`, base64, or the
//! 0600 file `DATA_DIR/budget-identity.key`, made as `device-token.key`
//! is), so a leaked database cannot be brute-forced over the ~10^9 valid
//! PESELs. From it, per edition (HMAC-SHA256, RFC 2104):
//!
//! - `k_e = HMAC(master, "bo-edition:" + teryt + ":" + edition)`, the
//!   edition's secret: keys of one person in two editions (or two gminas)
//!   cannot be linked;
//! - `voter_key = HMAC(k_e, register_message)`: the one-vote register's
//!   key (`mm_protocol::budget::identity::register_message`);
//! - `phone_key = HMAC(k_e, phone_message)`: the phone cap's key;
//! - the receipt code: the first 10 characters of `HMAC(k_e, "receipt:" +
//!   ballot_id)` written over the activation codes' alphabet. Derivable
//!   again, so an idempotent replay answers it without it being stored;
//!   the database keeps its SHA-256 only ([`receipt_hash`]).
//!
//! `Debug` of every type here prints `***`.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use mm_protocol::budget::identity::{NormalIdentity, NormalPhone, phone_message, register_message};
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::activation::CODE_ALPHABET;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The key file in the data directory, made on first start.
pub const KEY_FILE: &str = "budget-identity.key";
/// The master key's length: SHA-256's output (RFC 2104, 3).
pub const KEY_BYTES: usize = 32;
/// Characters of a receipt code.
pub const RECEIPT_LEN: usize = 10;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("MM_BUDGET_KEY must be {KEY_BYTES} bytes in base64 (e.g. `openssl rand -base64 32`)")]
    Invalid,
    #[error("cannot use the budget identity key file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
}

/// The deployment's master key. Never in the database, never logged.
#[derive(Clone)]
pub struct BudgetKeys {
    master: [u8; KEY_BYTES],
}

impl fmt::Debug for BudgetKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BudgetKeys(***)")
    }
}

impl BudgetKeys {
    /// A key that lives only in memory: for tests.
    pub fn ephemeral() -> BudgetKeys {
        let mut master = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut master);
        BudgetKeys { master }
    }

    pub fn from_bytes(key: &[u8]) -> Result<BudgetKeys, KeyError> {
        let master: [u8; KEY_BYTES] = key.try_into().map_err(|_| KeyError::Invalid)?;
        Ok(BudgetKeys { master })
    }

    /// `MM_BUDGET_KEY`'s value: 32 bytes in standard base64.
    pub fn from_base64(text: &str) -> Result<BudgetKeys, KeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| KeyError::Invalid)?;
        Self::from_bytes(&bytes)
    }

    /// The configured key (`MM_BUDGET_KEY`), else the one in
    /// `DATA_DIR/budget-identity.key` (32 random bytes in base64, mode
    /// 0600), made when there is none: written whole to a temporary file
    /// and linked in place, so instances starting together over one data
    /// directory all use the first key made (`devices::tokens`).
    pub fn load(data_dir: &Path, configured: Option<&str>) -> Result<BudgetKeys, KeyError> {
        if let Some(k) = configured {
            return Self::from_base64(k);
        }
        let path = data_dir.join(KEY_FILE);
        let file_err = |source| KeyError::File { path: path.clone(), source };
        if !path.exists() {
            let mut key = [0u8; KEY_BYTES];
            rand::rng().fill_bytes(&mut key);
            if crate::devices::tokens::publish_new(&path, STANDARD.encode(key).as_bytes()).map_err(file_err)? {
                tracing::info!(file = %path.display(), "created the budget identity key");
            }
        }
        let text = std::fs::read_to_string(&path).map_err(file_err)?;
        Self::from_base64(&text)
    }

    /// The secret of `gmina`'s edition `edition`.
    pub fn edition(&self, gmina: &Teryt, edition: i64) -> EditionKey {
        let k = hmac(
            &self.master,
            &[b"bo-edition:", gmina.as_str().as_bytes(), b":", edition.to_string().as_bytes()],
        );
        EditionKey { k, edition }
    }

    /// The secret of `gmina`'s consultation `id`: `k_c = HMAC(master,
    /// "consultation:" + teryt + ":" + id)`, derived as `k_e` is (plan §4),
    /// for its respondent keys (`consultations::respondent`).
    pub fn consultation(&self, gmina: &Teryt, id: i64) -> crate::consultations::respondent::ConsultationKey {
        let k = hmac(&self.master, &[b"consultation:", gmina.as_str().as_bytes(), b":", id.to_string().as_bytes()]);
        crate::consultations::respondent::ConsultationKey::new(k, id)
    }
}

/// One edition's secret `k_e`.
#[derive(Clone)]
pub struct EditionKey {
    k: [u8; 32],
    edition: i64,
}

impl fmt::Debug for EditionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EditionKey(***)")
    }
}

impl EditionKey {
    pub fn edition(&self) -> i64 {
        self.edition
    }

    /// The register's key of a normalised identity
    /// (`mm_protocol::budget::identity::normalise`).
    pub fn voter(&self, identity: &NormalIdentity) -> VoterKey {
        self.voter_key(&register_message(self.edition, identity))
    }

    /// A support signature's key of a normalised identity for project
    /// `project`: the voter key hashed with "sign:{project}", so a
    /// signature and a ballot never share a key, and one person signs a
    /// project once.
    pub fn signer(&self, identity: &NormalIdentity, project: i64) -> Vec<u8> {
        let mut bytes = self.voter(identity).as_bytes().to_vec();
        bytes.extend_from_slice(format!("sign:{project}").as_bytes());
        crate::auth::token::sha256_hex(&bytes).into_bytes()
    }

    /// The phone cap's key of a normalised phone number.
    pub fn phone(&self, phone: &NormalPhone) -> PhoneKey {
        self.phone_key(&phone_message(self.edition, phone))
    }

    /// The register's key of a voter: `register_message` is
    /// `mm_protocol::budget::identity::register_message(edition, &identity)`.
    pub fn voter_key(&self, register_message: &[u8]) -> VoterKey {
        VoterKey(hmac(&self.k, &[register_message]))
    }

    /// The phone cap's key: `phone_message` is
    /// `mm_protocol::budget::identity::phone_message(edition, phone)`.
    pub fn phone_key(&self, phone_message: &[u8]) -> PhoneKey {
        PhoneKey(hmac(&self.k, &[phone_message]))
    }

    /// The receipt code of ballot `ballot_id`: 10 characters of the
    /// activation codes' alphabet (no 0/O, 1/I/L), each from one byte of
    /// the HMAC (the alphabet has 31 letters; the bias, under 1 %, does
    /// not matter for a code that is also a lookup key, not a password).
    pub fn receipt_code(&self, ballot_id: i64) -> String {
        let mac = hmac(&self.k, &[b"receipt:", ballot_id.to_string().as_bytes()]);
        let alphabet = CODE_ALPHABET.as_bytes();
        mac.iter().take(RECEIPT_LEN).map(|b| alphabet[usize::from(*b) % alphabet.len()] as char).collect()
    }

    /// What the database keeps of ballot `ballot_id`'s receipt code.
    pub fn receipt_hash(&self, ballot_id: i64) -> String {
        receipt_hash(&self.receipt_code(ballot_id))
    }
}

/// The stored form of a receipt code (SHA-256, hex).
pub fn receipt_hash(code: &str) -> String {
    hex(&Sha256::digest(code.trim().to_ascii_uppercase().as_bytes()))
}

/// The stored form of an SMS code: SHA-256 of the request id and the
/// code, so one code is a different hash in each request.
pub fn sms_code_hash(request_id: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"mm-bo-sms\x1f");
    h.update(request_id.as_bytes());
    h.update(b"\x1f");
    h.update(code.trim().as_bytes());
    hex(&h.finalize())
}

/// A fresh 6-digit SMS code.
pub fn new_sms_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

macro_rules! key_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; 32]);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl $name {
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// From a stored column; `None` unless 32 bytes.
            pub fn from_slice(bytes: &[u8]) -> Option<$name> {
                bytes.try_into().ok().map($name)
            }
        }
    };
}

key_type!(
    /// A voter's key in one edition's register: who voted, as an HMAC.
    VoterKey
);
key_type!(
    /// A phone number's key in one edition (the phone cap).
    PhoneKey
);

#[cfg(test)]
mod tests {
    use super::*;

    fn teryt(s: &str) -> Teryt {
        Teryt::parse(s).unwrap()
    }

    #[test]
    fn keys_differ_per_edition_and_gmina_and_are_stable() {
        let keys = BudgetKeys::from_bytes(&[7u8; 32]).unwrap();
        let msg = b"mm-bo-v1\x1f1\x1fpesel\x1f44051401359";
        let a1 = keys.edition(&teryt("0223083"), 1).voter_key(msg);
        assert_eq!(a1, keys.edition(&teryt("0223083"), 1).voter_key(msg));
        assert_ne!(a1, keys.edition(&teryt("0223083"), 2).voter_key(msg));
        assert_ne!(a1, keys.edition(&teryt("0223011"), 1).voter_key(msg));
        let other = BudgetKeys::from_bytes(&[8u8; 32]).unwrap();
        assert_ne!(a1, other.edition(&teryt("0223083"), 1).voter_key(msg));
    }

    #[test]
    fn debug_prints_stars() {
        let keys = BudgetKeys::ephemeral();
        let e = keys.edition(&teryt("0223083"), 1);
        let v = e.voter_key(b"x");
        let p = e.phone_key(b"y");
        for s in [format!("{keys:?}"), format!("{e:?}"), format!("{v:?}"), format!("{p:?}")] {
            assert!(s.contains("***"), "{s}");
            assert!(!s.chars().any(|c| c.is_ascii_digit()), "{s}");
        }
    }

    #[test]
    fn receipts_are_derivable_and_hashed() {
        let e = BudgetKeys::from_bytes(&[1u8; 32]).unwrap().edition(&teryt("0223083"), 1);
        let code = e.receipt_code(42);
        assert_eq!(code.len(), RECEIPT_LEN);
        assert!(code.chars().all(|c| CODE_ALPHABET.contains(c)));
        assert_eq!(code, e.receipt_code(42));
        assert_ne!(code, e.receipt_code(43));
        assert_eq!(e.receipt_hash(42), receipt_hash(&code.to_lowercase()));
        assert_ne!(sms_code_hash("r1", "123456"), sms_code_hash("r2", "123456"));
        assert_eq!(new_sms_code().len(), 6);
    }

    #[test]
    fn the_key_file_is_made_once_owner_only_and_the_configured_key_wins() {
        let dir = tempfile::tempdir().unwrap();
        let g = teryt("0223083");
        let first = BudgetKeys::load(dir.path(), None).unwrap().edition(&g, 1).voter_key(b"m");
        let again = BudgetKeys::load(dir.path(), None).unwrap().edition(&g, 1).voter_key(b"m");
        assert_eq!(first, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let configured = STANDARD.encode([9u8; 32]);
        let c = BudgetKeys::load(dir.path(), Some(&configured)).unwrap().edition(&g, 1).voter_key(b"m");
        assert_ne!(c, first);
        assert!(BudgetKeys::load(dir.path(), Some("c2hvcnQ=")).is_err());
    }
}

//! Argon2id password hashes in PHC string form (RFC 9106 parameters as the
//! argon2 crate defaults them).

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::{Rng, RngCore};

pub fn hash(password: &str) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks `password` against `stored`; with no stored hash (unknown login)
/// it checks against a dummy one, so both answers take about as long and
/// the timing does not tell which logins exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not a real password").expect("argon2 works"));
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy)) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && stored.is_some()
}

/// A password for a new account when nobody typed one: 20 characters from
/// an alphabet without look-alikes, ~115 bits.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let h = hash("zażółć gęślą jaźń").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("zażółć gęślą jaźń", Some(&h)));
        assert!(!verify("wrong", Some(&h)));
        assert!(!verify("not a real password", None));
    }
}

//! Activation codes (mm_protocol::taxes::activation): made here with the
//! system's CSPRNG, stored only as a hash keyed by the gmina (the same
//! code in two gminas is two different hashes; a leaked table does not
//! give the codes back by a lookup).

use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::activation::{CODE_ALPHABET, CODE_LEN};
use rand::Rng;
use sha2::{Digest, Sha256};

/// A fresh code, normalised (`format_code` prints it in groups).
pub fn new_code() -> String {
    let alphabet: Vec<char> = CODE_ALPHABET.chars().collect();
    let mut rng = rand::rng();
    (0..CODE_LEN).map(|_| alphabet[rng.random_range(0..alphabet.len())]).collect()
}

/// The stored form of a normalised code of `gmina`'s taxpayer.
pub fn hash_code(gmina: &Teryt, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"mm-tax-activation-code\0");
    h.update(gmina.as_str().as_bytes());
    h.update(b"\0");
    h.update(code.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mm_protocol::taxes::activation::normalise_code;

    #[test]
    fn codes_are_valid_distinct_and_hashed_per_gmina() {
        let a = new_code();
        assert_eq!(normalise_code(&a).as_deref(), Some(a.as_str()));
        assert_ne!(a, new_code());
        let siechnice = Teryt::parse("0223083").unwrap();
        let czernica = Teryt::parse("0223032").unwrap();
        assert_eq!(hash_code(&siechnice, &a), hash_code(&siechnice, &a));
        assert_ne!(hash_code(&siechnice, &a), hash_code(&czernica, &a));
        assert_eq!(hash_code(&siechnice, &a).len(), 64);
    }
}

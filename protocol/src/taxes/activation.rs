//! Activation codes: how a device is linked to a taxpayer. A code is
//! printed on the tax decision or handed out at the office; the server
//! keeps only its hash; five wrong tries lock a device out for 15 minutes.
//! (login.gov.pl, the national login, is the later alternative:
//! docs/TAXES.md, "Linking".)

/// Twelve characters from an alphabet without look-alikes (no 0/O, 1/I/L),
/// shown in groups of four: `KD7M-2WQX-H9PT`. 31^12 ≈ 7.9 × 10^17 codes.
pub const CODE_ALPHABET: &str = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const CODE_LEN: usize = 12;
/// Wrong codes a device may try before it is locked out (art. of the
/// issue: 5 tries, 15 minutes).
pub const MAX_FAILED_TRIES: u32 = 5;
pub const LOCK_MINUTES: i64 = 15;
/// How long a freshly issued code links (a tax decision is delivered within
/// weeks; a code handed out at the office the same day).
pub const CODE_VALID_DAYS: i64 = 90;

/// The code as stored (hashed) and compared: upper case, no spaces or
/// dashes; `None` when it cannot be a code (so nothing is looked up).
pub fn normalise_code(input: &str) -> Option<String> {
    let code: String =
        input.chars().filter(|c| !matches!(c, ' ' | '-' | '\t')).flat_map(char::to_uppercase).collect();
    (code.chars().count() == CODE_LEN && code.chars().all(|c| CODE_ALPHABET.contains(c))).then_some(code)
}

/// A normalised code in groups of four, as printed.
pub fn format_code(code: &str) -> String {
    code.chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_the_way_people_type_them() {
        assert_eq!(normalise_code(" kd7m-2wqx h9pt ").as_deref(), Some("KD7M2WQXH9PT"));
        assert_eq!(format_code("KD7M2WQXH9PT"), "KD7M-2WQX-H9PT");
        assert_eq!(normalise_code("KD7M-2WQX-H9P"), None);
        assert_eq!(normalise_code("KD7M-2WQX-H9P0"), None); // 0 is not in the alphabet
        assert_eq!(normalise_code("' OR 1=1 --"), None);
    }
}

//! Time-based one-time passwords for officials' second factor: TOTP
//! (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA1, 30-second steps and 6
//! digits, the parameters every authenticator app reads from an
//! `otpauth://` URI without asking (Google's "Key Uri Format").
//!
//! A code is accepted for the current step and one step either side (RFC
//! 6238 §5.2 recommends at most one step of network delay), and only for a
//! step later than the last one this official signed in with: a code seen
//! over a shoulder or in a proxy's log cannot be used again (RFC 6238 §5.2,
//! "the verifier MUST NOT accept the second attempt of the OTP after the
//! successful validation has been issued for the first OTP").

use rand::RngCore;
use ring::hmac;

/// The step length X (RFC 6238 §4.1), seconds.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code (RFC 4226 §5.3 allows 6 to 8; apps default to 6).
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one (RFC 6238 §5.2).
pub const WINDOW: i64 = 1;
/// Bytes of a new secret: 160 bits, the length RFC 4226 §4 (R6)
/// recommends and HMAC-SHA1's output size.
pub const SECRET_BYTES: usize = 20;

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut s = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut s);
    s
}

/// HOTP(K, C) with `digits` digits (RFC 4226 §5.3: HMAC-SHA-1, dynamic
/// truncation, modulo 10^digits). SHA-1's weakness to collisions does not
/// matter to HMAC (RFC 6151 §3); it is what every authenticator speaks.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = hmac::sign(&key, &counter.to_be_bytes());
    let h = mac.as_ref();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([h[offset] & 0x7f, h[offset + 1], h[offset + 2], h[offset + 3]]);
    binary % 10u32.pow(digits)
}

/// The step T a Unix time falls in (RFC 6238 §4.2, T0 = 0).
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code of `step`, zero-padded to [`DIGITS`].
pub fn code(secret: &[u8], step: i64) -> String {
    format!("{:0width$}", hotp(secret, u64::try_from(step).unwrap_or(0), DIGITS), width = DIGITS as usize)
}

/// The step `typed` is the code of, when it is one of the steps around
/// `now_step` ([`WINDOW`]) and later than `last_step` (no replay). Spaces
/// in the typed code are ignored (apps show "123 456").
pub fn verify(secret: &[u8], typed: &str, now_step: i64, last_step: Option<i64>) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    (now_step - WINDOW..=now_step + WINDOW)
        .filter(|s| last_step.is_none_or(|last| *s > last))
        // Every candidate is computed and compared without an early exit.
        .fold(None, |found, s| {
            let matches = same_bytes(code(secret, s).as_bytes(), typed.as_bytes());
            if matches && found.is_none() { Some(s) } else { found }
        })
}

fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Base32 (RFC 4648 §6) without padding, as `otpauth://` URIs carry
/// secrets.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The secret in groups of four, for typing it into an app by hand.
pub fn grouped(secret: &[u8]) -> String {
    base32(secret).as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The enrolment URI (Key Uri Format): the label is "issuer:login", the
/// issuer repeated as a parameter, the defaults spelled out.
pub fn otpauth_uri(issuer: &str, login: &str, secret: &[u8]) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20");
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(login),
        base32(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, the SHA-1 rows: the ASCII seed
    /// "12345678901234567890", 8 digits.
    #[test]
    fn rfc_6238_appendix_b_vectors() {
        let seed = b"12345678901234567890";
        for (time, expected) in [
            (59i64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(seed, step_at(time) as u64, 8), expected, "T = {time}");
        }
        // Six digits are the last six of the eight.
        assert_eq!(code(seed, step_at(59)), "287082");
        assert_eq!(code(seed, step_at(1111111109)), "081804");
    }

    /// RFC 4226 Appendix D: HOTP values for counters 0..9.
    #[test]
    fn rfc_4226_appendix_d_vectors() {
        let expected = [755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489];
        for (c, e) in expected.into_iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", c as u64, 6), e);
        }
    }

    #[test]
    fn one_step_either_side_is_accepted_and_no_further() {
        let s = b"12345678901234567890";
        let now = step_at(1_234_567_890);
        for d in -1..=1 {
            assert_eq!(verify(s, &code(s, now + d), now, None), Some(now + d));
        }
        assert_eq!(verify(s, &code(s, now + 2), now, None), None);
        assert_eq!(verify(s, &code(s, now - 2), now, None), None);
        // As an app shows it, with a space.
        let c = code(s, now);
        assert_eq!(verify(s, &format!("{} {}", &c[..3], &c[3..]), now, None), Some(now));
        for bad in ["", "12345", "1234567", "abcdef", "12345a"] {
            assert_eq!(verify(s, bad, now, None), None, "{bad:?}");
        }
    }

    #[test]
    fn a_step_once_used_is_refused_and_so_is_any_earlier() {
        let s = b"12345678901234567890";
        let now = step_at(1_234_567_890);
        let used = verify(s, &code(s, now), now, None).unwrap();
        assert_eq!(verify(s, &code(s, now), now, Some(used)), None, "replay");
        assert_eq!(verify(s, &code(s, now - 1), now, Some(used)), None, "an earlier step");
        assert_eq!(verify(s, &code(s, now + 1), now, Some(used)), Some(now + 1), "the next step still works");
    }

    /// RFC 4648 §10's test vectors (padding removed).
    #[test]
    fn base32_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(plain.as_bytes()), encoded);
        }
        assert_eq!(base32(&new_secret()).len(), 32);
    }

    #[test]
    fn the_uri_names_the_issuer_and_the_login() {
        let uri = otpauth_uri("Gmina Siechnice", "jan.kowalski", b"12345678901234567890");
        assert_eq!(
            uri,
            "otpauth://totp/Gmina%20Siechnice:jan.kowalski?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Gmina%20Siechnice&algorithm=SHA1&digits=6&period=30"
        );
    }
}

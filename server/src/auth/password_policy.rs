//! The one password policy, wherever a password is set: an official's
//! new account and an admin's reset (`admin::accounts`), an official's own
//! change (`admin::signin`), `mm-server user add` and a new gmina's first
//! admin (`gmina::setup`). NIST SP 800-63B §5.1.1.2 ("Memorized Secret
//! Verifiers"):
//!
//! - at least [`MIN_CHARS`] characters (the guideline's floor is 8; 12 for
//!   accounts that see residents' personal data), counted as characters, so
//!   `ł` counts once and every Unicode character is allowed;
//! - at most [`MAX_CHARS`], which bounds what one Argon2 call hashes;
//! - not the login, and not containing it (the guideline's "context-specific
//!   words, such as the name of the service, the username");
//! - not in a list of commonly used passwords (`common_passwords.txt`);
//! - and nothing else: no composition rules (digits, capitals, symbols) and
//!   no periodic expiry, which the guideline says verifiers SHOULD NOT
//!   impose. A password changes when it may be compromised: an admin
//!   resets it, and every session of the account ends.

use mm_protocol::validation::FieldError;

/// The fewest characters a new password may have.
pub const MIN_CHARS: usize = 12;
/// The most characters a new password may have.
pub const MAX_CHARS: usize = 128;

const COMMON: &str = include_str!("common_passwords.txt");

fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    COMMON.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).any(|l| l == lower)
}

fn refuse(pl: impl Into<String>, en: impl Into<String>) -> Result<(), FieldError> {
    Err(FieldError::new("password", pl.into(), en.into()))
}

/// Checks a new `password` for the account `login`. The error names the
/// field `password` and says what is wrong in Polish and English.
pub fn check_new(login: &str, password: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return refuse(
            format!("Hasło musi mieć co najmniej {MIN_CHARS} znaków."),
            format!("The password needs at least {MIN_CHARS} characters."),
        );
    }
    if chars > MAX_CHARS {
        return refuse(
            format!("Hasło może mieć najwyżej {MAX_CHARS} znaków."),
            format!("The password may have at most {MAX_CHARS} characters."),
        );
    }
    let login = login.trim().to_lowercase();
    if !login.is_empty() && password.to_lowercase().contains(&login) {
        return refuse("Hasło nie może zawierać loginu.", "The password may not contain the login.");
    }
    if is_common(password) {
        return refuse(
            "To hasło jest na liście najczęściej używanych haseł. Wybierz inne, np. kilka przypadkowych słów.",
            "This password is on the list of the most common passwords. Choose another, e.g. a few random words.",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_from_12_to_128() {
        assert!(check_new("jan", "12345678901").is_err());
        // Eleven Polish letters are 22 bytes and still too short.
        assert!(check_new("jan", "zażółćężźść").is_err());
        assert_eq!(check_new("jan", "zażółćężźśćń"), Ok(()));
        assert_eq!(check_new("jan", &"ł".repeat(MAX_CHARS)), Ok(()));
        let long = check_new("jan", &"a".repeat(MAX_CHARS + 1)).unwrap_err();
        assert_eq!(long.field, "password");
        assert!(long.en.contains("at most 128"), "{}", long.en);
    }

    #[test]
    fn the_login_may_not_be_in_it() {
        assert!(check_new("kowalski", "kowalski-2026!").is_err());
        assert!(check_new("kowalski", "Mój KOWALSKI ogród").is_err());
        assert_eq!(check_new("kowalski", "zielony ogród za domem"), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_whatever_the_case() {
        assert!(check_new("jan", "Password1234").is_err());
        assert!(check_new("jan", "QWERTY123456").is_err());
        assert!(check_new("jan", "correcthorsebatterystaple").is_err());
        // No composition rule: lower-case words alone are fine.
        assert_eq!(check_new("jan", "correct horse battery"), Ok(()));
    }
}

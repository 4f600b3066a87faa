//! Validation shared by both sides: the core checks before it queues a
//! write, the server checks again before it stores one.

use thiserror::Error;

/// One field that is wrong, with a message for the resident or official.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {en}")]
pub struct FieldError {
    pub field: String,
    pub pl: String,
    pub en: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, pl: impl Into<String>, en: impl Into<String>) -> Self {
        Self { field: field.into(), pl: pl.into(), en: en.into() }
    }
}

/// A request body that can check itself.
pub trait Validate {
    fn validate(&self) -> Result<(), FieldError>;
}

/// Text that must be present and at most `max` characters (not bytes:
/// Polish letters are two bytes in UTF-8).
pub fn required_text(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(FieldError::new(field, "To pole jest wymagane.", "This field is required."));
    }
    optional_text(field, value, max)
}

pub fn optional_text(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("Tekst jest za długi (maksymalnie {max} znaków)."),
            format!("Text is too long (at most {max} characters)."),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(FieldError::new(
            field,
            "Tekst zawiera niedozwolone znaki sterujące.",
            "Text contains control characters.",
        ));
    }
    Ok(())
}

/// An http(s) URL, as far as the contract cares: scheme and a host.
pub fn http_url(field: &str, value: &str) -> Result<(), FieldError> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !value.contains(char::is_whitespace) && value.len() <= 2000 => Ok(()),
        _ => Err(FieldError::new(
            field,
            "Podaj adres zaczynający się od http:// lub https://.",
            "Give an address starting with http:// or https://.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_count_characters_not_bytes() {
        let zolw = "żółw".repeat(50); // 200 chars, 350 bytes
        assert!(required_text("t", &zolw, 200).is_ok());
        assert!(required_text("t", &format!("{zolw}x"), 200).is_err());
        assert!(required_text("t", "   ", 10).is_err());
        assert!(optional_text("t", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn urls() {
        assert!(http_url("u", "https://siechnice.gmina.pl/a.jpg").is_ok());
        assert!(http_url("u", "javascript:alert(1)").is_err());
        assert!(http_url("u", "https://").is_err());
    }
}

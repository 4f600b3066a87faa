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
    if value.chars().any(is_noncharacter) {
        return Err(FieldError::new(
            field,
            "Tekst zawiera niedozwolone znaki (niebędące znakami Unicode, np. U+FFFE).",
            "Text contains Unicode noncharacters (such as U+FFFE).",
        ));
    }
    Ok(())
}

/// Unicode noncharacters (The Unicode Standard, §23.7): U+FDD0..U+FDEF and
/// the last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE, …).
/// They are for a program's internal use, never for interchange; U+FFFE
/// and U+FFFF are also outside XML 1.0's `Char`, so one of them in a
/// report would make the Open311 XML feed and the EZD metadata malformed.
pub fn is_noncharacter(c: char) -> bool {
    let cp = c as u32;
    (0xFDD0..=0xFDEF).contains(&cp) || cp & 0xFFFE == 0xFFFE
}

/// Whether `c` may appear in an XML 1.0 document: the `Char` production,
/// `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`
/// (XML 1.0, 5th ed., §2.2). A Rust `char` is never a surrogate, so only
/// the C0 controls and U+FFFE/U+FFFF fall outside.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
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
    fn noncharacters_are_refused_and_xml_chars_follow_the_production() {
        for bad in ['\u{FFFE}', '\u{FFFF}', '\u{FDD0}', '\u{FDEF}', '\u{1FFFE}', '\u{10FFFF}'] {
            let e = optional_text("description", &format!("Latarnia{bad} nie świeci"), 100).unwrap_err();
            assert_eq!(e.field, "description", "{bad:?}");
        }
        for good in ['\u{FFFD}', '\u{FDCF}', '\u{FDF0}', '\u{1F4A1}', 'ż'] {
            assert!(optional_text("description", &format!("Latarnia{good}"), 100).is_ok(), "{good:?}");
        }
        assert!(!is_xml_char('\u{FFFE}') && !is_xml_char('\u{FFFF}') && !is_xml_char('\u{1}'));
        assert!(is_xml_char('\t') && is_xml_char('\u{FFFD}') && is_xml_char('\u{10000}') && is_xml_char('\u{FDD0}'));
    }

    #[test]
    fn urls() {
        assert!(http_url("u", "https://siechnice.gmina.pl/a.jpg").is_ok());
        assert!(http_url("u", "javascript:alert(1)").is_err());
        assert!(http_url("u", "https://").is_err());
    }
}

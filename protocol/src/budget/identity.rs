//! Who votes: the identity a voter types, normalised so that the same
//! person typed twice (online, then on a paper card by an official who drops
//! the Polish letters) gives the same register key. The server HMACs
//! [`register_message`] and [`phone_message`] with the edition's secret
//! (`docs/plans/issue-15.md` §2.2); nothing here is stored or logged, and
//! every type prints `***` in `Debug`.
//!
//! PESEL or name and address is the edition's setting (R§3: voivodes
//! annulled PESEL clauses, Ciechanów dropped PESEL after abuse in 2025).

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::model::{IdentityInput, IdentityMode, Redacted};
use crate::error::Message;
use crate::taxes::checksums::pesel_valid;
use crate::text::fold;

/// Longest name, street or house number taken (characters).
pub const MAX_NAME_CHARS: usize = 100;

/// An identity after [`normalise`]: folded names, the register key's parts
/// and the phone. Never serialised; `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct NormalIdentity {
    /// Folded (lower-case, no diacritics, single spaces).
    pub first_name: String,
    pub last_name: String,
    pub key: IdentityKey,
    pub phone: Option<NormalPhone>,
}

impl fmt::Debug for NormalIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NormalIdentity(***)")
    }
}

/// What keys the one-vote register.
#[derive(Clone, PartialEq, Eq)]
pub enum IdentityKey {
    /// 11 digits, checked. The PESEL alone keys the register (it is unique);
    /// the names are required and checked, never part of the key.
    Pesel(String),
    /// Names and address together key the register.
    Address {
        locality: i64,
        /// Folded, without a leading "ul.".
        street: String,
        /// Upper-case, no spaces ("12A").
        house: String,
        /// Upper-case, no spaces; empty when none.
        flat: String,
    },
}

impl fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityKey(***)")
    }
}

/// A Polish phone number as `+48` and 9 digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NormalPhone(String);

impl NormalPhone {
    /// `+48` and 9 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NormalPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NormalPhone({:?})", Redacted)
    }
}

/// Which field of the identity is wrong; never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid identity field {field}")]
pub struct IdentityError {
    /// The request's field: `first_name`, `last_name`, `pesel`, `address`,
    /// `address.locality`, `address.street`, `address.house`,
    /// `address.flat` or `phone`.
    pub field: &'static str,
}

impl IdentityError {
    fn at(field: &'static str) -> Self {
        IdentityError { field }
    }

    /// What the voter reads (one answer for a wrong checksum and an
    /// impossible date: no oracle for guessing PESELs).
    pub fn message(&self) -> Message {
        match self.field {
            "first_name" => Message::new("Podaj imię.", "Enter your first name."),
            "last_name" => Message::new("Podaj nazwisko.", "Enter your last name."),
            "pesel" => Message::new("Podaj prawidłowy numer PESEL (11 cyfr).", "Enter a valid PESEL number (11 digits)."),
            "address" => Message::new("Podaj adres zamieszkania.", "Enter your home address."),
            "address.locality" => Message::new("Wybierz miejscowość z listy.", "Choose the locality from the list."),
            "address.street" => Message::new("Nieprawidłowa nazwa ulicy.", "Invalid street name."),
            "address.house" => Message::new("Podaj numer domu.", "Enter the house number."),
            "address.flat" => Message::new("Nieprawidłowy numer mieszkania.", "Invalid flat number."),
            "phone" => Message::new(
                "Podaj polski numer telefonu komórkowego (9 cyfr).",
                "Enter a Polish mobile number (9 digits).",
            ),
            _ => Message::new("Nieprawidłowe dane głosującego.", "Invalid voter details."),
        }
    }
}

/// Normalises an identity for `mode`: names always; the PESEL (PESEL mode)
/// or the address (name-and-address mode); the phone when given. Whether
/// the locality is one of the gmina's, and whether a phone is required,
/// the caller checks (it knows the gmina and the edition).
pub fn normalise(mode: IdentityMode, input: &IdentityInput) -> Result<NormalIdentity, IdentityError> {
    let first_name = normalise_name(&input.first_name).ok_or(IdentityError::at("first_name"))?;
    let last_name = normalise_name(&input.last_name).ok_or(IdentityError::at("last_name"))?;
    let key = match mode {
        IdentityMode::Pesel => {
            let pesel = input.pesel.as_deref().and_then(normalise_pesel).ok_or(IdentityError::at("pesel"))?;
            IdentityKey::Pesel(pesel)
        }
        IdentityMode::NameAddress => {
            let a = input.address.as_ref().ok_or(IdentityError::at("address"))?;
            if a.locality <= 0 {
                return Err(IdentityError::at("address.locality"));
            }
            let street = normalise_street(&a.street).ok_or(IdentityError::at("address.street"))?;
            let house = normalise_number(&a.house)
                .filter(|h| !h.is_empty())
                .ok_or(IdentityError::at("address.house"))?;
            let flat = normalise_number(a.flat.as_deref().unwrap_or("")).ok_or(IdentityError::at("address.flat"))?;
            IdentityKey::Address { locality: a.locality, street, house, flat }
        }
    };
    let phone = match &input.phone {
        None => None,
        Some(p) => Some(normalise_phone(p).ok_or(IdentityError::at("phone"))?),
    };
    Ok(NormalIdentity { first_name, last_name, key, phone })
}

/// Tidies text as typed: NFC, trimmed, runs of whitespace one space, no
/// space around `-`. `None` when it holds a control character (other than
/// whitespace: a pasted tab is a space) or is too long.
fn tidy(text: &str) -> Option<String> {
    let nfc: String = text.nfc().collect();
    if nfc.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return None;
    }
    let spaced = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
    let out = spaced.replace(" -", "-").replace("- ", "-");
    (out.chars().count() <= MAX_NAME_CHARS).then_some(out)
}

/// A first or last name: [`tidy`] then `text::fold` (officials typing
/// paper cards drop ogonki). Letters, spaces, `-`, apostrophes and dots
/// only, at least one letter.
pub fn normalise_name(name: &str) -> Option<String> {
    let tidy = tidy(name)?.replace('’', "'");
    if !tidy.chars().any(char::is_alphabetic) {
        return None;
    }
    if !tidy.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.')) {
        return None;
    }
    Some(fold(&tidy))
}

/// A street as a name (folded) without a leading "ul." / "ulica"; may be
/// empty (villages without street names).
pub fn normalise_street(street: &str) -> Option<String> {
    let folded = fold(&tidy(street)?);
    let bare = ["ulica ", "ul. ", "ul.", "ul "]
        .iter()
        .find_map(|p| folded.strip_prefix(p))
        .unwrap_or(&folded)
        .trim();
    if !bare.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\'' | '.' | '/' | '"' | ',')) {
        return None;
    }
    Some(bare.to_string())
}

/// A house or flat number: upper-case, without spaces ("12 a" → "12A").
/// Letters, digits, `/` and `-` only.
pub fn normalise_number(n: &str) -> Option<String> {
    let out: String = n.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    if out.chars().count() > 20 || !out.chars().all(|c| c.is_alphanumeric() || matches!(c, '/' | '-')) {
        return None;
    }
    Some(out)
}

/// The 11 digits of a PESEL typed with spaces, when its checksum and birth
/// date hold (`taxes::checksums::pesel_valid`).
pub fn normalise_pesel(pesel: &str) -> Option<String> {
    let digits: String = pesel.chars().filter(|c| !c.is_whitespace()).collect();
    pesel_valid(&digits).then_some(digits)
}

/// The first two digits of Polish mobile numbers (the numbering plan's
/// PLMN ranges, Rozporządzenie Ministra Infrastruktury w sprawie planu
/// numeracji krajowej; a ported number keeps its range). A code sent to a
/// landline, a premium-rate 70x or a free-phone 80x number never reaches
/// a phone's inbox and costs the gmina money: SMS-pumping fraud sends codes
/// to exactly such numbers.
pub const MOBILE_PREFIXES: [&str; 13] = ["45", "50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"];

/// A Polish mobile number (9 digits in a [`MOBILE_PREFIXES`] range) as
/// `+48…`, typed as `601 234 567`, `601-234-567`, `+48 601…`, `0048 601…`
/// or `48601…`. Foreign numbers are refused: codes go through a Polish SMS
/// gateway.
pub fn normalise_phone(phone: &str) -> Option<NormalPhone> {
    let compact: String = phone.chars().filter(|c| !(c.is_whitespace() || matches!(c, '-' | '(' | ')'))).collect();
    let national = if let Some(rest) = compact.strip_prefix("+48") {
        rest
    } else if let Some(rest) = compact.strip_prefix("0048") {
        rest
    } else if compact.len() == 11 && compact.starts_with("48") {
        &compact[2..]
    } else {
        &compact
    };
    let ok = national.len() == 9
        && national.bytes().all(|b| b.is_ascii_digit())
        && MOBILE_PREFIXES.iter().any(|p| national.starts_with(p));
    ok.then(|| NormalPhone(format!("+48{national}")))
}

const PREFIX: &[u8] = b"mm-bo-v1\x1f";
const SEP: u8 = 0x1f;

/// What the server HMACs into the voter's register key:
/// `mm-bo-v1 US edition US` then `pesel US <pesel>` or `addr US first US
/// last US locality US street US house US flat` (US = 0x1f, which no
/// normalised part can hold: control characters are refused).
pub fn register_message(edition: i64, id: &NormalIdentity) -> Vec<u8> {
    let mut m = Vec::with_capacity(96);
    m.extend_from_slice(PREFIX);
    m.extend_from_slice(edition.to_string().as_bytes());
    m.push(SEP);
    match &id.key {
        IdentityKey::Pesel(pesel) => {
            m.extend_from_slice(b"pesel");
            m.push(SEP);
            m.extend_from_slice(pesel.as_bytes());
        }
        IdentityKey::Address { locality, street, house, flat } => {
            m.extend_from_slice(b"addr");
            let locality = locality.to_string();
            for part in [&id.first_name, &id.last_name, &locality, street, house, flat] {
                m.push(SEP);
                m.extend_from_slice(part.as_bytes());
            }
        }
    }
    m
}

/// What the server HMACs into the phone's key (the per-phone voter cap):
/// `mm-bo-v1 US edition US phone US +48…`.
pub fn phone_message(edition: i64, phone: &NormalPhone) -> Vec<u8> {
    let mut m = Vec::with_capacity(40);
    m.extend_from_slice(PREFIX);
    m.extend_from_slice(edition.to_string().as_bytes());
    m.push(SEP);
    m.extend_from_slice(b"phone");
    m.push(SEP);
    m.extend_from_slice(phone.0.as_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_message_is_as_the_plan_says() {
        let id = NormalIdentity {
            first_name: "jan".into(),
            last_name: "kowalski".into(),
            key: IdentityKey::Pesel("44051401359".into()),
            phone: None,
        };
        assert_eq!(register_message(7, &id), b"mm-bo-v1\x1f7\x1fpesel\x1f44051401359".to_vec());
        let id = NormalIdentity {
            key: IdentityKey::Address { locality: 3, street: "glowna".into(), house: "12A".into(), flat: String::new() },
            ..id
        };
        assert_eq!(register_message(7, &id), b"mm-bo-v1\x1f7\x1faddr\x1fjan\x1fkowalski\x1f3\x1fglowna\x1f12A\x1f".to_vec());
        let phone = normalise_phone("601 234 567").unwrap();
        assert_eq!(phone_message(7, &phone), b"mm-bo-v1\x1f7\x1fphone\x1f+48601234567".to_vec());
    }
}

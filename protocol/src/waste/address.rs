//! From an address to its collection zone: house numbers, street names as
//! residents type them, and the address rules with "most specific wins".

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::model::{BuildingType, Parity, ZoneId};
use crate::text::fold;

/// A house number as Polish addresses write it: `12`, `12a`, `12 A`;
/// `12/3` is flat 3 of building 12, and the flat does not decide a zone,
/// so it is dropped. Ordered by the number, then the suffix ("12" < "12a"
/// < "12b" < "13").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HouseNumber {
    pub number: u32,
    /// Lowercase letters, possibly empty.
    #[serde(default)]
    pub suffix: String,
}

/// Largest house number taken (Polish numbers stay far below).
pub const HOUSE_NUMBER_MAX: u32 = 99_999;

impl HouseNumber {
    pub fn parse(text: &str) -> Option<HouseNumber> {
        let building = text.split('/').next()?.trim();
        let digits_end = building.find(|c: char| !c.is_ascii_digit()).unwrap_or(building.len());
        if digits_end == 0 || digits_end > 5 {
            return None;
        }
        let number: u32 = building[..digits_end].parse().ok()?;
        if number == 0 || number > HOUSE_NUMBER_MAX {
            return None;
        }
        let suffix = building[digits_end..].trim();
        if suffix.chars().count() > 3 || !suffix.chars().all(char::is_alphabetic) {
            return None;
        }
        Some(HouseNumber { number, suffix: suffix.to_lowercase() })
    }

    pub fn new(number: u32) -> HouseNumber {
        HouseNumber { number, suffix: String::new() }
    }
}

impl Ord for HouseNumber {
    fn cmp(&self, other: &Self) -> Ordering {
        self.number.cmp(&other.number).then_with(|| self.suffix.cmp(&other.suffix))
    }
}

impl PartialOrd for HouseNumber {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for HouseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.number, self.suffix)
    }
}

/// A street or locality name as compared: folded (no diacritics, lower
/// case), the `ul.`/`al.`/`ulica`/`aleja` prefix dropped, dots and runs of
/// white space made one space. "ul. Świętej  Jadwigi" = "swietej jadwigi".
/// (`pl.`, `os.` stay: "Plac Wolności" and "Wolności" are two streets.)
pub fn normalise_name(name: &str) -> String {
    let folded = fold(name);
    let words: Vec<&str> = folded.split(|c: char| c.is_whitespace() || c == '.').filter(|w| !w.is_empty()).collect();
    let skip = match words.first() {
        Some(&("ul" | "al" | "ulica" | "aleja")) if words.len() > 1 => 1,
        _ => 0,
    };
    words[skip..].join(" ")
}

/// An address to resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    pub locality: String,
    /// `None` in a village without street names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    pub number: HouseNumber,
    /// `None` when the resident did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<BuildingType>,
}

/// One line of the gmina's address rules: which zone a locality, a street,
/// a range of numbers, one side of the street, a kind of building is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressRule {
    pub locality: String,
    /// `None`: the whole locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// First number of the range (`None`: from the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<HouseNumber>,
    /// Last number of the range (`None`: to the end). A `to` without a
    /// suffix takes that number's lettered buildings too: "do 20" covers
    /// 20a, which stands on plot 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<HouseNumber>,
    pub parity: Parity,
    pub building: BuildingType,
    pub zone: ZoneId,
}

/// How specific a rule is, compared in this order (plan §1): a street
/// beats a whole locality, a range beats an open street, one side beats
/// both, a building type beats any.
pub type Specificity = (bool, bool, bool, bool);

impl AddressRule {
    pub fn specificity(&self) -> Specificity {
        (
            self.street.is_some(),
            self.from.is_some() || self.to.is_some(),
            self.parity != Parity::All,
            self.building != BuildingType::Any,
        )
    }

    /// Whether the rule covers `address` (`building: None` is covered by
    /// rules of any building type).
    pub fn covers(&self, address: &Address) -> bool {
        if normalise_name(&self.locality) != normalise_name(&address.locality) {
            return false;
        }
        let street = |s: &Option<String>| s.as_deref().map(normalise_name).filter(|s| !s.is_empty());
        if let Some(rule_street) = street(&self.street)
            && street(&address.street).as_deref() != Some(rule_street.as_str())
        {
            return false;
        }
        self.covers_number(&address.number)
            && match (self.building, address.building) {
                (BuildingType::Any, _) | (_, None) | (_, Some(BuildingType::Any)) => true,
                (rule, Some(b)) => rule == b,
            }
    }

    fn covers_number(&self, n: &HouseNumber) -> bool {
        let after_from = self.from.as_ref().is_none_or(|f| n >= f);
        let before_to = self.to.as_ref().is_none_or(|t| {
            if t.suffix.is_empty() { n.number <= t.number } else { n <= t }
        });
        after_from && before_to && self.parity.admits(n.number)
    }

    /// Whether some address could be covered by both rules (used to refuse
    /// ambiguous imports): same locality and street, overlapping ranges,
    /// compatible sides and building types.
    pub fn overlaps(&self, other: &AddressRule) -> bool {
        let key = |r: &AddressRule| (normalise_name(&r.locality), r.street.as_deref().map(normalise_name));
        if key(self) != key(other) {
            return false;
        }
        let sides = match (self.parity, other.parity) {
            (Parity::All, _) | (_, Parity::All) => true,
            (a, b) => a == b,
        };
        let buildings = match (self.building, other.building) {
            (BuildingType::Any, _) | (_, BuildingType::Any) => true,
            (a, b) => a == b,
        };
        // Ranges as whole numbers (the end's suffixes do not matter to
        // whether some number lies in both).
        let lo = |r: &AddressRule| r.from.as_ref().map_or(0, |f| f.number);
        let hi = |r: &AddressRule| r.to.as_ref().map_or(u32::MAX, |t| t.number);
        let (a, b) = (lo(self).max(lo(other)), hi(self).min(hi(other)));
        let parity = if self.parity == Parity::All { other.parity } else { self.parity };
        let some_number = a <= b && (parity == Parity::All || (a..=b).take(2).any(|n| parity.admits(n)));
        sides && buildings && some_number
    }
}

/// Why an address has no zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No rule covers the address.
    #[error("no collection zone covers this address")]
    Unresolved,
    /// A house and a block of flats at this address are in different
    /// zones (`zones`, sorted), and the address does not say which it is.
    #[error("the zone depends on the building type")]
    BuildingTypeNeeded { zones: Vec<ZoneId> },
    /// Two equally specific rules name different zones (an import refuses
    /// such rules, so this means stored rules were edited by hand).
    #[error("several zones cover this address")]
    Ambiguous { zones: Vec<ZoneId> },
}

impl ResolveError {
    pub fn pl(&self) -> &'static str {
        match self {
            ResolveError::Unresolved => "Nie znaleziono rejonu odbioru odpadów dla tego adresu.",
            ResolveError::BuildingTypeNeeded { .. } => "Podaj rodzaj zabudowy (jednorodzinna czy wielorodzinna).",
            ResolveError::Ambiguous { .. } => "Ten adres pasuje do kilku rejonów odbioru; zgłoś to gminie.",
        }
    }

    pub fn en(&self) -> &'static str {
        match self {
            ResolveError::Unresolved => "No waste-collection zone covers this address.",
            ResolveError::BuildingTypeNeeded { .. } => "Say whether it is a house or a block of flats.",
            ResolveError::Ambiguous { .. } => "This address is in several collection zones; tell the gmina.",
        }
    }
}

/// The zone of `address`: among the rules that cover it, the most specific
/// ([`AddressRule::specificity`]); equally specific rules must agree.
///
/// An address that does not say its building type is resolved as a house
/// and as a block of flats: when the two answers differ, the resident is
/// asked (`BuildingTypeNeeded`) rather than given the zone of whichever
/// rule happens to be more specific. With "Siechnice → A" and "Siechnice,
/// wielorodzinna → E", a plain "Siechnice 5" is a question, not E: the
/// block-of-flats rule is more specific only for blocks. When only one of
/// the two has a zone (the gmina lists blocks only), that zone is the
/// answer: nothing else is on offer.
pub fn resolve(rules: &[AddressRule], address: &Address) -> Result<ZoneId, ResolveError> {
    if matches!(address.building, Some(BuildingType::SingleFamily | BuildingType::MultiFamily)) {
        return resolve_exact(rules, address);
    }
    let as_kind = |b| resolve_exact(rules, &Address { building: Some(b), ..address.clone() });
    match (as_kind(BuildingType::SingleFamily), as_kind(BuildingType::MultiFamily)) {
        (Ok(a), Ok(b)) if a == b => Ok(a),
        (Ok(a), Ok(b)) => {
            let mut zones = vec![a, b];
            zones.sort();
            Err(ResolveError::BuildingTypeNeeded { zones })
        }
        (Err(e @ ResolveError::Ambiguous { .. }), _) | (_, Err(e @ ResolveError::Ambiguous { .. })) => Err(e),
        (Ok(z), Err(_)) | (Err(_), Ok(z)) => Ok(z),
        (Err(e), Err(_)) => Err(e),
    }
}

/// [`resolve`] for an address of a known building type.
fn resolve_exact(rules: &[AddressRule], address: &Address) -> Result<ZoneId, ResolveError> {
    let covering: Vec<&AddressRule> = rules.iter().filter(|r| r.covers(address)).collect();
    let Some(best) = covering.iter().map(|r| r.specificity()).max() else {
        return Err(ResolveError::Unresolved);
    };
    let mut zones: Vec<ZoneId> =
        covering.iter().filter(|r| r.specificity() == best).map(|r| r.zone.clone()).collect();
    zones.sort();
    zones.dedup();
    match zones.len() {
        1 => Ok(zones.remove(0)),
        _ => Err(ResolveError::Ambiguous { zones }),
    }
}

//! The waste-collection schedule's data: fractions with their bins, zones
//! with dated pickups, the PSZOK and the "what goes where" dictionary.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::geo::GeoPoint;
use crate::text::fold;

/// A collection zone's code (rejon, sektor) as the gmina's CSV names it:
/// 1–32 of `A–Z a–z 0–9 - _`, so it can sit in an ICS UID as it is.
pub type ZoneId = String;

pub fn valid_zone_id(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A waste fraction. The nine of the issue cover what Polish gminas
/// collect (u.c.p.g. art. 3 ust. 2 pkt 6; textiles separate since
/// 2025-01-01); a gmina may add its own (`custom:` in the CSV).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Fraction {
    /// odpady zmieszane (niesegregowane)
    Mixed,
    /// papier
    Paper,
    /// szkło
    Glass,
    /// metale i tworzywa sztuczne (with multi-material packaging)
    MetalsPlastics,
    /// bioodpady
    Bio,
    /// odpady wielkogabarytowe (gabaryty)
    Bulky,
    /// zużyty sprzęt elektryczny i elektroniczny (elektroodpady)
    Electronics,
    /// popiół (in winter, where households burn solid fuel)
    Ash,
    /// tekstylia
    Textiles,
    /// A gmina's own fraction, by its label (e.g. "choinki").
    Custom(String),
}

/// The bin colours of the JSSO ("Piątka za segregację", Dz.U. 2021 poz.
/// 906): papier blue, szkło green, metale i tworzywa yellow, bio brown;
/// mixed waste is black in most gminas; the rest have no colour of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BinColour {
    Blue,
    Green,
    Yellow,
    Brown,
    Black,
    Grey,
}

impl BinColour {
    /// An sRGB colour for the shells' bin icons.
    pub fn hex(self) -> &'static str {
        match self {
            BinColour::Blue => "#1565C0",
            BinColour::Green => "#2E7D32",
            BinColour::Yellow => "#F9A825",
            BinColour::Brown => "#6D4C41",
            BinColour::Black => "#212121",
            BinColour::Grey => "#757575",
        }
    }

    pub fn label_pl(self) -> &'static str {
        match self {
            BinColour::Blue => "niebieski",
            BinColour::Green => "zielony",
            BinColour::Yellow => "żółty",
            BinColour::Brown => "brązowy",
            BinColour::Black => "czarny",
            BinColour::Grey => "szary",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            BinColour::Blue => "blue",
            BinColour::Green => "green",
            BinColour::Yellow => "yellow",
            BinColour::Brown => "brown",
            BinColour::Black => "black",
            BinColour::Grey => "grey",
        }
    }
}

impl Fraction {
    pub const STANDARD: [Fraction; 9] = [
        Fraction::Mixed,
        Fraction::Paper,
        Fraction::Glass,
        Fraction::MetalsPlastics,
        Fraction::Bio,
        Fraction::Bulky,
        Fraction::Electronics,
        Fraction::Ash,
        Fraction::Textiles,
    ];

    /// The code on the wire and in the CSV (`custom:<label>` for a
    /// gmina's own).
    pub fn code(&self) -> String {
        match self {
            Fraction::Custom(label) => format!("custom:{label}"),
            other => other.standard_code().to_string(),
        }
    }

    fn standard_code(&self) -> &'static str {
        match self {
            Fraction::Mixed => "mixed",
            Fraction::Paper => "paper",
            Fraction::Glass => "glass",
            Fraction::MetalsPlastics => "metals_plastics",
            Fraction::Bio => "bio",
            Fraction::Bulky => "bulky",
            Fraction::Electronics => "electronics",
            Fraction::Ash => "ash",
            Fraction::Textiles => "textiles",
            Fraction::Custom(_) => "custom",
        }
    }

    /// Reads a code, or the Polish name an official is likely to type
    /// (compared folded: "Szkło" = "szklo"). `None` for anything else, so
    /// that a typo in an import is an error, not a new fraction.
    pub fn parse(text: &str) -> Option<Fraction> {
        let t = text.trim();
        if let Some(label) = t.strip_prefix("custom:").or_else(|| t.strip_prefix("inne:")) {
            let label = label.trim();
            let ok = !label.is_empty() && label.chars().count() <= 40 && !label.chars().any(char::is_control);
            return ok.then(|| Fraction::Custom(label.to_string()));
        }
        let folded = fold(t).replace([' ', '-'], "_");
        let f = match folded.as_str() {
            "mixed" | "zmieszane" | "odpady_zmieszane" | "niesegregowane" => Fraction::Mixed,
            "paper" | "papier" => Fraction::Paper,
            "glass" | "szklo" => Fraction::Glass,
            "metals_plastics" | "metale_i_tworzywa_sztuczne" | "metale_i_tworzywa" | "tworzywa" | "plastik" => {
                Fraction::MetalsPlastics
            }
            "bio" | "bioodpady" => Fraction::Bio,
            "bulky" | "gabaryty" | "wielkogabarytowe" | "odpady_wielkogabarytowe" => Fraction::Bulky,
            "electronics" | "elektroodpady" | "elektro" => Fraction::Electronics,
            "ash" | "popiol" => Fraction::Ash,
            "textiles" | "tekstylia" => Fraction::Textiles,
            _ => return None,
        };
        Some(f)
    }

    pub fn colour(&self) -> BinColour {
        match self {
            Fraction::Paper => BinColour::Blue,
            Fraction::Glass => BinColour::Green,
            Fraction::MetalsPlastics => BinColour::Yellow,
            Fraction::Bio => BinColour::Brown,
            Fraction::Mixed => BinColour::Black,
            _ => BinColour::Grey,
        }
    }

    pub fn label_pl(&self) -> &str {
        match self {
            Fraction::Mixed => "Odpady zmieszane",
            Fraction::Paper => "Papier",
            Fraction::Glass => "Szkło",
            Fraction::MetalsPlastics => "Metale i tworzywa sztuczne",
            Fraction::Bio => "Bioodpady",
            Fraction::Bulky => "Odpady wielkogabarytowe",
            Fraction::Electronics => "Elektroodpady",
            Fraction::Ash => "Popiół",
            Fraction::Textiles => "Tekstylia",
            Fraction::Custom(label) => label,
        }
    }

    pub fn label_en(&self) -> &str {
        match self {
            Fraction::Mixed => "Mixed waste",
            Fraction::Paper => "Paper",
            Fraction::Glass => "Glass",
            Fraction::MetalsPlastics => "Metals and plastics",
            Fraction::Bio => "Bio-waste",
            Fraction::Bulky => "Bulky waste",
            Fraction::Electronics => "Electrical and electronic waste",
            Fraction::Ash => "Ash",
            Fraction::Textiles => "Textiles",
            Fraction::Custom(label) => label,
        }
    }

    /// A token safe in an ICS UID: the code, a custom label folded to
    /// `a–z 0–9 -`.
    pub fn uid_token(&self) -> String {
        match self {
            Fraction::Custom(label) => {
                let slug: String =
                    fold(label).chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
                format!("custom-{slug}")
            }
            other => other.standard_code().to_string(),
        }
    }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl TryFrom<String> for Fraction {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Fraction::parse(&s).ok_or_else(|| format!("unknown fraction `{s}`"))
    }
}

impl From<Fraction> for String {
    fn from(f: Fraction) -> String {
        f.code()
    }
}

/// On the wire a fraction is its code (`Fraction::code`): `paper`,
/// `metals_plastics`, ..., or `custom:LABEL`. A derived schema would list
/// the variants' Rust names (`Paper`), which the API never sends.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Fraction {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "mixed, paper, glass, metals_plastics, bio, bulky, electronics, ash, textiles, \
                 or a gmina's own fraction as custom:LABEL",
            ))
            .pattern(Some(
                "^(mixed|paper|glass|metals_plastics|bio|bulky|electronics|ash|textiles|custom:[\\s\\S]+)$",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Fraction {}

/// The kind of building an address rule applies to: gminas publish one
/// schedule for houses (zabudowa jednorodzinna) and another for blocks of
/// flats (wielorodzinna).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BuildingType {
    SingleFamily,
    MultiFamily,
    /// Either (a rule for every building).
    Any,
}

/// Which side of a street a rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Parity {
    Odd,
    Even,
    All,
}

impl Parity {
    pub fn admits(self, number: u32) -> bool {
        match self {
            Parity::Odd => number % 2 == 1,
            Parity::Even => number.is_multiple_of(2),
            Parity::All => true,
        }
    }
}

/// A collection zone (rejon, sektor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Zone {
    pub id: ZoneId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One collection: a zone, a date and a fraction. Dates, not rules:
/// holidays move collections, and the gmina's published dates already say
/// where to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pickup {
    pub zone: ZoneId,
    pub date: NaiveDate,
    pub fraction: Fraction,
    /// E.g. "przesunięte z 25 grudnia".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A "what goes where" entry (co gdzie wyrzucić).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DictionaryEntry {
    /// The thing, as a resident would name it ("słoik po dżemie").
    pub item: String,
    pub fraction: Fraction,
    /// E.g. "bez nakrętki", "do PSZOK".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A PSZOK (punkt selektywnej zbiórki odpadów komunalnych): the collection
/// point every gmina runs (u.c.p.g. art. 3 ust. 2 pkt 6). Shown on the map
/// as a place of category `pszok`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pszok {
    pub name: String,
    pub address: String,
    pub point: GeoPoint,
    /// OSM `opening_hours` (`crate::opening_hours`), e.g. `Tu-Fr 10:00-18:00; Sa 08:00-14:00; PH off`.
    pub opening_hours: String,
    /// What it takes, as the gmina words it ("opony", "przeterminowane leki").
    pub accepts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

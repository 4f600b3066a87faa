//! What `core.waste()` hands the shells: addresses with where they stand,
//! next pickups with their bin and texts, dictionary hits, reminders to
//! schedule. Texts are in the resident's language (`Core::language`), so no
//! shell formats a date or names a fraction.

use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::waste::{BinColour, BuildingType, Fraction, ZoneId};
use serde::{Deserialize, Serialize};

use crate::display::{self, Language};

/// An address as the resident types it (`add_address`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WasteAddressInput {
    /// Miejscowość, e.g. "Siechnice".
    pub locality: String,
    /// `None` in a village without street names.
    pub street: Option<String>,
    /// As typed: `12`, `12a`, `12/3` (the flat does not matter).
    pub number: String,
    /// `None`: not said; asked only when the zone depends on it.
    pub building: Option<BuildingType>,
    /// What the resident calls it ("Dom", "Mama"); default: the address.
    pub label: Option<String>,
}

/// Whether the gmina's rules give the address a zone, as last asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressCheck {
    /// Added offline: the next sync or refresh asks the server.
    Unchecked,
    /// The server gave it a zone; its pickups are cached.
    Known,
    /// The gmina's rules no longer cover it (changed since it was added).
    Unknown,
    /// The gmina's rules now depend on the building type: edit or re-add
    /// it with one.
    BuildingTypeNeeded,
}

impl AddressCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            AddressCheck::Unchecked => "unchecked",
            AddressCheck::Known => "known",
            AddressCheck::Unknown => "unknown",
            AddressCheck::BuildingTypeNeeded => "building_type_needed",
        }
    }

    pub fn parse(s: &str) -> AddressCheck {
        match s {
            "known" => AddressCheck::Known,
            "unknown" => AddressCheck::Unknown,
            "building_type_needed" => AddressCheck::BuildingTypeNeeded,
            _ => AddressCheck::Unchecked,
        }
    }

    pub fn text(self, lang: Language) -> &'static str {
        match self {
            AddressCheck::Unchecked => {
                lang.pick("Harmonogram pobierzemy przy następnej synchronizacji.", "The schedule comes with the next sync.")
            }
            AddressCheck::Known => "",
            AddressCheck::Unknown => lang.pick(
                "Gmina nie ma już harmonogramu dla tego adresu. Sprawdź adres.",
                "The municipality no longer has a schedule for this address. Check the address.",
            ),
            AddressCheck::BuildingTypeNeeded => lang.pick(
                "Podaj rodzaj zabudowy (dom jednorodzinny czy blok).",
                "Say whether it is a house or a block of flats.",
            ),
        }
    }
}

/// One of the resident's addresses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WasteAddress {
    /// This device's number for it.
    pub id: i64,
    pub label: String,
    pub locality: String,
    pub street: Option<String>,
    pub number: String,
    pub building: Option<BuildingType>,
    pub check: AddressCheck,
    /// What to tell the resident about `check` (empty when all is well).
    pub check_text: String,
    /// The collection zone (rejon) of the last schedule fetched.
    pub zone: Option<ZoneId>,
    pub zone_name: Option<String>,
    /// When this device last fetched its schedule.
    pub fetched_at: Option<DateTime<Utc>>,
    /// When the gmina last imported the schedule.
    pub updated_at: Option<DateTime<Utc>>,
}

/// The address as people write it: "Kolejowa 5, Siechnice" or "Zębice 3".
pub fn address_text(locality: &str, street: Option<&str>, number: &str) -> String {
    match street.map(str::trim).filter(|s| !s.is_empty()) {
        Some(street) => format!("{street} {}, {}", number.trim(), locality.trim()),
        None => format!("{} {}", locality.trim(), number.trim()),
    }
}

/// A fraction with its bin, as every list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FractionView {
    pub fraction: Fraction,
    /// "Papier" / "Paper".
    pub label: String,
    pub bin_colour: BinColour,
    /// sRGB for the bin icon, e.g. `#1565C0`.
    pub bin_colour_hex: String,
    /// "niebieski" / "blue".
    pub bin_text: String,
}

impl FractionView {
    pub fn of(f: &Fraction, lang: Language) -> FractionView {
        let c = f.colour();
        FractionView {
            label: lang.pick(f.label_pl(), f.label_en()).to_owned(),
            bin_colour: c,
            bin_colour_hex: c.hex().to_owned(),
            bin_text: lang.pick(c.label_pl(), c.label_en()).to_owned(),
            fraction: f.clone(),
        }
    }
}

/// One coming collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WastePickup {
    pub date: NaiveDate,
    /// `pn 7 gru 2026`.
    pub date_text: String,
    /// Days from today (Warsaw): 0 today, 1 tomorrow.
    pub days_until: i64,
    /// "dziś", "jutro", "za 5 dni" / "today", "tomorrow", "in 5 days".
    pub when_text: String,
    #[serde(flatten)]
    pub fraction: FractionView,
    /// E.g. "przesunięte z 25 grudnia".
    pub note: Option<String>,
}

/// "dziś", "jutro", "pojutrze", "za N dni".
pub fn when_text(days: i64, lang: Language) -> String {
    match (days, lang) {
        (0, _) => lang.pick("dziś", "today").to_owned(),
        (1, _) => lang.pick("jutro", "tomorrow").to_owned(),
        (2, Language::Polish) => "pojutrze".to_owned(),
        (n, Language::Polish) => format!("za {n} dni"),
        (n, Language::English) => format!("in {n} days"),
    }
}

impl WastePickup {
    pub fn of(p: &mm_protocol::waste::Pickup, today: NaiveDate, lang: Language) -> WastePickup {
        let days = (p.date - today).num_days();
        WastePickup {
            date: p.date,
            date_text: display::date_text(p.date, lang),
            days_until: days,
            when_text: when_text(days, lang),
            fraction: FractionView::of(&p.fraction, lang),
            note: p.note.clone(),
        }
    }
}

/// An address with its next collections, soonest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressPickups {
    pub address: WasteAddress,
    pub pickups: Vec<WastePickup>,
}

/// The waste screen: every address with its next collections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WasteScreen {
    /// The day it is computed for (Warsaw).
    pub today: NaiveDate,
    pub addresses: Vec<AddressPickups>,
}

/// A "what goes where" answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictionaryHit {
    /// "słoik po dżemie".
    pub item: String,
    #[serde(flatten)]
    pub fraction: FractionView,
    /// E.g. "bez nakrętki", "do PSZOK".
    pub note: Option<String>,
}

/// A local notification for a shell to schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WasteReminder {
    /// When to show it (the resident's wall-clock time in Europe/Warsaw,
    /// made an instant across DST by the protocol).
    pub at: DateTime<Utc>,
    /// The collection's day.
    pub date: NaiveDate,
    #[serde(flatten)]
    pub fraction: FractionView,
    pub address_id: i64,
    pub address_label: String,
    /// "Jutro odbiór: Papier".
    pub title: String,
    /// "Kolejowa 5, Siechnice — wystaw pojemnik niebieski (pt 4 gru 2026)."
    pub body: String,
    /// Stable for the same address, day and fraction: a shell that
    /// schedules again replaces, never doubles, a notification.
    pub key: String,
}

/// An address's collections as an iCalendar file, and the feed's address
/// for subscribing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WasteIcs {
    pub address_id: i64,
    /// `…/api/v1/waste/schedule.ics?locality=…` (public, no token).
    pub url: String,
    /// RFC 5545 text, CRLF line ends.
    pub ics: String,
}

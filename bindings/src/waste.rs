//! The waste-collection schedule across the boundary (issue 16 §5–§6):
//! the records and the `MmCore` methods, one call per screen.
//!
//! | screen | call |
//! |---|---|
//! | my addresses | `waste_addresses()`, `waste_add_address(input)` (online it is checked: `waste_address_unknown`, `waste_building_type_needed` on `building`; offline kept `unchecked`), `waste_remove_address(id)` |
//! | next collections | `waste_screen(today, limit)` (offline, from the cache), `waste_refresh()` (the sync does it too) |
//! | what goes where | `waste_search(text, limit)` (offline, Polish letters optional) |
//! | reminders | `waste_reminder_prefs()`, `set_waste_reminder_prefs(prefs)` (1–3 days before), `waste_reminders(from_ms, to_ms)`: schedule these as local notifications (AlarmManager / `UNCalendarNotificationTrigger`), replacing by `key`, after every sync and change |
//! | calendar | `waste_ics(id)`: the file to share, and the feed's URL to subscribe to |
//!
//! A fraction crosses as its code (`paper`, `custom:choinki`) with its
//! label and bin; the reminder's time as minutes after midnight, Warsaw.
//! Mapping only: zones, dates, texts and the reminders' instants are the
//! core's.

use chrono::{NaiveTime, Timelike};
use mm_core as core;

use crate::error::MmError;
use crate::object::{MmCore, all, one};
use crate::records::{ms, parse_day};

/// A house (zabudowa jednorodzinna) or a block of flats (wielorodzinna).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WasteBuilding {
    SingleFamily,
    MultiFamily,
}

fn building_from(b: Option<core::BuildingType>) -> Option<WasteBuilding> {
    match b {
        Some(core::BuildingType::SingleFamily) => Some(WasteBuilding::SingleFamily),
        Some(core::BuildingType::MultiFamily) => Some(WasteBuilding::MultiFamily),
        Some(core::BuildingType::Any) | None => None,
    }
}

fn building_to(b: Option<WasteBuilding>) -> Option<core::BuildingType> {
    b.map(|b| match b {
        WasteBuilding::SingleFamily => core::BuildingType::SingleFamily,
        WasteBuilding::MultiFamily => core::BuildingType::MultiFamily,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WasteAddressInput {
    pub locality: String,
    pub street: Option<String>,
    /// As typed: `12`, `12a`, `12/3`.
    pub number: String,
    /// `None`: not said (asked only when the zone depends on it).
    pub building: Option<WasteBuilding>,
    /// "Dom", "Mama"; `None`: the address itself.
    pub label: Option<String>,
}

/// Whether the gmina's rules give the address a zone, as last asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WasteAddressCheck {
    Unchecked,
    Known,
    Unknown,
    BuildingTypeNeeded,
}

impl From<core::AddressCheck> for WasteAddressCheck {
    fn from(c: core::AddressCheck) -> Self {
        match c {
            core::AddressCheck::Unchecked => WasteAddressCheck::Unchecked,
            core::AddressCheck::Known => WasteAddressCheck::Known,
            core::AddressCheck::Unknown => WasteAddressCheck::Unknown,
            core::AddressCheck::BuildingTypeNeeded => WasteAddressCheck::BuildingTypeNeeded,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WasteAddress {
    pub id: i64,
    pub label: String,
    pub locality: String,
    pub street: Option<String>,
    pub number: String,
    pub building: Option<WasteBuilding>,
    pub check: WasteAddressCheck,
    /// What to tell the resident about `check` (empty when all is well).
    pub check_text: String,
    pub zone: Option<String>,
    pub zone_name: Option<String>,
    pub fetched_at_ms: Option<i64>,
    pub updated_at_ms: Option<i64>,
}

impl From<core::WasteAddress> for WasteAddress {
    fn from(a: core::WasteAddress) -> Self {
        WasteAddress {
            id: a.id,
            label: a.label,
            locality: a.locality,
            street: a.street,
            number: a.number,
            building: building_from(a.building),
            check: a.check.into(),
            check_text: a.check_text,
            zone: a.zone,
            zone_name: a.zone_name,
            fetched_at_ms: a.fetched_at.map(ms),
            updated_at_ms: a.updated_at.map(ms),
        }
    }
}

/// A fraction with its bin.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WasteFraction {
    /// `mixed`, `paper`, `glass`, `metals_plastics`, `bio`, `bulky`,
    /// `electronics`, `ash`, `textiles`, `custom:<label>`.
    pub code: String,
    pub label: String,
    /// `blue`, `green`, `yellow`, `brown`, `black`, `grey`.
    pub bin_colour: String,
    /// `#1565C0`.
    pub bin_colour_hex: String,
    pub bin_text: String,
}

impl From<core::FractionView> for WasteFraction {
    fn from(f: core::FractionView) -> Self {
        WasteFraction {
            code: f.fraction.code(),
            label: f.label,
            bin_colour: f.bin_colour.label_en().to_owned(),
            bin_colour_hex: f.bin_colour_hex,
            bin_text: f.bin_text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WastePickup {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub date_text: String,
    pub days_until: i64,
    /// "dziś", "jutro", "za 5 dni".
    pub when_text: String,
    pub fraction: WasteFraction,
    pub note: Option<String>,
}

impl From<core::WastePickup> for WastePickup {
    fn from(p: core::WastePickup) -> Self {
        WastePickup {
            date: p.date.to_string(),
            date_text: p.date_text,
            days_until: p.days_until,
            when_text: p.when_text,
            fraction: p.fraction.into(),
            note: p.note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WasteAddressPickups {
    pub address: WasteAddress,
    pub pickups: Vec<WastePickup>,
}

impl From<core::AddressPickups> for WasteAddressPickups {
    fn from(a: core::AddressPickups) -> Self {
        WasteAddressPickups { address: a.address.into(), pickups: a.pickups.into_iter().map(Into::into).collect() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WasteScreen {
    pub today: String,
    pub addresses: Vec<WasteAddressPickups>,
}

impl From<core::WasteScreen> for WasteScreen {
    fn from(s: core::WasteScreen) -> Self {
        WasteScreen { today: s.today.to_string(), addresses: s.addresses.into_iter().map(Into::into).collect() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WasteDictionaryHit {
    pub item: String,
    pub fraction: WasteFraction,
    pub note: Option<String>,
}

impl From<core::DictionaryHit> for WasteDictionaryHit {
    fn from(h: core::DictionaryHit) -> Self {
        WasteDictionaryHit { item: h.item, fraction: h.fraction.into(), note: h.note }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WasteReminderPrefs {
    pub enabled: bool,
    /// 1–3.
    pub days_before: u8,
    /// Minutes after midnight, Warsaw (18:00 = 1080).
    pub at_minute: u32,
    /// Fraction codes without reminders.
    pub muted: Vec<String>,
}

impl From<core::ReminderPrefs> for WasteReminderPrefs {
    fn from(p: core::ReminderPrefs) -> Self {
        WasteReminderPrefs {
            enabled: p.enabled,
            days_before: p.days_before,
            at_minute: p.at.hour() * 60 + p.at.minute(),
            muted: p.muted.iter().map(core::Fraction::code).collect(),
        }
    }
}

impl TryFrom<WasteReminderPrefs> for core::ReminderPrefs {
    type Error = MmError;
    fn try_from(p: WasteReminderPrefs) -> Result<Self, MmError> {
        let invalid = |pl: &str, en: &str| -> MmError {
            core::CoreError::InvalidInput { field: "reminder".into(), message: core::Message::new(pl, en) }.into()
        };
        let at = NaiveTime::from_hms_opt(p.at_minute / 60, p.at_minute % 60, 0)
            .ok_or_else(|| invalid("Minuta doby: od 0 do 1439.", "A minute of the day: 0 to 1439."))?;
        let muted = p
            .muted
            .iter()
            .map(|c| core::Fraction::parse(c).ok_or_else(|| invalid("Nieznana frakcja odpadów.", "Unknown waste fraction.")))
            .collect::<Result<_, _>>()?;
        Ok(core::ReminderPrefs { enabled: p.enabled, days_before: p.days_before, at, muted })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WasteReminder {
    pub at_ms: i64,
    /// The collection's day, `YYYY-MM-DD`.
    pub date: String,
    pub fraction: WasteFraction,
    pub address_id: i64,
    pub address_label: String,
    pub title: String,
    pub body: String,
    /// Stable per address, day and fraction: the notification's id.
    pub key: String,
}

impl From<core::WasteReminder> for WasteReminder {
    fn from(r: core::WasteReminder) -> Self {
        WasteReminder {
            at_ms: ms(r.at),
            date: r.date.to_string(),
            fraction: r.fraction.into(),
            address_id: r.address_id,
            address_label: r.address_label,
            title: r.title,
            body: r.body,
            key: r.key,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WasteIcs {
    pub address_id: i64,
    pub url: String,
    pub ics: String,
}

impl From<core::WasteIcs> for WasteIcs {
    fn from(i: core::WasteIcs) -> Self {
        WasteIcs { address_id: i.address_id, url: i.url, ics: i.ics }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MmCore {
    /// Adds an address, checked by the server when online.
    pub async fn waste_add_address(&self, input: WasteAddressInput) -> Result<WasteAddress, MmError> {
        let input = core::WasteAddressInput {
            locality: input.locality,
            street: input.street,
            number: input.number,
            building: building_to(input.building),
            label: input.label,
        };
        one(self.core.waste().add_address(&input).await)
    }

    pub fn waste_addresses(&self) -> Result<Vec<WasteAddress>, MmError> {
        all(self.core.waste().addresses())
    }

    pub fn waste_remove_address(&self, id: i64) -> Result<(), MmError> {
        Ok(self.core.waste().remove_address(id)?)
    }

    /// Every address with its next `limit` collections from `today`.
    pub fn waste_screen(&self, today: String, limit: u32) -> Result<WasteScreen, MmError> {
        one(self.core.waste().screen(parse_day("today", &today)?, limit))
    }

    /// Fetches the schedules and the dictionary now.
    pub async fn waste_refresh(&self) -> Result<(), MmError> {
        Ok(self.core.waste().refresh().await?)
    }

    pub fn waste_search(&self, text: String, limit: u32) -> Result<Vec<WasteDictionaryHit>, MmError> {
        all(self.core.waste().search(&text, limit))
    }

    pub fn waste_reminder_prefs(&self) -> Result<WasteReminderPrefs, MmError> {
        one(self.core.waste().reminder_prefs())
    }

    pub fn set_waste_reminder_prefs(&self, prefs: WasteReminderPrefs) -> Result<(), MmError> {
        Ok(self.core.waste().set_reminder_prefs(&prefs.try_into()?)?)
    }

    /// The local notifications due in `[from_ms, to_ms)`.
    pub fn waste_reminders(&self, from_ms: i64, to_ms: i64) -> Result<Vec<WasteReminder>, MmError> {
        let (from, to) = (crate::records::from_ms("from_ms", from_ms)?, crate::records::from_ms("to_ms", to_ms)?);
        all(self.core.waste().reminders(from, to))
    }

    pub fn waste_ics(&self, id: i64) -> Result<WasteIcs, MmError> {
        one(self.core.waste().ics(id))
    }
}

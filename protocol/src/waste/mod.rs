//! The waste-collection schedule (harmonogram odbioru odpadów, issue 16,
//! `docs/plans/issue-16.md` §1, format in `docs/WASTE.md`). Pure rules:
//! the server imports and serves it, the core caches it and reminds.
//!
//! - [`model`]: fractions and their bins, zones, dated pickups, the PSZOK,
//!   the dictionary.
//! - [`address`]: house numbers, street names compared folded, address
//!   rules and `resolve` (most specific wins).
//! - [`csv`]: the import files, checked line by line.
//! - [`ics`]: the ICS feed of an address.
//! - [`reminders`]: local reminders in Europe/Warsaw time.
//! - [`dictionary`]: "what goes where" search without diacritics.
//! - [`wire`]: the residents' routes' bodies.

pub mod model;
pub mod address;
pub mod csv;
pub mod ics;
pub mod reminders;
pub mod dictionary;
pub mod wire;

#[cfg(test)]
mod tests;

pub use address::{normalise_name, resolve, Address, AddressRule, HouseNumber, ResolveError};
pub use csv::{parse_import, FileKind, ImportError, ImportInput, ImportReason, WasteImport};
pub use dictionary::search;
pub use ics::{schedule_ics, WasteIcsOptions};
pub use model::{BinColour, BuildingType, DictionaryEntry, Fraction, Parity, Pickup, Pszok, Zone, ZoneId};
pub use reminders::{reminders, AddressSchedule, Reminder, ReminderPrefs};
pub use wire::{ScheduleQuery, ScheduleResponse, StreetsResponse};

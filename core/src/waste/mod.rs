//! The waste-collection schedule on the device (issue 16 §5–§6,
//! docs/WASTE.md "In the app"): the resident's addresses, each address's
//! pickups cached for reading offline, the "what goes where" dictionary
//! searched offline, and the reminders the shells schedule as local
//! notifications (AlarmManager, `UNCalendarNotificationTrigger`).
//!
//! - `model`: the records the shells get (texts in the resident's language).
//! - `addresses`: the addresses table (schema version 8).
//! - `schedule`: `GET /api/v1/waste/schedule` per address, and its cache.
//! - `dictionary`: `GET /api/v1/waste/dictionary`, its cache and the search
//!   (`mm_protocol::waste::search`, without diacritics).
//! - `reminders`: the resident's preferences and the reminders computed by
//!   `mm_protocol::waste::reminders` over the cached schedules.
//! - `api`: `core.waste()`.
//!
//! The addresses are this device's data. The server keeps none of them:
//! it answers a schedule query (a public route, no device token) and
//! forgets it. So adding or removing an address writes only the local
//! store, at once and offline too; there is nothing to send later, and no
//! outbox item (unlike a report or the subscription, which the server
//! keeps). An address added offline is checked by the next sync or refresh.

mod api;
pub(crate) mod addresses;
pub(crate) mod dictionary;
pub mod model;
pub(crate) mod reminders;
pub(crate) mod schedule;

pub use api::WasteApi;
pub(crate) use api::refresh_if_any;

#[cfg(test)]
mod tests;

//! mm-bindings: the UniFFI 0.32 layer between `mm-core` and the Kotlin and
//! Swift shells. Mapping only: every business rule lives in the core; this
//! crate converts types, errors and callbacks at the boundary.
//!
//! Conventions of everything that crosses:
//! - an instant is `i64` milliseconds since the Unix epoch, UTC (fields end
//!   in `_ms`; Kotlin: `Instant.ofEpochMilli`, Swift: `Date(timeIntervalSince1970:)`);
//! - a calendar day (Europe/Warsaw, as the core counts days) is an ISO 8601
//!   `YYYY-MM-DD` string (Kotlin: `LocalDate.parse`);
//! - errors are one typed hierarchy, [`MmError`] (`MmException` in Kotlin,
//!   `MmError` in Swift), with a stable `code` and Polish and English texts;
//! - a Rust panic is caught by UniFFI and reaches the shell as its
//!   `InternalException`: the library keeps panics unwinding (see the
//!   `mobile` profile), so nothing crossing the boundary kills the app.
//!
//! In the order a shell meets them:

uniffi::setup_scaffolding!("mm_core");

/// `init_logging`: tracing to logcat on Android, to stderr elsewhere.
mod logging;
/// [`MmError`] and its mapping from `mm_core::CoreError`.
mod error;
/// Records and enums that cross, and their conversions from the core's types.
mod records;
/// [`CoreListener`], the shell's callback interface for sync progress and
/// notifications, adapted to `mm_core::SyncListener`.
mod listener;
/// [`MmCore`], the object wrapping `mm_core::Core`: one call per screen.
/// Its methods are grouped by feature, one file each, as the core's
/// feature objects are (`core.events()` → `events.rs`).
mod object;
/// Events and the calendar: records and the `MmCore` methods.
mod events;
/// News, alerts and notifications: records and the `MmCore` methods.
mod news;
/// Residents' reports: records and the `MmCore` methods of the reporting
/// flow (categories, drafts, photos, review, submit, my reports, follow).
mod reports;
/// The map: places with accessibility, filters, nearest, search, bike paths.
mod places;
/// Many gminas: the directory, choosing and switching.
mod gminas;
/// Local taxes: liabilities with interest to today, the transfer QR,
/// payments through the gateway, reminders.
mod taxes;
/// The participatory budget: editions, projects, the ballot with the rule
/// enforced by the core at every pick, the SMS code, casting, results.
mod budget;
/// Consultations: the list, one with its questions and my draft, sending, the summary.
mod consultations;
/// Notifications that reach the phone: subscription settings, the push
/// registration (the feed is `notifications()` in `news`).
mod notifications;
/// The waste-collection schedule: my addresses, next collections, the
/// dictionary, reminders to schedule locally, the ICS.
mod waste;

pub use error::{ListenerError, MmError};
pub use listener::CoreListener;
pub use logging::init_logging;
pub use object::{ErrorText, Language, MmCore, Noun, default_server_url, internal_error_message, live_core_objects};
pub use records::*;
pub use events::*;
pub use news::*;
pub use reports::*;
pub use places::*;
pub use gminas::{GminaChoice, GminaList, GminaSummary};
pub use taxes::*;
pub use budget::*;
pub use consultations::*;
pub use notifications::*;
pub use waste::*;

#[cfg(test)]
mod tests;

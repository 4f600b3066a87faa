//! The wire contract of mMieszkaniec: what the core and the server say to
//! each other over HTTP. Plain data plus validation; no I/O. Both sides
//! compile against this crate, so they cannot drift apart.
//!
//! Conventions: times are UTC (RFC 3339) on the wire, Europe/Warsaw only for
//! calendar rules; money is integer grosze; coordinates are WGS84.

// A library logs (tracing) or returns; its binaries and tests print.
#![cfg_attr(not(test), warn(clippy::print_stdout, clippy::print_stderr))]

pub mod error;
pub mod validation;
pub mod geo;

pub mod auth;
pub mod devices;
pub mod gmina;
pub mod news;
pub mod events;
pub mod calendar;
pub mod reports;
pub mod places;
pub mod sync;
pub mod holidays;
pub mod text;
pub mod opening_hours;
pub mod taxes;
pub mod budget;
pub mod consultations;
pub mod notifications;
pub mod waste;

#[doc(hidden)]
pub mod fuzzing;

/// The time zone of every Polish gmina: calendar rules (recurrence, "today",
/// all-day events) are evaluated here, never in UTC.
pub const LOCAL_TZ: chrono_tz::Tz = chrono_tz::Europe::Warsaw;

/// Prefix of every app endpoint.
pub const API_PREFIX: &str = "/api/v1";

//! Calendar rules shared by the core (offline calendar, "add to calendar")
//! and the server (ICS feeds), so a resident's phone and the gmina's feed
//! can never disagree about when an event happens.
//!
//! - [`rrule`]: the RFC 5545 recurrence rule subset (§3.3.10) and its
//!   expansion in Europe/Warsaw wall-clock time (§3.3.5, §3.8.5.3).
//! - [`ics`]: iCalendar text (RFC 5545 §3.1 content lines, §3.6 components).
//!
//! Pure functions only: no I/O, no clock reads; the caller passes "now".

pub mod ics;
pub mod rrule;

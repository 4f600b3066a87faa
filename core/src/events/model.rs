//! The records the events and calendar screens get from the core.

use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::events::Event;
use serde::{Deserialize, Serialize};

/// One occurrence of an event, as lists and calendars show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventOccurrence {
    pub event_id: i64,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub all_day: bool,
    pub place_name: Option<String>,
    /// Category slug.
    pub category: Option<String>,
    pub cancelled: bool,
    pub recurring: bool,
    /// `wt 1 gru 2026, 18:00–20:00`, all-day spans by their first and last
    /// day, in the core's language (`display::when_text`).
    #[serde(default)]
    pub when_text: String,
}

/// One occurrence of an event's rule, with its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventTime {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub when_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetail {
    pub event: Event,
    pub category_name_pl: Option<String>,
    pub category_name_en: Option<String>,
    /// The event's own span (`display::when_text`).
    pub when_text: String,
    /// Up to 10 occurrences not over yet, from the rule itself.
    pub next_occurrences: Vec<EventTime>,
}

/// What the phone's calendar needs to add an event (Android:
/// `CalendarContract` insert extras; iOS: `EKEvent`), so both shells add
/// the same thing: the rule of a recurring event, and all-day dates that
/// neither lose nor gain a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub title: String,
    pub description: String,
    pub location: Option<String>,
    pub all_day: bool,
    /// Timed: the start. All-day: 00:00 UTC of the first day, since
    /// Android's calendar provider keeps all-day events in UTC
    /// (`CalendarContract.Events`: "allDay … in UTC").
    pub begin: DateTime<Utc>,
    /// Timed: the end. All-day: 00:00 UTC of the day after the last.
    pub end: DateTime<Utc>,
    /// The first Warsaw day (EventKit: `startDate` of an all-day event).
    pub first_day: NaiveDate,
    /// The last Warsaw day, inclusive (EventKit's all-day `endDate`; the
    /// RFC 5545 end is the exclusive midnight after it).
    pub last_day: NaiveDate,
    /// RFC 5545 RRULE when the event repeats.
    pub rrule: Option<String>,
    /// IANA zone of a timed event's times: `Europe/Warsaw`.
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthView {
    pub year: i32,
    pub month: u32,
    /// Only days with events, in order.
    pub days: Vec<DayCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    pub day: u32,
    pub count: u32,
}

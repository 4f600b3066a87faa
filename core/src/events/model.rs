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
    /// The Warsaw day it starts on: lists group by it (a day's heading).
    pub day: NaiveDate,
    /// That day as a heading, `wt 1 gru 2026` (`display::date_text`).
    #[serde(default)]
    pub day_text: String,
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
    /// The same rule in parts, for calendars that take no RRULE text
    /// (EventKit's `EKRecurrenceRule`); `None` when the event does not repeat.
    pub recurrence: Option<Recurrence>,
    /// IANA zone of a timed event's times: `Europe/Warsaw`.
    pub time_zone: String,
}

/// An RRULE in parts (RFC 5545 §3.3.10, the subset `mm_protocol` accepts:
/// FREQ, INTERVAL, COUNT or UNTIL, BYDAY). WKST is left out: EventKit sets
/// no week start, and a gmina's rules use the Monday default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    pub frequency: RecurrenceFrequency,
    /// Every how many days/weeks/months; at least 1.
    pub interval: u32,
    /// Occurrences in all, the first included (COUNT).
    pub count: Option<u32>,
    /// The last instant an occurrence may start at, inclusive (UNTIL).
    pub until: Option<DateTime<Utc>>,
    /// BYDAY: empty means the weekday (weekly) or day of month (monthly)
    /// of the first occurrence.
    pub by_day: Vec<RecurrenceDay>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecurrenceFrequency {
    Daily,
    Weekly,
    Monthly,
}

/// One BYDAY entry: `TU` (ordinal 0: every Tuesday), `2TU` (the second),
/// `-1FR` (the last Friday of the month).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecurrenceDay {
    pub weekday: chrono::Weekday,
    pub ordinal: i32,
}

impl Recurrence {
    /// The parts of an RRULE value; `None` for a rule the protocol does not
    /// accept (the server validated it, so only a corrupt store has one).
    pub fn parse(rrule: &str) -> Option<Recurrence> {
        use mm_protocol::calendar::rrule::{Frequency, RecurrenceRule, RuleEnd};
        let rule = RecurrenceRule::parse(rrule).ok()?;
        let (count, until) = match rule.end {
            RuleEnd::Forever => (None, None),
            RuleEnd::Count(n) => (Some(n), None),
            RuleEnd::Until(t) => (None, Some(t)),
        };
        Some(Recurrence {
            frequency: match rule.frequency {
                Frequency::Daily => RecurrenceFrequency::Daily,
                Frequency::Weekly => RecurrenceFrequency::Weekly,
                Frequency::Monthly => RecurrenceFrequency::Monthly,
            },
            interval: rule.interval,
            count,
            until,
            by_day: rule
                .by_day
                .iter()
                .map(|d| RecurrenceDay { weekday: d.weekday, ordinal: d.ordinal.map_or(0, i32::from) })
                .collect(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthView {
    pub year: i32,
    pub month: u32,
    /// `grudzień 2026` / `December 2026`: the screen's heading.
    pub title_text: String,
    /// Only days with events, in order.
    pub days: Vec<MonthDay>,
}

/// A day of the month that has events, with the row's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthDay {
    pub day: u32,
    pub date: NaiveDate,
    pub count: u32,
    /// `wt 1 gru 2026: 2 wydarzenia` / `Tue 1 Dec 2026: 2 events`.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    pub day: u32,
    pub count: u32,
}

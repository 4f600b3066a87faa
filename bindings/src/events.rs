//! Events and the calendar across the boundary: the records and the
//! `MmCore` methods of the events list, an event, the month view and the
//! iCalendar files (`core.events()` in the core).

use chrono::Utc;
use mm_core as core;

use crate::error::MmError;
use crate::object::{MmCore, all, one};
use crate::records::{GeoPoint, ms, parse_day};

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EventCategory {
    /// Stable slug, e.g. `kultura`.
    pub id: String,
    pub name_pl: String,
    pub name_en: String,
}

impl From<core::EventCategory> for EventCategory {
    fn from(c: core::EventCategory) -> Self {
        EventCategory { id: c.id, name_pl: c.name_pl, name_en: c.name_en }
    }
}

/// An event (wydarzenie) as published. All-day events start and end at
/// Warsaw midnights, the end exclusive.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Event {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub all_day: bool,
    pub place_name: Option<String>,
    pub point: Option<GeoPoint>,
    pub category: Option<String>,
    pub organiser: Option<String>,
    pub image_url: Option<String>,
    /// Access for people with disabilities, in the organiser's words.
    pub accessibility: Option<String>,
    pub cancelled: bool,
    /// RFC 5545 RRULE, when the event repeats.
    pub rrule: Option<String>,
    pub updated_at_ms: i64,
}

impl From<core::Event> for Event {
    fn from(e: core::Event) -> Self {
        Event {
            id: e.id,
            title: e.title,
            description: e.description,
            starts_at_ms: ms(e.starts_at),
            ends_at_ms: ms(e.ends_at),
            all_day: e.all_day,
            place_name: e.place_name,
            point: e.point.map(Into::into),
            category: e.category,
            organiser: e.organiser,
            image_url: e.image_url,
            accessibility: e.accessibility,
            cancelled: e.cancelled,
            rrule: e.rrule,
            updated_at_ms: ms(e.updated_at),
        }
    }
}

/// One occurrence of an event, as lists and calendars show it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EventOccurrence {
    pub event_id: i64,
    pub title: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub all_day: bool,
    pub place_name: Option<String>,
    pub category: Option<String>,
    pub cancelled: bool,
    pub recurring: bool,
    /// `wt 1 gru 2026, 18:00–20:00`; all-day spans by their first and last
    /// day (`(cały dzień)`), in the core's language.
    pub when_text: String,
    /// `YYYY-MM-DD`, the Warsaw day it starts on: lists group by it.
    pub day: String,
    /// That day as a section heading, `wt 1 gru 2026`.
    pub day_text: String,
}

impl From<core::EventOccurrence> for EventOccurrence {
    fn from(o: core::EventOccurrence) -> Self {
        EventOccurrence {
            event_id: o.event_id,
            title: o.title,
            starts_at_ms: ms(o.starts_at),
            ends_at_ms: ms(o.ends_at),
            all_day: o.all_day,
            place_name: o.place_name,
            category: o.category,
            cancelled: o.cancelled,
            recurring: o.recurring,
            when_text: o.when_text,
            day: o.day.to_string(),
            day_text: o.day_text,
        }
    }
}

/// One occurrence of an event's rule.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Occurrence {
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub when_text: String,
}

impl From<core::EventTime> for Occurrence {
    fn from(o: core::EventTime) -> Self {
        Occurrence { starts_at_ms: ms(o.starts_at), ends_at_ms: ms(o.ends_at), when_text: o.when_text }
    }
}

/// What the phone's calendar is given to add an event. Android: the
/// `CalendarContract` insert extras (`begin_ms`/`end_ms` are UTC midnights
/// for all-day events, as the provider wants). iOS: `EKEvent` with
/// `first_day`…`last_day` (inclusive) for all-day events, and the RRULE.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CalendarEntry {
    pub title: String,
    pub description: String,
    pub location: Option<String>,
    pub all_day: bool,
    pub begin_ms: i64,
    pub end_ms: i64,
    /// `YYYY-MM-DD`, Warsaw.
    pub first_day: String,
    /// `YYYY-MM-DD`, Warsaw, inclusive.
    pub last_day: String,
    /// RFC 5545 RRULE when the event repeats.
    pub rrule: Option<String>,
    /// The same rule in parts (EventKit's `EKRecurrenceRule` takes no
    /// RRULE text); `None` when the event does not repeat.
    pub recurrence: Option<Recurrence>,
    /// `Europe/Warsaw`.
    pub time_zone: String,
}

/// An RRULE in parts: FREQ, INTERVAL, COUNT or UNTIL, BYDAY.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Recurrence {
    pub frequency: RecurrenceFrequency,
    pub interval: u32,
    /// Occurrences in all, the first included.
    pub count: Option<u32>,
    /// The last instant an occurrence may start at, inclusive.
    pub until_ms: Option<i64>,
    /// Empty: the weekday (weekly) or the day of month (monthly) of the first occurrence.
    pub by_day: Vec<RecurrenceDay>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RecurrenceFrequency {
    Daily,
    Weekly,
    Monthly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DayOfWeek {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// `TU` (ordinal 0: every Tuesday), `2TU` (the second), `-1FR` (the last Friday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct RecurrenceDay {
    pub weekday: DayOfWeek,
    pub ordinal: i32,
}

impl From<core::Recurrence> for Recurrence {
    fn from(r: core::Recurrence) -> Self {
        Recurrence {
            frequency: match r.frequency {
                core::RecurrenceFrequency::Daily => RecurrenceFrequency::Daily,
                core::RecurrenceFrequency::Weekly => RecurrenceFrequency::Weekly,
                core::RecurrenceFrequency::Monthly => RecurrenceFrequency::Monthly,
            },
            interval: r.interval,
            count: r.count,
            until_ms: r.until.map(ms),
            by_day: r
                .by_day
                .into_iter()
                .map(|d| RecurrenceDay { weekday: d.weekday.into(), ordinal: d.ordinal })
                .collect(),
        }
    }
}

impl From<chrono::Weekday> for DayOfWeek {
    fn from(w: chrono::Weekday) -> Self {
        use chrono::Weekday::*;
        match w {
            Mon => DayOfWeek::Monday,
            Tue => DayOfWeek::Tuesday,
            Wed => DayOfWeek::Wednesday,
            Thu => DayOfWeek::Thursday,
            Fri => DayOfWeek::Friday,
            Sat => DayOfWeek::Saturday,
            Sun => DayOfWeek::Sunday,
        }
    }
}

impl From<core::CalendarEntry> for CalendarEntry {
    fn from(c: core::CalendarEntry) -> Self {
        CalendarEntry {
            title: c.title,
            description: c.description,
            location: c.location,
            all_day: c.all_day,
            begin_ms: ms(c.begin),
            end_ms: ms(c.end),
            first_day: c.first_day.to_string(),
            last_day: c.last_day.to_string(),
            rrule: c.rrule,
            recurrence: c.recurrence.map(Into::into),
            time_zone: c.time_zone,
        }
    }
}

/// The event screen in one call.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EventDetail {
    pub event: Event,
    pub category_name_pl: Option<String>,
    pub category_name_en: Option<String>,
    /// The event's own span, as `EventOccurrence.when_text`.
    pub when_text: String,
    /// Up to 10 occurrences not over yet.
    pub next_occurrences: Vec<Occurrence>,
}

impl From<core::EventDetail> for EventDetail {
    fn from(d: core::EventDetail) -> Self {
        EventDetail {
            event: d.event.into(),
            category_name_pl: d.category_name_pl,
            category_name_en: d.category_name_en,
            when_text: d.when_text,
            next_occurrences: d.next_occurrences.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DayCount {
    /// Day of the month, 1-based.
    pub day: u32,
    pub count: u32,
    /// `YYYY-MM-DD` (for `events_between`).
    pub date: String,
    /// The row: `wt 1 gru 2026: 2 wydarzenia`.
    pub text: String,
}

/// A month of the calendar: the Warsaw days that have events.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MonthView {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    pub days: Vec<DayCount>,
    /// The heading: `grudzień 2026`.
    pub title_text: String,
}

impl From<core::MonthView> for MonthView {
    fn from(m: core::MonthView) -> Self {
        MonthView {
            year: m.year,
            month: m.month,
            days: m
                .days
                .into_iter()
                .map(|d| DayCount { day: d.day, count: d.count, date: d.date.to_string(), text: d.text })
                .collect(),
            title_text: m.title_text,
        }
    }
}

/// The gmina's events as a calendar to subscribe to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CalendarFeed {
    /// `https://…/api/v1/calendar.ics`: to share, or for apps that take a web address.
    pub url: String,
    /// `webcal://…`: handed to the phone's calendar app to subscribe.
    pub subscribe_url: String,
}

#[uniffi::export]
impl MmCore {
    /// Occurrences on the Warsaw days `from..=to` (`YYYY-MM-DD`).
    #[uniffi::method(default(category = None))]
    pub fn events_between(
        &self,
        from: String,
        to: String,
        category: Option<String>,
    ) -> Result<Vec<EventOccurrence>, MmError> {
        let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
        all(self.core.events().between(from, to, category.as_deref()))
    }

    /// Events screen: the next `limit` occurrences not yet over.
    #[uniffi::method(default(category = None))]
    pub fn upcoming_events(&self, limit: u32, category: Option<String>) -> Result<Vec<EventOccurrence>, MmError> {
        all(self.core.events().upcoming(Utc::now(), limit, category.as_deref()))
    }

    /// Event screen: the event, its category's name, its next occurrences.
    pub fn event(&self, id: i64) -> Result<EventDetail, MmError> {
        one(self.core.events().detail(id, Utc::now()))
    }

    /// Calendar screen: days of `month` (1–12) that have events.
    pub fn month(&self, year: i32, month: u32) -> Result<MonthView, MmError> {
        one(self.core.events().month(year, month))
    }

    /// `śr 2 gru 2026` for a Warsaw day `YYYY-MM-DD`: a day's heading.
    pub fn day_text(&self, day: String) -> Result<String, MmError> {
        Ok(mm_core::display::date_text(parse_day("day", &day)?, self.core.language()))
    }

    /// "Subscribe to the calendar": the feed on this core's server.
    #[uniffi::method(default(category = None))]
    pub fn calendar_feed(&self, category: Option<String>) -> CalendarFeed {
        let f = self.core.events().feed(category.as_deref());
        CalendarFeed { url: f.url, subscribe_url: f.subscribe_url }
    }

    pub fn categories(&self) -> Result<Vec<EventCategory>, MmError> {
        all(self.core.events().categories())
    }

    /// "Add to calendar": what the phone's calendar app is given.
    pub fn calendar_entry(&self, event_id: i64) -> Result<CalendarEntry, MmError> {
        one(self.core.events().calendar_entry(event_id))
    }

    /// iCalendar text of one event ("add to calendar", share as .ics).
    pub fn event_ics(&self, id: i64) -> Result<String, MmError> {
        Ok(self.core.events().ics(id)?)
    }

    /// iCalendar text of the events on the Warsaw days `from..=to`.
    #[uniffi::method(default(category = None))]
    pub fn events_ics(&self, from: String, to: String, category: Option<String>) -> Result<String, MmError> {
        let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
        Ok(self.core.events().ics_between(from, to, category.as_deref())?)
    }

}

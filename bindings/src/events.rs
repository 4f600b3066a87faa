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
    /// `Europe/Warsaw`.
    pub time_zone: String,
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
    /// `śr 2 gru 2026`.
    pub day_text: String,
    /// `3 wydarzenia` (the Polish plural).
    pub count_text: String,
}

/// A month of the calendar: the Warsaw days that have events.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MonthView {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    /// `grudzień 2026`: the page's title.
    pub title: String,
    pub days: Vec<DayCount>,
}

impl MonthView {
    fn new(m: core::MonthView, lang: mm_core::display::Language) -> Self {
        use mm_core::display::{self, Noun};
        let days = m
            .days
            .into_iter()
            .map(|d| DayCount {
                day: d.day,
                count: d.count,
                day_text: chrono::NaiveDate::from_ymd_opt(m.year, m.month, d.day)
                    .map(|date| display::date_text(date, lang))
                    .unwrap_or_default(),
                count_text: display::noun_count(d.count.into(), Noun::Event, lang),
            })
            .collect();
        MonthView { year: m.year, month: m.month, title: display::month_title(m.year, m.month, lang), days }
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
        Ok(MonthView::new(self.core.events().month(year, month)?, self.core.language()))
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

//! The records the events and calendar screens get from the core.

use chrono::{DateTime, Utc};
use mm_protocol::calendar::rrule::Occurrence;
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetail {
    pub event: Event,
    pub category_name_pl: Option<String>,
    pub category_name_en: Option<String>,
    /// Up to 10 occurrences not over yet, from the rule itself.
    pub next_occurrences: Vec<Occurrence>,
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

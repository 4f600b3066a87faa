//! Events (wydarzenia) and their categories.
//!
//! Times travel in UTC. Recurrence is evaluated in Europe/Warsaw, so a
//! weekly 18:00 class stays at 18:00 local time across a DST change.
//! All-day events start and end at local midnight: `starts_at` is
//! 00:00 Europe/Warsaw of the first day, `ends_at` 00:00 of the day after
//! the last (exclusive, as in RFC 5545).

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::rrule::RecurrenceRule;
use crate::geo::GeoPoint;
use crate::validation::{http_url, optional_text, required_text, FieldError, Validate};
use crate::LOCAL_TZ;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventCategory {
    /// Stable slug, e.g. `kultura`; used in `?category=` filters.
    pub id: String,
    pub name_pl: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// Start of the first occurrence (UTC).
    pub starts_at: DateTime<Utc>,
    /// End of the first occurrence (UTC); each recurrence lasts as long.
    pub ends_at: DateTime<Utc>,
    pub all_day: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<GeoPoint>,
    /// Slug of an [`EventCategory`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organiser: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Access for people with disabilities, in the organiser's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessibility: Option<String>,
    pub cancelled: bool,
    /// RFC 5545 RRULE value (subset: FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL,
    /// COUNT or UNTIL, BYDAY), evaluated in Europe/Warsaw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrule: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// What an editor sends to create or replace an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub all_day: bool,
    #[serde(default)]
    pub place_name: Option<String>,
    #[serde(default)]
    pub point: Option<GeoPoint>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub organiser: Option<String>,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub accessibility: Option<String>,
    #[serde(default)]
    pub cancelled: bool,
    #[serde(default)]
    pub rrule: Option<String>,
}

pub const EVENT_TITLE_MAX: usize = 200;
pub const EVENT_DESCRIPTION_MAX: usize = 20_000;
/// Longest single occurrence; longer "events" are exhibitions better
/// modelled as recurring or as news.
pub const EVENT_MAX_DAYS: i64 = 62;

impl Validate for EventInput {
    fn validate(&self) -> Result<(), FieldError> {
        required_text("title", &self.title, EVENT_TITLE_MAX)?;
        optional_text("description", &self.description, EVENT_DESCRIPTION_MAX)?;
        if self.ends_at < self.starts_at {
            return Err(FieldError::new(
                "ends_at",
                "Koniec wydarzenia nie może być przed jego początkiem.",
                "The event cannot end before it starts.",
            ));
        }
        if (self.ends_at - self.starts_at).num_days() > EVENT_MAX_DAYS {
            return Err(FieldError::new(
                "ends_at",
                format!("Wydarzenie może trwać najwyżej {EVENT_MAX_DAYS} dni."),
                format!("An event may last at most {EVENT_MAX_DAYS} days."),
            ));
        }
        if self.all_day {
            let local_midnight = |t: DateTime<Utc>| t.with_timezone(&LOCAL_TZ).time() == NaiveTime::MIN;
            if !local_midnight(self.starts_at) || !local_midnight(self.ends_at) || self.ends_at == self.starts_at {
                return Err(FieldError::new(
                    "all_day",
                    "Wydarzenie całodniowe zaczyna się i kończy o północy czasu polskiego.",
                    "An all-day event starts and ends at midnight Polish time.",
                ));
            }
        }
        for (field, value, max) in [
            ("place_name", &self.place_name, 200),
            ("organiser", &self.organiser, 200),
            ("accessibility", &self.accessibility, 2000),
            ("category", &self.category, 64),
        ] {
            if let Some(v) = value {
                required_text(field, v, max)?;
            }
        }
        if let Some(p) = &self.point {
            p.validate()?;
        }
        if let Some(u) = &self.image_url {
            http_url("image_url", u)?;
        }
        if let Some(r) = &self.rrule {
            RecurrenceRule::parse(r).map_err(|e| {
                FieldError::new(
                    "rrule",
                    format!("Nieprawidłowa reguła powtarzania: {e}."),
                    format!("Invalid recurrence rule: {e}."),
                )
            })?;
        }
        Ok(())
    }
}

impl EventInput {
    /// The stored event this input becomes.
    pub fn into_event(self, id: i64, updated_at: DateTime<Utc>) -> Event {
        Event {
            id,
            title: self.title,
            description: self.description,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            all_day: self.all_day,
            place_name: self.place_name,
            point: self.point,
            category: self.category,
            organiser: self.organiser,
            image_url: self.image_url,
            accessibility: self.accessibility,
            cancelled: self.cancelled,
            rrule: self.rrule,
            updated_at,
        }
    }
}

impl Event {
    /// The input that would recreate this event (for edit forms).
    pub fn to_input(&self) -> EventInput {
        EventInput {
            title: self.title.clone(),
            description: self.description.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            all_day: self.all_day,
            place_name: self.place_name.clone(),
            point: self.point,
            category: self.category.clone(),
            organiser: self.organiser.clone(),
            image_url: self.image_url.clone(),
            accessibility: self.accessibility.clone(),
            cancelled: self.cancelled,
            rrule: self.rrule.clone(),
        }
    }
}

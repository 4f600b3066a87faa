//! Query and input types of the events endpoints that the wire contract
//! does not have, and the Warsaw-day windows the filters mean.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::events::{Event, EventCategory};
use mm_protocol::validation::{FieldError, Validate, required_text};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// First day (YYYY-MM-DD, Warsaw time), inclusive.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD, Warsaw time), inclusive.
    pub to: Option<String>,
    /// Category slug.
    pub category: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// Only this category's events.
    pub category: Option<String>,
}

/// What an admin or editor sends to create a category. A type of its own
/// (not `EventCategory`) so unknown fields are refused on input while the
/// synced `EventCategory` stays open to newer servers' additions.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// Slug: lowercase letters, digits and `-`, e.g. `kultura`.
    pub id: String,
    pub name_pl: String,
    pub name_en: String,
}

impl Validate for CategoryInput {
    fn validate(&self) -> Result<(), FieldError> {
        let slug_ok = !self.id.is_empty()
            && self.id.len() <= 64
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            return Err(FieldError::new(
                "id",
                "Identyfikator może zawierać tylko małe litery, cyfry i „-” (do 64 znaków).",
                "The id may hold only lowercase letters, digits and '-' (at most 64).",
            ));
        }
        required_text("name_pl", &self.name_pl, 100)?;
        required_text("name_en", &self.name_en, 100)
    }
}

impl From<CategoryInput> for EventCategory {
    fn from(c: CategoryInput) -> Self {
        EventCategory {
            id: c.id,
            name_pl: c.name_pl,
            name_en: c.name_en,
        }
    }
}

/// A Warsaw calendar day as `YYYY-MM-DD`.
pub fn parse_day(field: &str, value: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        AppError::invalid_query(field, format!("{field} must be a date as YYYY-MM-DD"))
    })
}

/// UTC instant of local midnight at the start of `day` (DST-correct; a
/// gap at midnight, which Poland never had, would take the later instant).
pub fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    LOCAL_TZ
        .from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| LOCAL_TZ.from_utc_datetime(&naive))
        .with_timezone(&Utc)
}

/// The UTC window [from 00:00, the day after `to` 00:00) of a query.
pub fn window(q: &EventsQuery) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let from = q
        .from
        .as_deref()
        .map(|v| parse_day("from", v))
        .transpose()?;
    let to = q.to.as_deref().map(|v| parse_day("to", v)).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(AppError::invalid_query("to", "to must not be before from"));
    }
    let start = from.map(local_midnight).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let end = to
        .and_then(|t| t.checked_add_days(Days::new(1)))
        .map(local_midnight)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    Ok((start, end))
}

/// Whether any occurrence of `event` overlaps [from, to).
pub fn occurs_within(event: &Event, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    !mm_protocol::calendar::rrule::occurrences(event, from, to, 1).is_empty()
}

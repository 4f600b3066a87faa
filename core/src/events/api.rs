//! `core.events()`: the events list, an event, the calendar month, the
//! iCalendar files.

use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::calendar::ics::{self, IcsOptions};
use mm_protocol::events::EventCategory;

use super::model::{EventDetail, EventOccurrence, MonthView};
use crate::error::{CoreError, Error};
use crate::{Core, events, gmina};

/// Events and the calendar; from `Core::events`.
pub struct EventsApi<'a> {
    pub(crate) core: &'a Core,
}

impl EventsApi<'_> {
    /// Occurrences overlapping the Warsaw days `from..=to`.
    pub fn between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        category: Option<&str>,
    ) -> Result<Vec<EventOccurrence>, CoreError> {
        let (from, to) = day_range(from, to)?;
        Ok(self.core.store.read(|c| events::overlapping(c, from, to, category))?)
    }

    /// The next `limit` occurrences not yet over (under way ones included).
    pub fn upcoming(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        category: Option<&str>,
    ) -> Result<Vec<EventOccurrence>, CoreError> {
        Ok(self.core.store.read(|c| events::upcoming(c, now, limit, category))?)
    }

    /// The event screen: the event, its category's names, its next occurrences.
    pub fn detail(&self, id: i64, now: DateTime<Utc>) -> Result<EventDetail, CoreError> {
        let (event, category) = self.core.store.read(|c| {
            let event = events::get(c, id)?;
            let category = match &event.category {
                Some(slug) => events::category(c, slug)?,
                None => None,
            };
            Ok((event, category))
        })?;
        let next_occurrences = events::next_occurrences(&event, now, 10);
        Ok(EventDetail {
            category_name_pl: category.as_ref().map(|c| c.name_pl.clone()),
            category_name_en: category.map(|c| c.name_en),
            event,
            next_occurrences,
        })
    }

    /// Which Warsaw days of the month have events, with counts.
    pub fn month(&self, year: i32, month: u32) -> Result<MonthView, CoreError> {
        let days = self.core.store.read(|c| events::month_days(c, year, month))?;
        Ok(MonthView { year, month, days })
    }

    pub fn categories(&self) -> Result<Vec<EventCategory>, CoreError> {
        Ok(self.core.store.read(events::categories)?)
    }

    /// An iCalendar file with one event ("add to calendar").
    pub fn ics(&self, id: i64) -> Result<String, CoreError> {
        let (event, categories, gmina) = self.core.store.read(|c| {
            Ok((events::get(c, id)?, events::categories(c)?, gmina::get(c)?))
        })?;
        let domain = ics::uid_domain(gmina.as_ref());
        Ok(ics::single_event(&event, &ics_options(gmina.as_ref(), &domain, &categories)))
    }

    /// An iCalendar file with the events on the Warsaw days `from..=to`.
    pub fn ics_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        category: Option<&str>,
    ) -> Result<String, CoreError> {
        let (from, to) = day_range(from, to)?;
        let (list, categories, gmina) = self.core.store.read(|c| {
            Ok((
                events::events_overlapping(c, from, to, category)?,
                events::categories(c)?,
                gmina::get(c)?,
            ))
        })?;
        let domain = ics::uid_domain(gmina.as_ref());
        Ok(ics::calendar(&list, &ics_options(gmina.as_ref(), &domain, &categories)))
    }
}

/// The shared UID rule (`mm_protocol::calendar::ics::uid_domain`): an
/// "added" event and the same event from the subscribed feed are one event
/// in the resident's calendar.
fn ics_options<'a>(
    gmina: Option<&'a mm_protocol::gmina::Gmina>,
    uid_domain: &'a str,
    categories: &'a [EventCategory],
) -> IcsOptions<'a> {
    IcsOptions {
        calendar_name: gmina.map(|g| g.name.as_str()).unwrap_or("mMieszkaniec"),
        uid_domain,
        categories,
    }
}

/// `[00:00 of from, 00:00 of the day after to)` in Warsaw.
fn day_range(from: NaiveDate, to: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>), Error> {
    if to < from {
        return Err(Error::invalid(
            "to",
            "Data końcowa jest przed początkową.",
            "The end date is before the start date.",
        ));
    }
    let after = to.succ_opt().ok_or_else(|| Error::internal("date out of range"))?;
    Ok((events::local_midnight(from), events::local_midnight(after)))
}

//! `core.events()`: the events list, an event, the calendar month, the
//! iCalendar files.

use mm_protocol::gmina::{GMINA_QUERY, Teryt};
use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::calendar::ics::{self, IcsOptions};
use mm_protocol::events::EventCategory;

use super::model::{CalendarEntry, EventDetail, EventOccurrence, EventTime, MonthDay, MonthView, Recurrence};
use crate::display::{self, Language};
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
        let list = self.core.store.read(|c| events::overlapping(c, from, to, category))?;
        Ok(with_texts(list, self.core.language))
    }

    /// The next `limit` occurrences not yet over (under way ones included).
    pub fn upcoming(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        category: Option<&str>,
    ) -> Result<Vec<EventOccurrence>, CoreError> {
        let list = self.core.store.read(|c| events::upcoming(c, now, limit, category))?;
        Ok(with_texts(list, self.core.language))
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
        let lang = self.core.language;
        let next_occurrences = events::next_occurrences(&event, now, 10)
            .into_iter()
            .map(|o| EventTime {
                when_text: display::when_text(o.starts_at, o.ends_at, event.all_day, lang),
                starts_at: o.starts_at,
                ends_at: o.ends_at,
            })
            .collect();
        Ok(EventDetail {
            category_name_pl: category.as_ref().map(|c| c.name_pl.clone()),
            category_name_en: category.map(|c| c.name_en),
            when_text: display::when_text(event.starts_at, event.ends_at, event.all_day, lang),
            event,
            next_occurrences,
        })
    }

    /// "Add to calendar": the entry the phone's calendar app is given.
    pub fn calendar_entry(&self, id: i64) -> Result<CalendarEntry, CoreError> {
        let e = self.core.store.read(|c| events::get(c, id))?;
        let first_day = display::local_day(e.starts_at);
        let last_day = if e.all_day {
            display::last_day_inclusive(e.starts_at, e.ends_at)
        } else {
            display::local_day(e.ends_at)
        };
        let utc_midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        let (begin, end) = if e.all_day {
            let after = last_day.succ_opt().ok_or_else(|| Error::internal("date out of range"))?;
            (utc_midnight(first_day), utc_midnight(after))
        } else {
            (e.starts_at, e.ends_at)
        };
        Ok(CalendarEntry {
            title: e.title,
            description: e.description,
            location: e.place_name,
            all_day: e.all_day,
            begin,
            end,
            first_day,
            last_day,
            recurrence: e.rrule.as_deref().and_then(Recurrence::parse),
            rrule: e.rrule,
            time_zone: mm_protocol::LOCAL_TZ.name().to_owned(),
        })
    }

    /// The gmina's events as a calendar to subscribe to (`/api/v1/calendar.ics`
    /// on this core's server, naming the chosen gmina), optionally one category.
    pub fn feed(&self, category: Option<&str>) -> CalendarFeed {
        calendar_feed(&self.core.server_url(), self.core.current_gmina().as_ref(), category)
    }

    /// Which Warsaw days of the month have events, with counts.
    pub fn month(&self, year: i32, month: u32) -> Result<MonthView, CoreError> {
        let days = self.core.store.read(|c| events::month_days(c, year, month))?;
        let lang = self.core.language;
        let days = days
            .into_iter()
            .filter_map(|d| {
                let date = NaiveDate::from_ymd_opt(year, month, d.day)?;
                let events = display::count_text(
                    d.count.into(),
                    lang,
                    ("wydarzenie", "wydarzenia", "wydarzeń"),
                    ("event", "events"),
                );
                let text = format!("{}: {events}", display::date_text(date, lang));
                Some(MonthDay { day: d.day, date, count: d.count, text })
            })
            .collect();
        let title_text = format!("{} {year}", display::month_name(month, lang));
        Ok(MonthView { year, month, title_text, days })
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

/// Where the subscribable calendar lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    /// The feed itself (`https://…/api/v1/calendar.ics?category=…`): for
    /// sharing, and for calendar apps that take a web address.
    pub url: String,
    /// The same as `webcal://…`, the scheme phones hand to their calendar
    /// app to subscribe (RFC 5545 has no scheme; `webcal` is the convention
    /// Apple's and Google's calendars register for).
    pub subscribe_url: String,
}

/// The feed's addresses for a server address as the core stores it
/// (validated: `https://host[:port][/path]`, or `http` on loopback). A
/// calendar app fetches it without our headers, so the gmina goes in the
/// query (`?gmina=`, DESIGN: tenancy); none chosen: the deployment's only one.
pub fn calendar_feed(server_url: &str, gmina: Option<&Teryt>, category: Option<&str>) -> CalendarFeed {
    let mut url = format!("{}/api/v1/calendar.ics", server_url.trim_end_matches('/'));
    if let Ok(mut parsed) = reqwest::Url::parse(&url) {
        if let Some(t) = gmina {
            parsed.query_pairs_mut().append_pair(GMINA_QUERY, t.as_str());
        }
        if let Some(c) = category.filter(|c| !c.is_empty()) {
            parsed.query_pairs_mut().append_pair("category", c);
        }
        url = parsed.into();
    }
    // `Url::set_scheme` refuses to turn a special scheme (https) into webcal.
    let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    CalendarFeed { subscribe_url: format!("webcal://{rest}"), url }
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

/// Each occurrence with its `when_text` in `lang`.
pub(crate) fn with_texts(mut list: Vec<EventOccurrence>, lang: Language) -> Vec<EventOccurrence> {
    for o in &mut list {
        o.when_text = display::when_text(o.starts_at, o.ends_at, o.all_day, lang);
        o.day_text = display::date_text(o.day, lang);
    }
    list
}

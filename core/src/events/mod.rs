//! Events (wydarzenia): persistence, the materialised occurrence index and
//! the calendar queries.
//!
//! Expanding RRULEs on every screen would be slow with thousands of events,
//! so each applied event writes its occurrences into `event_occurrences`
//! (indexed by start) within a window around the sync time: one year back,
//! two years ahead. The window is laid out again when it is a week stale.
//! Non-recurring events always have their one occurrence, wherever it lies.
//! Queries outside the window see no recurrences; event detail expands
//! the rule itself and is exact.

pub mod model;
pub(crate) mod api;

pub use api::EventsApi;
use model::{DayCount, EventOccurrence};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::calendar::rrule::{self, Occurrence};
use mm_protocol::events::{EVENT_MAX_DAYS, Event, EventCategory};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::Error;
use crate::search;
use crate::store::{from_ts, meta, ts};

const WINDOW_BACK: TimeDelta = TimeDelta::days(365);
const WINDOW_AHEAD: TimeDelta = TimeDelta::days(730);
const WINDOW_STALE: TimeDelta = TimeDelta::days(7);
/// A daily event over the whole window, with room to spare.
const MAX_OCCURRENCES: usize = 1200;
/// No occurrence lasts longer than this, so a range query can start its
/// index scan this much earlier and still see every overlapping occurrence.
const LONGEST: TimeDelta = TimeDelta::days(EVENT_MAX_DAYS + 1);

/// `[from, to)` of materialised recurrences.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    pub fn around(anchor: DateTime<Utc>) -> Window {
        Window {
            from: anchor - WINDOW_BACK,
            to: anchor + WINDOW_AHEAD,
        }
    }
}

/// The window for applying changes at `now`; lays out the index again
/// first when the stored window is stale (or was never laid out).
pub fn window_for(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<Window, Error> {
    let anchor = meta::get(tx, meta::OCCURRENCE_ANCHOR)?
        .and_then(|s| s.parse::<i64>().ok())
        .map(from_ts);
    match anchor {
        Some(a) if (now - a).abs() < WINDOW_STALE => Ok(Window::around(a)),
        _ => {
            let window = Window::around(now);
            meta::set(tx, meta::OCCURRENCE_ANCHOR, &ts(now).to_string())?;
            let bodies: Vec<String> = {
                let mut stmt = tx.prepare("SELECT body FROM events WHERE recurring = 1")?;
                stmt.query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            };
            for body in bodies {
                let event: Event = serde_json::from_str(&body)?;
                write_occurrences(tx, &event, window, true)?;
            }
            Ok(window)
        }
    }
}

pub fn upsert(tx: &Transaction<'_>, e: &Event, window: Window) -> Result<(), Error> {
    // New (as every event of a first sync is): nothing of it to replace.
    let replacing = tx.prepare_cached("SELECT 1 FROM events WHERE id = ?1")?.exists([e.id])?;
    tx.prepare_cached(
        "INSERT INTO events (id, title, category, place_name, all_day, cancelled, recurring, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, category = excluded.category,
             place_name = excluded.place_name, all_day = excluded.all_day, cancelled = excluded.cancelled,
             recurring = excluded.recurring, body = excluded.body",
    )?
    .execute(params![
            e.id,
            e.title,
            e.category,
            e.place_name,
            e.all_day,
            e.cancelled,
            e.rrule.is_some(),
            serde_json::to_string(e)?
    ])?;
    write_occurrences(tx, e, window, replacing)?;
    let text = [
        e.description.as_str(),
        e.place_name.as_deref().unwrap_or(""),
        e.organiser.as_deref().unwrap_or(""),
    ]
    .join("\n");
    search::index(tx, search::KIND_EVENT, e.id, &e.title, &text, replacing)
}

fn write_occurrences(tx: &Transaction<'_>, e: &Event, window: Window, replacing: bool) -> Result<(), Error> {
    if replacing {
        tx.prepare_cached("DELETE FROM event_occurrences WHERE event_id = ?1")?
            .execute([e.id])?;
    }
    let occurrences = if e.rrule.is_some() {
        rrule::occurrences(e, window.from, window.to, MAX_OCCURRENCES)
    } else {
        vec![Occurrence {
            starts_at: e.starts_at,
            ends_at: e.ends_at.max(e.starts_at),
        }]
    };
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO event_occurrences (event_id, starts_at, ends_at) VALUES (?1, ?2, ?3)")?;
    for o in occurrences {
        stmt.execute(params![e.id, ts(o.starts_at), ts(o.ends_at)])?;
    }
    Ok(())
}

pub fn delete(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM event_occurrences WHERE event_id = ?1", [id])?;
    tx.execute("DELETE FROM events WHERE id = ?1", [id])?;
    search::remove(tx, search::KIND_EVENT, id)
}

pub fn upsert_category(tx: &Transaction<'_>, c: &EventCategory) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO event_categories (id, name_pl, body) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET name_pl = excluded.name_pl, body = excluded.body",
        params![c.id, c.name_pl, serde_json::to_string(c)?],
    )?;
    Ok(())
}

pub fn delete_category(tx: &Transaction<'_>, id: &str) -> Result<(), Error> {
    tx.execute("DELETE FROM event_categories WHERE id = ?1", [id])?;
    Ok(())
}

pub fn categories(conn: &Connection) -> Result<Vec<EventCategory>, Error> {
    let mut stmt = conn.prepare_cached("SELECT body FROM event_categories")?;
    let mut out: Vec<EventCategory> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|b| Ok(serde_json::from_str(&b?)?))
        .collect::<Result<_, Error>>()?;
    out.sort_by_cached_key(|c| search::fold(&c.name_pl));
    Ok(out)
}

pub fn category(conn: &Connection, id: &str) -> Result<Option<EventCategory>, Error> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM event_categories WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Event, Error> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM events WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    match body {
        Some(b) => Ok(serde_json::from_str(&b)?),
        None => Err(Error::not_found(format!("event {id}"))),
    }
}

pub fn count(conn: &Connection) -> Result<u32, Error> {
    Ok(conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?)
}

/// 00:00 Europe/Warsaw of `day`, as an instant. Polish DST changes at
/// 02:00/03:00, so midnight always exists; `earliest` is for other rules.
pub fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_time(NaiveTime::MIN);
    LOCAL_TZ
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

const OCCURRENCE_COLUMNS: &str =
    "SELECT o.event_id, e.title, o.starts_at, o.ends_at, e.all_day, e.place_name,
        e.category, e.cancelled, e.recurring
    FROM event_occurrences o JOIN events e ON e.id = o.event_id";

fn occurrence_row(r: &Row<'_>) -> rusqlite::Result<EventOccurrence> {
    Ok(EventOccurrence {
        event_id: r.get(0)?,
        title: r.get(1)?,
        starts_at: from_ts(r.get(2)?),
        ends_at: from_ts(r.get(3)?),
        all_day: r.get(4)?,
        place_name: r.get(5)?,
        category: r.get(6)?,
        cancelled: r.get(7)?,
        recurring: r.get(8)?,
        when_text: String::new(),
        day: crate::display::local_day(from_ts(r.get(2)?)),
        day_text: String::new(),
    })
}

/// Occurrences overlapping `[from, to)`, by start. An instant event counts
/// when it falls inside.
pub fn overlapping(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    category: Option<&str>,
) -> Result<Vec<EventOccurrence>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "{OCCURRENCE_COLUMNS}
         WHERE o.starts_at >= ?1 AND o.starts_at < ?3
           AND (o.ends_at > ?2 OR (o.ends_at = o.starts_at AND o.starts_at >= ?2))
           AND (?4 IS NULL OR e.category = ?4)
         ORDER BY o.starts_at, o.event_id"
    ))?;
    let rows = stmt.query_map(
        params![ts(from - LONGEST), ts(from), ts(to), category],
        occurrence_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Occurrences not yet over at `now` (under way or to come), by start.
pub fn upcoming(
    conn: &Connection,
    now: DateTime<Utc>,
    limit: u32,
    category: Option<&str>,
) -> Result<Vec<EventOccurrence>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "{OCCURRENCE_COLUMNS}
         WHERE o.starts_at >= ?1 AND (o.ends_at > ?2 OR o.starts_at >= ?2)
           AND (?3 IS NULL OR e.category = ?3)
         ORDER BY o.starts_at, o.event_id
         LIMIT ?4"
    ))?;
    let rows = stmt.query_map(
        params![ts(now - LONGEST), ts(now), category, limit],
        occurrence_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The Warsaw days `[first, last]` an occurrence covers: an all-day or
/// multi-day event counts on each; the exclusive end's midnight does not.
pub fn local_days(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let first = starts_at.with_timezone(&LOCAL_TZ).date_naive();
    let last = if ends_at > starts_at {
        (ends_at - TimeDelta::seconds(1))
            .with_timezone(&LOCAL_TZ)
            .date_naive()
    } else {
        first
    };
    (first, last.max(first))
}

/// Occurrence counts per Warsaw day of a month; days without events are left out.
pub fn month_days(conn: &Connection, year: i32, month: u32) -> Result<Vec<DayCount>, Error> {
    let first =
        NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| invalid_month(year, month))?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| invalid_month(year, month))?;
    let last = next.pred_opt().unwrap_or(first);
    let mut counts = vec![0u32; last.day() as usize];
    let mut stmt = conn.prepare_cached(
        "SELECT starts_at, ends_at FROM event_occurrences
         WHERE starts_at >= ?1 AND starts_at < ?3
           AND (ends_at > ?2 OR (ends_at = starts_at AND starts_at >= ?2))",
    )?;
    let (from, to) = (local_midnight(first), local_midnight(next));
    let rows = stmt.query_map(params![ts(from - LONGEST), ts(from), ts(to)], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    for row in rows {
        let (s, e): (i64, i64) = row?;
        let (d0, d1) = local_days(from_ts(s), from_ts(e));
        let (d0, d1) = (d0.max(first), d1.min(last));
        let mut d = d0;
        while d <= d1 {
            counts[d.day0() as usize] += 1;
            d = d.succ_opt().unwrap_or(NaiveDate::MAX);
        }
    }
    Ok(counts
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c > 0)
        .map(|(i, count)| DayCount {
            day: i as u32 + 1,
            count,
        })
        .collect())
}

fn invalid_month(year: i32, month: u32) -> Error {
    Error::InvalidInput {
        field: "month".into(),
        message: mm_protocol::error::Message::new(
            format!("Nieprawidłowy miesiąc: {year}-{month:02}."),
            format!("Invalid month: {year}-{month:02}."),
        ),
    }
}

/// The events (each once) with an occurrence in `[from, to)`, by first start.
pub fn events_overlapping(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    category: Option<&str>,
) -> Result<Vec<Event>, Error> {
    let mut ids: Vec<i64> = Vec::new();
    for o in overlapping(conn, from, to, category)? {
        if !ids.contains(&o.event_id) {
            ids.push(o.event_id);
        }
    }
    ids.into_iter().map(|id| get(conn, id)).collect()
}

/// Up to `limit` occurrences not over at `now`, expanded from the rule
/// (exact, not limited to the index window).
pub fn next_occurrences(e: &Event, now: DateTime<Utc>, limit: usize) -> Vec<Occurrence> {
    // Ten years of a rule is plenty; a one-off far ahead is still shown.
    let to = (now + TimeDelta::days(3660)).max(e.ends_at + TimeDelta::seconds(1));
    rrule::occurrences(e, now, to, limit)
}

#[cfg(test)]
mod tests;

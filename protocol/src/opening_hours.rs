//! OpenStreetMap `opening_hours` (<https://wiki.openstreetmap.org/wiki/Key:opening_hours>):
//! a practical subset, evaluated in Europe/Warsaw wall-clock time, with
//! Polish public holidays for `PH`.
//!
//! The subset:
//! - `24/7`;
//! - rules separated by `;`; a later rule replaces earlier ones for the
//!   days it selects (OSM's "normal rule" semantics);
//! - an optional month selector first: `Apr-Oct`, `Jan,Dec`, `Nov-Feb`
//!   (wrapping), optionally followed by `:`;
//! - a day selector: weekdays `Mo Tu We Th Fr Sa Su`, ranges (`Mo-Fr`,
//!   wrapping `Fr-Mo`), lists (`Mo,We,Fr`), and `PH` (Polish public
//!   holidays), also in a list (`Su,PH`);
//! - times: `08:00-16:00`, comma lists `08:00-12:00,13:00-16:00`, ends
//!   past midnight (`22:00-02:00`, or OSM's extended `22:00-26:00`), `24:00`
//!   as an end; or `off` / `closed`. A rule with a day selector and no times
//!   means the whole day (`Sa,Su` = open all day), as in OSM.
//!
//! Everything else (`sunrise`, `+` open ends, `||` fallbacks, week numbers,
//! dates such as `Dec 24`, `SH`, comments, `PH +1 day`, ...) is a parse
//! error naming the token: a place's hours are never guessed.
//!
//! Evaluation: the wall-clock intervals of a local day D are those of the
//! last rule selecting D, plus the part past midnight of the intervals of the
//! last rule selecting D-1 (the spill-over belongs to the day whose rule
//! wrote it). An instant is open when its Europe/Warsaw wall time falls in
//! one of those half-open intervals, so on the October night the repeated
//! hour is evaluated twice, and a March interval that covers the skipped
//! hour is simply shorter.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc, Weekday};
use std::fmt;

use crate::LOCAL_TZ;

/// How far [`OpeningHours::next_change`] looks ahead, in days: enough for a
/// seasonal (`Apr-Oct`) rule and a year's holidays.
pub const NEXT_CHANGE_HORIZON_DAYS: i64 = 400;

const DAY_MIN: u16 = 24 * 60;

/// A parsed `opening_hours` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// Bit `m-1` for month m; 0 = every month.
    months: u16,
    /// Bit 0 = Monday .. bit 6 = Sunday.
    weekdays: u8,
    /// The rule selects Polish public holidays.
    holidays: bool,
    /// Neither weekdays nor `PH` given: every day (of the selected months).
    every_day: bool,
    /// Wall-clock minutes from the day's midnight; `end` may pass 24:00
    /// (at most 48:00). Empty = closed.
    times: Vec<(u16, u16)>,
}

impl Rule {
    fn selects(&self, date: NaiveDate) -> bool {
        if self.months != 0 && self.months & (1 << date.month0()) == 0 {
            return false;
        }
        self.every_day
            || self.weekdays & (1 << date.weekday().num_days_from_monday()) != 0
            || (self.holidays && is_polish_public_holiday(date))
    }
}

/// Why a value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("opening_hours: {reason} (rule {rule}: `{token}`)")]
pub struct OpeningHoursError {
    /// 1-based number of the `;`-separated rule.
    pub rule: usize,
    /// The token that could not be read.
    pub token: String,
    pub reason: &'static str,
}

/// A wall-clock interval of one local day, for display ("dziś 8:00–16:00").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalInterval {
    /// Minutes from local midnight.
    pub start_min: u16,
    /// Minutes from local midnight, at most 1440 (24:00).
    pub end_min: u16,
}

const WEEKDAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl OpeningHours {
    /// Parses the subset described in the module documentation.
    pub fn parse(text: &str) -> Result<OpeningHours, OpeningHoursError> {
        let mut rules = Vec::new();
        let parts: Vec<&str> = text.split(';').collect();
        for (i, part) in parts.iter().enumerate() {
            let part = part.trim();
            if part.is_empty() {
                // A trailing `;` is tolerated (common in OSM data); an empty rule elsewhere is not.
                if i + 1 == parts.len() && i > 0 {
                    continue;
                }
                return Err(OpeningHoursError { rule: i + 1, token: String::new(), reason: "empty rule" });
            }
            rules.push(parse_rule(part, i + 1)?);
        }
        Ok(OpeningHours { rules })
    }

    /// The rule that decides `date`, if any.
    fn rule_for(&self, date: NaiveDate) -> Option<&Rule> {
        self.rules.iter().rev().find(|r| r.selects(date))
    }

    /// Wall-clock intervals of local day `date` (the day's own rule, clipped at
    /// 24:00, plus the previous day's spill past midnight), sorted and merged.
    pub fn intervals_on(&self, date: NaiveDate) -> Vec<LocalInterval> {
        let mut out: Vec<(u16, u16)> = Vec::new();
        if let Some(prev) = date.pred_opt().and_then(|d| self.rule_for(d)) {
            for &(_, e) in &prev.times {
                if e > DAY_MIN {
                    out.push((0, e - DAY_MIN));
                }
            }
        }
        if let Some(rule) = self.rule_for(date) {
            for &(s, e) in &rule.times {
                out.push((s, e.min(DAY_MIN)));
            }
        }
        out.sort_unstable();
        let mut merged: Vec<LocalInterval> = Vec::new();
        for (s, e) in out {
            match merged.last_mut() {
                Some(last) if s <= last.end_min => last.end_min = last.end_min.max(e),
                _ => merged.push(LocalInterval { start_min: s, end_min: e }),
            }
        }
        merged
    }

    /// Open at this instant (Europe/Warsaw wall clock)?
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&LOCAL_TZ).naive_local();
        let minute = (local.hour() * 60 + local.minute()) as u16;
        let date = local.date();
        if let Some(rule) = self.rule_for(date) {
            if rule.times.iter().any(|&(s, e)| s <= minute && minute < e) {
                return true;
            }
        }
        if let Some(prev) = date.pred_opt().and_then(|d| self.rule_for(d)) {
            let m = minute + DAY_MIN;
            if prev.times.iter().any(|&(s, e)| e > DAY_MIN && s <= m && m < e) {
                return true;
            }
        }
        false
    }

    /// The first instant after `at` at which [`is_open`](Self::is_open)
    /// changes, looking at most [`NEXT_CHANGE_HORIZON_DAYS`] ahead; `None`
    /// when nothing changes in that time (`24/7`, or never open).
    pub fn next_change(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let now = self.is_open(at);
        let first = at.with_timezone(&LOCAL_TZ).date_naive().pred_opt()?;
        // A short look first (the usual answer is within a week), then the horizon.
        for span in [9i64, NEXT_CHANGE_HORIZON_DAYS] {
            let to = first + Duration::days(span);
            let mut candidates = Vec::new();
            let mut d = first;
            while d <= to {
                self.candidates_of_day(d, &mut candidates);
                d = d.succ_opt()?;
            }
            // Candidates from later days are never before those days' midnight,
            // so everything before the midnight after `to` is complete.
            let complete_before = local_midnight_utc(to.succ_opt()?);
            candidates.sort_unstable();
            candidates.dedup();
            for c in candidates {
                if c > at && c < complete_before && self.is_open(c) != now {
                    return Some(c);
                }
            }
        }
        None
    }

    /// UTC instants at which the state may change because of day `d`: its
    /// intervals' ends (possibly on the next day) and a DST change on `d`.
    fn candidates_of_day(&self, d: NaiveDate, out: &mut Vec<DateTime<Utc>>) {
        let midnight = d.and_hms_opt(0, 0, 0).expect("midnight");
        out.push(local_midnight_utc(d));
        if let Some(rule) = self.rule_for(d) {
            for &(s, e) in &rule.times {
                for m in [s, e] {
                    push_local(midnight + Duration::minutes(m as i64), out);
                }
            }
        }
        // A DST change moves the wall clock, which can open or close by itself.
        let start = local_midnight_utc(d);
        if let Some(next) = d.succ_opt() {
            let end = local_midnight_utc(next);
            let offset = |t: DateTime<Utc>| t.with_timezone(&LOCAL_TZ).naive_local() - t.naive_utc();
            if offset(start) != offset(end) {
                let mut t = start;
                while t < end {
                    let n = t + Duration::hours(1);
                    if offset(n) != offset(t) {
                        out.push(n);
                        break;
                    }
                    t = n;
                }
            }
        }
    }
}

/// The UTC instant(s) of a wall-clock time; for one in the spring gap, the
/// instant the clocks jump (where the gap ends).
fn push_local(local: NaiveDateTime, out: &mut Vec<DateTime<Utc>>) {
    match LOCAL_TZ.from_local_datetime(&local) {
        LocalResult::Single(t) => out.push(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            out.push(a.with_timezone(&Utc));
            out.push(b.with_timezone(&Utc));
        }
        LocalResult::None => {
            // Walk forward to the first wall time that exists (gaps are ≤ 1 h in Poland).
            for m in 1..=120 {
                if let LocalResult::Single(t) = LOCAL_TZ.from_local_datetime(&(local + Duration::minutes(m))) {
                    out.push(t.with_timezone(&Utc));
                    return;
                }
            }
        }
    }
}

fn local_midnight_utc(d: NaiveDate) -> DateTime<Utc> {
    let mut out = Vec::with_capacity(2);
    push_local(d.and_hms_opt(0, 0, 0).expect("midnight"), &mut out);
    out[0]
}

fn parse_rule(text: &str, rule: usize) -> Result<Rule, OpeningHoursError> {
    let err = |token: &str, reason: &'static str| OpeningHoursError { rule, token: token.to_string(), reason };
    if text == "24/7" {
        return Ok(Rule { months: 0, weekdays: 0, holidays: false, every_day: true, times: vec![(0, DAY_MIN)] });
    }
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    let mut months = 0u16;
    // Month selector.
    if let Some(first) = tokens.first() {
        let t = first.strip_suffix(':').unwrap_or(first);
        if t.split(',').all(|p| p.split('-').all(|m| MONTHS.contains(&m))) && !t.is_empty() {
            months = parse_list(t, &MONTHS).map_err(|_| err(first, "invalid month selector"))? as u16;
            tokens.remove(0);
        }
    }
    let mut weekdays = 0u8;
    let mut holidays = false;
    let mut day_selector = false;
    if let Some(first) = tokens.first() {
        let looks_like_days = first.split(',').all(|p| p == "PH" || p.split('-').all(|d| WEEKDAYS.contains(&d)));
        if looks_like_days {
            for part in first.split(',') {
                if part == "PH" {
                    holidays = true;
                } else {
                    weekdays |= parse_list(part, &WEEKDAYS).map_err(|_| err(first, "invalid weekday selector"))? as u8;
                }
            }
            day_selector = true;
            tokens.remove(0);
        } else if first.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && !matches!(*first, "off" | "closed")
        {
            return Err(err(first, "unsupported selector (supported: 24/7, months, Mo-Su, PH)"));
        }
    }
    let times = match tokens.as_slice() {
        [] if day_selector || months != 0 => vec![(0, DAY_MIN)],
        [] => return Err(err(text, "a rule needs days or times")),
        ["off"] | ["closed"] => Vec::new(),
        [times] => parse_times(times).map_err(|(t, reason)| err(t, reason))?,
        [_, extra, ..] => return Err(err(extra, "unexpected token")),
    };
    Ok(Rule { months, weekdays, holidays, every_day: !day_selector, times })
}

/// `A`, `A-B` (wrapping) over `names`; a bit mask.
fn parse_list(text: &str, names: &[&str]) -> Result<u32, ()> {
    let idx = |s: &str| names.iter().position(|n| *n == s).ok_or(());
    let mut mask = 0u32;
    for part in text.split(',') {
        match part.split('-').collect::<Vec<_>>().as_slice() {
            [one] => mask |= 1 << idx(one)?,
            [a, b] => {
                let (a, b) = (idx(a)?, idx(b)?);
                let mut i = a;
                loop {
                    mask |= 1 << i;
                    if i == b {
                        break;
                    }
                    i = (i + 1) % names.len();
                }
            }
            _ => return Err(()),
        }
    }
    Ok(mask)
}

fn parse_times(text: &str) -> Result<Vec<(u16, u16)>, (&str, &'static str)> {
    let mut out = Vec::new();
    for range in text.split(',') {
        let (s, e) = range.split_once('-').ok_or((range, "expected a time range HH:MM-HH:MM"))?;
        let start = parse_time(s).ok_or((s, "invalid time"))?;
        let mut end = parse_time(e).ok_or((e, "invalid time"))?;
        if start >= DAY_MIN {
            return Err((s, "a range cannot start at or after 24:00"));
        }
        if end == start {
            return Err((range, "empty time range"));
        }
        if end < start {
            end += DAY_MIN; // past midnight: 22:00-02:00 = 22:00-26:00
        }
        if end > 2 * DAY_MIN {
            return Err((e, "a range cannot end after 48:00"));
        }
        out.push((start, end));
    }
    Ok(out)
}

/// `HH:MM`, 00:00..=48:00.
fn parse_time(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && h * 60 + m <= 2 * DAY_MIN).then_some(h * 60 + m)
}

impl fmt::Display for LocalInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.start_min / 60, self.start_min % 60, self.end_min / 60, self.end_min % 60)
    }
}

/// Easter Sunday (Gregorian), by the anonymous Gregorian computus
/// (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("computus gives a valid date")
}

/// The Polish name of the public holiday (dzień wolny od pracy, ustawa z
/// 18 stycznia 1951 r. as amended; 6 January since 2011, 24 December since
/// 2025) on `date`, if it is one.
pub fn polish_public_holiday(date: NaiveDate) -> Option<&'static str> {
    let year = date.year();
    let easter = easter_sunday(year);
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("Nowy Rok"),
        (1, 6) if year >= 2011 => Some("Święto Trzech Króli"),
        (5, 1) => Some("Święto Pracy"),
        (5, 3) => Some("Święto Narodowe Trzeciego Maja"),
        (8, 15) => Some("Wniebowzięcie Najświętszej Maryi Panny"),
        (11, 1) => Some("Wszystkich Świętych"),
        (11, 11) => Some("Narodowe Święto Niepodległości"),
        (12, 24) if year >= 2025 => Some("Wigilia Bożego Narodzenia"),
        (12, 25) => Some("Boże Narodzenie (pierwszy dzień)"),
        (12, 26) => Some("Boże Narodzenie (drugi dzień)"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    match (date - easter).num_days() {
        0 => Some("Wielkanoc"),
        1 => Some("Poniedziałek Wielkanocny"),
        49 => Some("Zielone Świątki"),
        60 => Some("Boże Ciało"),
        _ => None,
    }
}

/// Is `date` a Polish public holiday (OSM `PH` in Poland)?
pub fn is_polish_public_holiday(date: NaiveDate) -> bool {
    polish_public_holiday(date).is_some()
}

/// Local weekday helper for callers formatting hours.
pub fn weekday_abbrev(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_monday() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn oh(s: &str) -> OpeningHours {
        OpeningHours::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
        assert_eq!(easter_sunday(2008), d(2008, 3, 23));
    }

    #[test]
    fn polish_holidays_2025_to_2027() {
        let expect: &[(NaiveDate, &str)] = &[
            (d(2025, 1, 1), "Nowy Rok"),
            (d(2025, 1, 6), "Święto Trzech Króli"),
            (d(2025, 4, 20), "Wielkanoc"),
            (d(2025, 4, 21), "Poniedziałek Wielkanocny"),
            (d(2025, 6, 8), "Zielone Świątki"),
            (d(2025, 6, 19), "Boże Ciało"),
            (d(2025, 12, 24), "Wigilia Bożego Narodzenia"),
            (d(2026, 4, 5), "Wielkanoc"),
            (d(2026, 4, 6), "Poniedziałek Wielkanocny"),
            (d(2026, 5, 1), "Święto Pracy"),
            (d(2026, 5, 3), "Święto Narodowe Trzeciego Maja"),
            (d(2026, 5, 24), "Zielone Świątki"),
            (d(2026, 6, 4), "Boże Ciało"),
            (d(2026, 8, 15), "Wniebowzięcie Najświętszej Maryi Panny"),
            (d(2026, 11, 1), "Wszystkich Świętych"),
            (d(2026, 11, 11), "Narodowe Święto Niepodległości"),
            (d(2026, 12, 24), "Wigilia Bożego Narodzenia"),
            (d(2026, 12, 25), "Boże Narodzenie (pierwszy dzień)"),
            (d(2026, 12, 26), "Boże Narodzenie (drugi dzień)"),
            (d(2027, 3, 28), "Wielkanoc"),
            (d(2027, 3, 29), "Poniedziałek Wielkanocny"),
            (d(2027, 5, 16), "Zielone Świątki"),
            (d(2027, 5, 27), "Boże Ciało"),
        ];
        for (date, name) in expect {
            assert_eq!(polish_public_holiday(*date), Some(*name), "{date}");
        }
        for year in 2025..=2027 {
            let count = (0..366).filter_map(|i| d(year, 1, 1).checked_add_signed(Duration::days(i)))
                .filter(|x| x.year() == year && is_polish_public_holiday(*x)).count();
            assert_eq!(count, 14, "{year}: 13 fixed-or-movable + Wigilia");
        }
        assert!(!is_polish_public_holiday(d(2024, 12, 24)), "Wigilia is a holiday only since 2025");
        assert!(!is_polish_public_holiday(d(2026, 4, 7)));
        assert!(!is_polish_public_holiday(d(2026, 5, 2)));
        assert!(!is_polish_public_holiday(d(2026, 11, 2)));
    }

    #[test]
    fn ph_off_closes_on_holidays() {
        let h = oh("Mo-Su 10:00-18:00; PH off");
        assert!(!h.is_open(utc("2026-05-03T10:00:00Z")), "3 May");
        assert!(h.is_open(utc("2026-05-04T10:00:00Z")));
        assert!(!h.is_open(utc("2027-05-03T10:00:00Z")), "3 May 2027 (a Monday)");
        assert!(!h.is_open(utc("2026-12-24T12:00:00Z")), "Wigilia 2026");
        assert!(h.is_open(utc("2026-12-23T12:00:00Z")));
        assert!(!h.is_open(utc("2026-04-06T12:00:00Z")), "Easter Monday 2026");
        let p = oh("Mo-Fr 08:00-16:00; PH 10:00-14:00");
        assert!(p.is_open(utc("2026-12-26T10:00:00Z")), "Saturday 26 Dec 11:00 local, PH hours");
        assert!(!p.is_open(utc("2026-12-26T14:00:00Z")), "15:00 local");
        let s = oh("Mo-Sa 09:00-17:00; Su,PH off");
        assert!(!s.is_open(utc("2026-08-15T10:00:00Z")), "Saturday, 15 Aug");
        assert!(s.is_open(utc("2026-08-22T10:00:00Z")));
    }

    #[test]
    fn town_hall_hours_open_now() {
        // Urząd: Mo 8-17, Tu-Th 7:30-15:30, Fr 7:30-14, closed on holidays.
        let h = oh("Mo 08:00-17:00; Tu-Th 07:30-15:30; Fr 07:30-14:00; PH off");
        // Monday 1 June 2026, CEST (UTC+2).
        assert!(!h.is_open(utc("2026-06-01T05:59:00Z")), "07:59 local");
        assert!(h.is_open(utc("2026-06-01T06:00:00Z")), "08:00 local");
        assert!(h.is_open(utc("2026-06-01T14:59:00Z")), "16:59 local");
        assert!(!h.is_open(utc("2026-06-01T15:00:00Z")), "17:00 local");
        assert!(h.is_open(utc("2026-06-02T05:30:00Z")), "Tuesday 07:30");
        assert!(!h.is_open(utc("2026-06-04T08:00:00Z")), "Thursday, Corpus Christi");
        assert!(h.is_open(utc("2026-06-05T11:59:00Z")), "Friday 13:59");
        assert!(!h.is_open(utc("2026-06-05T12:00:00Z")), "Friday 14:00");
        assert!(!h.is_open(utc("2026-06-06T08:00:00Z")), "Saturday");
        // Winter: CET (UTC+1).
        assert!(h.is_open(utc("2026-12-07T07:00:00Z")), "Monday 08:00 CET");
        assert!(!h.is_open(utc("2026-12-07T06:59:00Z")));
        // Next change: Wednesday 3 June 16:00 -> Thursday is a holiday -> Friday 07:30.
        assert_eq!(h.next_change(utc("2026-06-03T14:00:00Z")), Some(utc("2026-06-05T05:30:00Z")));
        assert_eq!(h.next_change(utc("2026-06-01T10:00:00Z")), Some(utc("2026-06-01T15:00:00Z")));
        assert_eq!(h.intervals_on(d(2026, 6, 1)), vec![LocalInterval { start_min: 480, end_min: 1020 }]);
        assert!(h.intervals_on(d(2026, 6, 4)).is_empty());
        // Lunch break.
        let l = oh("Mo-Fr 08:00-12:00,13:00-16:00");
        assert!(!l.is_open(utc("2026-06-01T10:30:00Z")), "12:30 local");
        assert_eq!(l.next_change(utc("2026-06-01T10:30:00Z")), Some(utc("2026-06-01T11:00:00Z")));
    }

    #[test]
    fn later_rules_override_earlier_days() {
        let h = oh("Mo-Fr 08:00-16:00; We 12:00-20:00");
        assert!(!h.is_open(utc("2026-06-03T07:00:00Z")), "Wednesday 09:00: replaced");
        assert!(h.is_open(utc("2026-06-03T17:00:00Z")), "Wednesday 19:00");
        assert!(h.is_open(utc("2026-06-02T07:00:00Z")), "Tuesday 09:00");
        let w = oh("Sa,Su");
        assert!(w.is_open(utc("2026-06-06T01:00:00Z")), "a day selector alone = the whole day");
        assert!(!w.is_open(utc("2026-06-05T12:00:00Z")));
        let wrap = oh("Fr-Mo 10:00-12:00");
        assert!(wrap.is_open(utc("2026-06-07T08:30:00Z")), "Sunday");
        assert!(!wrap.is_open(utc("2026-06-03T08:30:00Z")), "Wednesday");
    }

    #[test]
    fn ranges_past_midnight() {
        let h = oh("Fr,Sa 22:00-02:00");
        assert!(h.is_open(utc("2026-06-05T20:00:00Z")), "Fri 22:00");
        assert!(h.is_open(utc("2026-06-05T23:59:00Z")), "Sat 01:59");
        assert!(!h.is_open(utc("2026-06-06T00:00:00Z")), "Sat 02:00");
        assert!(h.is_open(utc("2026-06-06T23:30:00Z")), "Sun 01:30 from Saturday's rule");
        assert!(!h.is_open(utc("2026-06-07T20:30:00Z")), "Sun 22:30");
        assert_eq!(h.next_change(utc("2026-06-05T21:00:00Z")), Some(utc("2026-06-06T00:00:00Z")));
        assert_eq!(oh("Fr 22:00-26:00"), oh("Fr 22:00-02:00"));
    }

    #[test]
    fn months_and_long_horizon() {
        let h = oh("Apr-Oct: Mo-Su 10:00-18:00; Nov-Mar off");
        assert!(h.is_open(utc("2026-07-01T10:00:00Z")));
        assert!(!h.is_open(utc("2026-12-01T10:00:00Z")));
        // After the last October evening, next open: 1 April 2027 10:00 CEST.
        assert_eq!(h.next_change(utc("2026-10-31T18:00:00Z")), Some(utc("2027-04-01T08:00:00Z")));
        let wrap = oh("Nov-Feb 08:00-12:00");
        assert!(wrap.is_open(utc("2027-01-15T08:00:00Z")));
        assert!(!wrap.is_open(utc("2026-06-15T08:00:00Z")));
    }

    #[test]
    fn spring_forward_28_to_29_march_2026() {
        // 29 March 2026: 02:00 CET -> 03:00 CEST at 01:00 UTC.
        let all = oh("Mo-Su 00:00-24:00");
        for t in ["2026-03-28T22:59:00Z", "2026-03-28T23:00:00Z", "2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z", "2026-03-29T22:00:00Z"] {
            assert!(all.is_open(utc(t)), "{t}");
        }
        assert_eq!(all.next_change(utc("2026-03-28T12:00:00Z")), None);
        assert_eq!(oh("24/7").next_change(utc("2026-03-28T12:00:00Z")), None);

        let sat = oh("Sa 01:00-04:00");
        assert!(sat.is_open(utc("2026-03-28T00:00:00Z")), "Sat 01:00 CET");
        assert!(!sat.is_open(utc("2026-03-28T03:00:00Z")), "Sat 04:00 CET");
        assert!(!sat.is_open(utc("2026-03-29T00:30:00Z")), "Sunday night is not Saturday");

        // The same hours on the Sunday of the change last 2 real hours: 01:00 CET .. 04:00 CEST.
        let sun = oh("Su 01:00-04:00");
        assert!(!sun.is_open(utc("2026-03-28T23:59:00Z")), "00:59 CET");
        assert!(sun.is_open(utc("2026-03-29T00:00:00Z")), "01:00 CET");
        assert!(sun.is_open(utc("2026-03-29T01:00:00Z")), "03:00 CEST");
        assert!(sun.is_open(utc("2026-03-29T01:59:00Z")), "03:59 CEST");
        assert!(!sun.is_open(utc("2026-03-29T02:00:00Z")), "04:00 CEST");
        assert_eq!(sun.next_change(utc("2026-03-28T22:00:00Z")), Some(utc("2026-03-29T00:00:00Z")));
        assert_eq!(sun.next_change(utc("2026-03-29T00:30:00Z")), Some(utc("2026-03-29T02:00:00Z")));

        // Saturday night across the change: 22:00 CET .. 04:00 CEST = 5 real hours.
        let night = oh("Sa 22:00-04:00");
        assert!(night.is_open(utc("2026-03-28T21:00:00Z")));
        assert!(night.is_open(utc("2026-03-29T01:30:00Z")), "03:30 CEST");
        assert_eq!(night.next_change(utc("2026-03-28T21:00:00Z")), Some(utc("2026-03-29T02:00:00Z")));
        // An interval starting inside the skipped hour opens when the clocks jump.
        let gap = oh("Su 02:30-05:00");
        assert_eq!(gap.next_change(utc("2026-03-28T23:00:00Z")), Some(utc("2026-03-29T01:00:00Z")));
        assert!(gap.is_open(utc("2026-03-29T01:00:00Z")));
    }

    #[test]
    fn fall_back_25_october_2026() {
        // 25 October 2026: 03:00 CEST -> 02:00 CET at 01:00 UTC.
        let all = oh("Mo-Su 00:00-24:00");
        for t in ["2026-10-24T21:59:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-25T23:00:00Z"] {
            assert!(all.is_open(utc(t)), "{t}");
        }
        let sat = oh("Sa 01:00-04:00");
        assert!(sat.is_open(utc("2026-10-23T23:00:00Z")), "Sat 01:00 CEST");
        assert!(!sat.is_open(utc("2026-10-24T02:00:00Z")), "Sat 04:00 CEST");
        // Sunday 01:00 CEST (23:00Z Sat) .. 04:00 CET (03:00Z): 4 real hours.
        let sun = oh("Su 01:00-04:00");
        assert!(!sun.is_open(utc("2026-10-24T22:59:00Z")));
        assert!(sun.is_open(utc("2026-10-24T23:00:00Z")));
        assert!(sun.is_open(utc("2026-10-25T00:30:00Z")), "02:30 CEST");
        assert!(sun.is_open(utc("2026-10-25T01:30:00Z")), "02:30 CET");
        assert!(sun.is_open(utc("2026-10-25T02:59:00Z")), "03:59 CET");
        assert!(!sun.is_open(utc("2026-10-25T03:00:00Z")), "04:00 CET");
        assert_eq!(sun.next_change(utc("2026-10-24T23:30:00Z")), Some(utc("2026-10-25T03:00:00Z")));
        // The repeated hour is evaluated twice: open in both 02:00-02:30s.
        let rep = oh("Su 02:00-02:30");
        assert!(rep.is_open(utc("2026-10-25T00:10:00Z")), "02:10 CEST");
        assert!(!rep.is_open(utc("2026-10-25T00:45:00Z")), "02:45 CEST");
        assert!(rep.is_open(utc("2026-10-25T01:10:00Z")), "02:10 CET");
        assert_eq!(rep.next_change(utc("2026-10-25T00:45:00Z")), Some(utc("2026-10-25T01:00:00Z")));
        assert_eq!(rep.next_change(utc("2026-10-25T01:00:00Z")), Some(utc("2026-10-25T01:30:00Z")));
    }

    #[test]
    fn parse_errors_never_guess() {
        for bad in [
            "",
            "sunrise-sunset",
            "Mo-Fr 08:00-16:00 || \"by appointment\"",
            "Mo-Fr 8:00-16:00",
            "Mo-Fr 08:00-16:61",
            "Mo-Fr 08:00-49:00",
            "Mo-Fr 24:00-02:00",
            "Mo-Fr 10:00-10:00",
            "Dec 24 off",
            "SH off",
            "Mo-Fr 08:00+",
            "mo-fr 08:00-16:00",
            "Mo-Xx 08:00-16:00",
            "Mo-Fr 08:00-16:00 extra",
            "; Mo 08:00-16:00",
            "Mo-Fr 08:00-16:00; ; Sa off",
            "PH +1 day off",
            "week 01-10 Mo 08:00-10:00",
        ] {
            let e = OpeningHours::parse(bad).expect_err(bad);
            assert!(!e.to_string().is_empty());
        }
        let e = OpeningHours::parse("Mo-Fr 08:00-16:00; sunrise-sunset").unwrap_err();
        assert_eq!(e.rule, 2);
        assert_eq!(e.token, "sunrise-sunset");
        // Tolerated: a trailing `;`, `closed` for `off`.
        assert_eq!(oh("Mo-Fr 08:00-16:00;"), oh("Mo-Fr 08:00-16:00"));
        assert_eq!(oh("PH closed"), oh("PH off"));
    }
}

//! Recurrence rules: the RFC 5545 RRULE subset a gmina's calendar needs,
//! and their expansion into occurrences.
//!
//! Why a subset: events are typed in by officials ("every Tuesday", "the
//! first Friday of the month", "daily for a week"); the full RFC grammar
//! (BYSETPOS, BYYEARDAY, HOURLY...) would only add ways to get it wrong,
//! and every rule we accept must expand identically on the phone and in
//! the server's ICS feed.
//!
//! Supported (RFC 5545 §3.3.10): `FREQ=DAILY|WEEKLY|MONTHLY`, `INTERVAL`,
//! `COUNT` or `UNTIL` (never both, as the RFC requires), `BYDAY` (plain
//! weekdays; with ordinals such as `2TU` or `-1FR` only for MONTHLY, since
//! the RFC forbids them for DAILY and WEEKLY) and `WKST`.
//!
//! Expansion follows the RFC where it is explicit:
//! - the rule is evaluated in local wall-clock time ([`crate::LOCAL_TZ`]),
//!   so a weekly 18:00 class stays at 18:00 across DST changes;
//! - DTSTART is always the first instance and counts toward COUNT
//!   (§3.3.10 "The DTSTART property value always counts as the first
//!   occurrence", §3.8.5.3);
//! - a local time that does not exist (spring-forward gap) is taken with the
//!   UTC offset from before the gap, i.e. moved forward by the gap length;
//!   an ambiguous local time (autumn) means its first instant (§3.3.5);
//! - invalid dates (30 February, the 5th Friday of a month that has four)
//!   are skipped, not moved (§3.3.10);
//! - UNTIL is inclusive and, with a DTSTART that has a TZID, written in UTC.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeDelta, TimeZone, Utc, Weekday,
};
use thiserror::Error;

use crate::LOCAL_TZ;
use crate::events::Event;

/// How far after DTSTART a rule is expanded at most (in years). A
/// municipal event that repeats "forever" is not planned beyond this, and
/// the cap bounds the work of any single expansion call.
pub const HORIZON_YEARS: u32 = 100;

/// `FREQ` (RFC 5545 §3.3.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
}

impl Frequency {
    fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "DAILY",
            Frequency::Weekly => "WEEKLY",
            Frequency::Monthly => "MONTHLY",
        }
    }
}

/// One `BYDAY` entry: a weekday, with an ordinal inside the month for
/// MONTHLY rules (`2TU` = the second Tuesday, `-1FR` = the last Friday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekdayNum {
    pub ordinal: Option<i8>,
    pub weekday: Weekday,
}

/// How a rule ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleEnd {
    Forever,
    /// Total number of occurrences, DTSTART included.
    Count(u32),
    /// The last instant an occurrence may start at (inclusive).
    Until(DateTime<Utc>),
}

/// A parsed, validated RRULE. `Display` writes the canonical form
/// (`FREQ` first, defaults left out, `UNTIL` in UTC).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecurrenceRule {
    pub frequency: Frequency,
    /// Every how many days/weeks/months; at least 1.
    pub interval: u32,
    pub end: RuleEnd,
    /// Empty: the weekday (WEEKLY) or day of month (MONTHLY) of DTSTART.
    pub by_day: Vec<WeekdayNum>,
    /// `WKST`: the first day of the week; matters for WEEKLY rules with
    /// INTERVAL > 1 and several BYDAY days. Monday is the RFC default and
    /// the Polish week.
    pub week_start: Weekday,
}

/// Why an RRULE was rejected. The text is short English naming the
/// problem; events.rs wraps it into the user-facing message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RruleError {
    #[error("the rule is empty")]
    Empty,
    #[error("`{0}` is not of the form NAME=VALUE")]
    Malformed(String),
    #[error("unknown rule part `{0}`")]
    UnknownPart(String),
    #[error("{0} is not supported")]
    UnsupportedPart(String),
    #[error("{0} is given twice")]
    DuplicatePart(&'static str),
    #[error("FREQ is missing")]
    MissingFrequency,
    #[error("FREQ={0} is not supported (only DAILY, WEEKLY or MONTHLY)")]
    UnsupportedFrequency(String),
    #[error("INTERVAL must be a whole number from 1, not `{0}`")]
    InvalidInterval(String),
    #[error("COUNT must be a whole number from 1, not `{0}`")]
    InvalidCount(String),
    #[error("UNTIL must be a UTC date-time (YYYYMMDDTHHMMSSZ) or a date (YYYYMMDD), not `{0}`")]
    InvalidUntil(String),
    #[error("COUNT and UNTIL cannot both be given")]
    CountAndUntil,
    #[error("`{0}` is not a weekday (MO, TU, WE, TH, FR, SA, SU)")]
    InvalidWeekday(String),
    #[error("BYDAY ordinal in `{0}` must be 1 to 5 or -1 to -5")]
    InvalidOrdinal(String),
    #[error("BYDAY with an ordinal (`{0}`) is only allowed with FREQ=MONTHLY")]
    OrdinalNotMonthly(String),
    #[error("BYDAY lists `{0}` twice")]
    DuplicateWeekday(String),
}

/// Keeps user input quoted in errors short.
fn clip(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn weekday_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

fn parse_positive(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u32>().ok().filter(|n| *n > 0)
}

fn digits(s: &str, range: std::ops::Range<usize>) -> Option<u32> {
    let part = s.get(range)?;
    if part.bytes().all(|b| b.is_ascii_digit()) { part.parse().ok() } else { None }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(s, 0..4)? as i32, digits(s, 4..6)?, digits(s, 6..8)?)
}

fn parse_until(value: &str) -> Result<DateTime<Utc>, RruleError> {
    let bad = || RruleError::InvalidUntil(clip(value));
    let v = value.to_ascii_uppercase();
    match v.len() {
        // A DATE: the whole of that day in Warsaw, so the last instant of it.
        8 => {
            let date = parse_date(&v).ok_or_else(bad)?;
            let next = date.succ_opt().ok_or_else(bad)?;
            let midnight = resolve_local(next.and_time(NaiveTime::MIN)).ok_or_else(bad)?;
            Ok(midnight - TimeDelta::seconds(1))
        }
        // A UTC DATE-TIME. The floating form (no `Z`) is refused: RFC 5545
        // requires UTC when DTSTART carries a TZID, as ours always does.
        16 if v.ends_with('Z') && v.as_bytes()[8] == b'T' => {
            let date = parse_date(&v[..8]).ok_or_else(bad)?;
            let time = NaiveTime::from_hms_opt(
                digits(&v, 9..11).ok_or_else(bad)?,
                digits(&v, 11..13).ok_or_else(bad)?,
                digits(&v, 13..15).ok_or_else(bad)?,
            )
            .ok_or_else(bad)?;
            Ok(Utc.from_utc_datetime(&date.and_time(time)))
        }
        _ => Err(bad()),
    }
}

fn parse_by_day(value: &str) -> Result<Vec<WeekdayNum>, RruleError> {
    let mut out: Vec<WeekdayNum> = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        if item.len() < 2 || !item.is_char_boundary(item.len() - 2) {
            return Err(RruleError::InvalidWeekday(clip(item)));
        }
        let (num, day) = item.split_at(item.len() - 2);
        let weekday = parse_weekday(day).ok_or_else(|| RruleError::InvalidWeekday(clip(item)))?;
        let ordinal = if num.is_empty() {
            None
        } else {
            let (sign, digits) = match num.as_bytes()[0] {
                b'+' => (1, &num[1..]),
                b'-' => (-1, &num[1..]),
                _ => (1, num),
            };
            let n = match digits {
                "1" | "2" | "3" | "4" | "5" => digits.parse::<i8>().unwrap_or(0),
                _ => return Err(RruleError::InvalidOrdinal(clip(item))),
            };
            Some(sign * n)
        };
        let entry = WeekdayNum { ordinal, weekday };
        if out.contains(&entry) {
            return Err(RruleError::DuplicateWeekday(entry.to_string()));
        }
        out.push(entry);
    }
    Ok(out)
}

fn set_once<T>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), RruleError> {
    if slot.is_some() {
        return Err(RruleError::DuplicatePart(name));
    }
    *slot = Some(value);
    Ok(())
}

impl RecurrenceRule {
    /// Parses an RRULE value, with or without the `RRULE:` prefix. Names
    /// and enumerated values are case-insensitive (RFC 5545 §3.1, §3.3.10).
    pub fn parse(s: &str) -> Result<RecurrenceRule, RruleError> {
        let mut body = s.trim();
        if body.len() >= 6 && body.is_char_boundary(6) && body[..6].eq_ignore_ascii_case("RRULE:") {
            body = body[6..].trim_start();
        }
        if body.is_empty() {
            return Err(RruleError::Empty);
        }
        let mut freq = None;
        let mut interval = None;
        let mut count = None;
        let mut until = None;
        let mut by_day = None;
        let mut wkst = None;
        for part in body.split(';') {
            let (name, value) = part.split_once('=').ok_or_else(|| RruleError::Malformed(clip(part)))?;
            let (name, value) = (name.trim().to_ascii_uppercase(), value.trim());
            match name.as_str() {
                "FREQ" => {
                    let f = match value.to_ascii_uppercase().as_str() {
                        "DAILY" => Frequency::Daily,
                        "WEEKLY" => Frequency::Weekly,
                        "MONTHLY" => Frequency::Monthly,
                        _ => return Err(RruleError::UnsupportedFrequency(clip(value))),
                    };
                    set_once(&mut freq, "FREQ", f)?;
                }
                "INTERVAL" => {
                    let n = parse_positive(value).ok_or_else(|| RruleError::InvalidInterval(clip(value)))?;
                    set_once(&mut interval, "INTERVAL", n)?;
                }
                "COUNT" => {
                    let n = parse_positive(value).ok_or_else(|| RruleError::InvalidCount(clip(value)))?;
                    set_once(&mut count, "COUNT", n)?;
                }
                "UNTIL" => set_once(&mut until, "UNTIL", parse_until(value)?)?,
                "BYDAY" => set_once(&mut by_day, "BYDAY", parse_by_day(value)?)?,
                "WKST" => {
                    let w = parse_weekday(value).ok_or_else(|| RruleError::InvalidWeekday(clip(value)))?;
                    set_once(&mut wkst, "WKST", w)?;
                }
                "BYSECOND" | "BYMINUTE" | "BYHOUR" | "BYMONTHDAY" | "BYYEARDAY" | "BYWEEKNO" | "BYMONTH"
                | "BYSETPOS" => return Err(RruleError::UnsupportedPart(name)),
                "" => return Err(RruleError::Malformed(clip(part))),
                _ => return Err(RruleError::UnknownPart(clip(&name))),
            }
        }
        let frequency = freq.ok_or(RruleError::MissingFrequency)?;
        let end = match (count, until) {
            (Some(_), Some(_)) => return Err(RruleError::CountAndUntil),
            (Some(c), None) => RuleEnd::Count(c),
            (None, Some(u)) => RuleEnd::Until(u),
            (None, None) => RuleEnd::Forever,
        };
        let by_day = by_day.unwrap_or_default();
        if frequency != Frequency::Monthly {
            if let Some(d) = by_day.iter().find(|d| d.ordinal.is_some()) {
                return Err(RruleError::OrdinalNotMonthly(d.to_string()));
            }
        }
        Ok(RecurrenceRule {
            frequency,
            interval: interval.unwrap_or(1),
            end,
            by_day,
            week_start: wkst.unwrap_or(Weekday::Mon),
        })
    }

    /// The RRULE value with UNTIL written as a local DATE, as RFC 5545
    /// §3.3.10 requires when DTSTART is a DATE (all-day events).
    pub fn to_string_with_date_until(&self) -> String {
        self.write(true)
    }

    fn write(&self, date_until: bool) -> String {
        use std::fmt::Write;
        let mut s = format!("FREQ={}", self.frequency.as_str());
        if self.interval != 1 {
            let _ = write!(s, ";INTERVAL={}", self.interval);
        }
        match self.end {
            RuleEnd::Forever => {}
            RuleEnd::Count(c) => {
                let _ = write!(s, ";COUNT={c}");
            }
            RuleEnd::Until(u) if date_until => {
                let _ = write!(s, ";UNTIL={}", u.with_timezone(&LOCAL_TZ).format("%Y%m%d"));
            }
            RuleEnd::Until(u) => {
                let _ = write!(s, ";UNTIL={}", u.format("%Y%m%dT%H%M%SZ"));
            }
        }
        if !self.by_day.is_empty() {
            s.push_str(";BYDAY=");
            for (i, d) in self.by_day.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{d}");
            }
        }
        if self.week_start != Weekday::Mon {
            let _ = write!(s, ";WKST={}", weekday_code(self.week_start));
        }
        s
    }
}

impl fmt::Display for WeekdayNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.ordinal {
            write!(f, "{n}")?;
        }
        f.write_str(weekday_code(self.weekday))
    }
}

impl fmt::Display for RecurrenceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.write(false))
    }
}

impl FromStr for RecurrenceRule {
    type Err = RruleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecurrenceRule::parse(s)
    }
}

/// One instance of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Occurrence {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Occurrence {
    /// Whether it overlaps `[from, to)`; an instant event counts when it
    /// falls inside.
    pub fn overlaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.starts_at < to && (self.ends_at > from || (self.ends_at <= self.starts_at && self.starts_at >= from))
    }
}

/// The local wall-clock time `naive` in Warsaw as an instant (RFC 5545
/// §3.3.5): a time in the spring-forward gap takes the offset from before
/// the gap (02:30 becomes 03:30 summer time); an ambiguous autumn time
/// takes its first (summer-time) instant.
fn resolve_local(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    match LOCAL_TZ.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => {
            // Transitions are months apart, so a day earlier is before the gap.
            let before = naive.checked_sub_signed(TimeDelta::days(1))?;
            let offset = LOCAL_TZ.offset_from_utc_datetime(&before).fix();
            let utc = naive.checked_sub_signed(TimeDelta::seconds(offset.local_minus_utc().into()))?;
            Some(Utc.from_utc_datetime(&utc))
        }
    }
}

/// Every occurrence of `event` overlapping `[from, to)`, in order, at most
/// `limit`. A non-recurring event (or one whose rule does not parse, which
/// validation never lets through) gives its single occurrence.
pub fn occurrences(event: &Event, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Vec<Occurrence> {
    let first = Occurrence { starts_at: event.starts_at, ends_at: event.ends_at.max(event.starts_at) };
    match event.rrule.as_deref().map(RecurrenceRule::parse) {
        Some(Ok(rule)) => rule.expand(first, event.all_day, from, to, limit),
        _ => {
            if limit > 0 && first.overlaps(from, to) {
                vec![first]
            } else {
                Vec::new()
            }
        }
    }
}

/// How each occurrence's end follows from its start.
#[derive(Clone, Copy)]
enum Span {
    /// Timed events keep the first occurrence's exact duration.
    Exact(TimeDelta),
    /// All-day events keep their number of calendar days (local midnight
    /// to local midnight, so a day may be 23 or 25 hours long).
    Days(u64),
}

impl RecurrenceRule {
    /// The occurrences of a series whose first instance (DTSTART) is
    /// `first`, overlapping `[from, to)`, in order, at most `limit`.
    pub fn expand(
        &self,
        first: Occurrence,
        all_day: bool,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Vec<Occurrence> {
        let mut out = Vec::new();
        if limit == 0 || from >= to {
            return out;
        }
        // DTSTART is always the first instance (RFC 5545 §3.8.5.3).
        if first.overlaps(from, to) {
            out.push(first);
            if out.len() >= limit {
                return out;
            }
        }
        let count = match self.end {
            RuleEnd::Count(c) => Some(u64::from(c)),
            _ => None,
        };
        if count == Some(1) {
            return out;
        }

        let local0 = first.starts_at.with_timezone(&LOCAL_TZ).naive_local();
        let (d0, t0) = (local0.date(), local0.time());
        let span = if all_day {
            let end_date = first.ends_at.with_timezone(&LOCAL_TZ).date_naive();
            Span::Days(u64::try_from((end_date - d0).num_days()).unwrap_or(0).max(1))
        } else {
            Span::Exact(first.ends_at - first.starts_at)
        };
        let span_len = match span {
            Span::Exact(d) => d,
            Span::Days(n) => TimeDelta::days(i64::try_from(n).unwrap_or(i64::MAX / 86_400_000)),
        };

        let horizon = d0.checked_add_months(Months::new(HORIZON_YEARS * 12)).unwrap_or(NaiveDate::MAX);
        let to_date = to.with_timezone(&LOCAL_TZ).date_naive().succ_opt().unwrap_or(NaiveDate::MAX);
        let stop = horizon.min(to_date);

        // Without COUNT nothing before `from` matters, so skip whole periods
        // up to the one that may hold the first overlapping occurrence
        // (an occurrence overlapping `from` starts after `from - span`;
        // two days of slack cover the UTC/local difference).
        let first_period = match count {
            Some(_) => 0,
            None => {
                let target = from
                    .checked_sub_signed(span_len)
                    .and_then(|t| t.checked_sub_signed(TimeDelta::days(2)))
                    .map(|t| t.with_timezone(&LOCAL_TZ).date_naive());
                match target {
                    Some(t) if t > d0 => self.period_index_of(d0, t),
                    _ => 0,
                }
            }
        };

        let mut produced: u64 = 1; // DTSTART
        let mut dates = Vec::with_capacity(31);
        let mut k = first_period;
        loop {
            dates.clear();
            let Some(period_start) = self.period_dates(k, local0.date(), &mut dates) else {
                return out;
            };
            if period_start > stop {
                return out;
            }
            for &date in &dates {
                if date <= d0 {
                    continue;
                }
                if date > horizon {
                    return out;
                }
                let Some(occ) = occurrence_on(date, t0, span) else {
                    return out;
                };
                if let RuleEnd::Until(until) = self.end {
                    if occ.starts_at > until {
                        return out;
                    }
                }
                if occ.starts_at >= to {
                    return out;
                }
                produced += 1;
                if occ.overlaps(from, to) {
                    out.push(occ);
                    if out.len() >= limit {
                        return out;
                    }
                }
                if count.is_some_and(|c| produced >= c) {
                    return out;
                }
            }
            k = match k.checked_add(1) {
                Some(k) => k,
                None => return out,
            };
        }
    }

    fn week_start_of(&self, d: NaiveDate) -> NaiveDate {
        let back = (7 + d.weekday().num_days_from_monday() - self.week_start.num_days_from_monday()) % 7;
        d - Days::new(u64::from(back))
    }

    /// The index of the period (counted in INTERVALs from DTSTART's) that
    /// contains `date`, rounded down.
    fn period_index_of(&self, d0: NaiveDate, date: NaiveDate) -> u64 {
        let units = match self.frequency {
            Frequency::Daily => (date - d0).num_days(),
            Frequency::Weekly => (self.week_start_of(date) - self.week_start_of(d0)).num_days() / 7,
            Frequency::Monthly => {
                let m = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                m(date) - m(d0)
            }
        };
        u64::try_from(units).unwrap_or(0) / u64::from(self.interval)
    }

    /// Fills `out` with the candidate dates of period `k` in order and
    /// returns the period's first day, or `None` past the calendar's end.
    fn period_dates(&self, k: u64, d0: NaiveDate, out: &mut Vec<NaiveDate>) -> Option<NaiveDate> {
        let step = k.checked_mul(u64::from(self.interval))?;
        let plain = |w: Weekday| self.by_day.iter().any(|d| d.weekday == w);
        match self.frequency {
            Frequency::Daily => {
                let day = d0.checked_add_days(Days::new(step))?;
                if self.by_day.is_empty() || plain(day.weekday()) {
                    out.push(day);
                }
                Some(day)
            }
            Frequency::Weekly => {
                let start = self.week_start_of(d0).checked_add_days(Days::new(step.checked_mul(7)?))?;
                for i in 0..7 {
                    let day = start.checked_add_days(Days::new(i))?;
                    let wanted =
                        if self.by_day.is_empty() { day.weekday() == d0.weekday() } else { plain(day.weekday()) };
                    if wanted {
                        out.push(day);
                    }
                }
                Some(start)
            }
            Frequency::Monthly => {
                let month = d0.with_day(1)?.checked_add_months(Months::new(u32::try_from(step).ok()?))?;
                let next = month.checked_add_months(Months::new(1))?;
                let len = u32::try_from((next - month).num_days()).ok()?;
                if self.by_day.is_empty() {
                    // The day of month of DTSTART; months without it are skipped.
                    if let Some(day) = month.with_day(d0.day()) {
                        out.push(day);
                    }
                } else {
                    for dom in 1..=len {
                        let day = month.with_day(dom)?;
                        let from_start = ((dom - 1) / 7 + 1) as i8;
                        let from_end = -(((len - dom) / 7 + 1) as i8);
                        let hit = self.by_day.iter().any(|d| {
                            d.weekday == day.weekday()
                                && d.ordinal.is_none_or(|n| n == from_start || n == from_end)
                        });
                        if hit {
                            out.push(day);
                        }
                    }
                }
                Some(month)
            }
        }
    }
}

fn occurrence_on(date: NaiveDate, time: NaiveTime, span: Span) -> Option<Occurrence> {
    let starts_at = resolve_local(date.and_time(time))?;
    let ends_at = match span {
        Span::Exact(d) => starts_at.checked_add_signed(d)?,
        Span::Days(n) => resolve_local(date.checked_add_days(Days::new(n))?.and_time(NaiveTime::MIN))?,
    };
    Some(Occurrence { starts_at, ends_at })
}

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
    #[error("BYDAY cannot mix days with and without an ordinal")]
    MixedOrdinals,
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
    if part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
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
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| RruleError::Malformed(clip(part)))?;
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
                    let n = parse_positive(value)
                        .ok_or_else(|| RruleError::InvalidInterval(clip(value)))?;
                    set_once(&mut interval, "INTERVAL", n)?;
                }
                "COUNT" => {
                    let n = parse_positive(value)
                        .ok_or_else(|| RruleError::InvalidCount(clip(value)))?;
                    set_once(&mut count, "COUNT", n)?;
                }
                "UNTIL" => set_once(&mut until, "UNTIL", parse_until(value)?)?,
                "BYDAY" => set_once(&mut by_day, "BYDAY", parse_by_day(value)?)?,
                "WKST" => {
                    let w = parse_weekday(value)
                        .ok_or_else(|| RruleError::InvalidWeekday(clip(value)))?;
                    set_once(&mut wkst, "WKST", w)?;
                }
                "BYSECOND" | "BYMINUTE" | "BYHOUR" | "BYMONTHDAY" | "BYYEARDAY" | "BYWEEKNO"
                | "BYMONTH" | "BYSETPOS" => return Err(RruleError::UnsupportedPart(name)),
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
        if frequency != Frequency::Monthly
            && let Some(d) = by_day.iter().find(|d| d.ordinal.is_some())
        {
            return Err(RruleError::OrdinalNotMonthly(d.to_string()));
        }
        // `1MO,FR` is a union by RFC 5545 but an intersection in
        // python-dateutil and its ports, so clients would disagree.
        if by_day.iter().any(|d| d.ordinal.is_some()) && by_day.iter().any(|d| d.ordinal.is_none())
        {
            return Err(RruleError::MixedOrdinals);
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Occurrence {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Occurrence {
    /// Whether it overlaps `[from, to)`; an instant event counts when it
    /// falls inside.
    pub fn overlaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.starts_at < to
            && (self.ends_at > from || (self.ends_at <= self.starts_at && self.starts_at >= from))
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
            let utc =
                naive.checked_sub_signed(TimeDelta::seconds(offset.local_minus_utc().into()))?;
            Some(Utc.from_utc_datetime(&utc))
        }
    }
}

/// Every occurrence of `event` overlapping `[from, to)`, in order, at most
/// `limit`. A non-recurring event (or one whose rule does not parse, which
/// validation never lets through) gives its single occurrence.
pub fn occurrences(
    event: &Event,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> Vec<Occurrence> {
    let first = Occurrence {
        starts_at: event.starts_at,
        ends_at: event.ends_at.max(event.starts_at),
    };
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
            Span::Days(
                u64::try_from((end_date - d0).num_days())
                    .unwrap_or(0)
                    .max(1),
            )
        } else {
            Span::Exact(first.ends_at - first.starts_at)
        };
        let span_len = match span {
            Span::Exact(d) => d,
            Span::Days(n) => TimeDelta::days(i64::try_from(n).unwrap_or(i64::MAX / 86_400_000)),
        };

        let horizon = d0
            .checked_add_months(Months::new(HORIZON_YEARS * 12))
            .unwrap_or(NaiveDate::MAX);
        let to_date = to
            .with_timezone(&LOCAL_TZ)
            .date_naive()
            .succ_opt()
            .unwrap_or(NaiveDate::MAX);
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
                if let RuleEnd::Until(until) = self.end
                    && occ.starts_at > until
                {
                    return out;
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
        let back =
            (7 + d.weekday().num_days_from_monday() - self.week_start.num_days_from_monday()) % 7;
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
                let start = self
                    .week_start_of(d0)
                    .checked_add_days(Days::new(step.checked_mul(7)?))?;
                for i in 0..7 {
                    let day = start.checked_add_days(Days::new(i))?;
                    let wanted = if self.by_day.is_empty() {
                        day.weekday() == d0.weekday()
                    } else {
                        plain(day.weekday())
                    };
                    if wanted {
                        out.push(day);
                    }
                }
                Some(start)
            }
            Frequency::Monthly => {
                let month = d0
                    .with_day(1)?
                    .checked_add_months(Months::new(u32::try_from(step).ok()?))?;
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
        Span::Days(n) => resolve_local(
            date.checked_add_days(Days::new(n))?
                .and_time(NaiveTime::MIN),
        )?,
    };
    Some(Occurrence { starts_at, ends_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A local Warsaw wall-clock time ("2026-03-29T02:30") as an instant,
    /// resolved the RFC 5545 way.
    fn local(s: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        resolve_local(naive).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn event(
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        all_day: bool,
        rrule: Option<&str>,
    ) -> Event {
        Event {
            id: 7,
            title: "Zajęcia".into(),
            description: String::new(),
            starts_at,
            ends_at,
            all_day,
            place_name: None,
            point: None,
            category: None,
            organiser: None,
            image_url: None,
            accessibility: None,
            cancelled: false,
            rrule: rrule.map(str::to_string),
            updated_at: utc("2026-01-01T00:00:00Z"),
        }
    }

    fn timed(start: &str, minutes: i64, rule: &str) -> Event {
        let s = local(start);
        event(s, s + TimeDelta::minutes(minutes), false, Some(rule))
    }

    fn starts(v: &[Occurrence]) -> Vec<DateTime<Utc>> {
        v.iter().map(|o| o.starts_at).collect()
    }

    fn far_past() -> DateTime<Utc> {
        utc("1900-01-01T00:00:00Z")
    }

    fn far_future() -> DateTime<Utc> {
        utc("2100-01-01T00:00:00Z")
    }

    // ---- parsing -------------------------------------------------------

    #[test]
    fn parse_display_round_trips() {
        for (input, canonical) in [
            ("FREQ=DAILY", "FREQ=DAILY"),
            ("RRULE:FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=WEEKLY;BYDAY=MO,WE"),
            (
                "rrule:freq=weekly;byday=mo,we;interval=1",
                "FREQ=WEEKLY;BYDAY=MO,WE",
            ),
            (
                "BYDAY=TU;FREQ=WEEKLY;INTERVAL=2;COUNT=10",
                "FREQ=WEEKLY;INTERVAL=2;COUNT=10;BYDAY=TU",
            ),
            ("FREQ=MONTHLY;BYDAY=2TU", "FREQ=MONTHLY;BYDAY=2TU"),
            (
                "FREQ=MONTHLY;BYDAY=-1FR,+1MO",
                "FREQ=MONTHLY;BYDAY=-1FR,1MO",
            ),
            ("FREQ=MONTHLY;BYDAY=SA", "FREQ=MONTHLY;BYDAY=SA"),
            (
                "FREQ=DAILY;UNTIL=20261231T230000Z",
                "FREQ=DAILY;UNTIL=20261231T230000Z",
            ),
            (
                "FREQ=DAILY;until=20261231t230000z",
                "FREQ=DAILY;UNTIL=20261231T230000Z",
            ),
            // A DATE means the end of that day in Warsaw (CET in January).
            (
                "FREQ=DAILY;UNTIL=20260115",
                "FREQ=DAILY;UNTIL=20260115T225959Z",
            ),
            // ...and CEST in July.
            (
                "FREQ=DAILY;UNTIL=20260715",
                "FREQ=DAILY;UNTIL=20260715T215959Z",
            ),
            ("FREQ=WEEKLY;WKST=MO;BYDAY=SU", "FREQ=WEEKLY;BYDAY=SU"),
            (
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU",
            ),
            ("  FREQ=DAILY ; COUNT=3 ", "FREQ=DAILY;COUNT=3"),
        ] {
            let rule = RecurrenceRule::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(rule.to_string(), canonical, "{input}");
            assert_eq!(RecurrenceRule::parse(canonical).unwrap(), rule, "{input}");
            assert_eq!(canonical.parse::<RecurrenceRule>().unwrap(), rule);
        }
    }

    #[test]
    fn parse_builds_the_expected_value() {
        let rule =
            RecurrenceRule::parse("FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU,-1FR;UNTIL=20261231").unwrap();
        assert_eq!(
            rule,
            RecurrenceRule {
                frequency: Frequency::Monthly,
                interval: 3,
                end: RuleEnd::Until(utc("2026-12-31T22:59:59Z")),
                by_day: vec![
                    WeekdayNum {
                        ordinal: Some(2),
                        weekday: Weekday::Tue
                    },
                    WeekdayNum {
                        ordinal: Some(-1),
                        weekday: Weekday::Fri
                    },
                ],
                week_start: Weekday::Mon,
            }
        );
        assert_eq!(
            rule.to_string_with_date_until(),
            "FREQ=MONTHLY;INTERVAL=3;UNTIL=20261231;BYDAY=2TU,-1FR"
        );
    }

    type Expect = fn(&RruleError) -> bool;

    #[test]
    fn rejects_every_bad_rule() {
        use RruleError as E;
        let cases: &[(&str, Expect)] = &[
            ("", |e| matches!(e, E::Empty)),
            ("RRULE:", |e| matches!(e, E::Empty)),
            ("FREQ", |e| matches!(e, E::Malformed(_))),
            ("FREQ=DAILY;", |e| matches!(e, E::Malformed(_))),
            ("FREQ=DAILY;;COUNT=2", |e| matches!(e, E::Malformed(_))),
            ("=DAILY", |e| matches!(e, E::Malformed(_))),
            (
                "FREQ=DAILY;FOO=1",
                |e| matches!(e, E::UnknownPart(p) if p == "FOO"),
            ),
            ("FREQ=DAILY;X-NAME=1", |e| matches!(e, E::UnknownPart(_))),
            (
                "FREQ=MONTHLY;BYMONTHDAY=1",
                |e| matches!(e, E::UnsupportedPart(p) if p == "BYMONTHDAY"),
            ),
            ("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR", |e| {
                matches!(e, E::UnsupportedPart(_))
            }),
            ("FREQ=DAILY;BYHOUR=9", |e| {
                matches!(e, E::UnsupportedPart(_))
            }),
            ("FREQ=DAILY;FREQ=WEEKLY", |e| {
                matches!(e, E::DuplicatePart("FREQ"))
            }),
            ("FREQ=DAILY;COUNT=2;COUNT=3", |e| {
                matches!(e, E::DuplicatePart("COUNT"))
            }),
            ("FREQ=DAILY;INTERVAL=2;interval=2", |e| {
                matches!(e, E::DuplicatePart("INTERVAL"))
            }),
            ("FREQ=WEEKLY;BYDAY=MO;BYDAY=TU", |e| {
                matches!(e, E::DuplicatePart("BYDAY"))
            }),
            ("FREQ=WEEKLY;WKST=MO;WKST=SU", |e| {
                matches!(e, E::DuplicatePart("WKST"))
            }),
            ("FREQ=DAILY;UNTIL=20260101;UNTIL=20260102", |e| {
                matches!(e, E::DuplicatePart("UNTIL"))
            }),
            ("COUNT=3", |e| matches!(e, E::MissingFrequency)),
            (
                "FREQ=YEARLY",
                |e| matches!(e, E::UnsupportedFrequency(f) if f == "YEARLY"),
            ),
            ("FREQ=HOURLY", |e| matches!(e, E::UnsupportedFrequency(_))),
            ("FREQ=SECONDLY", |e| matches!(e, E::UnsupportedFrequency(_))),
            ("FREQ=FORTNIGHTLY", |e| {
                matches!(e, E::UnsupportedFrequency(_))
            }),
            ("FREQ=DAILY;INTERVAL=0", |e| {
                matches!(e, E::InvalidInterval(_))
            }),
            ("FREQ=DAILY;INTERVAL=-1", |e| {
                matches!(e, E::InvalidInterval(_))
            }),
            ("FREQ=DAILY;INTERVAL=x", |e| {
                matches!(e, E::InvalidInterval(_))
            }),
            ("FREQ=DAILY;INTERVAL=", |e| {
                matches!(e, E::InvalidInterval(_))
            }),
            ("FREQ=DAILY;INTERVAL=99999999999", |e| {
                matches!(e, E::InvalidInterval(_))
            }),
            ("FREQ=DAILY;COUNT=0", |e| matches!(e, E::InvalidCount(_))),
            ("FREQ=DAILY;COUNT=+3", |e| matches!(e, E::InvalidCount(_))),
            ("FREQ=DAILY;COUNT=1.5", |e| matches!(e, E::InvalidCount(_))),
            ("FREQ=DAILY;UNTIL=20261231T230000", |e| {
                matches!(e, E::InvalidUntil(_))
            }),
            ("FREQ=DAILY;UNTIL=2026-12-31", |e| {
                matches!(e, E::InvalidUntil(_))
            }),
            ("FREQ=DAILY;UNTIL=20261331", |e| {
                matches!(e, E::InvalidUntil(_))
            }),
            ("FREQ=DAILY;UNTIL=20260230", |e| {
                matches!(e, E::InvalidUntil(_))
            }),
            ("FREQ=DAILY;UNTIL=20261231T250000Z", |e| {
                matches!(e, E::InvalidUntil(_))
            }),
            ("FREQ=DAILY;UNTIL=20261231X230000Z", |e| {
                matches!(e, E::InvalidUntil(_))
            }),
            ("FREQ=DAILY;UNTIL=2026ąę31", |e| {
                matches!(e, E::InvalidUntil(_))
            }),
            ("FREQ=DAILY;COUNT=3;UNTIL=20261231T230000Z", |e| {
                matches!(e, E::CountAndUntil)
            }),
            ("FREQ=WEEKLY;BYDAY=XX", |e| {
                matches!(e, E::InvalidWeekday(_))
            }),
            ("FREQ=WEEKLY;BYDAY=", |e| matches!(e, E::InvalidWeekday(_))),
            ("FREQ=WEEKLY;BYDAY=MO,", |e| {
                matches!(e, E::InvalidWeekday(_))
            }),
            ("FREQ=WEEKLY;BYDAY=M", |e| matches!(e, E::InvalidWeekday(_))),
            ("FREQ=WEEKLY;BYDAY=Pń", |e| {
                matches!(e, E::InvalidWeekday(_))
            }),
            ("FREQ=WEEKLY;WKST=XX", |e| matches!(e, E::InvalidWeekday(_))),
            ("FREQ=MONTHLY;BYDAY=0MO", |e| {
                matches!(e, E::InvalidOrdinal(_))
            }),
            ("FREQ=MONTHLY;BYDAY=6MO", |e| {
                matches!(e, E::InvalidOrdinal(_))
            }),
            ("FREQ=MONTHLY;BYDAY=-6MO", |e| {
                matches!(e, E::InvalidOrdinal(_))
            }),
            ("FREQ=MONTHLY;BYDAY=53MO", |e| {
                matches!(e, E::InvalidOrdinal(_))
            }),
            ("FREQ=MONTHLY;BYDAY=--1MO", |e| {
                matches!(e, E::InvalidOrdinal(_))
            }),
            ("FREQ=MONTHLY;BYDAY=xMO", |e| {
                matches!(e, E::InvalidOrdinal(_))
            }),
            (
                "FREQ=WEEKLY;BYDAY=2TU",
                |e| matches!(e, E::OrdinalNotMonthly(d) if d == "2TU"),
            ),
            ("FREQ=DAILY;BYDAY=-1FR", |e| {
                matches!(e, E::OrdinalNotMonthly(_))
            }),
            (
                "FREQ=WEEKLY;BYDAY=MO,TU,MO",
                |e| matches!(e, E::DuplicateWeekday(d) if d == "MO"),
            ),
            ("FREQ=MONTHLY;BYDAY=1MO,+1MO", |e| {
                matches!(e, E::DuplicateWeekday(_))
            }),
            ("FREQ=MONTHLY;BYDAY=1MO,MO", |e| {
                matches!(e, E::MixedOrdinals)
            }),
            ("FREQ=MONTHLY;BYDAY=FR,-1SU", |e| {
                matches!(e, E::MixedOrdinals)
            }),
        ];
        for (input, expected) in cases {
            match RecurrenceRule::parse(input) {
                Ok(rule) => panic!("{input:?} was accepted as {rule}"),
                Err(e) => assert!(expected(&e), "{input:?} gave {e:?}"),
            }
        }
    }

    #[test]
    fn error_texts_name_the_problem() {
        let text = |s: &str| RecurrenceRule::parse(s).unwrap_err().to_string();
        assert_eq!(
            text("FREQ=YEARLY"),
            "FREQ=YEARLY is not supported (only DAILY, WEEKLY or MONTHLY)"
        );
        assert_eq!(
            text("FREQ=DAILY;COUNT=0"),
            "COUNT must be a whole number from 1, not `0`"
        );
        assert_eq!(
            text("FREQ=DAILY;INTERVAL=0"),
            "INTERVAL must be a whole number from 1, not `0`"
        );
        assert_eq!(text("FREQ=DAILY;FREQ=DAILY"), "FREQ is given twice");
        assert_eq!(
            text("FREQ=DAILY;COUNT=1;UNTIL=20260101"),
            "COUNT and UNTIL cannot both be given"
        );
        // User input quoted in an error is clipped.
        let long = format!("FREQ=DAILY;{}=1", "A".repeat(500));
        assert!(text(&long).len() < 80);
    }

    #[test]
    fn event_validation_uses_the_parser() {
        use crate::validation::Validate;
        let mut input = timed("2026-03-10T18:00", 60, "FREQ=WEEKLY").to_input();
        assert!(input.validate().is_ok());
        input.rrule = Some("FREQ=YEARLY".into());
        let err = input.validate().unwrap_err();
        assert_eq!(err.field, "rrule");
        assert!(
            err.en.contains("FREQ=YEARLY is not supported"),
            "{}",
            err.en
        );
    }

    // ---- expansion: hand-checked DST behaviour ------------------------

    #[test]
    fn weekly_class_stays_at_local_time_across_both_dst_changes() {
        let ev = timed("2026-03-24T18:00", 90, "FREQ=WEEKLY;COUNT=3");
        let occ = occurrences(&ev, far_past(), far_future(), 100);
        assert_eq!(
            starts(&occ),
            vec![
                utc("2026-03-24T17:00:00Z"),
                utc("2026-03-31T16:00:00Z"),
                utc("2026-04-07T16:00:00Z")
            ]
        );
        assert!(
            occ.iter()
                .all(|o| o.ends_at - o.starts_at == TimeDelta::minutes(90))
        );

        let ev = timed("2026-10-20T18:00", 60, "FREQ=WEEKLY;COUNT=2");
        let occ = occurrences(&ev, far_past(), far_future(), 100);
        assert_eq!(
            starts(&occ),
            vec![utc("2026-10-20T16:00:00Z"), utc("2026-10-27T17:00:00Z")]
        );
    }

    #[test]
    fn nonexistent_local_time_moves_forward_by_the_gap() {
        // 02:30 on 29 March 2026 does not exist in Warsaw: it becomes 03:30 CEST.
        let ev = timed("2026-03-28T02:30", 60, "FREQ=DAILY;COUNT=3");
        let occ = occurrences(&ev, far_past(), far_future(), 100);
        assert_eq!(
            occ[1],
            Occurrence {
                starts_at: utc("2026-03-29T01:30:00Z"),
                ends_at: utc("2026-03-29T02:30:00Z")
            }
        );
        assert_eq!(occ[2].starts_at, utc("2026-03-30T00:30:00Z"));
    }

    #[test]
    fn ambiguous_local_time_takes_the_first_instant() {
        // 02:30 on 25 October 2026 happens twice; the summer-time one counts.
        let ev = timed("2026-10-24T02:30", 30, "FREQ=DAILY;COUNT=3");
        let occ = occurrences(&ev, far_past(), far_future(), 100);
        assert_eq!(starts(&occ)[1], utc("2026-10-25T00:30:00Z"));
        assert_eq!(starts(&occ)[2], utc("2026-10-26T01:30:00Z"));
    }

    #[test]
    fn all_day_events_keep_their_calendar_days() {
        // Two days from Saturday 28 March: the weekend with the spring change.
        let ev = event(
            local("2026-03-21T00:00"),
            local("2026-03-23T00:00"),
            true,
            Some("FREQ=WEEKLY;COUNT=3"),
        );
        let occ = occurrences(&ev, far_past(), far_future(), 100);
        assert_eq!(occ.len(), 3);
        assert_eq!(
            occ[1],
            Occurrence {
                starts_at: local("2026-03-28T00:00"),
                ends_at: local("2026-03-30T00:00")
            }
        );
        assert_eq!(occ[1].ends_at - occ[1].starts_at, TimeDelta::hours(47));
        assert_eq!(occ[2].starts_at, utc("2026-04-03T22:00:00Z"));
        assert_eq!(occ[2].ends_at, utc("2026-04-05T22:00:00Z"));
    }

    #[test]
    fn dtstart_counts_even_off_rule() {
        // Tuesday start, rule on Mondays and Wednesdays: Tue, Wed, Mon, Wed.
        let ev = timed("2026-03-10T18:00", 60, "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4");
        let occ = occurrences(&ev, far_past(), far_future(), 100);
        assert_eq!(
            starts(&occ),
            vec![
                local("2026-03-10T18:00"),
                local("2026-03-11T18:00"),
                local("2026-03-16T18:00"),
                local("2026-03-18T18:00")
            ]
        );
    }

    #[test]
    fn single_events_windows_and_limits() {
        let ev = event(
            local("2026-05-01T10:00"),
            local("2026-05-01T12:00"),
            false,
            None,
        );
        assert_eq!(occurrences(&ev, far_past(), far_future(), 10).len(), 1);
        assert_eq!(
            occurrences(
                &ev,
                local("2026-05-01T11:00"),
                local("2026-05-01T11:30"),
                10
            )
            .len(),
            1
        );
        assert!(occurrences(&ev, local("2026-05-01T12:00"), far_future(), 10).is_empty());
        assert!(occurrences(&ev, far_past(), local("2026-05-01T10:00"), 10).is_empty());
        assert!(occurrences(&ev, far_past(), far_future(), 0).is_empty());
        // An instant event counts when it falls inside the window.
        let instant = event(
            local("2026-05-01T10:00"),
            local("2026-05-01T10:00"),
            false,
            None,
        );
        assert_eq!(
            occurrences(
                &instant,
                local("2026-05-01T10:00"),
                local("2026-05-01T10:01"),
                10
            )
            .len(),
            1
        );
        assert!(
            occurrences(
                &instant,
                local("2026-05-01T09:00"),
                local("2026-05-01T10:00"),
                10
            )
            .is_empty()
        );

        let ev = timed("2026-01-05T18:00", 60, "FREQ=DAILY");
        let occ = occurrences(&ev, local("2026-02-01T00:00"), local("2026-03-01T00:00"), 5);
        assert_eq!(
            starts(&occ),
            (1..=5)
                .map(|d| local(&format!("2026-02-0{d}T18:00")))
                .collect::<Vec<_>>()
        );
        // An occurrence still running at `from` is included.
        let occ = occurrences(&ev, local("2026-02-01T18:30"), local("2026-02-02T00:00"), 5);
        assert_eq!(starts(&occ), vec![local("2026-02-01T18:00")]);
    }

    #[test]
    fn forever_rules_far_from_dtstart_and_the_horizon() {
        let ev = timed("1990-01-01T18:00", 60, "FREQ=DAILY");
        let occ = occurrences(
            &ev,
            local("2026-03-28T00:00"),
            local("2026-03-31T00:00"),
            100,
        );
        assert_eq!(
            starts(&occ),
            vec![
                local("2026-03-28T18:00"),
                local("2026-03-29T18:00"),
                local("2026-03-30T18:00")
            ]
        );
        // Nothing is generated more than HORIZON_YEARS after DTSTART.
        assert!(
            occurrences(
                &ev,
                utc("2090-01-02T00:00:00Z"),
                utc("2095-01-01T00:00:00Z"),
                10
            )
            .is_empty()
        );
        let last = occurrences(
            &ev,
            utc("2089-12-31T00:00:00Z"),
            utc("2095-01-01T00:00:00Z"),
            10,
        );
        assert_eq!(
            starts(&last),
            vec![local("2089-12-31T18:00"), local("2090-01-01T18:00")]
        );
        // A rule that never matches again ends (Tuesday start, every 7th day on Mondays).
        let ev = timed("2026-03-10T18:00", 60, "FREQ=DAILY;INTERVAL=7;BYDAY=MO");
        assert_eq!(
            occurrences(&ev, far_past(), utc("9999-01-01T00:00:00Z"), 10).len(),
            1
        );
        let ev = timed(
            "2026-03-10T18:00",
            60,
            "FREQ=DAILY;INTERVAL=7;BYDAY=MO;COUNT=5",
        );
        assert_eq!(
            occurrences(
                &ev,
                utc("5000-01-01T00:00:00Z"),
                utc("9999-01-01T00:00:00Z"),
                10
            )
            .len(),
            0
        );
    }

    #[test]
    fn minus_five_is_the_fifth_from_the_end() {
        // Months with five Sundays in 2026: March, May, August, November.
        let ev = timed("2026-01-01T10:00", 60, "FREQ=MONTHLY;BYDAY=-5SU;COUNT=5");
        let occ = occurrences(&ev, far_past(), far_future(), 100);
        assert_eq!(
            starts(&occ),
            vec![
                local("2026-01-01T10:00"),
                local("2026-03-01T10:00"),
                local("2026-05-03T10:00"),
                local("2026-08-02T10:00"),
                local("2026-11-01T10:00")
            ]
        );
    }

    #[test]
    fn until_is_inclusive() {
        let ev = timed("2026-03-02T18:00", 60, "FREQ=WEEKLY;UNTIL=20260316T170000Z");
        assert_eq!(occurrences(&ev, far_past(), far_future(), 100).len(), 3);
        let ev = timed("2026-03-02T18:00", 60, "FREQ=WEEKLY;UNTIL=20260316");
        assert_eq!(occurrences(&ev, far_past(), far_future(), 100).len(), 3);
        let ev = timed("2026-03-02T18:00", 60, "FREQ=WEEKLY;UNTIL=20260316T165959Z");
        assert_eq!(occurrences(&ev, far_past(), far_future(), 100).len(), 2);
    }

    // ---- expansion against the independent `rrule` crate ---------------

    /// The occurrences the `rrule` crate (a port of python-dateutil) finds
    /// for `ev` in `[from, to)`. That crate skips a DTSTART that does not
    /// match the rule and does not count it; RFC 5545 always includes and
    /// counts it, so it is added and COUNT re-applied here.
    fn reference(
        ev: &Event,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Vec<Occurrence> {
        let rule = RecurrenceRule::parse(ev.rrule.as_deref().unwrap()).unwrap();
        let local0 = ev.starts_at.with_timezone(&LOCAL_TZ);
        // Built from the exact instant: the crate's text parser refuses an
        // ambiguous local DTSTART (02:30 on 25 October).
        let unvalidated: ::rrule::RRule<::rrule::Unvalidated> = rule.to_string().parse().unwrap();
        let set = unvalidated
            .build(ev.starts_at.with_timezone(&::rrule::Tz::Tz(LOCAL_TZ)))
            .unwrap_or_else(|e| panic!("rrule crate rejects {rule} from {}: {e}", ev.starts_at));
        let before = (to + TimeDelta::days(1)).with_timezone(&::rrule::Tz::Tz(LOCAL_TZ));
        let result = set.before(before).all(u16::MAX);
        assert!(
            !result.limited || result.dates.len() == usize::from(u16::MAX),
            "rrule crate gave up"
        );
        let mut all: Vec<DateTime<Utc>> =
            result.dates.iter().map(|d| d.with_timezone(&Utc)).collect();
        all.push(ev.starts_at);
        all.sort();
        all.dedup();
        if let RuleEnd::Count(c) = rule.end {
            all.truncate(c as usize);
        }
        let days =
            (ev.ends_at.with_timezone(&LOCAL_TZ).date_naive() - local0.date_naive()).num_days();
        all.into_iter()
            .map(|s| {
                let ends_at = if ev.all_day {
                    let end_date = s.with_timezone(&LOCAL_TZ).date_naive() + TimeDelta::days(days);
                    LOCAL_TZ
                        .from_local_datetime(&end_date.and_time(NaiveTime::MIN))
                        .earliest()
                        .unwrap()
                        .to_utc()
                } else {
                    s + (ev.ends_at - ev.starts_at)
                };
                Occurrence {
                    starts_at: s,
                    ends_at,
                }
            })
            .filter(|o| o.overlaps(from, to))
            .take(limit)
            .collect()
    }

    fn check_against_reference(ev: &Event, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) {
        let ours = occurrences(ev, from, to, limit);
        let theirs = reference(ev, from, to, limit);
        assert_eq!(
            ours,
            theirs,
            "rule {:?} from {} (local {}) in [{from}, {to}) limit {limit}",
            ev.rrule,
            ev.starts_at,
            ev.starts_at.with_timezone(&LOCAL_TZ)
        );
    }

    #[test]
    fn table_matches_the_rrule_crate() {
        let cases: &[(&str, i64, &str)] = &[
            // Across the spring change (29 March 2026).
            ("2026-03-10T18:00", 90, "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10"),
            ("2026-03-25T02:30", 60, "FREQ=DAILY;COUNT=10"),
            ("2026-03-25T02:00", 60, "FREQ=DAILY;COUNT=10"),
            ("2026-03-25T03:00", 60, "FREQ=DAILY;COUNT=10"),
            ("2026-03-01T02:15", 45, "FREQ=WEEKLY;BYDAY=SU;COUNT=6"),
            // Across the autumn change (25 October 2026).
            ("2026-10-06T18:00", 60, "FREQ=WEEKLY;COUNT=8"),
            ("2026-10-20T02:30", 60, "FREQ=DAILY;COUNT=10"),
            ("2026-10-20T01:59", 60, "FREQ=DAILY;INTERVAL=5;COUNT=4"),
            (
                "2026-10-01T02:00",
                120,
                "FREQ=WEEKLY;BYDAY=SA,SU;UNTIL=20261110T000000Z",
            ),
            // Last Sunday of the month at 02:30: hits both change days.
            ("2026-01-25T02:30", 60, "FREQ=MONTHLY;BYDAY=-1SU;COUNT=12"),
            (
                "2026-01-13T17:00",
                120,
                "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20261231T230000Z",
            ),
            ("2026-01-02T19:00", 60, "FREQ=MONTHLY;BYDAY=5FR;COUNT=4"),
            ("2026-01-05T08:00", 60, "FREQ=MONTHLY;BYDAY=MO;COUNT=20"),
            (
                "2026-01-05T08:00",
                60,
                "FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO,-1MO,3WE;COUNT=20",
            ),
            ("2026-01-31T12:00", 60, "FREQ=MONTHLY;COUNT=7"),
            ("2026-03-29T12:00", 60, "FREQ=MONTHLY;INTERVAL=7;COUNT=7"),
            // Starting on a DST-change day.
            (
                "2026-03-29T10:00",
                60,
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,WE;UNTIL=20260901T000000Z",
            ),
            ("2026-03-29T03:30", 60, "FREQ=DAILY;COUNT=5"),
            ("2026-03-29T02:30", 60, "FREQ=WEEKLY;COUNT=5"),
            ("2026-10-25T02:30", 60, "FREQ=DAILY;COUNT=5"),
            ("2026-10-25T01:00", 180, "FREQ=WEEKLY;COUNT=5"),
            // BYDAY filtering DAILY, week starts, DTSTART off the rule.
            ("2026-03-23T07:00", 30, "FREQ=DAILY;BYDAY=MO,WE,FR;COUNT=15"),
            (
                "2026-03-24T07:00",
                30,
                "FREQ=DAILY;INTERVAL=3;BYDAY=MO,WE,FR;COUNT=15",
            ),
            (
                "2026-03-01T09:00",
                60,
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU;COUNT=8",
            ),
            (
                "2026-03-01T09:00",
                60,
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;COUNT=8",
            ),
            ("2026-03-10T18:00", 60, "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"),
            ("2026-03-10T18:00", 60, "FREQ=MONTHLY;BYDAY=1MO;COUNT=3"),
        ];
        for (start, minutes, rule) in cases {
            let ev = timed(start, *minutes, rule);
            check_against_reference(&ev, far_past(), far_future(), 1000);
        }
        // Sanity: the two WKST variants really differ, so WKST is honoured.
        let a = occurrences(
            &timed("2026-03-01T09:00", 60, cases[23].2),
            far_past(),
            far_future(),
            100,
        );
        let b = occurrences(
            &timed("2026-03-01T09:00", 60, cases[24].2),
            far_past(),
            far_future(),
            100,
        );
        assert_ne!(a, b);
    }

    #[test]
    fn forever_and_all_day_rules_match_the_rrule_crate_in_windows() {
        let ev = timed("2019-06-03T18:00", 90, "FREQ=WEEKLY;BYDAY=MO,TH");
        for (from, to) in [
            ("2026-03-01", "2026-04-15"),
            ("2026-10-01", "2026-11-15"),
            ("2019-01-01", "2019-07-01"),
        ] {
            let (from, to) = (
                local(&format!("{from}T00:00")),
                local(&format!("{to}T00:00")),
            );
            check_against_reference(&ev, from, to, 1000);
            check_against_reference(&ev, from, to, 3);
        }
        let ev = timed("2020-02-29T12:00", 60, "FREQ=MONTHLY;INTERVAL=3");
        check_against_reference(
            &ev,
            local("2025-01-01T00:00"),
            local("2027-01-01T00:00"),
            1000,
        );
        let ev = event(
            local("2026-03-27T00:00"),
            local("2026-03-29T00:00"),
            true,
            Some("FREQ=DAILY;COUNT=10"),
        );
        check_against_reference(&ev, far_past(), far_future(), 1000);
        let ev = event(
            local("2025-10-24T00:00"),
            local("2025-10-25T00:00"),
            true,
            Some("FREQ=WEEKLY;INTERVAL=52"),
        );
        check_against_reference(
            &ev,
            local("2026-01-01T00:00"),
            local("2031-01-01T00:00"),
            1000,
        );
    }

    fn weekday_strategy() -> impl Strategy<Value = Weekday> {
        (0u8..7).prop_map(|i| Weekday::try_from(i).unwrap())
    }

    /// A random supported rule, as text.
    fn rule_strategy() -> impl Strategy<Value = String> {
        let freq = prop_oneof![
            Just(Frequency::Daily),
            Just(Frequency::Weekly),
            Just(Frequency::Monthly)
        ];
        let end = prop_oneof![
            (1u32..=30).prop_map(RuleEnd::Count),
            (1i64..=500).prop_map(|d| RuleEnd::Until(
                utc("2027-06-01T00:00:00Z") + TimeDelta::hours(d * 13)
            )),
            Just(RuleEnd::Forever),
        ];
        // -5 is valid RFC 5545 but refused by the `rrule` crate (it checks
        // -4..=5); `minus_five_is_the_fifth_from_the_end` covers it.
        let ordinal = prop_oneof![
            Just(None),
            (1i8..=5).prop_map(Some),
            (-4i8..=-1).prop_map(Some)
        ];
        let by_day = proptest::collection::vec((ordinal, weekday_strategy()), 0..4);
        (freq, 1u32..=4, end, by_day, weekday_strategy()).prop_map(
            |(frequency, interval, end, by_day, week_start)| {
                let mut list: Vec<WeekdayNum> = Vec::new();
                // Ordinals only for MONTHLY, and either on every entry or none.
                let with_ordinals = frequency == Frequency::Monthly
                    && by_day.first().is_some_and(|d| d.0.is_some());
                for (ordinal, weekday) in by_day {
                    let ordinal = if with_ordinals {
                        ordinal.or(Some(1))
                    } else {
                        None
                    };
                    let d = WeekdayNum { ordinal, weekday };
                    if !list.contains(&d) {
                        list.push(d);
                    }
                }
                RecurrenceRule {
                    frequency,
                    interval,
                    end,
                    by_day: list,
                    week_start,
                }
                .to_string()
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_rules_match_the_rrule_crate(
            rule in rule_strategy(),
            day in 0i64..500,
            hour in 0u32..24,
            minute in prop_oneof![Just(0u32), Just(30), Just(59)],
            minutes in 0i64..600,
            all_day in proptest::bool::weighted(0.2),
            days in 1u64..4,
            window_start in 0i64..800,
            window_len in 1i64..400,
            limit in 1usize..60,
        ) {
            // Starts from late 2025 through 2027: several DST changes.
            let date = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap() + TimeDelta::days(day);
            let ev = if all_day {
                let s = resolve_local(date.and_time(NaiveTime::MIN)).unwrap();
                let e = resolve_local((date + Days::new(days)).and_time(NaiveTime::MIN)).unwrap();
                event(s, e, true, Some(&rule))
            } else {
                let s = resolve_local(date.and_hms_opt(hour, minute, 0).unwrap()).unwrap();
                event(s, s + TimeDelta::minutes(minutes), false, Some(&rule))
            };
            prop_assume!(match RecurrenceRule::parse(&rule).unwrap().end {
                RuleEnd::Until(u) => u >= ev.starts_at,
                _ => true,
            });
            // The whole series (bounded for rules without an end)...
            let to = ev.starts_at + TimeDelta::days(1500);
            prop_assert_eq!(occurrences(&ev, far_past(), to, 10_000), reference(&ev, far_past(), to, 10_000));
            // ...and a window, which exercises skipping whole periods.
            let from = ev.starts_at + TimeDelta::days(window_start) - TimeDelta::hours(12);
            let to = from + TimeDelta::days(window_len);
            prop_assert_eq!(occurrences(&ev, from, to, limit), reference(&ev, from, to, limit));
        }

        #[test]
        fn display_then_parse_is_identity(rule in rule_strategy()) {
            let parsed = RecurrenceRule::parse(&rule).unwrap();
            prop_assert_eq!(parsed.to_string(), rule.clone());
            prop_assert_eq!(RecurrenceRule::parse(&parsed.to_string()).unwrap(), parsed);
        }
    }
}

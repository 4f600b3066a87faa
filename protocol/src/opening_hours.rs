//! OpenStreetMap `opening_hours` (<https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification>)
//! as mappers write them, evaluated in Europe/Warsaw wall-clock time with
//! Polish public holidays for `PH`.
//!
//! The grammar and the evaluation are those of the `opening-hours` crate
//! (remi-dupre): the whole specification (dates, `easter`, week numbers,
//! `Su[1]`, `PH +1 day`, `sunrise`/`sunset`, open ends `18:00+`, `||`
//! fallbacks, comments, years, `unknown`), plus the relaxations real data
//! needs (`8:00`, `08:00 - 18:00`, any case in `mo-fr`, `Off`). This module
//! adds what the crate leaves to its user:
//!
//! - **our holidays**: the crate's holiday calendar is filled from
//!   [`crate::holidays`] (24 December from 2025 on), not from its own data;
//! - **our time zone**: the crate evaluates naive wall-clock times; this
//!   module converts instants to Europe/Warsaw wall time and back, DST
//!   included (no time-zone database of the crate's);
//! - **sun times** for `sunrise`/`sunset`/`dawn`/`dusk`, computed at the
//!   place's coordinates ([`OpeningHours::at_location`]) or, without them,
//!   at the centre of Poland (within about 20 minutes anywhere in Poland);
//! - **format corrections** for values the crate rejects but that mean one
//!   thing only (`mo-fr 8-16`, `10.00-18.00`, `Pn-Pt`, `Mo-Fr: 9:00 – 17:00`,
//!   `9am-5pm`, a missing `;` or `,`). Such a value is kept and evaluated,
//!   and [`OpeningHours::reading`] gives the text actually evaluated, to be
//!   shown beside the raw one. A value neither the crate nor a correction
//!   can read is a [`OpeningHoursError`]: its text is shown as written and
//!   the place's hours are unknown, never guessed;
//! - **a bounded look-ahead**: [`OpeningHours::next_change`] looks at most
//!   [`NEXT_CHANGE_HORIZON_DAYS`] ahead.
//!
//! Evaluation follows the specification. In particular, a normal rule
//! (`;`) that selects a day replaces everything earlier rules said about
//! that day, including the part past midnight of the previous day's range:
//! in `Fr 22:00-03:00; Sa 10:00-18:00` Saturday 01:00 is closed (write
//! `Fr 22:00-03:00, Sa 10:00-18:00` to keep the night). The hand-written
//! parser this module replaced kept the night; see the test
//! `range_past_midnight_follows_the_specification`.
//!
//! Only `open` counts as open: `unknown` and comments-only states answer
//! "not open" in [`OpeningHours::is_open`].
//!
//! Time zone: an instant is open when its Europe/Warsaw wall time is, so on
//! the October night the repeated hour is evaluated twice, and in March an
//! interval that covers the skipped hour is simply shorter; an interval
//! starting inside the skipped hour opens when the clocks jump.

use std::fmt;
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use compact_calendar::CompactCalendar;
use opening_hours::localization::{Coordinates, Localize};
use opening_hours::{Context, ContextHolidays, RuleKind};
use opening_hours_syntax::rules::time::TimeEvent;

use crate::LOCAL_TZ;

pub use crate::holidays::{easter_sunday, is_polish_public_holiday, polish_public_holiday};

/// How far [`OpeningHours::next_change`] looks ahead, in days: enough for a
/// seasonal (`Apr-Oct`) rule and a year's holidays. Unbounded, the search
/// can take seconds on a value that never changes.
pub const NEXT_CHANGE_HORIZON_DAYS: i64 = 400;

/// Years whose Polish holidays fill the crate's `PH` calendar (outside
/// them `PH` selects no day).
const HOLIDAY_YEARS: std::ops::RangeInclusive<i32> = 2000..=2199;

/// Where sun times are computed when the caller gives no place: the
/// geometric centre of Poland (Piątek, łódzkie).
const POLAND_CENTRE: (f64, f64) = (52.07, 19.48);

/// A parsed `opening_hours` value.
#[derive(Clone)]
pub struct OpeningHours {
    inner: opening_hours::OpeningHours<WarsawWallClock>,
    /// As written.
    text: Arc<str>,
    /// The text evaluated, when it is not the one written (a correction).
    corrected: Option<Arc<str>>,
    /// Uses sun times, so the place's coordinates matter.
    sun: bool,
}

impl fmt::Debug for OpeningHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpeningHours").field("text", &self.text).field("reading", &self.corrected).finish()
    }
}

/// Same hours: the same expression evaluated at the same place (however
/// it was written).
impl PartialEq for OpeningHours {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl Eq for OpeningHours {}

/// Why a value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("opening_hours: {reason} (rule {rule}: `{token}`)")]
pub struct OpeningHoursError {
    /// 1-based number of the `;`-separated rule where reading stopped.
    pub rule: usize,
    /// The text from where reading stopped (at most a word or two).
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

impl OpeningHours {
    /// Reads a value as mappers write it: as the specification (with the
    /// crate's relaxations) has it, else after an unambiguous correction of
    /// case or format (see [`reading`](Self::reading)).
    pub fn parse(text: &str) -> Result<OpeningHours, OpeningHoursError> {
        if text.trim().is_empty() {
            // The crate reads blanks as "always open".
            return Err(OpeningHoursError { rule: 1, token: String::new(), reason: "empty value" });
        }
        let (inner, corrected) = match parse_strict(text) {
            // Read as written; when the crate only warned (a literal in the
            // wrong case: `mo-fr`, `Off`), the reading is shown beside it.
            Ok((expr, false)) => (expr, None),
            Ok((expr, true)) => {
                // Our corrected text, else the crate's own writing of it; only
                // a text that reads back as the same hours is shown.
                let same = |f: &String| parse_strict(f).is_ok_and(|(e, _)| e == expr);
                let reading = correct(text).filter(same).or_else(|| Some(expr.to_string()).filter(same));
                (expr, reading.filter(|r| r != text))
            }
            Err(e) => {
                let Some(fixed) = correct(text).filter(|f| f != text) else { return Err(e) };
                match parse_strict(&fixed) {
                    Ok((expr, _)) => (expr, Some(fixed)),
                    Err(_) => return Err(e),
                }
            }
        };
        let evaluated = corrected.as_deref().unwrap_or(text).to_lowercase();
        Ok(OpeningHours {
            inner: inner.with_context(context(WarsawWallClock::at(POLAND_CENTRE.0, POLAND_CENTRE.1))),
            text: text.into(),
            sun: SUN_EVENTS.iter().any(|e| evaluated.contains(e)),
            corrected: corrected.map(Into::into),
        })
    }

    /// The same hours at a place, for its sun times (`sunrise`, `sunset`,
    /// `dawn`, `dusk`); coordinates outside WGS84 ranges are ignored.
    pub fn at_location(self, lat: f64, lon: f64) -> OpeningHours {
        if Coordinates::new(lat, lon).is_none() {
            return self;
        }
        let ctx = context(WarsawWallClock::at(lat, lon));
        OpeningHours { inner: self.inner.with_context(ctx), ..self }
    }

    /// Whether the hours depend on where the place is (`sunrise`,
    /// `sunset`, `dawn`, `dusk`): only then is [`at_location`](Self::at_location)
    /// worth calling.
    pub fn depends_on_location(&self) -> bool {
        self.sun
    }

    /// The value as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The value as evaluated, when that differs from what was written (a
    /// case or format correction: `mo-fr 8-16` is read as
    /// `Mo-Fr 08:00-16:00`). Shown beside the raw text so that a reader can
    /// see what the app understood. `None`: read as written.
    pub fn reading(&self) -> Option<&str> {
        self.corrected.as_deref()
    }

    /// Wall-clock intervals of local day `date` during which the place is
    /// open (the previous day's ranges past midnight included), sorted and
    /// merged.
    pub fn intervals_on(&self, date: NaiveDate) -> Vec<LocalInterval> {
        let mut out: Vec<LocalInterval> = Vec::new();
        for r in self.inner.schedule_at(date) {
            if r.kind != RuleKind::Open {
                continue;
            }
            let (s, e) = (r.range.start.mins_from_midnight(), r.range.end.mins_from_midnight().min(DAY_MIN));
            if s >= e {
                continue;
            }
            match out.last_mut() {
                Some(last) if s <= last.end_min => last.end_min = last.end_min.max(e),
                _ => out.push(LocalInterval { start_min: s, end_min: e }),
            }
        }
        out
    }

    /// Open at this instant (Europe/Warsaw wall clock)?
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.is_open_local(at.with_timezone(&LOCAL_TZ).naive_local())
    }

    fn is_open_local(&self, local: NaiveDateTime) -> bool {
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.inner.schedule_at(local.date()).into_iter().any(|r| {
            r.range.start.mins_from_midnight() <= minute && minute < r.range.end.mins_from_midnight()
                && r.kind == RuleKind::Open
        })
    }

    /// The first instant after `at` at which [`is_open`](Self::is_open)
    /// changes, looking at most [`NEXT_CHANGE_HORIZON_DAYS`] ahead; `None`
    /// when nothing changes in that time (`24/7`, or never open).
    pub fn next_change(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let now = self.is_open(at);
        let local = at.with_timezone(&LOCAL_TZ).naive_local();
        // From two hours before: after the October change the wall clock
        // passes again through times already passed.
        let from = local - Duration::hours(2);
        let to = local + Duration::days(NEXT_CHANGE_HORIZON_DAYS);
        let horizon = at + Duration::days(NEXT_CHANGE_HORIZON_DAYS);

        // The crate yields the wall-clock ranges of constant state; their
        // ends, as instants, are where `is_open` may change. So are the DST
        // changes themselves (the wall clock jumps).
        let mut candidates: Vec<DateTime<Utc>> = Vec::new();
        let mut stop_after: Option<NaiveDateTime> = None;
        for range in self.inner.iter_range(from, to) {
            let end = range.range.end;
            if end >= to || stop_after.is_some_and(|s| end > s) {
                break;
            }
            let before = candidates.len();
            push_local(end, &mut candidates);
            // A flip found: a later wall time maps to a later instant once
            // it is more than the DST shift (1 h) ahead, so stop there.
            if stop_after.is_none()
                && candidates[before..].iter().any(|&c| c > at && self.is_open(c) != now)
            {
                stop_after = Some(end + Duration::hours(2));
            }
        }
        let last = candidates.iter().copied().filter(|&c| c > at).max().unwrap_or(horizon).min(horizon);
        candidates.extend(dst_changes(at, last));
        candidates.sort_unstable();
        candidates.dedup();
        candidates.into_iter().find(|&c| c > at && c <= horizon && self.is_open(c) != now)
    }
}

const DAY_MIN: u16 = 24 * 60;

/// A rule that is only a comment (`Mo-Fr 08:00-16:00 || "by appointment"`)
/// says nothing about being open: the specification makes it `unknown`,
/// where the crate would make it open all day. Rewritten as
/// `unknown "by appointment"` before the crate reads it.
fn comment_rules_unknown(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut changed = false;
    let mut rule_start = 0;
    let mut in_quote = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        let at_sep = i == bytes.len()
            || (!in_quote && (bytes[i] == b';' || bytes[i] == b',' || (bytes[i] == b'|' && bytes.get(i + 1) == Some(&b'|'))));
        if at_sep {
            let rule = &text[rule_start..i];
            let t = rule.trim();
            if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') && t[1..t.len() - 1].find('"').is_none() {
                let lead = &rule[..rule.len() - rule.trim_start().len()];
                out.push_str(lead);
                out.push_str("unknown ");
                out.push_str(rule.trim_start());
                changed = true;
            } else {
                out.push_str(rule);
            }
            if i == bytes.len() {
                break;
            }
            let sep_len = if bytes[i] == b'|' { 2 } else { 1 };
            out.push_str(&text[i..i + sep_len]);
            i += sep_len;
            rule_start = i;
            continue;
        }
        if bytes[i] == b'"' {
            in_quote = !in_quote;
        }
        i += 1;
    }
    changed.then_some(out)
}

/// The crate's parse (its relaxed grammar); `true` when it warned (a
/// literal in the wrong case).
fn parse_strict(text: &str) -> Result<(opening_hours::OpeningHours, bool), OpeningHoursError> {
    let mut warned = false;
    let unknown = comment_rules_unknown(text);
    let text = unknown.as_deref().unwrap_or(text);
    // The crate asserts its own invariants; a value that trips one is a
    // value we cannot read, not a reason to stop the app.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut parser = opening_hours_syntax::Parser::default().with_warning_handler(|_| warned = true);
        opening_hours::OpeningHours::parse_with(&mut parser, text)
    }));
    match result {
        Ok(Ok(expr)) => Ok((expr, warned)),
        Ok(Err(e)) => Err(error_at(text, &e)),
        Err(_) => Err(OpeningHoursError { rule: 1, token: snippet(text), reason: "value the parser cannot handle" }),
    }
}

fn error_at(text: &str, e: &opening_hours_syntax::Error) -> OpeningHoursError {
    use opening_hours_syntax::Error as E;
    let (pos, reason) = match e {
        E::Syntax(p) => {
            let pos = match p.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((p, _)) => p,
            };
            (pos, if text.trim().is_empty() { "empty value" } else { "not opening_hours syntax" })
        }
        E::Unsupported(_) => (0, "unsupported opening_hours feature"),
        E::Overflow { .. } => (0, "number out of range"),
        E::InvalidExtendedTime { .. } => (0, "time out of range"),
        E::InvertedYearRange { .. } | E::InvertedWeekRange { .. } => (0, "range that ends before it starts"),
        _ => (0, "not opening_hours syntax"),
    };
    let pos = (0..=pos.min(text.len())).rev().find(|&p| text.is_char_boundary(p)).unwrap_or(0);
    let rule = text[..pos].matches(';').count() + 1;
    // The whole rule for an error that has no position.
    let token = if pos == 0 && !matches!(e, E::Syntax(_)) {
        snippet(text)
    } else {
        let start = text[..pos].rfind([';', ' ']).map(|i| i + 1).unwrap_or(0);
        snippet(&text[start..])
    };
    OpeningHoursError { rule, token, reason }
}

/// Up to the end of the rule, at most 40 characters.
fn snippet(text: &str) -> String {
    let rule = text.split(';').next().unwrap_or("").trim();
    rule.chars().take(40).collect()
}

// --
// -- Evaluation context: our holidays, our clock, sun times.
// --

/// Polish public holidays as the crate's `PH` calendar; school holidays
/// (`SH`) differ by voivodeship and year and are left empty.
static POLISH_HOLIDAYS: LazyLock<ContextHolidays> = LazyLock::new(|| {
    let mut public = CompactCalendar::default();
    for year in HOLIDAY_YEARS {
        for date in crate::holidays::polish_public_holidays(year) {
            public.insert(date);
        }
    }
    ContextHolidays::new(Arc::new(public), Arc::new(CompactCalendar::default()))
});

fn context(clock: WarsawWallClock) -> Context<WarsawWallClock> {
    Context::default().with_holidays(POLISH_HOLIDAYS.clone()).with_locale(clock)
}

/// Europe/Warsaw wall-clock time as the crate's naive time: the crate sees
/// local times only, and this module maps instants to them and back.
/// Coordinates in micro-degrees (so that the hours compare and hash).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct WarsawWallClock {
    lat_e6: i32,
    lon_e6: i32,
}

impl WarsawWallClock {
    fn at(lat: f64, lon: f64) -> WarsawWallClock {
        WarsawWallClock { lat_e6: (lat * 1e6).round() as i32, lon_e6: (lon * 1e6).round() as i32 }
    }
}

impl Localize for WarsawWallClock {
    type DateTime = NaiveDateTime;

    fn naive(&self, dt: NaiveDateTime) -> NaiveDateTime {
        dt
    }

    fn datetime(&self, naive: NaiveDateTime) -> NaiveDateTime {
        naive
    }

    fn event_time(&self, date: NaiveDate, event: TimeEvent) -> Option<NaiveTime> {
        let at = Coordinates::new(self.lat_e6 as f64 / 1e6, self.lon_e6 as f64 / 1e6)?;
        Some(at.event_time(date, event)?.with_timezone(&LOCAL_TZ).time())
    }
}

// --
// -- Wall clock and instants.
// --

/// The instant(s) of a wall-clock time: both for one in the repeated
/// October hour; for one in the skipped March hour, the instant the clocks
/// jump (where the gap ends).
fn push_local(local: NaiveDateTime, out: &mut Vec<DateTime<Utc>>) {
    match LOCAL_TZ.from_local_datetime(&local) {
        LocalResult::Single(t) => out.push(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            out.push(a.with_timezone(&Utc));
            out.push(b.with_timezone(&Utc));
        }
        LocalResult::None => {
            // Gaps are at most an hour in Poland.
            for m in 1..=120 {
                if let LocalResult::Single(t) = LOCAL_TZ.from_local_datetime(&(local + Duration::minutes(m))) {
                    out.push(t.with_timezone(&Utc));
                    return;
                }
            }
        }
    }
}

/// Europe/Warsaw offset changes in `(from, to]`: found where the offset at
/// two weeks' distance differs, then narrowed to the second.
fn dst_changes(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let offset = |t: DateTime<Utc>| t.with_timezone(&LOCAL_TZ).naive_local() - t.naive_utc();
    let step = Duration::days(14);
    let mut out = Vec::new();
    let mut a = from;
    while a < to {
        let b = (a + step).min(to);
        if offset(a) != offset(b) {
            let (mut lo, mut hi) = (a, b);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset(mid) == offset(lo) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(hi.with_nanosecond(0).unwrap_or(hi));
        }
        a = b;
    }
    out
}

impl fmt::Display for LocalInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.start_min / 60, self.start_min % 60, self.end_min / 60, self.end_min % 60)
    }
}

/// Local weekday helper for callers formatting hours.
pub fn weekday_abbrev(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_monday() as usize]
}

// --
// -- Corrections: what real values get wrong, when it can mean one thing only.
// --

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A weekday, 0 = Monday.
    Day(usize),
    /// `PH` or `SH`.
    Holiday(&'static str),
    /// A month, 0 = January.
    Month(usize),
    /// `off`, `closed`, `open`, `unknown`.
    State(&'static str),
    /// A time of day in minutes; `bare`: written as an hour alone (`8`);
    /// `meridiem`: with `am`/`pm`.
    Time { min: u16, bare: bool, meridiem: bool },
    /// Digits not (yet) known to be a time.
    Num(u32, usize),
    /// Words meaning "to" between two times.
    To,
    /// `am`/`pm` (`a.m.`, `p.m.`).
    Meridiem(bool),
    /// Any other word, kept as written.
    Word(String),
    /// A quoted comment, kept as written.
    Comment(String),
    Sym(char),
}

/// A corrected text for a value the crate rejects, when every change is
/// one that cannot alter its meaning; `None` when there is nothing to
/// correct (or a part that cannot be read for sure).
fn correct(text: &str) -> Option<String> {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if ALWAYS_OPEN.contains(&words.as_str()) {
        return Some("24/7".into());
    }
    let toks = tokenize(text)?;
    let toks = times(toks)?;
    emit(&toks)
}

/// Whole values that can only mean `24/7` (Polish: całodobowo = round the clock).
const ALWAYS_OPEN: &[&str] = &[
    "24h", "24 h", "24/24", "24h/24h", "24h/24", "24h/7", "24/7/365", "24x7", "24 hours", "24hrs", "0-24", "00-24",
    "nonstop", "non-stop", "całodobowo", "całodobowy", "całodobowa", "czynne całodobowo",
];

const DAY_NAMES: &[(&str, usize)] = &[
    ("mo", 0), ("mon", 0), ("monday", 0), ("mondays", 0),
    ("tu", 1), ("tue", 1), ("tues", 1), ("tuesday", 1), ("tuesdays", 1),
    ("we", 2), ("wed", 2), ("wednesday", 2), ("wednesdays", 2),
    ("th", 3), ("thu", 3), ("thur", 3), ("thurs", 3), ("thursday", 3), ("thursdays", 3),
    ("fr", 4), ("fri", 4), ("friday", 4), ("fridays", 4),
    ("sa", 5), ("sat", 5), ("saturday", 5), ("saturdays", 5),
    ("su", 6), ("sun", 6), ("sunday", 6), ("sundays", 6),
    // Polish (the abbreviations of the Polish calendar; `so` is left out:
    // sobota in Polish, Sonntag in German).
    ("pn", 0), ("pon", 0), ("poniedziałek", 0), ("poniedzialek", 0),
    ("wt", 1), ("wtorek", 1),
    ("śr", 2), ("sr", 2), ("środa", 2), ("sroda", 2),
    ("cz", 3), ("czw", 3), ("czwartek", 3),
    ("pt", 4), ("pią", 4), ("piątek", 4), ("piatek", 4),
    ("sob", 5), ("sobota", 5),
    ("nd", 6), ("ndz", 6), ("niedz", 6), ("niedziela", 6),
];

const SUN_EVENTS: [&str; 4] = ["dawn", "sunrise", "sunset", "dusk"];

const MONTH_NAMES: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTH_FULL: [&str; 12] = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn word(w: &str) -> Tok {
    let lower = w.to_lowercase();
    let l = lower.as_str();
    if let Some(&(_, d)) = DAY_NAMES.iter().find(|(n, _)| *n == l) {
        return Tok::Day(d);
    }
    if let Some(m) = MONTH_NAMES.iter().position(|n| *n == l).or_else(|| MONTH_FULL.iter().position(|n| *n == l)) {
        return Tok::Month(m);
    }
    match l {
        "ph" => Tok::Holiday("PH"),
        "sh" => Tok::Holiday("SH"),
        "off" => Tok::State("off"),
        "closed" => Tok::State("closed"),
        "open" => Tok::State("open"),
        "unknown" => Tok::State("unknown"),
        "to" | "till" | "til" | "until" => Tok::To,
        "am" | "a.m." | "a.m" => Tok::Meridiem(false),
        "pm" | "p.m." | "p.m" => Tok::Meridiem(true),
        _ => Tok::Word(w.to_string()),
    }
}

/// Words, numbers and symbols, with a flag for "a space came before".
fn tokenize(text: &str) -> Option<Vec<(Tok, bool)>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut space = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            space = true;
            i += 1;
            continue;
        }
        if c == '"' {
            let end = chars[i + 1..].iter().position(|&c| c == '"')? + i + 1;
            out.push((Tok::Comment(chars[i..=end].iter().collect()), space));
            i = end + 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            out.push((Tok::Num(digits.parse().ok()?, digits.len()), space));
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_alphabetic() || (chars[i] == '.' && is_meridiem_dot(&chars, start, i))) {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect();
            // `mon.`, `Apr.`: an abbreviation's dot goes.
            let tok = word(&w);
            if matches!(tok, Tok::Day(_) | Tok::Month(_)) && chars.get(i) == Some(&'.') {
                i += 1;
            }
            out.push((tok, space));
        } else {
            let sym = match c {
                '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF5E}' | '~' | '\u{2192}' => '-',
                '\u{FF1A}' => ':',
                c => c,
            };
            out.push((Tok::Sym(sym), space));
            i += 1;
        }
        space = false;
    }
    Some(out)
}

/// `a.m.`/`p.m.` keep their dots inside the word.
fn is_meridiem_dot(chars: &[char], start: usize, i: usize) -> bool {
    let w: String = chars[start..i].iter().collect::<String>().to_lowercase();
    matches!(w.as_str(), "a" | "p" | "a.m" | "p.m")
}

/// Reads times (`8`, `8:00`, `8.00`, `8h`, `8h30`, `8am`, `010:00`) where
/// they can only be times, and checks what stays ambiguous.
fn times(toks: Vec<(Tok, bool)>) -> Option<Vec<(Tok, bool)>> {
    let mut out: Vec<(Tok, bool)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let (tok, space) = toks[i].clone();
        let Tok::Num(h, hd) = tok else {
            out.push((tok, space));
            i += 1;
            continue;
        };
        // After a month, in `week`, `[..]` or a `/` step, or before a `/`:
        // a day, week or year number, not a time.
        let prev = out.iter().rev().map(|(t, _)| t).find(|t| !matches!(t, Tok::Sym(' ')));
        let clock = matches!((toks.get(i + 1), toks.get(i + 2)), (Some((Tok::Sym(':'), false)), Some((Tok::Num(_, 2), false))));
        // `Dec 24,31`: a list of day numbers continues.
        let day_list = matches!(prev, Some(Tok::Sym(','))) && matches!(out.iter().rev().nth(1).map(|(t, _)| t), Some(Tok::Num(..)));
        let in_date = (!clock && (day_list || matches!(prev, Some(Tok::Month(_)) | Some(Tok::Sym('[')) | Some(Tok::Sym('/')))))
            || matches!(prev, Some(Tok::Word(w)) if w.eq_ignore_ascii_case("week"))
            || matches!(prev, Some(Tok::Sym('-')) if matches!(out.iter().rev().nth(1).map(|(t, _)| t), Some(Tok::Month(_)) | Some(Tok::Num(..))))
            || matches!(toks.get(i + 1), Some((Tok::Sym('/'), _)) | Some((Tok::Sym(']'), _)))
            || matches!(toks.get(i + 1), Some((Tok::Word(w), _)) if w.eq_ignore_ascii_case("day") || w.eq_ignore_ascii_case("days"))
            || hd == 4;
        if in_date {
            out.push((Tok::Num(h, hd), space));
            i += 1;
            continue;
        }
        let next = |k: usize| toks.get(i + k).map(|(t, s)| (t, *s));
        let mut minutes = None;
        let mut used = 1;
        match (next(1), next(2)) {
            (Some((Tok::Sym(':' | '.'), false)), Some((Tok::Num(m, 2), false))) => {
                minutes = Some(*m);
                used = 3;
            }
            (Some((Tok::Word(w), false)), after) if w.eq_ignore_ascii_case("h") => {
                match after {
                    Some((Tok::Num(m, 2), false)) => {
                        minutes = Some(*m);
                        used = 3;
                    }
                    _ => {
                        minutes = Some(0);
                        used = 2;
                    }
                }
            }
            _ => {}
        }
        let meridiem = match next(used) {
            Some((Tok::Meridiem(pm), _)) => {
                used += 1;
                Some(*pm)
            }
            _ => None,
        };
        // Hours with more digits than a time has (`010:00` is 10:00).
        if hd > 3 || (hd == 3 && h >= 100) {
            return None;
        }
        let m = minutes.unwrap_or(0);
        if m >= 60 || h > 48 {
            return None;
        }
        let h = match meridiem {
            Some(pm) if (1..=12).contains(&h) => (h % 12) + if pm { 12 } else { 0 },
            Some(_) => return None,
            None => h,
        };
        let bare = minutes.is_none() && meridiem.is_none();
        out.push((Tok::Time { min: (h * 60 + m) as u16, bare, meridiem: meridiem.is_some() }, space));
        i += used;
    }
    // A bare hour must be one end of a range with another time: `10-18`;
    // `10-5` could be 10:00-17:00 or 10:00-05:00, so it stays unread, as do
    // bare numbers elsewhere.
    let is_dash = |t: &Tok| matches!(t, Tok::Sym('-') | Tok::To);
    for k in 0..out.len().saturating_sub(2) {
        // `4-10 pm`, `4:00-10:00 pm`: does the `pm` belong to both ends?
        if let (Tok::Time { meridiem: a, .. }, d, Tok::Time { meridiem: b, .. }) = (&out[k].0, &out[k + 1].0, &out[k + 2].0)
            && is_dash(d)
            && a != b
        {
            return None;
        }
    }
    for k in 0..out.len() {
        let Tok::Time { min, bare: true, .. } = out[k].0 else { continue };
        let before = k.checked_sub(2).map(|j| (&out[j].0, &out[j + 1].0));
        let after = out.get(k + 1).zip(out.get(k + 2)).map(|(a, b)| (&a.0, &b.0));
        let (start, end) = match (before, after) {
            (_, Some((d, Tok::Time { min: e, .. }))) if is_dash(d) => (min, *e),
            (Some((Tok::Time { min: s, .. }, d)), _) if is_dash(d) => (*s, min),
            _ => return None,
        };
        let night = start >= 17 * 60 && end <= 8 * 60;
        if !(start < end || night) {
            return None;
        }
    }
    Some(out)
}

/// Writes the tokens back in the specification's format; `None` where a
/// missing separator could be read two ways.
fn emit(toks: &[(Tok, bool)]) -> Option<String> {
    let mut s = String::new();
    let n = toks.len();
    // The current rule has weekdays or holidays before its times.
    let mut rule_has_days = false;
    let mut last_month: Option<usize> = None;
    let mut i = 0;
    let is_time = |t: Option<&(Tok, bool)>| matches!(t, Some((Tok::Time { .. }, _)));
    let is_selector = |t: Option<&(Tok, bool)>| matches!(t, Some((Tok::Day(_) | Tok::Holiday(_) | Tok::Month(_), _)));
    let is_sun = |t: Option<&(Tok, bool)>| matches!(t, Some((Tok::Word(w), _)) if SUN_EVENTS.contains(&w.to_lowercase().as_str()));
    while i < n {
        let (tok, space) = &toks[i];
        let prev = if i > 0 { Some(&toks[i - 1]) } else { None };
        let next = toks.get(i + 1);
        match tok {
            Tok::Time { min, .. } => {
                if is_time(prev) {
                    // `12:00-14:00 16:00-18:00`: a missing comma.
                    s.push(',');
                } else if *space || !matches!(prev, Some((Tok::Sym(_), _))) {
                    sep(&mut s);
                }
                s.push_str(&format!("{:02}:{:02}", min / 60, min % 60));
            }
            Tok::Sym('-') | Tok::To if is_time(prev) && is_time(next) => s.push('-'),
            Tok::Sym('-') | Tok::To if is_selector(prev) && is_selector(next) => s.push('-'),
            // `Dawn to Dusk`.
            Tok::To if is_sun(prev) && is_sun(next) => s.push('-'),
            Tok::To => {
                sep(&mut s);
                s.push_str("to");
            }
            Tok::Sym(',') => {
                let before_sel = is_selector(next);
                let after_times = matches!(prev, Some((Tok::Time { .. } | Tok::State(_) | Tok::Comment(_), _)));
                if before_sel && after_times {
                    // A rule after a rule: the additional-rule separator.
                    s.push_str(", ");
                    rule_has_days = false;
                } else if is_time(prev) && next.is_some_and(|(t, _)| matches!(t, Tok::Time { .. })) {
                    s.push(',');
                } else if i + 1 == n {
                    // A trailing comma.
                } else {
                    trim_end(&mut s);
                    s.push(',');
                    if matches!(next, Some((Tok::Comment(_), _))) {
                        s.push(' ');
                    }
                }
            }
            Tok::Sym(';') => {
                trim_end(&mut s);
                if i + 1 < n {
                    s.push_str("; ");
                }
                rule_has_days = false;
            }
            // `Mo-Fr: 08:00`, `Mo: closed`: the colon after weekdays goes.
            Tok::Sym(':') if matches!(prev, Some((Tok::Day(_) | Tok::Holiday(_), _))) => {}
            Tok::Day(_) | Tok::Holiday(_) if is_time(prev) => {
                // `Mo-Fr 10:00-20:00 Sa 10:00-14:00`: a missing `;`. Only
                // after a rule with its own weekdays (`10:00-16:00 We open`
                // may be `We 10:00-16:00` written backwards) and before
                // weekdays with their own times (`... Sa` alone may belong
                // to the rule before).
                if !rule_has_days || !has_own_times(&toks[i..]) {
                    return None;
                }
                trim_end(&mut s);
                s.push_str("; ");
                match tok {
                    Tok::Day(d) => s.push_str(WEEKDAYS[*d]),
                    Tok::Holiday(h) => s.push_str(h),
                    _ => {}
                }
            }
            Tok::Day(d) => {
                if matches!(prev, Some((Tok::State(_), _))) {
                    // `Closed Monday`, `open We 10:00`: not a rule order we read.
                    return None;
                } else if !matches!(prev, Some((Tok::Sym('-' | ',' | '['), _))) {
                    sep(&mut s);
                }
                s.push_str(WEEKDAYS[*d]);
                rule_has_days = true;
            }
            Tok::Holiday(h) => {
                if !matches!(prev, Some((Tok::Sym(','), _))) {
                    sep(&mut s);
                }
                s.push_str(h);
                rule_has_days = true;
            }
            Tok::Month(m) => {
                if !matches!(prev, Some((Tok::Sym('-' | ','), _))) {
                    sep(&mut s);
                }
                s.push_str(MONTHS[*m]);
                last_month = Some(*m);
            }
            Tok::State(w) => {
                sep(&mut s);
                s.push_str(w);
            }
            Tok::Meridiem(pm) => {
                sep(&mut s);
                s.push_str(if *pm { "pm" } else { "am" });
            }
            Tok::Num(v, digits) => {
                let before = if i >= 2 { Some(&toks[i - 2].0) } else { None };
                if matches!(prev, Some((Tok::Sym(','), _))) && matches!(before, Some(Tok::Num(..))) && last_month.is_some() {
                    // `Dec 24,31`: the specification repeats the month.
                    s.push_str(MONTHS[last_month.unwrap_or(0)]);
                    s.push(' ');
                } else if *space {
                    sep(&mut s);
                }
                s.push_str(&format!("{v:0digits$}"));
            }
            Tok::Word(w) if SUN_EVENTS.contains(&w.to_lowercase().as_str()) => {
                if *space && !s.ends_with('-') {
                    sep(&mut s);
                }
                s.push_str(&w.to_lowercase());
            }
            Tok::Word(w) | Tok::Comment(w) => {
                if *space {
                    sep(&mut s);
                }
                s.push_str(w);
            }
            Tok::Sym(c) => {
                if *space && !matches!(c, ')' | ']') {
                    sep(&mut s);
                }
                s.push(*c);
            }
        }
        i += 1;
    }
    // `24/7` after a selector (`Mo-Fr 24/7`, `Jan-Dec: 24/7`) means the whole
    // of those days; the crate takes `24/7` only alone.
    let s = s.split("; ")
        .map(|rule| match rule.strip_suffix("24/7") {
            Some(head) if !head.trim().is_empty() && !rule.contains('"') => {
                format!("{} 00:00-24:00", head.trim_end().trim_end_matches(':'))
            }
            _ => rule.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    Some(s)
}

/// Weekdays (or `PH`) followed by times, a state or a comment of their own.
fn has_own_times(toks: &[(Tok, bool)]) -> bool {
    let rest = toks
        .iter()
        .map(|(t, _)| t)
        .find(|t| !matches!(t, Tok::Day(_) | Tok::Holiday(_) | Tok::Sym('-' | ',' | ':' | '[' | ']') | Tok::Num(..)));
    matches!(rest, Some(Tok::Time { .. } | Tok::State(_) | Tok::Comment(_)))
}

/// A space before the next token unless at the start or after one.
fn sep(s: &mut String) {
    if !s.is_empty() && !s.ends_with([' ', '-', ',', '[', '(']) {
        s.push(' ');
    }
}

fn trim_end(s: &mut String) {
    while s.ends_with(' ') {
        s.pop();
    }
}

#[cfg(test)]
mod tests;

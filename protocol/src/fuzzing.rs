//! Fuzzing entry points (issue 17): one function per parser this crate
//! owns, taking the raw bytes and asserting the parser's own invariants.
//! `fuzz/fuzz_targets/*.rs` (cargo-fuzz, nightly) only call these, and
//! `tests/fuzz_replay.rs` replays `fuzz/corpus/<target>` and
//! `fuzz/regressions/<target>` through them on stable, so a crash found
//! once stays a test.
//!
//! No cargo feature: nothing here is reachable from the server's or the
//! app's entry points, so the linker leaves it out of their binaries, and
//! the replay test needs no feature flag to find it.
//!
//! Every function panics (and so fails the fuzzer) only when an invariant
//! is broken; a parser refusing the input is the expected outcome.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::budget::pabulib;
use crate::calendar::ics::{self, IcsOptions};
use crate::calendar::rrule::{Occurrence, RecurrenceRule};
use crate::events::Event;
use crate::opening_hours::OpeningHours;
use crate::sync::{Change, SyncPage};
use crate::waste::address::HouseNumber;
use crate::waste::csv::{ImportInput, parse_import};

/// A fuzz target: its name (the file in `fuzz/fuzz_targets/`) and its entry point.
pub type Target = (&'static str, fn(&[u8]));

/// The targets of this crate.
pub const TARGETS: &[Target] = &[
    ("rrule", rrule),
    ("ics", ics),
    ("opening_hours", opening_hours),
    ("waste_csv", waste_csv),
    ("sync_page", sync_page),
    ("pabulib", pabulib),
];

/// Bytes as text the way a parser taking `&str` gets them: the fuzzer's
/// invalid UTF-8 is replaced rather than skipped, so every input runs.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).single().expect("a valid date")
}

/// RRULE (RFC 5545 §3.3.10, our subset): parse → write → parse gives the
/// same rule, the written form is canonical (writing it again changes
/// nothing), the all-day form parses, and expanding a series over a year
/// stays within the limit, in order, each occurrence inside the window.
pub fn rrule(data: &[u8]) {
    let input = text(data);
    let Ok(rule) = RecurrenceRule::parse(&input) else { return };
    let written = rule.to_string();
    let again = RecurrenceRule::parse(&written)
        .unwrap_or_else(|e| panic!("{input:?} was written as {written:?}, which does not parse: {e}"));
    assert_eq!(again, rule, "{input:?} → {written:?}");
    assert_eq!(again.to_string(), written, "the written form is not canonical");
    let all_day = rule.to_string_with_date_until();
    if let Err(e) = RecurrenceRule::parse(&all_day) {
        panic!("{input:?}: the all-day form {all_day:?} does not parse: {e}");
    }
    let first = Occurrence { starts_at: utc(2026, 3, 28), ends_at: utc(2026, 3, 28) + chrono::TimeDelta::hours(2) };
    let (from, to) = (utc(2026, 1, 1), utc(2027, 1, 1));
    for all_day in [false, true] {
        let got = rule.expand(first, all_day, from, to, 400);
        assert!(got.len() <= 400, "{written}: more than the limit");
        for w in got.windows(2) {
            assert!(w[0].starts_at < w[1].starts_at, "{written}: occurrences out of order: {w:?}");
        }
        for o in &got {
            assert!(o.ends_at >= o.starts_at, "{written}: ends before it starts: {o:?}");
            assert!(o.overlaps(from, to), "{written}: outside the window: {o:?}");
        }
    }
}

/// RFC 5545 §3.3.11 unescaping, for the round trip of [`ics`].
fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c @ ('\\' | ';' | ',')) => out.push(c),
            other => panic!("a bare backslash before {other:?} in {s:?}"),
        }
    }
    out
}

/// What [`ics::escape_text`] promises to keep of `s`: line breaks as `\n`,
/// other control characters but tab dropped.
fn ics_expected_text(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect()
}

/// The ICS writer (RFC 5545 §3.1, §3.3.11): the fuzzer's text becomes an
/// event's title, description, place and rule (fields split at 0xFF, never
/// in UTF-8). Every physical line is at most 75 octets and ends in CRLF, a
/// continuation starts with one space, no bare CR or LF is written, and
/// unfolding then unescaping gives the title and description back.
pub fn ics(data: &[u8]) {
    let mut fields = data.split(|b| *b == 0xFF).map(|f| String::from_utf8_lossy(f).into_owned());
    let title = fields.next().unwrap_or_default();
    let description = fields.next().unwrap_or_default();
    let place_name = fields.next();
    let rrule = fields.next();
    let event = Event {
        id: 7,
        title: title.clone(),
        description: description.clone(),
        starts_at: utc(2026, 5, 3),
        ends_at: utc(2026, 5, 3) + chrono::TimeDelta::hours(3),
        all_day: data.len() % 2 == 1,
        place_name,
        point: None,
        category: None,
        organiser: None,
        image_url: None,
        accessibility: None,
        cancelled: false,
        rrule,
        updated_at: utc(2026, 4, 1),
    };
    let opts = IcsOptions { calendar_name: &title, uid_domain: "siechnice.example", categories: &[] };
    let out = ics::single_event(&event, &opts);
    assert!(out.ends_with("\r\n"), "no final CRLF");
    let mut logical: Vec<String> = Vec::new();
    for physical in out.split_terminator("\r\n") {
        assert!(physical.len() <= 75, "a line of {} octets: {physical:?}", physical.len());
        assert!(!physical.contains(['\r', '\n']), "a bare line break in {physical:?}");
        match physical.strip_prefix(' ') {
            Some(rest) => logical.last_mut().expect("a continuation first").push_str(rest),
            None => logical.push(physical.to_owned()),
        }
    }
    let value = |name: &str| {
        logical.iter().find_map(|l| l.strip_prefix(name)).map(unescape_text)
    };
    assert_eq!(value("SUMMARY:").as_deref(), Some(ics_expected_text(&title).as_str()), "the title");
    // The writer drops trailing white space of the description.
    let description = description.trim_end();
    if !description.is_empty() {
        assert_eq!(
            value("DESCRIPTION:").as_deref(),
            Some(ics_expected_text(description).as_str()),
            "the description"
        );
    }
}

/// OSM `opening_hours`: never panics on reading or evaluating; a corrected
/// reading (case or format) is itself read as written, with no further
/// correction, and means the same on the days evaluated.
pub fn opening_hours(data: &[u8]) {
    let input = text(data);
    // The crate's evaluation of a pathological value can take long; values
    // in OSM stay far below this.
    if input.len() > 512 {
        return;
    }
    let Ok(oh) = OpeningHours::parse(&input) else { return };
    let days = [NaiveDate::from_ymd_opt(2026, 12, 24), NaiveDate::from_ymd_opt(2026, 3, 29)];
    let days: Vec<NaiveDate> = days.into_iter().flatten().collect();
    for day in &days {
        for i in oh.intervals_on(*day) {
            assert!(i.start_min <= i.end_min && i.end_min <= 1440, "{input:?}: {i:?}");
        }
    }
    let at = utc(2026, 12, 24) + chrono::TimeDelta::hours(9);
    let _ = oh.is_open(at);
    if let Some(next) = oh.next_change(at) {
        assert!(next > at, "{input:?}: the next change {next} is not after {at}");
    }
    if let Some(reading) = oh.reading() {
        let again = OpeningHours::parse(reading)
            .unwrap_or_else(|e| panic!("{input:?} was read as {reading:?}, which does not parse: {e}"));
        assert_eq!(again.reading(), None, "{input:?} → {reading:?} needs another correction");
        for day in &days {
            assert_eq!(again.intervals_on(*day), oh.intervals_on(*day), "{input:?} → {reading:?} on {day}");
        }
    }
}

/// The waste-schedule import (`zones.csv`, `rules.csv`, `pickups.csv`,
/// `dictionary.csv`, `pszok.csv`): the fuzzer's bytes are the five files,
/// split at 0xFF (an empty one is absent). Never panics, and every error
/// names a line of a file given. House numbers: parse → write → parse.
pub fn waste_csv(data: &[u8]) {
    let mut files = data.split(|b| *b == 0xFF).map(|f| (!f.is_empty()).then_some(f));
    let mut next = || files.next().flatten();
    let input = ImportInput { zones: next(), rules: next(), pickups: next(), dictionary: next(), pszok: next() };
    if let Err(errors) = parse_import(&input) {
        assert!(!errors.is_empty(), "refused without a reason");
    }
    for word in text(data).split([',', ';', '\n', '\u{FFFD}']).take(64) {
        if let Some(n) = HouseNumber::parse(word) {
            let written = n.to_string();
            assert_eq!(HouseNumber::parse(&written).as_ref(), Some(&n), "{word:?} was written as {written:?}");
        }
    }
}

/// A sync page as the app receives it: never panics; the page and each
/// change it knows survive serialising and reading again unchanged.
pub fn sync_page(data: &[u8]) {
    let Ok(page) = serde_json::from_slice::<SyncPage>(data) else { return };
    let (known, skipped) = page.known_changes();
    assert_eq!(known.len() + skipped, page.changes.len());
    for change in &known {
        let json = serde_json::to_string(change).expect("a change serialises");
        let again: Change = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("{json} does not read back: {e}"));
        // f64 NaN cannot be in JSON, so equality is meaningful.
        assert_eq!(&again, change, "{json}");
    }
    let json = serde_json::to_string(&page).expect("a page serialises");
    let again: SyncPage = serde_json::from_str(&json).expect("a page reads back");
    assert_eq!(again, page);
}

/// Pabulib `.pb` (the export of a budget edition's results): a file that
/// the strict reader takes is exactly what the writer makes of it, and
/// reads back to the same instance.
pub fn pabulib(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let Ok(pb) = pabulib::read_strict(input) else { return };
    let written = pabulib::write(&pb);
    let again = pabulib::read_strict(&written)
        .unwrap_or_else(|e| panic!("the writer's own file does not read: {e:?}\n{written}"));
    assert_eq!(again, pb, "parse → write → parse changed the instance");
    assert_eq!(written, input, "the strict reader took a file the writer would not write");
}

//! iCalendar (RFC 5545) text for "add to calendar" and the subscribable
//! ICS feed.
//!
//! Why here and not in the server: the phone builds the same single-event
//! file offline that the server serves, so both come from one function.
//! Output is deterministic for the same input (DTSTAMP is the event's
//! `updated_at`, not "now"), so the server can put an ETag on a feed.
//!
//! Rules followed:
//! - §3.1 content lines: CRLF line ends, folded at 75 octets, never inside
//!   a UTF-8 character, continuation lines start with one space;
//! - §3.3.11 TEXT escaping of backslash, semicolon, comma and newline;
//! - §3.6.5 a VTIMEZONE for Europe/Warsaw, so DTSTART;TZID=... and the
//!   RRULE expand in local time in every client (a weekly 18:00 class stays
//!   at 18:00 across DST);
//! - §3.3.10 UNTIL in UTC for timed events, as a DATE for all-day events
//!   (whose DTSTART is a DATE, §3.6.1);
//! - §3.8.7.2 DTSTAMP in UTC, §3.8.1.11 STATUS.

use chrono::{DateTime, Utc};

use crate::LOCAL_TZ;
use crate::calendar::rrule::RecurrenceRule;
use crate::events::{Event, EventCategory};
use crate::gmina::Gmina;

/// What a calendar file says about itself.
#[derive(Debug, Clone, Copy)]
pub struct IcsOptions<'a> {
    /// `X-WR-CALNAME`, shown by clients as the subscription's name.
    pub calendar_name: &'a str,
    /// Right-hand side of every UID (`event-{id}@{uid_domain}`), so UIDs are
    /// globally unique and stable across feeds.
    pub uid_domain: &'a str,
    /// To write CATEGORIES with the category's Polish name.
    pub categories: &'a [EventCategory],
}

pub const PRODID: &str = "-//mMieszkaniec//mMieszkaniec 1.0//PL";
const TZID: &str = "Europe/Warsaw";

/// A VCALENDAR with every event of `events`, in the given order.
pub fn calendar(events: &[Event], opts: &IcsOptions<'_>) -> String {
    let mut w = Writer::default();
    begin_calendar(&mut w, opts);
    for event in events {
        write_event(&mut w, event, opts);
    }
    w.line("END:VCALENDAR");
    w.out
}

/// A VCALENDAR with one event (the "add to calendar" file).
pub fn single_event(event: &Event, opts: &IcsOptions<'_>) -> String {
    calendar(std::slice::from_ref(event), opts)
}

fn begin_calendar(w: &mut Writer, opts: &IcsOptions<'_>) {
    w.line("BEGIN:VCALENDAR");
    w.line("VERSION:2.0");
    w.line(&format!("PRODID:{PRODID}"));
    w.line("CALSCALE:GREGORIAN");
    w.line("METHOD:PUBLISH");
    w.line(&format!("X-WR-CALNAME:{}", escape_text(opts.calendar_name)));
    w.line(&format!("X-WR-TIMEZONE:{TZID}"));
    // Poland's rules since 1996 (EU summer time): summer time from the last
    // Sunday of March 02:00 CET to the last Sunday of October 03:00 CEST.
    for l in [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Warsaw",
        "X-LIC-LOCATION:Europe/Warsaw",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    ] {
        w.line(l);
    }
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn write_event(w: &mut Writer, event: &Event, opts: &IcsOptions<'_>) {
    w.line("BEGIN:VEVENT");
    w.line(&format!("UID:event-{}@{}", event.id, opts.uid_domain));
    w.line(&format!("DTSTAMP:{}", utc_stamp(event.updated_at)));
    w.line(&format!("LAST-MODIFIED:{}", utc_stamp(event.updated_at)));
    let (start, end) = (
        event.starts_at.with_timezone(&LOCAL_TZ),
        event.ends_at.with_timezone(&LOCAL_TZ),
    );
    if event.all_day {
        w.line(&format!("DTSTART;VALUE=DATE:{}", start.format("%Y%m%d")));
        w.line(&format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
    } else {
        w.line(&format!(
            "DTSTART;TZID={TZID}:{}",
            start.format("%Y%m%dT%H%M%S")
        ));
        w.line(&format!(
            "DTEND;TZID={TZID}:{}",
            end.format("%Y%m%dT%H%M%S")
        ));
    }
    if let Some(rule) = event
        .rrule
        .as_deref()
        .and_then(|r| RecurrenceRule::parse(r).ok())
    {
        let value = if event.all_day {
            rule.to_string_with_date_until()
        } else {
            rule.to_string()
        };
        w.line(&format!("RRULE:{value}"));
    }
    w.line(&format!("SUMMARY:{}", escape_text(&event.title)));
    let description = description(event);
    if !description.is_empty() {
        w.line(&format!("DESCRIPTION:{}", escape_text(&description)));
    }
    if let Some(place) = &event.place_name {
        w.line(&format!("LOCATION:{}", escape_text(place)));
    }
    if let Some(p) = &event.point {
        // GEO is FLOAT;FLOAT, latitude first (§3.8.1.6).
        w.line(&format!("GEO:{};{}", p.lat, p.lon));
    }
    if let Some(slug) = &event.category {
        let name = opts
            .categories
            .iter()
            .find(|c| &c.id == slug)
            .map_or(slug.as_str(), |c| c.name_pl.as_str());
        w.line(&format!("CATEGORIES:{}", escape_text(name)));
    }
    w.line(if event.cancelled {
        "STATUS:CANCELLED"
    } else {
        "STATUS:CONFIRMED"
    });
    w.line("END:VEVENT");
}

/// The description, then the organiser and accessibility notes as labelled
/// lines, so they survive in clients that show only DESCRIPTION.
fn description(event: &Event) -> String {
    let mut notes = Vec::new();
    if let Some(o) = &event.organiser {
        notes.push(format!("Organizator: {o}"));
    }
    if let Some(a) = &event.accessibility {
        notes.push(format!("Dostępność: {a}"));
    }
    let mut text = event.description.trim_end().to_string();
    if !notes.is_empty() {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&notes.join("\n"));
    }
    text
}

/// RFC 5545 §3.3.11 TEXT: escapes `\`, `;`, `,` and line breaks (CRLF, CR
/// and LF all become `\n`); other control characters, which TEXT does not
/// allow, are dropped (tab is kept).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 5545 §3.1 folding: `line` (without its line break) as physical lines
/// of at most 75 octets, each ending in CRLF, continuations starting with a
/// space. Splits only at character boundaries, and prefers not to end a
/// physical line with white space (some parsers trim it before unfolding)
/// or inside a backslash escape.
pub fn fold_line(line: &str, out: &mut String) {
    const MAX: usize = 75;
    let mut rest = line;
    let mut first = true;
    loop {
        let room = if first { MAX } else { MAX - 1 };
        if !first {
            out.push(' ');
        }
        if rest.len() <= room {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        loop {
            let trimmed = rest[..cut].trim_end().len();
            if trimmed > 0 {
                cut = trimmed;
            }
            // Keep a TEXT escape (`\;`, `\n`...) on one line: legal to split,
            // but parsers that unescape before unfolding get it wrong.
            let backslashes = rest[..cut]
                .bytes()
                .rev()
                .take_while(|b| *b == b'\\')
                .count();
            if backslashes % 2 == 1 && cut > 1 {
                cut -= 1;
                continue;
            }
            break;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n");
        rest = &rest[cut..];
        first = false;
    }
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn line(&mut self, content: &str) {
        fold_line(content, &mut self.out);
    }
}

/// The domain part of every event UID (`event-{id}@{domain}`), the same in
/// the server's feeds and in the app's "add to calendar", so a phone that
/// has both sees one event, not two (RFC 5545 §3.8.4.7: UIDs are globally
/// unique and stable). Keyed by the gmina's TERYT code, so two gminas
/// running mMieszkaniec never collide.
pub fn uid_domain(gmina: Option<&Gmina>) -> String {
    match gmina {
        Some(g) if !g.teryt.is_empty() => format!("{}.mmieszkaniec", g.teryt),
        _ => "mmieszkaniec".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GeoPoint;
    use ical::parser::ical::component::IcalCalendar;
    use ical::property::Property;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn categories() -> Vec<EventCategory> {
        vec![EventCategory {
            id: "kultura".into(),
            name_pl: "Kultura, sztuka; muzyka".into(),
            name_en: "Culture".into(),
        }]
    }

    const TITLE: &str = "Koncert „Pod gwiazdami”, czyli muzyka; taniec i zabawa 🎶🎉 — Żółć gęślą jaźń, zapraszamy wszystkich mieszkańców gminy Siechnice!";
    const DESCRIPTION: &str = "Pierwsza linia: wstęp wolny, miejsca siedzące.\nDruga linia; ścieżka C:\\Dane\\plik.txt\n\nTrzecia po pustej 🙂";

    fn events() -> Vec<Event> {
        let base = Event {
            id: 41,
            title: TITLE.into(),
            description: DESCRIPTION.into(),
            // 18:00 local (CET) on Tuesday 10 March 2026.
            starts_at: utc("2026-03-10T17:00:00Z"),
            ends_at: utc("2026-03-10T19:30:00Z"),
            all_day: false,
            place_name: Some("Gminny Ośrodek Kultury, ul. Szkolna 1; sala B".into()),
            point: Some(GeoPoint {
                lat: 51.0341,
                lon: 17.1447,
            }),
            category: Some("kultura".into()),
            organiser: Some("GOK Siechnice".into()),
            image_url: None,
            accessibility: Some("Podjazd dla wózków, pętla indukcyjna".into()),
            cancelled: false,
            rrule: Some("rrule:freq=weekly;byday=tu,th;count=10".into()),
            updated_at: utc("2026-02-01T08:30:15Z"),
        };
        let all_day = Event {
            id: 42,
            title: "Dni Siechnic".into(),
            description: String::new(),
            starts_at: utc("2026-06-12T22:00:00Z"),
            ends_at: utc("2026-06-14T22:00:00Z"),
            all_day: true,
            place_name: None,
            point: None,
            category: Some("nieznana".into()),
            organiser: None,
            image_url: None,
            accessibility: None,
            cancelled: false,
            rrule: Some("FREQ=MONTHLY;BYDAY=2SA;UNTIL=20261231".into()),
            updated_at: utc("2026-02-02T10:00:00Z"),
        };
        let cancelled = Event {
            id: 43,
            title: "Odwołane: zebranie wiejskie".into(),
            description: "Przeniesione".into(),
            starts_at: utc("2026-10-25T16:00:00Z"),
            ends_at: utc("2026-10-25T18:00:00Z"),
            all_day: false,
            place_name: None,
            point: None,
            category: None,
            organiser: None,
            image_url: None,
            accessibility: None,
            cancelled: true,
            rrule: None,
            updated_at: utc("2026-10-20T12:00:00Z"),
        };
        vec![base, all_day, cancelled]
    }

    fn opts<'a>(cats: &'a [EventCategory]) -> IcsOptions<'a> {
        IcsOptions {
            calendar_name: "Wydarzenia, gmina Siechnice",
            uid_domain: "siechnice.example.pl",
            categories: cats,
        }
    }

    /// RFC 5545 §3.3.11 unescaping, written independently of `escape_text`.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(other) => out.push(other),
                None => panic!("dangling backslash in {s:?}"),
            }
        }
        out
    }

    fn parse(text: &str) -> IcalCalendar {
        let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
        let cal = parser
            .next()
            .expect("one calendar")
            .expect("the ical crate parses our output");
        assert!(parser.next().is_none());
        cal
    }

    fn prop<'a>(props: &'a [Property], name: &str) -> &'a Property {
        let found: Vec<_> = props.iter().filter(|p| p.name == name).collect();
        assert_eq!(found.len(), 1, "{name} once");
        found[0]
    }

    fn value<'a>(props: &'a [Property], name: &str) -> &'a str {
        prop(props, name).value.as_deref().unwrap()
    }

    fn param(p: &Property, name: &str) -> Option<Vec<String>> {
        p.params
            .as_ref()?
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn assert_physical_lines(text: &str) {
        assert!(text.ends_with("\r\n"));
        for line in text.split_inclusive("\r\n") {
            assert!(line.ends_with("\r\n"), "line without CRLF: {line:?}");
            let body = &line[..line.len() - 2];
            assert!(
                !body.contains('\r') && !body.contains('\n'),
                "bare line break in {line:?}"
            );
            assert!(body.len() <= 75, "{} octets: {body:?}", body.len());
        }
    }

    #[test]
    fn calendar_is_read_back_by_the_ical_crate() {
        let cats = categories();
        let events = events();
        let text = calendar(&events, &opts(&cats));
        assert_physical_lines(&text);
        // Long Polish text really was folded.
        assert!(text.split("\r\n").any(|l| l.starts_with(' ')));

        let cal = parse(&text);
        let p = &cal.properties;
        assert_eq!(value(p, "VERSION"), "2.0");
        assert_eq!(value(p, "PRODID"), "-//mMieszkaniec//mMieszkaniec 1.0//PL");
        assert_eq!(value(p, "CALSCALE"), "GREGORIAN");
        assert_eq!(value(p, "METHOD"), "PUBLISH");
        assert_eq!(
            unescape(value(p, "X-WR-CALNAME")),
            "Wydarzenia, gmina Siechnice"
        );
        assert_eq!(value(p, "X-WR-TIMEZONE"), "Europe/Warsaw");

        assert_eq!(cal.timezones.len(), 1);
        let tz = &cal.timezones[0];
        assert_eq!(value(&tz.properties, "TZID"), "Europe/Warsaw");
        assert_eq!(tz.transitions.len(), 2);
        let rules: Vec<_> = tz
            .transitions
            .iter()
            .map(|t| value(&t.properties, "RRULE").to_string())
            .collect();
        assert!(rules.contains(&"FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU".to_string()));
        assert!(rules.contains(&"FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU".to_string()));

        assert_eq!(cal.events.len(), 3);
        let (a, b, c) = (
            &cal.events[0].properties,
            &cal.events[1].properties,
            &cal.events[2].properties,
        );

        assert_eq!(value(a, "UID"), "event-41@siechnice.example.pl");
        assert_eq!(value(a, "DTSTAMP"), "20260201T083015Z");
        assert_eq!(value(a, "LAST-MODIFIED"), "20260201T083015Z");
        assert_eq!(
            param(prop(a, "DTSTART"), "TZID"),
            Some(vec!["Europe/Warsaw".to_string()])
        );
        assert_eq!(value(a, "DTSTART"), "20260310T180000");
        assert_eq!(
            param(prop(a, "DTEND"), "TZID"),
            Some(vec!["Europe/Warsaw".to_string()])
        );
        assert_eq!(value(a, "DTEND"), "20260310T203000");
        assert_eq!(value(a, "RRULE"), "FREQ=WEEKLY;COUNT=10;BYDAY=TU,TH");
        assert_eq!(unescape(value(a, "SUMMARY")), TITLE);
        assert_eq!(
            unescape(value(a, "DESCRIPTION")),
            format!(
                "{DESCRIPTION}\n\nOrganizator: GOK Siechnice\nDostępność: Podjazd dla wózków, pętla indukcyjna"
            )
        );
        assert_eq!(
            unescape(value(a, "LOCATION")),
            "Gminny Ośrodek Kultury, ul. Szkolna 1; sala B"
        );
        assert_eq!(value(a, "GEO"), "51.0341;17.1447");
        assert_eq!(unescape(value(a, "CATEGORIES")), "Kultura, sztuka; muzyka");
        assert_eq!(value(a, "STATUS"), "CONFIRMED");

        assert_eq!(value(b, "UID"), "event-42@siechnice.example.pl");
        assert_eq!(
            param(prop(b, "DTSTART"), "VALUE"),
            Some(vec!["DATE".to_string()])
        );
        assert_eq!(value(b, "DTSTART"), "20260613");
        assert_eq!(value(b, "DTEND"), "20260615");
        // DTSTART is a DATE, so UNTIL is too (RFC 5545 §3.3.10).
        assert_eq!(value(b, "RRULE"), "FREQ=MONTHLY;UNTIL=20261231;BYDAY=2SA");
        assert_eq!(value(b, "CATEGORIES"), "nieznana");
        assert!(
            b.iter()
                .all(|p| p.name != "DESCRIPTION" && p.name != "LOCATION" && p.name != "GEO")
        );

        assert_eq!(value(c, "UID"), "event-43@siechnice.example.pl");
        assert_eq!(value(c, "STATUS"), "CANCELLED");
        // 25 October 2026 after the change: CET, so 16:00Z is 17:00 local.
        assert_eq!(value(c, "DTSTART"), "20261025T170000");
        assert!(
            c.iter()
                .all(|p| p.name != "RRULE" && p.name != "CATEGORIES")
        );

        // The RRULE the feed carries is the one our expansion uses.
        let rule: RecurrenceRule = value(a, "RRULE").parse().unwrap();
        assert_eq!(
            Some(rule),
            RecurrenceRule::parse(events[0].rrule.as_deref().unwrap()).ok()
        );
    }

    #[test]
    fn output_is_deterministic_and_single_event_is_a_calendar_of_one() {
        let cats = categories();
        let events = events();
        assert_eq!(
            calendar(&events, &opts(&cats)),
            calendar(&events, &opts(&cats))
        );
        let one = single_event(&events[2], &opts(&cats));
        assert_eq!(one, calendar(&events[2..3], &opts(&cats)));
        assert_eq!(parse(&one).events.len(), 1);
        let empty = calendar(&[], &opts(&cats));
        assert!(parse(&empty).events.is_empty());
        assert!(empty.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(empty.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn escaping_and_folding_by_hand() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg\th\u{7}i"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng\th".to_string() + "i"
        );
        let mut out = String::new();
        fold_line(&"x".repeat(75), &mut out);
        assert_eq!(out, format!("{}\r\n", "x".repeat(75)));
        out.clear();
        fold_line(&"x".repeat(76), &mut out);
        assert_eq!(out, format!("{}\r\n x\r\n", "x".repeat(75)));
        out.clear();
        // A 2-octet character straddling octet 75 moves whole to the next line.
        fold_line(&format!("{}ż", "x".repeat(74)), &mut out);
        assert_eq!(out, format!("{}\r\n ż\r\n", "x".repeat(74)));
        out.clear();
        // A physical line does not end in a space when it can be avoided.
        fold_line(&format!("{} yy", "x".repeat(74)), &mut out);
        assert_eq!(out, format!("{}\r\n  yy\r\n", "x".repeat(74)));
        out.clear();
        // Nor inside an escape.
        out.clear();
        fold_line(&format!("{}\\;b", "x".repeat(74)), &mut out);
        assert_eq!(out, format!("{}\r\n \\;b\r\n", "x".repeat(74)));
        out.clear();
        fold_line(&format!("{}\\\\b", "x".repeat(73)), &mut out);
        assert_eq!(out, format!("{}\\\\\r\n b\r\n", "x".repeat(73)));
        out.clear();
        // Nor in any other Unicode white space (found by proptest: U+2000).
        fold_line(&format!("{}\u{2000}yy", "x".repeat(73)), &mut out);
        assert_eq!(out, format!("{}\r\n \u{2000}yy\r\n", "x".repeat(73)));
    }

    /// What TEXT can carry: line breaks become LF, other controls but tab go.
    fn normalise(s: &str) -> String {
        s.replace("\r\n", "\n")
            .replace('\r', "\n")
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect()
    }

    /// RFC 5545 §3.1 unfolding, exactly: drop every CRLF followed by one space.
    fn unfold(text: &str) -> String {
        text.strip_suffix("\r\n").unwrap().replace("\r\n ", "")
    }

    proptest! {
        #[test]
        fn any_text_folds_and_escapes_back(s in "\\PC{0,300}", noisy in "(\\PC|[\\r\\n\\t\\\\;,]|\u{7}){0,120}") {
            for input in [s.as_str(), noisy.as_str()] {
                let mut out = String::new();
                fold_line(&format!("SUMMARY:{}", escape_text(input)), &mut out);
                assert_physical_lines(&out);
                for physical in out.split("\r\n") {
                    let trailing = physical.bytes().rev().take_while(|b| *b == b'\\').count();
                    prop_assert!(trailing % 2 == 0, "escape split after {:?}", physical);
                }
                let line = unfold(&out);
                prop_assert_eq!(unescape(line.strip_prefix("SUMMARY:").unwrap()), normalise(input));

                // The independent parser agrees. Two quirks of the ical crate
                // are allowed for: it trims white space at the end of a value
                // and strips colons at its start.
                let text = format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{out}END:VEVENT\r\nEND:VCALENDAR\r\n");
                let cal = parse(&text);
                let got = cal.events[0].properties.iter().find(|p| p.name == "SUMMARY").and_then(|p| p.value.clone());
                let expected = normalise(input);
                // (A newline is written as `\n`, so it is not white space there.)
                let expected = expected.trim_end_matches(|c: char| c.is_whitespace() && c != '\n').trim_start_matches(':');
                if expected.is_empty() {
                    prop_assert!(got.as_deref().is_none_or(|v| unescape(v).is_empty()));
                } else {
                    prop_assert_eq!(unescape(&got.unwrap()), expected);
                }
            }
        }
    }
}

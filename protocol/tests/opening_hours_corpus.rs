//! The opening_hours corpus (`tests/data/opening_hours_corpus.tsv`): every
//! value read or left unread as expected, open or closed as expected at
//! each instant; by category, at least as many lines right as the
//! `opening-hours` crate alone (its parser and evaluation, no holidays,
//! wall-clock time); every Polish-holiday line right.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::opening_hours::OpeningHours;
use opening_hours::localization::Country;

const CORPUS: &str = include_str!("data/opening_hours_corpus.tsv");

struct Line<'a> {
    number: usize,
    category: &'a str,
    value: &'a str,
    read: bool,
    checks: Vec<(NaiveDateTime, DateTime<Utc>, bool)>,
    known_miss: Option<&'a str>,
}

fn lines() -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (i, raw) in CORPUS.lines().enumerate() {
        if raw.starts_with('#') || raw.is_empty() {
            continue;
        }
        let f: Vec<&str> = raw.split('\t').collect();
        assert!(f.len() >= 5, "line {}: {raw:?}", i + 1);
        let read = match f[2] {
            "ok" => true,
            "unread" => false,
            other => panic!("line {}: expect {other:?}", i + 1),
        };
        let checks = f[3]
            .split_whitespace()
            .map(|c| {
                let (at, state) = c.split_once('=').unwrap_or_else(|| panic!("line {}: {c}", i + 1));
                let open = match state {
                    "open" => true,
                    "closed" => false,
                    other => panic!("line {}: state {other:?}", i + 1),
                };
                let (local, instant) = match at.strip_suffix('Z') {
                    Some(u) => {
                        let utc = NaiveDateTime::parse_from_str(u, "%Y-%m-%dT%H:%M").unwrap().and_utc();
                        (utc.with_timezone(&LOCAL_TZ).naive_local(), utc)
                    }
                    None => {
                        let local = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M").unwrap();
                        let instant = LOCAL_TZ
                            .from_local_datetime(&local)
                            .single()
                            .unwrap_or_else(|| panic!("line {}: {at} is not one instant in Warsaw", i + 1));
                        (local, instant.with_timezone(&Utc))
                    }
                };
                (local, instant, open)
            })
            .collect();
        out.push(Line {
            number: i + 1,
            category: f[0],
            value: f[1],
            read,
            checks,
            known_miss: f.get(5).copied().filter(|s| !s.is_empty()),
        });
    }
    out
}

/// Ours: right when read/unread as expected and every check holds.
fn ours_right(l: &Line<'_>) -> Result<(), String> {
    match OpeningHours::parse(l.value) {
        Ok(_) if !l.read => Err("read, expected unread".into()),
        Err(e) if l.read => Err(format!("unread: {e}")),
        Err(_) => Ok(()),
        Ok(h) => {
            for (_, at, open) in &l.checks {
                if h.is_open(*at) != *open {
                    return Err(format!("{} at {at} (reading {:?})", if *open { "closed" } else { "open" }, h.reading()));
                }
            }
            Ok(())
        }
    }
}

/// The crate alone: its parser as is, its evaluation at the Warsaw wall
/// time, with no holidays (`with_pl`: with its own Polish calendar).
fn crate_right(l: &Line<'_>, with_pl: bool) -> bool {
    match l.value.parse::<opening_hours::OpeningHours>() {
        Ok(_) if !l.read => false,
        Err(_) => !l.read,
        Ok(h) => {
            let h = if with_pl {
                h.with_context(opening_hours::Context::default().with_holidays(Country::PL.holidays()))
            } else {
                h.with_context(opening_hours::Context::default())
            };
            l.checks.iter().all(|(local, _, open)| h.is_open(*local) == *open)
        }
    }
}

#[test]
fn corpus_by_category() {
    let lines = lines();
    let distinct: std::collections::BTreeSet<&str> = lines.iter().map(|l| l.value).collect();
    assert!(distinct.len() >= 500, "{} distinct values", distinct.len());

    // category -> [lines, ours right, crate alone right, crate with its PL calendar right, checks]
    let mut table: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    let mut failures = Vec::new();
    for l in &lines {
        let row = table.entry(l.category).or_default();
        row[0] += 1;
        row[4] += l.checks.len();
        let ours = ours_right(l);
        row[1] += ours.is_ok() as usize;
        row[2] += crate_right(l, false) as usize;
        row[3] += crate_right(l, true) as usize;
        match (&ours, l.known_miss) {
            (Ok(()), None) | (Err(_), Some(_)) => {}
            (Err(why), None) => failures.push(format!("line {} {:?}: {why}", l.number, l.value)),
            (Ok(()), Some(miss)) => {
                failures.push(format!("line {} {:?}: now right; remove the known miss ({miss})", l.number, l.value))
            }
        }
    }
    // The table, printed (`-- --nocapture`) and kept beside the test binaries.
    let mut report = format!("{} lines, {} distinct values; lines right:\n", lines.len(), distinct.len());
    report += &format!("{:<16} {:>6} {:>7} {:>12} {:>14} {:>7}\n", "category", "lines", "ours", "crate alone", "crate + its PL", "checks");
    for (category, r) in &table {
        report += &format!("{category:<16} {:>6} {:>7} {:>12} {:>14} {:>7}\n", r[0], r[1], r[2], r[3], r[4]);
    }
    print!("{report}");
    let _ = std::fs::write(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("opening_hours_corpus.txt"), &report);
    assert!(failures.is_empty(), "{} lines wrong:\n{}", failures.len(), failures.join("\n"));
    for (category, r) in &table {
        assert!(r[1] >= r[2], "{category}: ours {} right, the crate alone {}", r[1], r[2]);
    }
    let ph = table["polish-holiday"];
    assert_eq!(ph[1], ph[0], "every Polish-holiday line right");
}

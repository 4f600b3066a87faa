//! Measurement, not a check: how many of the reference `opening_hours`
//! values (`../shared/reference/opening-hours/values.tsv`, read in place,
//! never copied into the project) each parser accepts, by source category.
//!
//! `cargo test -p mm-protocol --test opening_hours_values -- --ignored --nocapture`

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use mm_protocol::opening_hours::OpeningHours;

fn values_path() -> PathBuf {
    if let Some(p) = std::env::var_os("MM_OPENING_HOURS_VALUES") {
        return p.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/opening-hours/values.tsv")
}

#[test]
#[ignore = "measurement over the shared reference values; run by hand"]
fn acceptance_by_category() {
    let path = values_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("no reference values at {}; nothing measured", path.display());
        return;
    };
    // (source, expect) -> [values, ours, crate alone]
    let dump = std::env::var_os("MM_OPENING_HOURS_DUMP").is_some();
    let mut counts: BTreeMap<(String, String), [usize; 3]> = BTreeMap::new();
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    for line in text.lines().skip(1) {
        let mut f = line.split('\t');
        let (Some(value), Some(source), Some(expect)) = (f.next(), f.next(), f.next()) else { continue };
        let c = counts.entry((source.to_string(), expect.to_string())).or_default();
        c[0] += 1;
        let ours = OpeningHours::parse(value);
        if let Ok(h) = &ours {
            // Every accepted value is evaluated: no panic, and how long the
            // slowest next-change search takes (bounded to 400 days).
            let t = Instant::now();
            for at in instants() {
                let _ = h.is_open(at);
                let _ = h.next_change(at);
            }
            slowest.push((t.elapsed(), value.to_string()));
        }
        let alone = value.parse::<opening_hours::OpeningHours>().is_ok();
        c[1] += ours.is_ok() as usize;
        c[2] += alone as usize;
        if dump && ours.is_ok() != alone {
            let reading = ours.as_ref().ok().and_then(|h| h.reading().map(str::to_string));
            println!("{source}\t{expect}\tours={}\tcrate={alone}\t{value}\t=> {reading:?}", ours.is_ok());
        }
    }
    let pct = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
    println!("{:<16} {:<24} {:>6} {:>14} {:>14}", "source", "expect", "values", "ours", "crate alone");
    let mut total = [0usize; 3];
    for ((source, expect), c) in &counts {
        println!(
            "{source:<16} {expect:<24} {:>6} {:>6} {:>6.1}% {:>6} {:>6.1}%",
            c[0], c[1], pct(c[1], c[0]), c[2], pct(c[2], c[0])
        );
        for i in 0..3 {
            total[i] += c[i];
        }
    }
    println!(
        "{:<41} {:>6} {:>6} {:>6.1}% {:>6} {:>6.1}%",
        "all", total[0], total[1], pct(total[1], total[0]), total[2], pct(total[2], total[0])
    );
    // Reading cost, all values, ours and the crate alone (a debug build
    // here: an upper bound, the release figure is far lower).
    let values: Vec<&str> = text.lines().skip(1).filter_map(|l| l.split('\t').next()).collect();
    let t = Instant::now();
    let read = values.iter().filter(|v| OpeningHours::parse(v).is_ok()).count();
    let ours = t.elapsed();
    let t = Instant::now();
    let alone = values.iter().filter(|v| v.parse::<opening_hours::OpeningHours>().is_ok()).count();
    let crate_alone = t.elapsed();
    println!(
        "reading {} values: ours {:?} ({:?} each, {read} read), the crate alone {:?} ({:?} each, {alone} read)",
        values.len(),
        ours,
        ours / values.len() as u32,
        crate_alone,
        crate_alone / values.len() as u32
    );
    slowest.sort();
    println!("slowest evaluations (is_open + next_change at {} instants, this build):", instants().len());
    for (t, v) in slowest.iter().rev().take(5) {
        println!("  {t:?}  {v}");
    }
}

fn instants() -> Vec<DateTime<Utc>> {
    ["2026-06-03T10:00:00Z", "2026-12-24T18:30:00Z", "2026-03-29T00:30:00Z", "2026-10-25T00:30:00Z"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect()
}
